"""Forward blame: which commit wrote each line a fix deletes, carried along the first-parent line in
one ``git log -p`` per group of files instead of one ``git blame`` per file of each fix.

``git blame --first-parent -w <bound>..<fix>^ -- <file>`` walks back from a fix through every version
of the file down to the bound; a hot file blamed for twenty fixes is walked twenty times. Here each
file's versions from the bound onward are read once, oldest first (``git log --first-parent
--diff-merges=first-parent --reverse -p -U0 -w -M <bound>..<last fix> -- <files>``), and the commit
that wrote each line is carried forward hunk by hunk: a hunk's added lines are the commit's, the
others keep theirs, lines from before the bound have none. Just before a fix is applied, the lines
it deletes are looked up. The diffs are the ones blame computes (first parent, whitespace ignored,
whole-file renames followed: the old names are added to the files read), so the answer is blame's;
the tests hold it to ``git blame``'s. Files are split into ``workers`` groups read in parallel (a
file and its former names stay in one group).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tqdm import tqdm

from ..sources.git_process import run_git, stream_git
from ..sources.gitlog import parse_name_status
from .fixlines import diff_path, unquote

_RECORD = b"\x1eANNOTATE "
_HUNK = re.compile(rb"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
_LOG = (
    "--literal-pathspecs",
    "-c",
    "core.quotepath=off",
    "-c",
    "log.showSignature=false",
    "log",
    "--first-parent",
    "--diff-merges=first-parent",
    "--no-color",
    "--no-ext-diff",
    "--no-textconv",
    "--submodule=short",
)


def _revs(bound: str | None, last: str) -> str:
    return f"{bound}..{last}" if bound else last


def renames(path: Path, bound: str | None, last: str) -> list[tuple[str, str]]:
    """(old path, new path) of every whole-file rename on the first-parent line, oldest first."""
    out = run_git(
        path,
        *_LOG,
        "--reverse",
        "-M",
        "--diff-filter=R",
        "--name-status",
        "-z",
        "--format=%H",
        _revs(bound, last),
        "--",
    )
    return [(old, new) for _, files in parse_name_status(out) for letter, old, new in files if letter == "R" and old]


def _groups(paths: set[str], moves: list[tuple[str, str]], weight: dict[str, int], count: int) -> list[list[str]]:
    """``paths`` and their former names, split into at most ``count`` groups of about equal weight."""
    tracked = set(paths)
    parent: dict[str, str] = {p: p for p in tracked}

    def root(p: str) -> str:
        while parent[p] != p:
            parent[p] = parent[parent[p]]
            p = parent[p]
        return p

    for old, new in reversed(moves):  # newest first: a chain of renames leads back from a fix's path
        if new in tracked:
            tracked.add(old)
            parent.setdefault(old, old)
            parent[root(old)] = root(new)
    families: dict[str, list[str]] = {}
    for p in tracked:
        families.setdefault(root(p), []).append(p)
    groups: list[tuple[int, list[str]]] = [(0, []) for _ in range(max(1, count))]
    for family in sorted(families.values(), key=lambda f: -sum(weight.get(p, 0) + 1 for p in f)):
        load, members = min(groups, key=lambda g: g[0])
        groups.remove((load, members))
        groups.append((load + sum(weight.get(p, 0) + 1 for p in family), members + family))
    return [members for _, members in groups if members]


class _Files:
    """path -> the commit that wrote each line (None: before the bound), built from hunks."""

    def __init__(self):
        self.lines: dict[str, list] = {}

    def origin(self, path: str, number: int):
        known = self.lines.get(path, ())
        return known[number - 1] if number <= len(known) else None

    def apply(self, path: str, old_start: int, old_count: int, new_count: int, offset: int, sha: str) -> int:
        """Replace ``old_count`` lines at ``old_start`` (shifted by ``offset``) by ``new_count`` of ``sha``'s."""
        lines = self.lines.setdefault(path, [])
        at = (old_start - 1 if old_count else old_start) + offset  # a pure insertion comes after old_start
        if len(lines) < at + old_count:  # lines never touched since the bound: no known writer
            lines.extend([None] * (at + old_count - len(lines)))
        lines[at : at + old_count] = [sha] * new_count
        return offset + new_count - old_count


