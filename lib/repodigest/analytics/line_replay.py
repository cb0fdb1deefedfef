"""Line tracking along a first-parent line: the diffs of ``git log --first-parent -p`` replayed once,
oldest first, keeping for every text file the commit that last changed each live line (Hercules'
burndown approach), so that the lines' origins at any commit are those ``git blame --first-parent``
names, without blaming.

The state holds, per file, its lines as run-length segments of origins (an origin is a commit's place
on the line, 0 for the oldest), so it grows with the live lines and the files' fragmentation, never
with the history. Each commit's change is given back as a delta: per path, lines gained or lost per
origin (a rename moves a file's lines from one path to the other).

What counts: regular files that git's diff takes for text (no NUL byte in the first 8,000 bytes, no
``-diff``/``binary`` attribute: ``git grep -I``'s rule). Symbolic links and submodules (gitlinks) are
not text. The diffs are blame's: each commit against its first parent (a merge is the change it
landed), whole-file renames followed (``-M``), every changed line new (no whitespace folding). The
line's first commit has no parent: its files are all new; in a shallow clone that is the boundary
commit, which then holds every line written before it.
"""

from __future__ import annotations

import re
import subprocess
from bisect import bisect_right
from collections.abc import Iterator
from itertools import accumulate
from pathlib import Path

from ..errors import SourceError
from ..evidence.fixlines import unquote
from ..sources.git_process import run_git, stream_git

_RECORD = b"\x1e"
# The lines of a -U0 patch that are not a hunk's body (those start with +, -, space or a backslash):
# commit records, "diff --git", extended headers, hunk headers and "Binary files ... differ".
_HEADER = re.compile(rb"^[^+\- \\\n][^\n]*", re.M)
_HUNK = re.compile(rb"@@ -(\d+)(?:,(\d+))? \+\d+(?:,(\d+))? @@")
_QUOTED_PAIR = re.compile(r'^"(?:[^"\\]|\\.)*" ("(?:[^"\\]|\\.)*")$')
_TEXT_MODES = ("100644", "100755")
_SNIFF = 8000  # bytes git reads to tell binary from text (xdiff's FIRST_FEW_BYTES)
LOG_ARGS = (
    "--literal-pathspecs",
    "-c",
    "core.quotepath=off",
    "-c",
    "log.showSignature=false",
    "-c",
    "diff.noprefix=false",
    "log",
    "--first-parent",
    "--diff-merges=first-parent",
    "--reverse",
    "-p",
    "-U0",
    "-M",
    "--full-index",
    "--no-color",
    "--no-ext-diff",
    "--no-textconv",
    "--src-prefix=a/",
    "--dst-prefix=b/",
    "--format=%x1e%H",
)

Delta = dict[str, dict[int, int]]  # path -> origin -> lines gained (negative: lost)


class ReplayMismatch(SourceError):
    """A diff does not fit the replayed file: the state is not the file's first parent's."""


class LineState:
    """Per text file, its lines as segments: ``files[path] = (origins, lengths)``."""

    def __init__(self, files: dict[str, tuple[list[int], list[int]]] | None = None):
        self.files = files or {}

    def to_json(self) -> dict[str, list[int]]:
        """The files as ``{path: [origin, length, origin, length, ...]}``."""
        return {p: [v for pair in zip(o, n) for v in pair] for p, (o, n) in self.files.items()}

    @classmethod
    def from_json(cls, data: dict[str, list[int]]) -> LineState:
        return cls({p: (flat[0::2], flat[1::2]) for p, flat in data.items()})

    def lines(self) -> int:
        return sum(sum(n) for _, n in self.files.values())


def _push(origins: list[int], lengths: list[int], origin: int, count: int) -> None:
    if origins and origins[-1] == origin:
        lengths[-1] += count
    else:
        origins.append(origin)
        lengths.append(count)


