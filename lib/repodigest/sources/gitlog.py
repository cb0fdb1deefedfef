"""Run ``git log`` once for a whole window and parse its NUL-separated output in one pass."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from ..models import FileChange

# A record starts with this token; it cannot be mistaken for a raw (":...") or numstat
# ("N\tN\t...") token, which is what keeps the sequential parse unambiguous.
RECORD_MARK = "\x1eREPODIGEST"
_FIELDS = (
    "sha",
    "parents",
    "author_name",
    "author_email",
    "author_date",
    "committer_name",
    "committer_email",
    "committer_date",
    "message",
)
# %aN/%aE/%cN/%cE apply .mailmap; %aI/%cI keep each commit's own offset.
LOG_FORMAT = "%x1eREPODIGEST%x00%H%x00%P%x00%aN%x00%aE%x00%aI%x00%cN%x00%cE%x00%cI%x00%B"

_STATUS = {
    "A": "added",
    "M": "modified",
    "D": "deleted",
    "R": "renamed",
    "C": "copied",
    "T": "type_changed",
    "U": "unmerged",
    "X": "unknown",
}


_LOG = [
    "-c",
    "core.quotepath=off",
    "-c",
    "log.showSignature=false",
    "log",
    "--diff-merges=first-parent",
    "-z",
    "--raw",
    "--numstat",
    "-M",
    "--no-color",
    "--no-ext-diff",
    "--no-textconv",
    "--no-abbrev",
    f"--format={LOG_FORMAT}",
]


def range_args(tip: str, exclude: tuple[str, ...] = (), numstat: bool = True) -> list[str]:
    """The ``git log`` arguments for every commit reachable from ``tip`` but not from ``exclude`` (all
    parents: the first-parent line and what its merges landed), merges diffed against their first
    parent. In topological order: what a merge landed comes between it and its first parent, so a
    reader knows a merge whole once it meets that parent. Without ``numstat`` (blobs not read): the
    files only, renames not detected."""
    args = list(_LOG) if numstat else [a for a in _LOG if a not in ("--numstat", "-M")] + ["--no-renames"]
    return [*args, "--topo-order", tip, *(["--not", *exclude] if exclude else []), "--"]


def listed_args() -> list[str]:
    """The ``git log`` arguments for the commits named on its standard input, one sha a line."""
    return [*_LOG, "--no-walk", "--stdin", "--"]


def log_args(
    revision: str, since: datetime | None = None, until: datetime | None = None, max_count: int | None = None
) -> list[str]:
    """The ``git log`` arguments: first-parent history of ``revision`` with raw status and numstat."""
    args = [*_LOG[:5], "--first-parent", *_LOG[5:]]
    # git's --until is inclusive at second resolution; callers pass the last second of the window.
    if since is not None:
        args.append(f"--since={since.isoformat()}")
    if until is not None:
        args.append(f"--until={until.isoformat()}")
    if max_count is not None:
        args.append(f"--max-count={max_count}")
    args += [revision, "--"]
    return args


@dataclass
class RawCommit:
    """One parsed ``git log`` record, before it becomes a :class:`~repodigest.models.Commit`."""

    sha: str
    parents: tuple[str, ...]
    author_name: str
    author_email: str
    author_date: datetime
    committer_name: str
    committer_email: str
    committer_date: datetime
    message: str
    files: list[FileChange]
    incomplete: str | None = None  # "blobs": read from the trees, line counts not counted


def _decode(raw: bytes) -> str:
    # Commit messages without an encoding header may be in any legacy encoding: keep them
    # readable rather than fail the whole report.
    return raw.decode("utf-8", errors="replace")


def _count(text: str) -> int | None:
    return None if text == "-" else int(text)


def parse_log(output: bytes) -> list[RawCommit]:
    """Parse the output of ``git log`` run with :func:`log_args`."""
    tokens = output.split(b"\0")
    commits: list[RawCommit] = []
    i, n = 0, len(tokens)
    mark = RECORD_MARK.encode()
    while i < n:
        token = tokens[i].lstrip(b"\n")
        if token != mark:
            i += 1  # trailing newline/empty tokens between records
            continue
        fields = [_decode(t) for t in tokens[i + 1 : i + 1 + len(_FIELDS)]]
        i += 1 + len(_FIELDS)
        rec = dict(zip(_FIELDS, fields))
        raw_entries: list[tuple[str, str, str | None]] = []  # (status letter, path, old path)
        numstats: list[tuple[int | None, int | None]] = []
        while i < n:
            token = tokens[i].lstrip(b"\n")
            if token.startswith(b":"):
                letter = _decode(token).split(" ")[-1][:1]
                if letter in ("R", "C"):
                    source, target = _decode(tokens[i + 1]), _decode(tokens[i + 2])
                    raw_entries.append((letter, target, source))
                    i += 3
                else:
                    raw_entries.append((letter, _decode(tokens[i + 1]), None))
                    i += 2
            elif token[:1].isdigit() or token.startswith(b"-\t"):
                added_text, deleted_text, path = _decode(token).split("\t", 2)
                numstats.append((_count(added_text), _count(deleted_text)))
                i += 1 if path else 3  # a rename puts old and new paths in the next two tokens
            elif token == mark:
                break
            else:
                i += 1
        files = []
        for k, (letter, path, old) in enumerate(raw_entries):
            added, deleted = numstats[k] if k < len(numstats) else (None, None)
            binary = added is None and deleted is None and k < len(numstats)
            files.append(
                FileChange(
                    path=path,
                    status=_STATUS.get(letter, "unknown"),
                    added_lines=added,
                    deleted_lines=deleted,
                    old_path=old,
                    binary=binary,
                )
            )
        commits.append(
            RawCommit(
                sha=rec["sha"],
                parents=tuple(rec["parents"].split()),
                author_name=rec["author_name"],
                author_email=rec["author_email"],
                author_date=datetime.fromisoformat(rec["author_date"]),
                committer_name=rec["committer_name"],
                committer_email=rec["committer_email"],
                committer_date=datetime.fromisoformat(rec["committer_date"]),
                message=rec["message"].rstrip("\n"),
                files=files,
            )
        )
    return commits


def parse_stream(chunks: Iterable[bytes]) -> Iterator[RawCommit]:
    """Parse :func:`log_args` output arriving in pieces (a pipe): each commit is yielded once the next
    record mark shows it whole, so that parsing and scoring overlap git's own work."""
    mark = (RECORD_MARK + "\0").encode()
    buffer = b""
    for chunk in chunks:
        buffer += chunk
        cut = buffer.rfind(mark)
        if cut > 0:
            yield from parse_log(buffer[:cut])
            buffer = buffer[cut:]
    yield from parse_log(buffer)
