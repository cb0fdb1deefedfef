"""What a commit's signals say could go wrong, and what a reviewer should do about it, as codes.

The rules decide here; the report words each code with its language's ``[risk]`` and ``[tips]``
strings. A commit with no risk signal gets the ``none`` risk, one with no advice the ``watch`` advice.

| risk | when | advice |
|---|---|---|
| ``breaking`` | a breaking-change marker in the message | |
| ``public_api`` | public-API paths changed (first three named) | ``review_api`` |
| ``security_path`` | security-sensitive paths changed | ``security`` |
| ``revert`` | the commit is a revert | |
| ``no_tests`` | at least ``UNTESTED_LINES`` source lines changed and no test file | ``tests`` |
| ``large`` | at least ``LARGE_FILES`` files or ``LARGE_LINES`` lines | |
| | three areas or more | ``split`` |
| ``build_path`` | build or dependency files changed, unless the change is docs or tests | ``build`` |
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..models import Commit
from .paths import is_source

UNTESTED_LINES = 20
LARGE_FILES = 20
LARGE_LINES = 1000
SPLIT_AREAS = 3
NAMED_PATHS = 3  # paths a finding names; the rest are in the entry's file list


@dataclass(frozen=True)
class Finding:
    """One risk or piece of advice: its code (a key of the strings' ``[risk]`` or ``[tips]`` table) and
    the data its wording needs."""

    code: str
    paths: tuple[str, ...] = ()
    lines: int = 0
    files: int = 0

    def to_dict(self) -> dict:
        return {"code": self.code, "paths": list(self.paths), "lines": self.lines, "files": self.files}


def findings(
    commit: Commit, change_type: str, signals, areas: Sequence[str]
) -> tuple[tuple[Finding, ...], tuple[Finding, ...]]:
    """The risks and the advice of a commit by the table in this module's docstring, in that order."""
    risks: list[Finding] = []
    advice: list[Finding] = []
    churn = signals.lines_added + signals.lines_deleted
    if signals.breaking:
        risks.append(Finding("breaking"))
    if signals.public_api_paths:
        risks.append(Finding("public_api", tuple(signals.public_api_paths[:NAMED_PATHS])))
        advice.append(Finding("review_api"))
    if signals.security_paths:
        risks.append(Finding("security_path", tuple(signals.security_paths[:NAMED_PATHS])))
        advice.append(Finding("security"))
    if signals.revert:
        risks.append(Finding("revert"))
    source = [f for f in commit.files if is_source(f.path)]
    source_lines = sum(f.churn for f in source)
    if source and not signals.tests_touched and source_lines >= UNTESTED_LINES:
        risks.append(Finding("no_tests", lines=source_lines))
        advice.append(Finding("tests"))
    if signals.files >= LARGE_FILES or churn >= LARGE_LINES:
        risks.append(Finding("large", files=signals.files, lines=churn))
    if len(areas) >= SPLIT_AREAS:
        advice.append(Finding("split"))
    if signals.build_paths and change_type not in ("docs", "test"):
        risks.append(Finding("build_path", signals.build_paths[:NAMED_PATHS]))
        advice.append(Finding("build"))
    return tuple(risks) or (Finding("none"),), tuple(advice) or (Finding("watch"),)