def _copy(src: tuple[list[int], list[int]], starts: list[int], lo: int, hi: int, out: tuple[list, list]) -> None:
    """Append the segments of lines ``lo`` .. ``hi - 1`` of ``src`` to ``out``."""
    if hi <= lo:
        return
    origins, lengths = src
    i, j = bisect_right(starts, lo) - 1, bisect_right(starts, hi - 1) - 1
    if i == j:
        _push(*out, origins[i], hi - lo)
        return
    _push(*out, origins[i], starts[i + 1] - lo)
    out[0].extend(origins[i + 1 : j])  # whole segments, already distinct from their neighbours
    out[1].extend(lengths[i + 1 : j])
    _push(*out, origins[j], hi - starts[j])


def apply_hunks(
    src: tuple[list[int], list[int]], hunks: list[tuple[int, int, int]], origin: int
) -> tuple[list[int], list[int]]:
    """The segments after ``hunks`` (old start, old count, new count; in order, old numbering): each
    hunk's old lines leave, its new lines are ``origin``'s."""
    starts = list(accumulate(src[1], initial=0))
    total = starts[-1]
    out: tuple[list[int], list[int]] = ([], [])
    done = 0
    for old_start, old_count, new_count in hunks:
        at = old_start - 1 if old_count else old_start  # a pure insertion comes after line old_start
        end = at + old_count
        if at < done or end > total:
            raise ReplayMismatch(f"a hunk at line {old_start} does not fit a file of {total} lines")
        _copy(src, starts, done, at, out)
        if new_count:
            _push(*out, origin, new_count)
        done = end
    _copy(src, starts, done, total, out)
    return out


class _Blobs:
    """Whether a blob is text, as git's diff decides it, for the rare diff git calls binary whose
    new side may be text (a file that was binary): one ``git cat-file --batch`` kept open."""

    def __init__(self, path: Path):
        self.path = path
        self.proc: subprocess.Popen | None = None
        self.attributes: dict[str, bool] = {}

    def binary_by_attribute(self, name: str) -> bool:
        if name not in self.attributes:
            out = run_git(self.path, "check-attr", "-z", "diff", "--", name).split(b"\0")
            self.attributes[name] = len(out) > 2 and out[2] == b"unset"  # -diff, or the binary macro
        return self.attributes[name]

    def text_lines(self, oid: str) -> int | None:
        """The lines of blob ``oid`` when it is text, else None."""
        if self.proc is None:
            self.proc = subprocess.Popen(
                ["git", "-C", str(self.path), "cat-file", "--batch"], stdin=subprocess.PIPE, stdout=subprocess.PIPE
            )
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(oid.encode() + b"\n")
        self.proc.stdin.flush()
        header = self.proc.stdout.readline().split()
        if len(header) != 3:
            raise SourceError(f"git cat-file could not read blob {oid} in {self.path}")
        data = self.proc.stdout.read(int(header[2]) + 1)[:-1]
        if b"\0" in data[:_SNIFF]:
            return None
        return data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)

    def close(self) -> None:
        if self.proc is not None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            self.proc.wait()
            self.proc = None


class _FileDiff:
    """One file's part of a commit's patch, as its header lines and hunk headers arrive."""

    __slots__ = ("old", "new", "created", "deleted", "mode", "blob", "binary", "hunks")

    def __init__(self, path: str):
        self.old = self.new = path
        self.created = self.deleted = self.binary = False
        self.mode: str | None = None  # the new side's mode, when the header says it
        self.blob: str | None = None  # the new side's blob
        self.hunks: list[tuple[int, int, int]] = []

    def header(self, line: str) -> None:
        word, _, rest = line.partition(" ")
        if word == "index":
            ids, _, mode = rest.partition(" ")
            self.blob = ids.partition("..")[2]
            self.mode = mode or self.mode
        elif line.startswith("new file mode "):
            self.created, self.mode = True, line[14:]
        elif line.startswith("deleted file mode "):
            self.deleted = True
        elif line.startswith("new mode "):
            self.mode = line[9:]
        elif line.startswith("rename from "):
            self.old = unquote(line[12:])
        elif line.startswith("rename to "):
            self.new = unquote(line[10:])
        elif line.startswith("Binary files "):
            self.binary = True


