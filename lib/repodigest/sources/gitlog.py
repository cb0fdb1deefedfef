"""Run ``git log`` once for a whole window and parse its NUL-separated output in one pass.

The output is framed so that no commit content can forge it: each record is a fixed list of
NUL-terminated fields (a mark, then :data:`_FIELDS`, the message last), followed by its ``-z`` diff
entries, whose paths are consumed by count. A message cannot hold a NUL byte (git refuses one when
committing, ``git fsck`` flags one, and ``%B`` prints a message only up to it), nor can a name or a
date; a path is one whole token. The parse reads tokens in order and checks the mark only where a
record must start, so bytes inside a message or a path that look like the mark are just text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

from ..errors import SourceError
from ..models import FileChange

# A record's first field: never a raw (":...") or numstat ("N\tN\t...") token, so where a diff
# entry or the next record may start, the token tells which.
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
_SHA = re.compile(rb"^(?:[0-9a-f]{40}|[0-9a-f]{64})$")

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


def listed_args(counts: bool = True, diffs: bool = True) -> list[str]:
    """The ``git log`` arguments for the commits named on its standard input, one sha a line, in that order,
    merges diffed against their first parent. Without ``counts``: the files (renames detected) without their
    line counts, which spares git the diff of every file's lines; without ``diffs``: no files at all."""
    if not diffs:
        return [
            *(a for a in _LOG if a not in ("--raw", "--numstat", "-M")),
            "--no-patch",
            "--no-walk=unsorted",
            "--stdin",
            "--",
        ]
    return [*(_LOG if counts else [a for a in _LOG if a != "--numstat"]), "--no-walk=unsorted", "--stdin", "--"]


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
    clamped_offsets: tuple[str, ...] = ()  # offsets beyond +-23:59 as written (:func:`git_time`)


def _decode(raw: bytes) -> str:
    # Commit messages without an encoding header may be in any legacy encoding: keep them
    # readable rather than fail the whole report.
    return raw.decode("utf-8", errors="replace")


def _count(text: str) -> int | None:
    return None if text == "-" else int(text)


_ISO = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})([+-])(\d{2,}):(\d{2})$")
_LIMIT = timedelta(hours=23, minutes=59)  # the widest offset a datetime can carry


def git_time(text: str) -> tuple[datetime, str | None]:
    """A date as git's ``%aI``/``%cI`` prints it, and None; or, when its offset is beyond what a datetime
    can carry (git accepts any ``+HHMM``, ``git fsck --strict`` too), the same instant with the offset
    clamped to +-23:59, and the offset as written."""
    try:
        return datetime.fromisoformat(text), None
    except ValueError:
        found = _ISO.match(text.strip())
        if not found:
            raise
    local, sign, hours, minutes = found.groups()
    # git shows the local time as UTC plus HH hours and MM minutes, whatever their size.
    offset = timedelta(hours=int(hours), minutes=int(minutes)) * (1 if sign == "+" else -1)
    instant = datetime.fromisoformat(local).replace(tzinfo=UTC) - offset
    clamped = max(-_LIMIT, min(_LIMIT, offset))
    return instant.astimezone(timezone(clamped)), f"{sign}{hours}{minutes}"


