"""Commit sources behind one small interface: local git clones and GitHub repositories.

A source has a ``name``, ``commits(window)``, ``latest_commit_time()``, ``diff(commit)``,
``find_commit(sha=, title=, before=)`` (one cheap lookup of a commit outside the window: the one a
revert names; ``find_commits`` answers many at once), and ``github_repo``: ``owner/name`` when the repository is on GitHub (a GitHub source, a mirror, a
clone whose ``origin`` is on github.com), for the pull-request lookups of
:mod:`.pull_requests`; else None: the protocol :class:`Source`. A clone or a mirror is also
:class:`CloneBacked` (a path, revisions, trees, streamed commits): see :mod:`.capabilities`.
New backends register a factory in ``SOURCES`` keyed by the kind :func:`repo_kind` returns.
"""

from __future__ import annotations

from datetime import date, datetime
from operator import itemgetter
from pathlib import Path
from typing import Protocol

from ..cache import Cache
from ..config import RepoConfig, Settings, repo_kind
from ..errors import UserError
from ..i18n import strings
from ..window import parse_date, resolve_tz, today_in
from .capabilities import CloneBacked as CloneBacked
from .capabilities import Source
from .git_process import repository_root
from .local_git import LocalGitSource


class SourceFactory(Protocol):
    """What ``SOURCES`` holds: a source of one kind from its configuration, with every option named (a
    source that has no use for one takes it all the same, so a typo raises TypeError for every kind)."""

    def __call__(
        self,
        repo: RepoConfig,
        location: str,
        settings: Settings,
        *,
        cache: Cache | None = None,
        refresh: bool = False,
        progress: bool = True,
    ) -> Source: ...


def _local(
    repo: RepoConfig,
    location: str,
    settings: Settings,
    *,
    cache: Cache | None = None,
    refresh: bool = False,
    progress: bool = True,
) -> Source:
    # git is its own cache and reads fast: the options of the sources that fetch have no effect here
    return LocalGitSource(location, branch=repo.branch, name=repo.name)


def _github(
    repo: RepoConfig,
    location: str,
    settings: Settings,
    *,
    cache: Cache | None = None,
    refresh: bool = False,
    progress: bool = True,
) -> Source:
    try:
        from .github import open_github_source
    except ImportError as exc:  # pragma: no cover - PyGithub is a core dependency
        raise UserError(f"GitHub repositories need PyGithub: pip install PyGithub ({exc})") from None
    return open_github_source(repo, location, settings, cache=cache, refresh=refresh, progress=progress)


SOURCES: dict[str, SourceFactory] = {"local": _local, "github": _github}


def open_source(
    repo: RepoConfig,
    settings: Settings,
    *,
    cache: Cache | None = None,
    refresh: bool = False,
    progress: bool = True,
) -> Source:
    """Build the source for one configured repository: ``cache`` and ``refresh`` for the sources that
    fetch (GitHub), ``progress`` for their progress bars."""
    kind, location = repo_kind(repo.spec, settings.base_dir)
    return SOURCES[kind](repo, location, settings, cache=cache, refresh=refresh, progress=progress)


def default_repo() -> RepoConfig:
    """The git repository the run is started in."""
    return RepoConfig(spec=str(repository_root(Path.cwd())))


def open_sources(
    settings: Settings, *, cache: Cache | None = None, refresh: bool = False, progress: bool = True
) -> tuple[list[RepoConfig], list[Source]]:
    """The configured repositories (default: the checkout the run is started in) and their sources
    (options as for :func:`open_source`)."""
    repo_configs = list(settings.repos) or [default_repo()]
    sources = [open_source(r, settings, cache=cache, refresh=refresh, progress=progress) for r in repo_configs]
    names = [s.name for s in sources]
    for name in {n for n in names if names.count(n) > 1}:
        specs = [r.spec for r, s in zip(repo_configs, sources) if s.name == name]
        raise UserError(
            f"two repositories share the display name {name!r} ({', '.join(specs)}): "
            f"set 'name' for one of them in the config"
        )
    return repo_configs, sources


def check_repositories(settings: Settings) -> list[RepoConfig]:
    """The repositories a run reads (default: the checkout it is started in), each checked without
    opening it: a local path must be a git repository this user can read, anything else a GitHub
    ``owner/name``. A UserError names the first that is not."""
    repo_configs = list(settings.repos) or [default_repo()]
    for repo in repo_configs:
        kind, location = repo_kind(repo.spec, settings.base_dir)
        if kind == "local":
            repository_root(location)
    return repo_configs


def latest_day(
    sources: list[Source], tz, *, now: datetime | None = None, notes: list[str] | None = None, lang: str = "en"
) -> date:
    """The most recent day (in ``tz``) on which any of the sources has a commit, and not after today: a
    newest commit dated in the future (a clock set wrong) gives today, and a line in ``notes`` (in ``lang``)
    says so."""
    times = [(t, s) for s, t in ((s, s.latest_commit_time()) for s in sources) if t is not None]
    if not times:
        raise UserError("none of the repositories has any commit")
    newest, source = max(times, key=itemgetter(0))
    day, today = newest.astimezone(tz).date(), today_in(tz, now)
    if day <= today:
        return day
    if notes is not None:
        notes.append(
            strings(lang)["future_head"].format(
                repo=source.name, when=f"{newest.astimezone(tz):%Y-%m-%d %H:%M}", tz=tz.key, day=today.isoformat()
            )
        )
    return today


def resolve_day(
    settings: Settings,
    date: str | date | None,
    sources: list[Source] | None = None,
    *,
    notes: list[str] | None = None,
) -> date:
    """The report's (last) day: ``date`` parsed in the settings' time zone, else the latest day with commits
    that is not in the future (:func:`latest_day`, which adds to ``notes`` when it had to choose today)."""
    zone = resolve_tz(settings.tz)
    day = parse_date(date, zone)
    if day is None:
        found = sources if sources is not None else open_sources(settings)[1]
        day = latest_day(found, zone, notes=notes, lang=settings.lang)
    return day
