"""Commit sources behind one small interface: local git clones and GitHub repositories.

A source has a ``name``, ``commits(window)``, ``latest_commit_time()``, ``diff(commit)``,
``find_commit(sha=, title=, before=)`` (one cheap lookup of a commit outside the window: the one a
revert names), and ``github_repo``: ``owner/name`` when the repository is on GitHub (a GitHub source, a mirror, a
clone whose ``origin`` is on github.com), for the pull-request lookups of
:mod:`.pull_requests`; else None.
New backends register a factory in ``SOURCES`` keyed by the kind :func:`repo_kind` returns.
"""

from __future__ import annotations

from datetime import datetime
from typing import Callable, Protocol

from ..config import RepoConfig, Settings, repo_kind
from ..errors import UserError
from ..models import Commit, CommitRef
from ..window import Window
from .local_git import LocalGitSource


class Source(Protocol):
    name: str
    kind: str
    github_repo: str | None

    def commits(self, window: Window) -> list[Commit]: ...

    def latest_commit_time(self) -> datetime | None: ...

    def diff(self, commit: Commit) -> str: ...

    def find_commit(self, sha: str | None = None, title: str | None = None,
                    before: datetime | None = None) -> CommitRef | None: ...


def _local(repo: RepoConfig, location: str, settings: Settings, **_) -> Source:
    return LocalGitSource(location, branch=repo.branch, name=repo.name)


def _github(repo: RepoConfig, location: str, settings: Settings, **options) -> Source:
    try:
        from .github import open_github_source
    except ImportError as exc:  # pragma: no cover - PyGithub is a core dependency
        raise UserError(f"GitHub repositories need PyGithub: pip install PyGithub ({exc})") from None
    return open_github_source(repo, location, settings, **options)


SOURCES: dict[str, Callable[..., Source]] = {"local": _local, "github": _github}


def open_source(repo: RepoConfig, settings: Settings, **options) -> Source:
    """Build the source for one configured repository."""
    kind, location = repo_kind(repo.spec, settings.base_dir)
    return SOURCES[kind](repo, location, settings, **options)
