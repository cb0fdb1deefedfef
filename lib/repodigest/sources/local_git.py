"""Commits of a local git clone: the branch's first-parent line, each merge with the commits it landed.

One ``git rev-list --first-parent`` finds the window's line (no diffs), one ``git log`` reads every commit
from the window's newest down to the parent of its oldest (all parents: the line and what its merges
landed), parsed while git runs. A clone that cannot give everything still gives a report: a shallow
clone's boundary commit (its parent is not there) and a merge whose other side is beyond the boundary
are marked ``incomplete = "parent"``; commits whose blobs are not in the clone (a blobless partial
clone, a damaged object store) get their files from the trees, their line counts not counted, and
``incomplete = "blobs"``. A partial clone is read without ever fetching a missing object.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from io import BufferedReader
from pathlib import Path
from typing import IO, cast

from ..errors import SourceError, UserError
from ..models import Commit, CommitRef
from ..window import Window
from .capabilities import CloneBacked, Source
from .gitlog import RawCommit, git_time, listed_args, parse_log, parse_stream, range_args
from .landing import landed_by
from .message import landed_title, parse_co_authors, parse_pr_number, same_title, split_message

_HEX = re.compile(r"^[0-9a-f]{4,40}$")
_REF_FORMAT = "--format=%H%x00%cI%x00%s%x00"
_GITHUB_REMOTE = re.compile(r"github\.com[:/]+([^/\s]+)/([^/\s]+?)(?:\.git)?/?$")


def run_git(path: str | Path, *args: str, check: bool = True, stdin: bytes | None = None) -> bytes:
    """Run git in ``path`` and return stdout; failures become SourceError with git's message."""
    try:
        proc = subprocess.run(["git", "-C", str(path), *args], capture_output=True, check=False, input=stdin)
    except FileNotFoundError:
        raise SourceError("git is not installed or not on PATH") from None
    if check and proc.returncode != 0:
        raise _failed(path, args, proc.stderr, proc.returncode)
    return proc.stdout


def shallow_boundary(path: str | Path) -> frozenset[str]:
    """The commits whose parents a shallow clone does not hold (none in a full clone)."""
    where = Path(run_git(path, "rev-parse", "--git-path", "shallow").decode().strip())
    where = where if where.is_absolute() else Path(path) / where
    return frozenset(where.read_text().split()) if where.is_file() else frozenset()


def _missing_object(message: str) -> bool:
    """git stopped because an object it needed is not in the clone."""
    return any(words in message for words in ("unable to read", "missing blob", "bad object", "could not read"))


def _failed(path: str | Path, args: tuple[str, ...], stderr: bytes, code: int) -> SourceError:
    message = stderr.decode("utf-8", "replace").strip().splitlines()
    return SourceError(f"git {args[0] if args else ''} failed in {path}: {message[-1] if message else code}")


def stream_git(path: str | Path, *args: str, chunk_size: int = 1 << 16) -> Iterator[bytes]:
    """Run git in ``path`` and yield its stdout as it comes; a failure becomes SourceError at the end."""
    with tempfile.TemporaryFile() as errors:  # a file, not a pipe: a chatty stderr can never block git
        try:
            proc = subprocess.Popen(["git", "-C", str(path), *args], stdout=subprocess.PIPE, stderr=errors)
        except FileNotFoundError:
            raise SourceError("git is not installed or not on PATH") from None
        stdout = cast(BufferedReader, proc.stdout)  # stdout=PIPE with the default buffering
        finished = False
        try:
            while chunk := stdout.read1(chunk_size):
                yield chunk
            finished = True
        finally:
            if not finished:  # the reader stopped early
                proc.kill()
            stdout.close()
            code = proc.wait()
        if code != 0:
            errors.seek(0)
            raise _failed(path, args, errors.read(), code)


GREP_LINES = 500  # matches read from one git grep before it starts again without the words found (-o is slow on many)