def git_tokens(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """The NUL-terminated tokens of ``chunks``, each whole whatever the pieces (a last unterminated one too)."""
    pending: list[bytes] = []
    for chunk in chunks:
        parts = chunk.split(b"\0")
        if len(parts) == 1:
            pending.append(chunk)
            continue
        pending.append(parts[0])
        yield b"".join(pending)
        yield from parts[1:-1]
        pending = [parts[-1]]
    if any(pending):
        yield b"".join(pending)


def _records(tokens: Iterator[bytes]) -> Iterator[RawCommit]:
    """Parse :func:`range_args` output token by token; a record is yielded once the next one starts (or the
    output ends). Output that breaks the framing (a cut or foreign stream) raises SourceError."""
    mark = RECORD_MARK.encode()
    token = next(tokens, None)
    while token is not None:
        if token.lstrip(b"\n") != mark:
            if token.strip(b"\n"):
                raise SourceError(f"git log output not understood at {token[:40]!r}")
            token = next(tokens, None)  # git's newline between records
            continue
        values = [next(tokens, None) for _ in _FIELDS]
        if values[-1] is None or not _SHA.match(values[0] or b""):
            raise SourceError(
                "git log output ends inside a record" if values[-1] is None else "git log record without a sha"
            )
        rec = dict(zip(_FIELDS, (_decode(v or b"") for v in values)))
        raw_entries: list[tuple[str, str, str | None]] = []  # (status letter, path, old path)
        numstats: list[tuple[int | None, int | None]] = []
        token = next(tokens, None)
        while token is not None:
            head = token.lstrip(b"\n")
            if head.startswith(b":"):
                letter = _decode(head).split(" ")[-1][:1]
                first = _decode(next(tokens, b""))
                if letter in ("R", "C"):
                    raw_entries.append((letter, _decode(next(tokens, b"")), first))
                else:
                    raw_entries.append((letter, first, None))
            elif head[:1].isdigit() or head.startswith(b"-\t"):
                added_text, deleted_text, path = _decode(head).split("\t", 2)
                numstats.append((_count(added_text), _count(deleted_text)))
                if not path:  # a rename or copy: old and new paths are the next two tokens
                    next(tokens, None)
                    next(tokens, None)
            elif head == mark:
                break
            elif head:
                raise SourceError(f"git log output not understood at {head[:40]!r}")
            token = next(tokens, None)
        yield _raw_commit(rec, raw_entries, numstats)


def _raw_commit(
    rec: dict[str, str], raw_entries: list[tuple[str, str, str | None]], numstats: list[tuple[int | None, int | None]]
) -> RawCommit:
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
    author_date, author_offset = git_time(rec["author_date"])
    committer_date, committer_offset = git_time(rec["committer_date"])
    return RawCommit(
        sha=rec["sha"],
        parents=tuple(rec["parents"].split()),
        author_name=rec["author_name"],
        author_email=rec["author_email"],
        author_date=author_date,
        committer_name=rec["committer_name"],
        committer_email=rec["committer_email"],
        committer_date=committer_date,
        message=rec["message"].rstrip("\n"),
        files=files,
        clamped_offsets=tuple(dict.fromkeys(o for o in (author_offset, committer_offset) if o)),
    )


_STATUS_TOKEN = re.compile(rb"^[A-Z][0-9]*$")


def parse_name_status(output: bytes, mark: str = "") -> list[tuple[str, list[tuple[str, str | None, str]]]]:
    """Parse ``git log --name-status -z --format=<mark>%H`` output: (sha, [(status letter, path before a
    rename or copy or None, path)]) per commit, in git's order. Read token by token, paths by count, so no
    path can pass for a sha or a status."""
    head = re.compile(b"^" + re.escape(mark.encode()) + rb"([0-9a-f]{40}|[0-9a-f]{64})$")
    found: list[tuple[str, list[tuple[str, str | None, str]]]] = []
    tokens = iter(output.split(b"\0"))
    for token in tokens:
        token = token.lstrip(b"\n")
        if commit := head.match(token):
            found.append((commit.group(1).decode(), []))
        elif _STATUS_TOKEN.match(token) and found:
            letter = token[:1].decode()
            first = _decode(next(tokens, b""))
            if letter in ("R", "C"):
                found[-1][1].append((letter, first, _decode(next(tokens, b""))))
            else:
                found[-1][1].append((letter, None, first))
        elif token:
            raise SourceError(f"git log output not understood at {token[:40]!r}")
    return found


def parse_log(output: bytes) -> list[RawCommit]:
    """Parse the output of ``git log`` run with :func:`range_args` (or :func:`listed_args`)."""
    return list(_records(iter(output.split(b"\0"))))


def parse_stream(chunks: Iterable[bytes]) -> Iterator[RawCommit]:
    """Parse :func:`range_args` output arriving in pieces (a pipe), whatever their boundaries: each commit is
    yielded once the next record starts, so that parsing and scoring overlap git's own work."""
    return _records(git_tokens(chunks))