def _diff_path(line: str) -> str:
    """The path of a ``diff --git a/P b/P`` line (a rename's two paths come from its header)."""
    rest = line[11:]
    quoted = _QUOTED_PAIR.match(rest)
    if quoted:
        return unquote(quoted.group(1))[2:]
    half = (len(rest) - 5) // 2
    return rest[2 : 2 + half] if half >= 0 else rest


class Replayer:
    """Replays commits onto a :class:`LineState`, one ``git log`` per call of :meth:`run`."""

    def __init__(self, path: Path, state: LineState):
        self.path, self.state = path, state
        self.blobs = _Blobs(path)

    def run(self, revisions: str, first: int) -> Iterator[tuple[str, Delta]]:
        """(sha, delta) of each commit of ``revisions`` (a ``git log --first-parent`` range), oldest
        first; the first is origin ``first``."""
        origin, sha, diff = first - 1, None, None
        delta: Delta = {}
        buffer = b""
        try:
            for chunk in stream_git(self.path, *LOG_ARGS, revisions, "--", chunk_size=1 << 20):
                buffer += chunk
                cut = buffer.rfind(b"\n") + 1
                text, buffer = buffer[:cut], buffer[cut:]
                for match in _HEADER.finditer(text):
                    line = match.group()
                    if line.startswith(b"@@"):
                        hunk = _HUNK.match(line)
                        if hunk and diff is not None:
                            old, new = hunk.group(2), hunk.group(3)
                            diff.hunks.append((int(hunk.group(1)), int(old or 1), int(new or 1)))
                        continue
                    if diff is not None and (line.startswith(_RECORD) or line.startswith(b"diff --git ")):
                        self._settle(diff, origin, delta)
                        diff = None
                    if line.startswith(_RECORD):
                        if sha is not None:
                            yield sha, settled(delta)
                        origin, sha, delta = origin + 1, line[1:].decode(), {}
                    elif line.startswith(b"diff --git "):
                        diff = _FileDiff(_diff_path(line.decode("utf-8", "replace")))
                    elif diff is not None:
                        diff.header(line.decode("utf-8", "replace"))
            if diff is not None:
                self._settle(diff, origin, delta)
            if sha is not None:
                yield sha, settled(delta)
        finally:
            self.blobs.close()

    def _settle(self, diff: _FileDiff, origin: int, delta: Delta) -> None:
        """Apply one file's diff to the state; ``delta`` gets the lines that left the old path and
        those the new path holds."""
        files = self.state.files
        before = files.pop(diff.old, None)
        after: tuple[list[int], list[int]] | None = None
        if diff.deleted or (diff.mode is not None and diff.mode not in _TEXT_MODES):
            pass  # gone, or no longer a regular file (a symbolic link, a submodule)
        elif diff.binary:
            # Binary in git's eyes on either side. The new side can only be text when the old side was
            # the binary one (neither a new file nor a text file) and the path has no binary attribute.
            if before is None and not diff.created and diff.blob and not self.blobs.binary_by_attribute(diff.new):
                lines = self.blobs.text_lines(diff.blob)
                if lines is not None:
                    after = ([origin], [lines]) if lines else ([], [])
        elif before is None and not diff.created:
            if diff.hunks:
                raise ReplayMismatch(f"{diff.new} changes in commit {origin} but was never seen as a text file")
            # a binary file renamed or its mode changed: still not text
        else:
            after = apply_hunks(before or ([], []), diff.hunks, origin) if diff.hunks else before or ([], [])
        if after is not None:
            files[diff.new] = after
        for path, segments, sign in ((diff.old, before, -1), (diff.new, after, 1)):
            if segments is not None:
                counts = delta.setdefault(path, {})
                for o, n in zip(*segments):
                    counts[o] = counts.get(o, 0) + sign * n


def settled(delta: Delta) -> Delta:
    """``delta`` without the origins whose lines only stayed where they were."""
    out = {}
    for path, counts in delta.items():
        kept = {o: n for o, n in counts.items() if n}
        if kept:
            out[path] = kept
    return out