def _read(
    path: Path,
    bound: str | None,
    last: str,
    files: list[str],
    fixes: list[tuple[int, str]],
    wanted: dict[str, dict[str, list[int]]],
    order: dict[str, int],
    done: Callable[[], object],
) -> dict[str, dict[str, int]]:
    """One pass over ``files``: fix sha -> {writer: lines} for the lines of ``wanted`` in these files."""
    mine = set(files)
    state = _Files()
    found: dict[str, dict[str, int]] = {}
    pending = iter(f for f in fixes if not wanted[f[1]].keys().isdisjoint(mine))
    upcoming = next(pending, None)

    def look_up(until: int) -> None:
        nonlocal upcoming
        while upcoming is not None and upcoming[0] <= until:
            counts = found.setdefault(upcoming[1], {})
            for file, numbers in wanted[upcoming[1]].items():
                if file in mine:
                    for n in numbers:
                        who = state.origin(file, n)
                        if who is not None:
                            counts[who] = counts.get(who, 0) + 1
            done()
            upcoming = next(pending, None)

    args = (
        *_LOG,
        "--reverse",
        "-p",
        "-U0",
        "-w",
        "-M",
        f"--format={_RECORD.decode()}%H",
        _revs(bound, last),
        "--",
        *files,
    )
    sha, current, old, offset, header, buffer = None, None, None, 0, False, b""

    def parse(line: bytes) -> None:
        nonlocal sha, current, old, offset, header
        if line.startswith(b"@@"):
            header = False
            hunk = _HUNK.match(line)
            if hunk and current is not None:
                offset = state.apply(
                    current, int(hunk.group(1)), int(hunk.group(2) or b"1"), int(hunk.group(4) or b"1"), offset, sha
                )
        elif line.startswith(b"diff --git "):
            current, old, offset, header = None, None, 0, True
        elif line.startswith(_RECORD):
            sha, header = line[len(_RECORD) :].decode().strip(), False
            look_up(order.get(sha, -1))  # the fixes up to this commit see the files as they were before it
        elif not header:
            return  # a hunk's lines: their text is not needed, only where they are
        elif line.startswith(b"--- "):
            old = diff_path(line[4:].decode("utf-8", "replace"))
        elif line.startswith(b"+++ "):
            current = diff_path(line[4:].decode("utf-8", "replace")) or old
            if old is None and current is not None:  # a new file: nothing of an earlier file of that name survives
                state.lines[current] = []
        elif line.startswith(b"rename from "):
            old = unquote(line[12:].decode("utf-8", "replace"))
        elif line.startswith(b"rename to "):
            state.lines[unquote(line[10:].decode("utf-8", "replace"))] = (
                state.lines.pop(old, []) if old is not None else []
            )

    for chunk in stream_git(path, *args):
        lines = (buffer + chunk).split(b"\n")
        buffer = lines.pop()
        for line in lines:
            parse(line)
    if buffer:
        parse(buffer)
    look_up(len(order) + 1)
    return found


def line_origins(
    path: Path,
    bound: str | None,
    wanted: dict[str, dict[str, list[int]]],
    order: dict[str, int],
    workers: int,
    progress: bool = False,
) -> dict[str, dict[str, int]]:
    """fix sha -> {commit that wrote the line: lines} for the line numbers ``wanted[fix]`` (per path in
    the fix's first parent), by forward blame from ``bound`` (exclusive; None: the root). ``order`` is
    each commit's place on the first-parent line."""
    fixes = sorted((order[sha], sha) for sha, files in wanted.items() if files)
    if not fixes:
        return {}
    last = fixes[-1][1]
    weight: dict[str, int] = {}
    for _, sha in fixes:
        for file in wanted[sha]:
            weight[file] = weight.get(file, 0) + 1
    groups = _groups(set(weight), renames(path, bound, last), weight, workers)
    found: dict[str, dict[str, int]] = {sha: {} for _, sha in fixes}
    steps = sum(1 for files in groups for _, sha in fixes if not wanted[sha].keys().isdisjoint(files))
    with (
        ThreadPoolExecutor(len(groups)) as pool,
        tqdm(total=steps, desc="SZZ blame", unit="fix", leave=False, disable=not progress) as bar,
    ):
        parts = pool.map(lambda files: _read(path, bound, last, files, fixes, wanted, order, bar.update), groups)
        for part in parts:
            for sha, counts in part.items():
                for who, n in counts.items():
                    found[sha][who] = found[sha].get(who, 0) + n
    return found
