"""Commits of a local git clone: the branch's first-parent line, each merge with the commits it landed.

One ``git rev-list --first-parent`` finds the window's line (no diffs), one ``git rev-list`` of the range's
graph tells what each merge landed, and ``git log --no-walk --stdin`` reads those commits (the line and what
its merges landed), parsed while git runs; a long list is dealt in blocks to one ``git log`` per core at
once (``readers``); a merge whose one landed commit sits on its first parent with the merge's tree (a
branch of one commit, up to date, merged with a merge commit) is read without a diff and takes that
commit's files, the diff of the same two trees. The days before a window that the rules' recent fixes
read are read beside it by one more ``git log``, for the paths their first-parent commits changed (no
line counts: git diffs no file's lines). A clone that cannot give everything still gives a report: a
shallow clone's boundary commit (its parent is not there) and a merge whose other side is beyond the
boundary are marked ``incomplete = "parent"``; commits whose blobs are not in the clone (a blobless
partial clone, a damaged object store) get their files from the trees, their line counts not counted,
and ``incomplete = "blobs"``. A partial clone is read without ever fetching a missing object.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from itertools import islice
from pathlib import Path

from ..errors import SourceError, UserError
from ..models import Commit, CommitQuery, CommitRef
from ..window import Window
from .capabilities import CloneBacked, Source
from .git_process import (
    git_outputs,
    github_full_name,
    grep_words,
    missing_object,
    repository_root,
    run_git,
    shallow_boundary,
)
from .gitlog import RawCommit, git_time, listed_args, parse_log, parse_stream, range_args
from .landing import landed_by
from .message import landed_title, parse_co_authors, parse_pr_number, same_title, split_message

_HEX = re.compile(r"^[0-9a-f]{4,40}$")
_REF_FORMAT = "--format=%H%x00%cI%x00%s%x00"


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
# The fewest commits one git process reads when a stretch is read by several: below it, starting one costs
# more than it saves.
PART_MIN = 200
# Commits a reader reads in a row before the next reader's turn: dealt in blocks, every reader gets old and new
# commits alike (a newer diff costs more: the tree grew), and consecutive commits share their blobs.
BLOCK = 50


def stretches(places: list[int], gap: int) -> list[list[int]]:
    """``places`` (ascending) cut into runs wherever more than ``gap`` places lie between two of them."""
    runs: list[list[int]] = []
    for place in places:
        if runs and place - runs[-1][-1] <= gap + 1:
            runs[-1].append(place)
        else:
            runs.append([place])
    return runs


def deal(items: Sequence[str], hands: int, block: int = BLOCK) -> list[list[str]]:
    """``items`` dealt to ``hands`` in turn, ``block`` at a time: hand k gets blocks k, k + hands, ..."""
    dealt: list[list[str]] = [[] for _ in range(hands)]
    for turn, start in enumerate(range(0, len(items), block)):
        dealt[turn % hands].extend(items[start : start + block])
    return dealt


def usable_cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _places(line: list[tuple[str, float, tuple[str, ...]]], window: Window) -> list[int]:
    """The places on ``line`` (newest first) of the commits committed inside ``window``."""
    start, end = window.start.timestamp(), window.end.timestamp()
    return [i for i, (_, stamp, _) in enumerate(line) if start <= stamp < end]


def _lines(shas: Sequence[str]) -> bytes:
    return "\n".join(shas).encode()


class LocalGitSource(Source, CloneBacked):
    """A local clone (work tree or bare), read on one branch, first-parent history.

    A clone whose ``origin`` is on GitHub is that repository: it is named ``owner/name`` (unless
    ``name`` is given), links to GitHub, and ``github_repo`` lets the digest look up pull requests.
    ``readers``: how many ``git log`` a long range is read with at once (default: one per core).
    """

    kind = "local"

    def __init__(
        self,
        path: str | Path,
        branch: str | None = None,
        name: str | None = None,
        base_url: str | None = None,
        *,
        readers: int | None = None,
    ):
        self.path = repository_root(path)
        self.branch = branch
        self.readers = readers or usable_cores()
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

    def iter_commits(self, window: Window, *, before: Window | None = None) -> Iterator[Commit]:
        """The commits of :meth:`commits`: a commit as soon as git has read it, a merge once the commits it
        landed are read too (one read per stretch of the line that holds the window's commits: :meth:`_read`).
        ``before``: after them, the first-parent commits of that span too (those outside ``window``), each with
        its files but not their line counts, a merge without the commits it landed: what the rules' recent
        fixes read of the days before a window, by a ``git log`` of its own (``listed_args(counts=False)``) that
        runs beside the window's read."""
        line = self._first_parent_line()
        places = _places(line, window)
        inside = set(places)
        early = [i for i in _places(line, before) if i not in inside] if before is not None else []
        if early and self._partial_clone():  # read whole, where the read without blobs is (_read)
            places, early = sorted({*places, *early}), []
        if not places and not early:
            return
        on_line = {sha for sha, _, _ in line}
        boundary = shallow_boundary(self.path)
        shas = [line[i][0] for i in early]
        with git_outputs(self.path, [listed_args(counts=False)] if shas else [], inputs=[_lines(shas)]) as outputs:
            for run in stretches(places, READ_THROUGH):
                yield from self._iter_stretch([(line[i][0], line[i][2]) for i in run], on_line, boundary)
            yielded: set[str] = set()
            try:
                for raw in (raw for output in outputs for raw in parse_stream(output)):
                    yielded.add(raw.sha)
                    if raw.sha in boundary:  # diffed against nothing: its changes are not known here
                        raw.files, raw.incomplete = [], "parent"
                    yield to_commit(raw, self.name, self.base_url, incomplete=raw.incomplete)
            except SourceError as exc:  # an object -M needs is not here: the rest read as a window is
                if not missing_object(str(exc)):
                    raise
                rest = [i for i in early if line[i][0] not in yielded]
                for run in stretches(rest, READ_THROUGH):
                    yield from self._iter_stretch([(line[i][0], line[i][2]) for i in run], on_line, boundary)

    def _iter_stretch(
        self, shown: list[tuple[str, tuple[str, ...]]], on_line: set[str], boundary: frozenset[str]
    ) -> Iterator[Commit]:
        """The commits ``shown`` (newest first, on the line), each merge with the commits it landed, read by
        ``git log`` from the list of those commits (:meth:`_read`)."""
        oldest_parents = [p for p in shown[-1][1] if self._has(p)]
        tip, exclude = shown[0][0], tuple(oldest_parents[:1])
        wanted = {sha: parents for sha, parents in shown}
        landed, graph = self._landed(
            tip, exclude, [(sha, parents) for sha, parents in shown if len(parents) > 1], on_line, boundary
        )
        # A merge whose one landed commit sits on the merge's first parent with the merge's tree: both diffs are the
        # same pair of trees, so git diffs it once (the landed commit) and the merge is read without a diff.
        twins = {
            sha: landed[sha][0]
            for sha, parents in shown
            if len(landed.get(sha, ())) == 1
            and tuple(graph[landed[sha][0]][1:]) == parents[:1]
            and graph[landed[sha][0]][0] == graph.get(sha, [""])[0]
            and not {sha, landed[sha][0]} & boundary
        }
        waiting = {sha: set(shas) for sha, shas in landed.items()}  # what each merge still waits for
        awaited_by = {side_sha: merge for merge, shas in landed.items() for side_sha in shas}
        merges: dict[str, RawCommit] = {}
        side: dict[str, RawCommit] = {}
        yielded: set[str] = set()

        def whole(raw: RawCommit) -> Commit:
            commits = sorted(
                (side.pop(sha) for sha in landed[raw.sha] if sha in side),  # sha: one order on ties
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

        listed = [
            commit for sha, _ in shown for commit in (() if sha in twins else (sha,)) + tuple(landed.get(sha, ()))
        ]
        for raw in self._read(listed, tip, exclude, yielded, undiffed=list(twins)):
            if raw.sha in boundary:  # diffed against nothing: its changes are not known here
                raw.files, raw.incomplete = [], "parent"
            if raw.sha in wanted and len(raw.parents) > 1:
                merges[raw.sha] = raw
            elif raw.sha in wanted:
                yielded.add(raw.sha)
                yield to_commit(raw, self.name, self.base_url, incomplete=raw.incomplete)
            elif raw.sha in awaited_by:
                side[raw.sha] = raw
                waiting.get(awaited_by[raw.sha], set()).discard(raw.sha)
            for sha in [m for m in merges if not waiting.get(m)]:  # read whole: out it goes, while git runs on
                yielded.add(sha)
                waiting.pop(sha, None)
                merge = merges.pop(sha)
                if sha in twins and not merge.files and twins[sha] in side:  # read without its diff: the twin's
                    merge.files = list(side[twins[sha]].files)
                yield whole(merge)
        for raw in merges.values():  # what a damaged clone could not give
            yield whole(raw)

    def _landed(
        self,
        tip: str,
        exclude: tuple[str, ...],
        merges: list[tuple[str, tuple[str, ...]]],
        on_line: set[str],
        boundary: frozenset[str],
    ) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
        """Each merge's landed commits (:func:`~repodigest.sources.landing.landed_by`), and the range's graph
        (sha -> its tree, then its parents): one ``git rev-list``, no diffs."""
        if not merges:
            return {}, {}
        out = run_git(self.path, "rev-list", "--format=%H %T %P", tip, *(["--not", *exclude] if exclude else []), "--")
        graph = {
            sha: rest
            for sha, *rest in (
                row.split() for row in out.decode().splitlines() if row and not row.startswith("commit ")
            )
        }
        side = {sha: rest[1:] for sha, rest in graph.items() if sha not in on_line}
        return landed_by(merges[::-1], side, boundary), graph  # oldest merge first

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

    def _read(
        self, listed: list[str], tip: str, exclude: tuple[str, ...], yielded: set[str], undiffed: Sequence[str] = ()
    ) -> Iterator[RawCommit]:
        """The ``listed`` commits, parsed as git writes them: a long list dealt in blocks to ``readers`` ``git
        log --no-walk`` at once, read block by block in turn (:func:`deal`), so that parsing keeps pace with
        every reader; and the ``undiffed`` commits, without their files, by one more. Where blobs are missing,
        the range ``tip`` .. ``exclude`` from its trees instead (never fetching), skipping what was already
        yielded."""
        if not self._partial_clone():
            hands = deal(listed, max(1, min(self.readers, len(listed) // PART_MIN)))
            arglists = [listed_args()] * len(hands) + ([listed_args(diffs=False)] if undiffed else [])
            try:
                with git_outputs(self.path, arglists, inputs=[_lines(hand) for hand in [*hands, undiffed]]) as outputs:
                    parsers = [parse_stream(output) for output in outputs]
                    while parsers:
                        for parser in list(parsers):
                            block = list(islice(parser, BLOCK))
                            yield from block
                            if len(block) < BLOCK:
                                parsers.remove(parser)
                return
            except SourceError as exc:
                if not missing_object(str(exc)):
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
                return self._ref(full, when, subject)
        return None

    def find_commits(self, queries: Sequence[CommitQuery]) -> list[CommitRef | None]:
        """:meth:`find_commit` of each of ``queries``, in order, with one ``git log`` for those by sha and one
        for those by title, whatever their number (a short sha that two of them may name is looked up alone)."""
        found: list[CommitRef | None] = [None] * len(queries)
        named = {q.sha for q in queries if q.sha and _HEX.match(q.sha)}
        by_sha = self._by_sha(sorted(named))
        for place, query in enumerate(queries):
            if query.sha:
                hit = by_sha.get(query.sha)
                if query.sha in named and hit is None and any(r.sha.startswith(query.sha) for r in by_sha.values()):
                    hit = self.find_commit(sha=query.sha)  # the same commit as another's, or an ambiguous prefix
                found[place] = hit
        titled = [(place, q) for place, q in enumerate(queries) if not q.sha and q.title]
        for (place, _), hit in zip(titled, self._by_title([q for _, q in titled])):
            found[place] = hit
        return found

    def _by_sha(self, shas: list[str]) -> dict[str, CommitRef]:
        """The commits ``shas`` name (full or short), by the name given: one ``git log --no-walk``, which
        leaves out the names that are not a commit here, and prints a commit named twice once (``%S``: the
        name it was given by)."""
        if not shas:
            return {}
        out = run_git(
            self.path,
            "log",
            "--no-walk=unsorted",
            "--ignore-missing",
            "--no-color",
            "--format=%S%x00%H%x00%cI%x00%s%x00",
            *(f"{sha}^{{commit}}" for sha in shas),
            "--",
            check=False,
        )
        fields = out.decode("utf-8", "replace").split("\0")
        return {
            fields[i].strip().removesuffix("^{commit}"): self._ref(fields[i + 1], fields[i + 2], fields[i + 3])
            for i in range(0, len(fields) - 4, 4)
        }

    def _by_title(self, queries: list[CommitQuery]) -> list[CommitRef | None]:
        """Each query's commit by title, as :meth:`find_commit` finds it, from one ``git log`` with a ``--grep``
        per title: for each, the first commit (in git's order) committed before its ``before``, titled as it
        asks, whose message holds the title within one line (what its own ``--grep`` would have matched)."""
        if not queries:
            return []
        befores = [q.before for q in queries]
        until = [f"--until={(max(b for b in befores if b) - timedelta(seconds=1)).isoformat()}"] if all(befores) else []
        out = run_git(
            self.path,
            "log",
            "--no-color",
            "-F",
            *(f"--grep={title}" for title in dict.fromkeys(q.title for q in queries)),
            *until,
            "--format=%H%x00%cI%x00%s%x00%B%x00",
            self.revision,
            "--",
            check=False,
        )
        fields = out.decode("utf-8", "replace").split("\0")
        records = [
            (fields[i].strip(), fields[i + 1], git_time(fields[i + 1])[0], fields[i + 2], fields[i + 3].split("\n"))
            for i in range(0, len(fields) - 4, 4)
        ]
        found: list[CommitRef | None] = []
        for query in queries:
            title, last = query.title or "", query.before - timedelta(seconds=1) if query.before else None
            hit = next(
                (
                    (full, when, subject)
                    for full, when, moment, subject, lines in records
                    if (last is None or moment <= last)
                    and same_title(subject, title)
                    and any(title in line for line in lines)
                ),
                None,
            )
            found.append(self._ref(*hit) if hit else None)
        return found

    def _ref(self, sha: str, when: str, subject: str) -> CommitRef:
        full = sha.strip()
        return CommitRef(
            sha=full,
            title=subject,
            committed_at=git_time(when)[0],
            url=f"{self.base_url}/commit/{full}" if self.base_url else None,
        )