def grep_words(path: str | Path, rev: str, words: Iterable[str], max_lines: int = GREP_LINES) -> set[str]:
    """Those of ``words`` that occur as whole words (``git grep -w -F``) in a text file of ``rev``.

    ``-o`` prints each match, so a frequent word can print thousands of lines: a pass reads at most
    ``max_lines`` of them, or until every word is found, and the words still missing get a pass of
    their own. A word inside a longer match at the same place (``b`` in ``a.b``: ``-o`` prints the
    longer) is looked for in the matches, and gets its own pass too."""
    pending = {w for w in words if w and "\n" not in w}
    found: set[str] = set()
    while pending:
        args = ["grep", "-o", "-h", "-w", "-F", "-I", "--no-color", "--no-textconv"]
        for word in sorted(pending):
            args += ["-e", word]
        matches = _grep_matches(path, [*args, rev, "--"], pending, max_lines)
        hits = {
            w
            for w in pending
            if w in matches or any(w in m and re.search(rf"(?<!\w){re.escape(w)}(?!\w)", m) for m in matches)
        }
        if not hits:  # every line read is a word found, so a pass without hits read everything
            break
        found |= hits
        pending -= hits
    return found


def _grep_matches(path: str | Path, args: list[str], wanted: set[str], max_lines: int) -> set[str]:
    """The distinct lines ``git grep`` prints, read until every one of ``wanted`` is among them or
    ``max_lines`` are read."""
    missing = set(wanted)
    matches: set[str] = set()
    with tempfile.TemporaryFile() as errors:
        try:
            proc = subprocess.Popen(["git", "-C", str(path), *args], stdout=subprocess.PIPE, stderr=errors)
        except FileNotFoundError:
            raise SourceError("git is not installed or not on PATH") from None
        stopped = False
        with cast(IO[bytes], proc.stdout) as stdout:  # stdout=PIPE
            for count, raw in enumerate(stdout, start=1):
                line = raw.decode("utf-8", "replace").rstrip("\n")
                matches.add(line)
                missing.discard(line)
                if not missing or count >= max_lines:
                    proc.kill()
                    stopped = True
                    break
        code = proc.wait()
        if code not in (0, 1) and not stopped:  # 1: nothing matched
            errors.seek(0)
            raise _failed(path, tuple(args), errors.read(), code)
    return matches


def repository_root(path: str | os.PathLike[str]) -> Path:
    """The top of the work tree (or the bare repository) containing ``path``; UserError if none, or if
    this user may not read it ("permission denied: PATH")."""
    path = Path(path)
    try:
        exists = path.exists()
    except PermissionError:  # a folder on the way cannot be traversed
        raise UserError(f"permission denied: {path}") from None
    if not exists:
        raise UserError(f"repository path does not exist: {path}")
    if not os.access(path, os.R_OK | os.X_OK):
        raise UserError(f"permission denied: {path}")
    # Two calls: with git 2.39, --show-toplevel fails outright in a bare repository.
    bare = subprocess.run(["git", "-C", str(path), "rev-parse", "--is-bare-repository"], capture_output=True, text=True)
    if bare.returncode != 0:
        raise UserError(_not_a_repository(path, bare.stderr))
    if bare.stdout.strip() == "true":
        return path.resolve()
    top = subprocess.run(["git", "-C", str(path), "rev-parse", "--show-toplevel"], capture_output=True, text=True)
    if top.returncode != 0 or not top.stdout.strip():
        raise UserError(_not_a_repository(path, top.stderr))
    return Path(top.stdout.strip()).resolve()


def _not_a_repository(path: Path, stderr: str) -> str:
    # git names an unreadable .git (or a folder above it) "Permission denied" in its message.
    return f"permission denied: {path}" if "Permission denied" in stderr else f"not a git repository: {path}"


def github_full_name(path: str | Path) -> str | None:
    """``owner/name`` when the ``origin`` remote is on github.com, else None."""
    proc = subprocess.run(["git", "-C", str(path), "remote", "get-url", "origin"], capture_output=True, text=True)
    found = _GITHUB_REMOTE.search(proc.stdout.strip()) if proc.returncode == 0 else None
    return f"{found.group(1)}/{found.group(2)}" if found else None


def to_commit(
    raw: RawCommit, repo: str, base_url: str | None, merged: tuple[Commit, ...] = (), incomplete: str | None = None
) -> Commit:
    """Turn a parsed log record into a Commit, deriving title, PR number and trailers; a merge title
    names what it landed (:func:`~repodigest.sources.message.landed_title`)."""
    subject, body = split_message(raw.message)
    pr = parse_pr_number(subject)
    return Commit(
        repo=repo,
        sha=raw.sha,
        parents=raw.parents,
        author_name=raw.author_name,
        author_email=raw.author_email,
        author_date=raw.author_date,
        committer_name=raw.committer_name,
        committer_email=raw.committer_email,
        committer_date=raw.committer_date,
        message=raw.message,
        title=landed_title(subject, body),
        # The trailer's words hold no letter that re.IGNORECASE folds from non-ASCII: lower() finds them all.
        pr_number=pr,
        co_authors=parse_co_authors(raw.message) if "co-authored-by:" in raw.message.lower() else (),
        files=tuple(raw.files),
        url=f"{base_url}/commit/{raw.sha}" if base_url else None,
        pr_url=f"{base_url}/pull/{pr}" if base_url and pr else None,
        merged=merged,
        subject=subject,
        incomplete=incomplete,
        clamped_offsets=raw.clamped_offsets,
    )


