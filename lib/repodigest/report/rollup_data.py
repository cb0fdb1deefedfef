"""The rollup's data: what :func:`repodigest.report.rollup.build_rollup` returns, JSON-ready (``rollup.json``).

Commits are cited with their day and the level their report showed; every list is in the order the
report shows it. The rules that fill it are :mod:`.rollup`'s.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

from .overview import Cite


@dataclass
class Figures:
    """One period's figures: its days and, per repository, commits, contributors and levels."""

    first: str
    last: str
    days: int
    commits: int = 0
    contributors: int = 0
    levels: dict[str, int] = field(default_factory=dict)


@dataclass
class AreaChange:
    area: str
    commits: int
    previous: int
    grew: bool
    new: bool


@dataclass
class Cited:
    """A commit cited with its day and level (the level its report showed: the model's where cached)."""

    commit: Cite
    day: str
    level: str | None = None
    author: str = ""


@dataclass
class Thread:
    rank: int
    kind: str  # series | branch | issue | files (analytics.threads)
    key: str  # the series' title, the branch, the issue (#N) or the file's path
    area: str
    days: list[str]  # the period's days it has commits on
    commits: list[Cited]  # the period's commits, oldest first
    authors: list[str]
    earlier: int  # its commits before the period (in the previous rollup's rows), not listed again
    earlier_days: list[str]
    line: str = ""  # the model's wording when it passed the checks, else data_line
    data_line: str = ""


@dataclass
class Red:
    """A 🔴 commit of the period and what followed it up to the period's end."""

    commit: Cited
    area: str
    reason: str  # the model's importance reason when cached, else the rules' strongest reasons
    followed: list[dict] = field(default_factory=list)  # [{kind: revert | fix, by: Cited}]


@dataclass
class Repair:
    """A fix or a revert of the period and the earlier commits it repaired."""

    kind: str  # fix | revert
    fix: Cited
    repaired: list[dict] = field(default_factory=list)  # [{commit: Cited, previous_red: bool}]


@dataclass
class People:
    new: list[str]
    history_days: int  # the days before the period the "new" are judged against
    active: list[tuple[str, int]]
    by_area: list[tuple[str, list[str]]]


@dataclass
class RepoRollup:
    repo: str
    current: Figures
    previous: Figures
    areas: list[AreaChange]
    more_areas: int
    threads: list[Thread]
    more_threads: int
    red: list[Red]
    repairs: list[Repair]
    people: People
    track_record: dict | None
    headline: str
    data_headline: str
    source: str = "data"  # data | llm
    note: str = ""


@dataclass
class Rollup:
    """The rollup of ``days`` (see the module docstring for every rule)."""

    period: str  # week | month
    lang: str
    days: list[str]
    previous_days: list[str]
    repos: list[RepoRollup]

    def to_dict(self) -> dict:
        """The rollup as JSON-ready data (what ``rollup.json`` holds): a figure that could not be measured
        (an AUC of one class) is None, not NaN."""
        return _no_nan(asdict(self))

    def repo(self, name: str) -> RepoRollup:
        return next(r for r in self.repos if r.repo == name)


def _no_nan(value):
    if isinstance(value, dict):
        return {k: _no_nan(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_no_nan(v) for v in value]
    return None if isinstance(value, float) and math.isnan(value) else value
