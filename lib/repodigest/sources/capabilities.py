"""What a source offers, as types: every source is a :class:`Source`; one backed by a git repository on
disk (a clone, a mirror) is also :class:`CloneBacked`. Each source class names the protocols it
implements, and callers ask ``isinstance(source, CloneBacked)``, never ``hasattr``."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Protocol, runtime_checkable

from ..models import Commit, CommitQuery, CommitRef
from ..window import Window


@runtime_checkable
class Source(Protocol):
    """Every source: the window's commits, a commit's diff, cheap lookups of commits outside the
    window (the ones reverts name), and ``github_repo`` ("owner/name" on GitHub, for pull-request
    lookups; else None)."""

    name: str
    kind: str  # "local" | "github": which notes and notices apply
    github_repo: str | None

    def commits(self, window: Window) -> list[Commit]: ...

    def latest_commit_time(self) -> datetime | None: ...

    def diff(self, commit: Commit) -> str: ...

    def find_commit(
        self, sha: str | None = None, title: str | None = None, before: datetime | None = None
    ) -> CommitRef | None: ...

    def find_commits(self, queries: Sequence[CommitQuery]) -> list[CommitRef | None]:
        """:meth:`find_commit` of each of ``queries``, in order: one lookup each, unless the source answers
        them together."""
        return [self.find_commit(sha=q.sha, title=q.title, before=q.before) for q in queries]


@runtime_checkable
class CloneBacked(Protocol):
    """A source read from a git repository on disk (a clone or a mirror): its path and revision, the
    revision at a moment, the tree at a commit, and the window's commits as git streams them (and the paths
    the days before it changed)."""

    path: Path
    revision: str  # the branch's newest commit, as resolved when the source was opened

    def revision_at(self, moment: datetime) -> str | None: ...

    def tree_lookup(self, sha: str) -> Callable[[Sequence[str]], tuple[list[str], set[str]]]: ...

    def iter_commits(self, window: Window, *, before: Window | None = None) -> Iterator[Commit]:
        """The window's commits as git streams them; then those of ``before`` with their files' paths only
        (no line counts, a merge without the commits it landed)."""
        ...