# How many commits of the line between two of the window's are read (and left out) rather than the read split
# in two: reading a few diffs more costs less than starting another git process.
READ_THROUGH = 32


def stretches(places: list[int], gap: int) -> list[list[int]]:
    """``places`` (ascending) cut into runs wherever more than ``gap`` places lie between two of them."""
    runs: list[list[int]] = []
    for place in places:
        if runs and place - runs[-1][-1] <= gap + 1:
            runs[-1].append(place)
        else:
            runs.append([place])
    return runs


class LocalGitSource(Source, CloneBacked):
    """A local clone (work tree or bare), read on one branch, first-parent history.

    A clone whose ``origin`` is on GitHub is that repository: it is named ``owner/name`` (unless
    ``name`` is given), links to GitHub, and ``github_repo`` lets the digest look up pull requests.
    """

    kind = "local"

    def __init__(
        self, path: str | Path, branch: str | None = None, name: str | None = None, base_url: str | None = None
    ):
        self.path = repository_root(path)
        self.branch = branch
        self.revision = self._resolve_revision(branch)
        self.github_repo = github_full_name(self.path) if base_url is None else None
        self.name = name or self.github_repo or self.path.name.removesuffix(".git")
        self.base_url = (
            base_url
            if base_url is not None
            else (f"https://github.com/{self.github_repo}" if self.github_repo else None)
        )

    def _resolve_revision(self, branch: str | None) -> str:
        rev = branch or "HEAD"
        proc = subprocess.run(
            ["git", "-C", str(self.path), "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"],
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            if branch:
                raise UserError(f"branch {branch!r} does not exist in {self.path}")
            raise UserError(f"repository {self.path} has no commits yet")
        return rev

    def commits(self, window: Window) -> list[Commit]:
        """Every first-parent commit whose committer date falls inside ``window``, newest first."""
        return sorted(self.iter_commits(window), key=lambda c: c.committer_date, reverse=True)

    def iter_commits(self, window: Window) -> Iterator[Commit]:
        """The commits of :meth:`commits`: a commit as soon as git has read it, a merge once the commits it
        landed are read too (one ``git log`` per stretch of the line that holds the window's commits)."""
        line = self._first_parent_line()
        start, end = window.start.timestamp(), window.end.timestamp()
        places = [i for i, (_, stamp, _) in enumerate(line) if start <= stamp < end]
        if not places:
            return
        on_line = {sha for sha, _, _ in line}
        boundary = shallow_boundary(self.path)
        for run in stretches(places, READ_THROUGH):
            shown = [(line[i][0], line[i][2]) for i in run]  # (sha, parents)
            yield from self._iter_stretch(shown, on_line, boundary)

    def _iter_stretch(
        self, shown: list[tuple[str, tuple[str, ...]]], on_line: set[str], boundary: frozenset[str]
    ) -> Iterator[Commit]:
        """The commits ``shown`` (newest first, on the line), read with one ``git log`` from the newest down
        to the oldest's first parent; what lies between them on the line is read and left out."""
        oldest_parents = [p for p in shown[-1][1] if self._has(p)]
        tip, exclude = shown[0][0], tuple(oldest_parents[:1])
        wanted = {sha: parents for sha, parents in shown}
        landed = self._landed_sets(
            tip, exclude, [(sha, parents) for sha, parents in shown if len(parents) > 1], on_line
        )
        waiting = {sha: set(shas) for sha, shas in landed.items()}  # what each merge still waits for
        merges: dict[str, RawCommit] = {}
        side: dict[str, RawCommit] = {}
        yielded: set[str] = set()

        def whole(raw: RawCommit) -> Commit:
            commits = sorted(
                (side[sha] for sha in landed[raw.sha] if sha in side),  # sha: one order on ties
                key=lambda r: (r.committer_date, r.sha),
                reverse=True,
            )
            beyond = any(c.sha in boundary for c in commits)  # a landed commit's own parents are not here
            return to_commit(
                raw,
                self.name,
                self.base_url,
                merged=tuple(to_commit(c, self.name, self.base_url) for c in commits),
                incomplete="parent" if beyond else raw.incomplete,
            )

        for raw in self._read(tip, exclude, yielded):
            if raw.sha in boundary:  # diffed against nothing: its changes are not known here
                raw.files, raw.incomplete = [], "parent"
            if raw.sha in wanted and len(raw.parents) > 1:
                merges[raw.sha] = raw
            elif raw.sha in wanted:
                yielded.add(raw.sha)
                yield to_commit(raw, self.name, self.base_url, incomplete=raw.incomplete)
            elif raw.sha not in on_line:
                side[raw.sha] = raw
                for merge in [m for m, rest in waiting.items() if raw.sha in rest]:
                    waiting[merge].discard(raw.sha)
            for sha in [m for m in merges if not waiting.get(m)]:  # read whole: out it goes, while git runs on
                yielded.add(sha)
                waiting.pop(sha, None)
                yield whole(merges.pop(sha))
        for raw in merges.values():  # what a damaged clone could not give
            yield whole(raw)

    def _landed_sets(
        self, tip: str, exclude: tuple[str, ...], merges: list[tuple[str, tuple[str, ...]]], on_line: set[str]
    ) -> dict[str, set[str]]:
        """Each merge's landed commits (:func:`~repodigest.sources.landing.landed_by`), from the range's
        graph: one ``git rev-list``, no diffs."""
        if not merges:
            return {}
        out = run_git(self.path, "rev-list", "--parents", tip, *(["--not", *exclude] if exclude else []), "--")
        side = {
            sha: parents
            for sha, *parents in (row.split() for row in out.decode().splitlines() if row)
            if sha not in on_line
        }
        return {sha: set(found) for sha, found in landed_by(merges[::-1], side).items()}  # oldest merge first

    def _first_parent_line(self) -> list[tuple[str, float, tuple[str, ...]]]:
        """(sha, committer time, parents) of the branch's whole first-parent line, newest first: one
        ``git rev-list`` (no diffs). Whole, because its dates need not decrease (rebases, imported history,
        wrong clocks): ``--since`` would stop at the first older commit and miss the window's commits
        behind it."""
        out = run_git(self.path, "rev-list", "--first-parent", "--parents", "--timestamp", self.revision, "--")
        line = []
        for row in out.decode().splitlines():
            stamp, sha, *parents = row.split()
            line.append((sha, float(stamp), tuple(parents)))
        return line

    def _read(self, tip: str, exclude: tuple[str, ...], yielded: set[str]) -> Iterator[RawCommit]:
        """The commits of the range, parsed as git writes them; where blobs are missing, the files from the
        trees instead (never fetching), skipping what was already yielded."""
        if not self._partial_clone():
            try:
                yield from parse_stream(stream_git(self.path, *range_args(tip, exclude)))
                return
            except SourceError as exc:
                if not _missing_object(str(exc)):
                    raise
        yield from (raw for raw in self._read_without_blobs(tip, exclude) if raw.sha not in yielded)

    def _read_without_blobs(self, tip: str, exclude: tuple[str, ...]) -> Iterator[RawCommit]:
        """The range read from its trees, then line counts for the commits whose blobs are all here."""
        revisions = [tip, *(f"^{sha}" for sha in exclude)]
        listed = run_git(self.path, "rev-list", "--objects", "--missing=print", *revisions, "--").decode()
        missing = {row[1:].split()[0] for row in listed.splitlines() if row.startswith("?")}
        raws = parse_log(run_git(self.path, *range_args(tip, exclude, numstat=False)))
        blobs = self._blobs(raws)
        whole = [raw.sha for raw in raws if not (blobs.get(raw.sha, set()) & missing)]
        counted = {}
        if whole:
            out = run_git(self.path, *listed_args(), stdin="\n".join(whole).encode())
            counted = {raw.sha: raw for raw in parse_log(out)}
        for raw in raws:
            if raw.sha in counted:
                yield counted[raw.sha]
            else:
                raw.files = [replace(f, added_lines=None, deleted_lines=None) for f in raw.files]
                raw.incomplete = "blobs"
                yield raw

    def _blobs(self, raws: list[RawCommit]) -> dict[str, set[str]]:
        """sha -> the blob ids its diff reads (from ``git log --raw`` without renames)."""
        out = run_git(
            self.path,
            "log",
            "--no-walk",
            "--stdin",
            "--raw",
            "--no-abbrev",
            "--no-renames",
            "--diff-merges=first-parent",
            "--format=%x00%H",
            "--",
            stdin="\n".join(raw.sha for raw in raws).encode(),
        ).decode("utf-8", "replace")
        found: dict[str, set[str]] = {}
        current = None
        for row in out.splitlines():
            if row.startswith("\0"):
                current = found.setdefault(row[1:], set())
            elif row.startswith(":") and current is not None:
                old, new = row.split()[2:4]
                current.update(b for b in (old, new) if set(b) != {"0"})
        return found

    def _partial_clone(self) -> bool:
        """The clone was made with a filter (blobless, treeless): it may miss objects a remote would give."""
        out = (
            run_git(
                self.path, "config", "--get-regexp", r"^(extensions\.partialclone|remote\..*\.promisor)$", check=False
            )
            .decode()
            .split()
        )
        return bool(out) and out[-1].lower() not in ("false", "")

    def _has(self, sha: str) -> bool:
        """The commit is in the clone (a shallow clone's boundary parents are not)."""
        return bool(run_git(self.path, "rev-parse", "--verify", "--quiet", f"{sha}^{{commit}}", check=False).strip())

    def revision_at(self, moment: datetime) -> str | None:
        """The branch's newest first-parent commit committed before ``moment`` (what the line was then)."""
        out = run_git(
            self.path,
            "rev-list",
            "-1",
            "--first-parent",
            f"--before={moment.isoformat()}",
            self.revision,
            "--",
            check=False,
        )
        return out.decode().strip() or None

    def latest_commit_time(self) -> datetime | None:
        """Committer date of the newest commit on the branch."""
        out = run_git(self.path, "log", "-1", "--first-parent", "--format=%cI", self.revision, "--")
        text = out.decode().strip()
        return git_time(text)[0] if text else None

    def diff(self, commit: Commit) -> str:
        """The commit's patch against its first parent (text for the LLM; binary files summarised); empty when
        its blobs are not in the clone (reading them would fetch each one from a partial clone's remote)."""
        if commit.incomplete == "blobs":
            return ""
        out = run_git(
            self.path,
            "-c",
            "core.quotepath=off",
            "show",
            "--diff-merges=first-parent",
            "--format=",
            "--patch",
            "-M",
            "--no-color",
            "--no-ext-diff",
            commit.sha,
            "--",
        )
        return out.decode("utf-8", errors="replace")

    def tree_lookup(self, sha: str) -> Callable[[Sequence[str]], tuple[list[str], set[str]]]:
        """A lookup of names in the repository at ``sha`` (for :mod:`repodigest.analysis.grounding`):
        ``words -> (every file path at sha, the words found as whole words in some text file there)``:
        one ``git ls-tree`` (the first call) and :func:`grep_words` per call."""
        paths: list[str] = []

        def lookup(words: Sequence[str]) -> tuple[list[str], set[str]]:
            if not paths:
                out = run_git(self.path, "-c", "core.quotepath=off", "ls-tree", "-r", "--name-only", "-z", sha, "--")
                paths.extend(p for p in out.decode("utf-8", "replace").split("\0") if p)
            return paths, grep_words(self.path, sha, words)

        return lookup

    def find_commit(
        self, sha: str | None = None, title: str | None = None, before: datetime | None = None
    ) -> CommitRef | None:
        """The commit ``sha`` names, else the newest commit before ``before`` whose title is ``title``
        (:func:`~repodigest.sources.message.same_title`), anywhere in the history; one git process."""
        if sha:
            if not _HEX.match(sha):
                return None
            out = run_git(self.path, "show", "-s", "--no-color", _REF_FORMAT, f"{sha}^{{commit}}", "--", check=False)
        elif title:
            until = [f"--until={(before - timedelta(seconds=1)).isoformat()}"] if before else []
            out = run_git(
                self.path,
                "log",
                "--no-color",
                "-F",
                f"--grep={title}",
                *until,
                _REF_FORMAT,
                self.revision,
                "--",
                check=False,
            )
        else:
            return None
        fields = out.decode("utf-8", "replace").split("\0")
        for i in range(0, len(fields) - 3, 3):
            full, when, subject = fields[i].strip(), fields[i + 1], fields[i + 2]
            if sha or same_title(subject, title or ""):
                return CommitRef(
                    sha=full,
                    title=subject,
                    committed_at=git_time(when)[0],
                    url=f"{self.base_url}/commit/{full}" if self.base_url else None,
                )
        return None
