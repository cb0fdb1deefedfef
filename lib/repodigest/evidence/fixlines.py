"""What a fix commit changed that SZZ blames: the fix-commit rule, and the lines a fix deletes or
modifies, read for many commits at once (``git log --no-walk``: their files, then their patches).

**The change's own words.** GitHub's merge button titles a merge ``Merge pull request #N from
owner/branch`` and puts the pull request's title in the body; git titles one ``Merge branch 'topic'``.
For a merge title the body is the message that counts (:func:`change_message`), so a merged
``Revert "x"`` or ``Fix y`` reads as one, and a merge with an empty body says nothing: its branch name
(``issue-28641``, ``fix-ci``) is a label, never read as a fix or a revert.

**Fix commits** (:func:`is_fix_title`, then :func:`is_fix`): the change type of
:func:`repodigest.scoring.change_type.classify` is ``fix`` for the change's title and paths (a
``fix:`` prefix, a ``[Fix]`` tag, or a fix word such as fix, bug, crash, regression, error in the
title; a revert is a revert, never a fix), and the title does not name a mechanical sweep (typos,
spelling, or a linter or type checker by name: ``MECHANICAL``). Measured on pytest's first-parent
history since 2021 (2,301 changes) against its own record of bug fixes (a change that adds a
``changelog/<n>.bugfix.rst``, 264 of them): this rule picks 305 changes, 50% of them such bug
fixes, and finds 58% of the bug fixes. A "fixes/closes #N" reference instead picks 247 at 38%
and finds 35% (closing an issue is as often a feature); the union finds 69% at 37%; the
sweep words take out 26 changes of which 1 was a bug fix. What the rule misses: fixes titled
without a fix word ("Don't trust a zero file ID", "Avoid ...", "Restore ..."); what it catches
wrongly: internal fixes with no user-facing bug (CI, tests, docs: their files are skipped anyway)
and refactors that mention an error or an issue.

**Lines blamed** (:func:`read_fixes`): the lines each fix deletes or modifies (the ``-`` lines of its
diff against its first parent, ``-U0 -M``; a merge's diff against its first parent is its change), by
their numbers in the parent, where the parent's path is the one before a rename. Skipped:

- files that are not source (tests, docs, CI, build and dependency files, lockfiles, generated and
  vendored files: :func:`repodigest.scoring.paths.is_source`), binary files;
- a fix with lines to blame in more than ``MAX_FIX_FILES`` source files (a sweep across the code,
  whatever its title says; on pytest no fix reaches it: the largest blames 7 files, and the two lint
  sweeps of 17 and 22 files are already out by their words);
- hunks that delete more than ``MAX_HUNK_LINES`` lines (a rewrite or a deleted file says which code
  was replaced, not which line was wrong);
- submodule pointers (gitlinks, mode 160000: ``Subproject commit <sha>`` is no line of code);
- blank lines, comment-only lines (``#`` in Python and shell-like files; ``//`` in C-like ones, and
  there lines of a block comment: a line opening ``/*`` with no code after the comment, a `` * ``
  continuation, a line closing ``*/`` with nothing after it, and the lines between an opening and a
  closing within the hunk; a block comment's plain lines whose opening lies before the hunk are not
  recognised), and lines whose text returns among the hunk's added lines once whitespace is removed
  (re-indented or re-wrapped, not changed).
A fix's own added lines are never blamed: they are not in its parent.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from ..errors import SourceError
from ..scoring import paths
from ..scoring.change_type import classify
from ..sources.git_process import run_git
from ..sources.gitlog import parse_name_status
from ..sources.message import merge_title, split_message

MAX_HUNK_LINES = 100
MAX_FIX_FILES = 20
MECHANICAL = re.compile(
    r"\b(typos?|spelling|codespell|lint|linters?|linting|pre-commit|ruff|flake8|mypy|pyright|"
    r"pylint|isort|eslint|prettier|clippy|rustfmt|clang-format|gofmt)\b",
    re.IGNORECASE,
)
_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@")
# A diff header naming mode 160000: the file is a submodule pointer (a gitlink), before or after.
GITLINK = re.compile(
    r"^(?:index [0-9a-f]+\.\.[0-9a-f]+ 160000|(?:new|deleted) file mode 160000|(?:old|new) mode 160000)$"
)
_COMMENT = {
    "#": {".py", ".pyi", ".pyx", ".sh", ".bash", ".rb", ".pl", ".r", ".jl", ".cmake"},
    "//": {
        ".c",
        ".h",
        ".cc",
        ".cpp",
        ".cxx",
        ".hpp",
        ".hh",
        ".cu",
        ".cuh",
        ".rs",
        ".go",
        ".java",
        ".kt",
        ".scala",
        ".js",
        ".jsx",
        ".ts",
        ".tsx",
        ".swift",
        ".cs",
        ".dart",
        ".zig",
    },
}


def change_message(message: str) -> str:
    """The message that describes the change: for a merge title (GitHub's ``Merge pull request #N from
    owner/branch``, git's ``Merge branch 'topic'``: :func:`~repodigest.sources.message.merge_title`) its
    body (the pull request's title first), which is empty when the merge says nothing, since a branch
    name is a label, not a sentence; else the message itself."""
    title, body = split_message(message or "")
    return body if merge_title(title, "") is not None else (message or "")


def is_fix_title(message: str) -> bool:
    """The fix-commit rule on the message alone (the paths not looked at): cheap, and true for every
    fix commit; :func:`is_fix` decides with the paths."""
    return is_fix(message, ())


def is_fix(message: str, files) -> bool:
    """The fix-commit rule: ``classify(title, paths)`` is ``fix`` for the change's title and files, and
    the title names no mechanical sweep."""
    title = split_message(change_message(message))[0]
    return classify(title, files)[0] == "fix" and not MECHANICAL.search(title)


@dataclass
class FixLines:
    """What one fix commit gives SZZ to blame: per path in its parent, the line numbers to blame."""

    sha: str
    files: list[str] = field(default_factory=list)  # every path the commit touches (new names)
    fix: bool = False  # the fix-commit rule holds
    lines: dict[str, list[int]] = field(default_factory=dict)  # parent path -> line numbers, ascending
    skipped: dict[str, int] = field(default_factory=lambda: {"sweeps": 0, "files": 0, "hunks": 0, "lines": 0})


def unquote(text: str) -> str:
    """A path as git writes it in a diff header: C-quoted when it holds control characters or quotes."""
    if len(text) > 1 and text.startswith('"') and text.endswith('"'):
        return codecs.escape_decode(text[1:-1].encode("utf-8"))[0].decode("utf-8", "replace")
    return text


def diff_path(text: str) -> str | None:
    """The path of a ``--- a/x`` / ``+++ b/x`` line (after the marker), None for /dev/null."""
    text = unquote(text.rstrip("\n"))
    if text == "/dev/null":
        return None
    return text[2:] if text[:2] in ("a/", "b/") else text


def _ignorable(text: str, suffix: str) -> bool:
    stripped = text.strip()
    if not stripped:
        return True
    return any(stripped.startswith(mark) and suffix in exts for mark, exts in _COMMENT.items())


def _after_close(text: str, at: int) -> tuple[bool, bool]:
    """(only comment follows the ``*/`` at ``at``, a new block comment opens and stays open)."""
    rest = text[at + 2 :].strip()
    if not rest or rest.startswith("//"):
        return True, False
    if rest.startswith("/*"):
        return True, "*/" not in rest[2:]
    return False, False


def block_comment_lines(lines: list[str]) -> list[bool]:
    """Which of ``lines`` (consecutive lines of a C-like file) are block-comment lines, by the module's
    rule: opened by ``/*`` with no code after the comment, a `` * `` continuation, closed by ``*/`` with
    nothing after it, or between an opening and its closing."""
    found, inside = [], False
    for text in lines:
        s = text.strip()
        close = s.find("*/")
        if inside or s.startswith("/*"):
            start = 0 if inside else 2
            close = s.find("*/", start)
            if close < 0:
                found.append(True)
                inside = True
            else:
                only, inside = _after_close(s, close)
                found.append(only)
        elif s == "*" or s.startswith("* ") or (close >= 0 and "/*" not in s[:close]):
            only = True if close < 0 else _after_close(s, close)[0]
            found.append(only)
        else:
            found.append(False)
            opened = s.rfind("/*")
            inside = (  # code, then a comment that stays open (not a "/*" inside a string: "src/*.c")
                opened >= 0
                and "*/" not in s[opened + 2 :]
                and s[:opened].count('"') % 2 == 0
                and s[:opened].count("`") % 2 == 0
            )
    return found


class _Hunk:
    def __init__(self, start: int, count: int):
        self.start, self.count = start, count
        self.deleted: list[str] = []
        self.added: set[str] = set()


def _close(fix: FixLines, path: str | None, hunk: _Hunk | None) -> None:
    if hunk is None or path is None or not hunk.deleted:
        return
    if len(hunk.deleted) > MAX_HUNK_LINES:
        fix.skipped["hunks"] += 1
        return
    suffix = PurePosixPath(path).suffix.lower()
    blocks = block_comment_lines(hunk.deleted) if suffix in _COMMENT["//"] else [False] * len(hunk.deleted)
    kept = []
    for offset, text in enumerate(hunk.deleted):
        if blocks[offset] or _ignorable(text, suffix) or "".join(text.split()) in hunk.added:
            fix.skipped["lines"] += 1
        else:
            kept.append(hunk.start + offset)
    if kept:
        fix.lines.setdefault(path, []).extend(kept)


def _parse_one(sha: str, text: str) -> FixLines:
    fix = FixLines(sha)
    old: str | None = None  # the parent's path of the current file, None when it is skipped
    hunk: _Hunk | None = None
    header = False  # between "diff --git" and the first hunk
    gitlink = False  # the file is a submodule pointer
    for line in text.split("\n"):
        if line.startswith("diff --git "):
            _close(fix, old, hunk)
            old, hunk, header, gitlink = None, None, True, False
        elif header and GITLINK.match(line):
            gitlink = True
        elif header and line.startswith("--- "):
            old = diff_path(line[4:])
        elif header and line.startswith("+++ "):
            header = False
            if gitlink and old is not None:
                fix.skipped["files"] += 1
            if old is not None and (gitlink or not paths.is_source(old)):
                old = None
        elif header and line.startswith("Binary files "):
            header = False
        elif line.startswith("@@ ") and not header:
            _close(fix, old, hunk)
            found = _HUNK.match(line)
            hunk = _Hunk(int(found.group(1)), int(found.group(2) or 1)) if found else None
        elif hunk is not None and line.startswith("-"):
            hunk.deleted.append(line[1:])
        elif hunk is not None and line.startswith("+"):
            hunk.added.add("".join(line[1:].split()))
    _close(fix, old, hunk)
    if len(fix.lines) > MAX_FIX_FILES:
        fix.skipped["sweeps"] += 1
        fix.lines = {}
    for numbers in fix.lines.values():
        numbers.sort()
    return fix


RECORD = "\x1eFIX "
_SHOW = (
    "-c",
    "core.quotepath=off",
    "-c",
    "log.showSignature=false",
    "log",
    "--no-walk=unsorted",
    "--diff-merges=first-parent",
    "-M",
    "--no-color",
    "--no-ext-diff",
    "--no-textconv",
    "--submodule=short",  # a gitlink as its two shas, whatever diff.submodule says
    f"--format={RECORD}%H",
)
BATCH = 200  # commits per git process (the batches run in parallel)


def _changes(output: bytes) -> dict[str, list[tuple[str | None, str]]]:
    """Parse ``--name-status -z`` output: sha -> (path before a rename or copy, path) per file."""
    return {sha: [(old, new) for _, old, new in files] for sha, files in parse_name_status(output, RECORD)}


def _parse_diffs(output: bytes) -> dict[str, FixLines]:
    text = output.decode("utf-8", errors="replace")
    found = {}
    # A record starts a line: a patch's own lines start with a diff marker, and git quotes a path's control bytes.
    for record in ("\n" + text).split("\n" + RECORD)[1:]:
        sha, _, diff = record.partition("\n")
        found[sha.strip()] = _parse_one(sha.strip(), diff)
    return found


def _batches(path: Path, shas: list[str], read: Callable[[list[str]], dict], workers: int) -> dict:
    """``read`` over ``shas`` in parallel batches; a batch git cannot read is read commit by commit,
    and a commit it still cannot read is left out."""

    def batch(part: list[str]) -> dict:
        try:
            return read(part)
        except SourceError:
            return {} if len(part) == 1 else {k: v for one in part for k, v in batch([one]).items()}

    found: dict = {}
    with ThreadPoolExecutor(workers) as pool:
        for part in pool.map(batch, [shas[i : i + BATCH] for i in range(0, len(shas), BATCH)]):
            found.update(part)
    return found


def read_fixes(path: Path, messages: dict[str, str], workers: int) -> dict[str, FixLines]:
    """The :class:`FixLines` of those commits of ``messages`` (sha -> message) that git can read (the
    others are left out): two passes, the files each commit touches (the fix rule's paths, and the
    source files), then the patches of the fix commits, of source files only (tests and snapshots are
    often the bulk of a patch)."""
    changes = _batches(
        path, list(messages), lambda part: _changes(run_git(path, *_SHOW, "--name-status", "-z", *part, "--")), workers
    )
    fixes = {}
    for sha, files in changes.items():
        fix = fixes[sha] = FixLines(sha, files=[new for _, new in files])
        fix.fix = is_fix(messages[sha], fix.files)
        fix.skipped["files"] = sum(1 for old, new in files if not paths.is_source(old or new))
    wanted = [sha for sha, fix in fixes.items() if fix.fix]
    sources = {
        sha: {p for old, new in changes[sha] for p in (old, new) if p and paths.is_source(old or new)} for sha in wanted
    }
    wanted = [sha for sha in wanted if sources[sha]]  # a fix of no source file has no patch to read
    if wanted:

        def patches(part: list[str]) -> dict[str, FixLines]:
            # The batch's own source files only: git matches every path of every commit against every
            # pathspec, so the pathspecs of the whole scan would make each batch as slow as all of them.
            named = sorted(set().union(*(sources[sha] for sha in part)))
            read = _parse_diffs(run_git(path, "--literal-pathspecs", *_SHOW, "-p", "-U0", *part, "--", *named))
            return {sha: read.get(sha) or FixLines(sha) for sha in part}  # git leaves out a commit with no such file

        read = _batches(path, wanted, patches, workers)
        for sha in wanted:
            if sha not in read:  # git could not read its patch (a missing object)
                del fixes[sha]
                continue
            read[sha].fix, read[sha].files = True, fixes[sha].files
            read[sha].skipped["files"] += fixes[sha].skipped["files"]  # and the gitlinks the patch showed
            fixes[sha] = read[sha]
    return fixes
