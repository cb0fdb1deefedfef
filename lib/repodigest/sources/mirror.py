"""Mirror mode: read a GitHub repository from a bare clone kept in the cache directory.

For repositories with hundreds of commits a day, or when the API rate limit hurts, git's own
protocol is cheaper than one REST request per commit: the first run clones (``git clone
--bare``), every later run fetches only what is new (``git fetch``), and the commits are then
read locally by :class:`~repodigest.sources.local_git.LocalGitSource`, with links pointing back
to GitHub.

Enable it per repository in the config file::

    [[repos]]
    spec = "astral-sh/ruff"
    mirror = true

The clone lives under ``<cache_dir>/mirrors/<host>/<owner>/<name>.git``. Private repositories
need git credentials (a credential helper or an SSH remote); the token in ``$GITHUB_TOKEN`` is
not written into the clone's config. Differences from the API source: first-parent history of
the branch (like any local clone) and the commit's own time-zone offsets; no GitHub logins.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

from ..cache import default_cache_dir
from ..config import RepoConfig, Settings
from ..errors import SourceError, UserError
from .local_git import LocalGitSource

GIT_TIMEOUT = 1800.0  # seconds for one clone or fetch; a first clone of a big repository is slow


def mirror_path(settings: Settings, full_name: str, host: str = "github.com") -> Path:
    """Where the bare clone of ``full_name`` lives."""
    owner, name = full_name.split("/", 1)
    return default_cache_dir(settings.cache_dir) / "mirrors" / host / owner / f"{name}.git"


def _git(args: list[str], what: str) -> None:
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0"}  # never wait for a password at a keyboard
    try:
        proc = subprocess.run(["git", *args], capture_output=True, text=True, env=env, timeout=GIT_TIMEOUT)
    except FileNotFoundError:
        raise SourceError("git is not installed or not on PATH (needed for mirror mode)") from None
    except subprocess.TimeoutExpired:
        raise SourceError(f"{what} took longer than {GIT_TIMEOUT:g}s") from None
    if proc.returncode != 0:
        lines = [line for line in proc.stderr.strip().splitlines() if line.strip()]
        last = lines[-1] if lines else f"exit code {proc.returncode}"
        if "not found" in last.lower() or "does not appear to be a git repository" in last.lower():
            raise UserError(f"{what} failed: {last}")
        raise SourceError(f"{what} failed: {last}")


def update_mirror(path: Path, remote_url: str) -> Path:
    """Clone ``remote_url`` bare into ``path``, or fetch into it when it already exists."""
    if (path / "HEAD").is_file():
        _git(["-C", str(path), "remote", "set-url", "origin", remote_url], f"updating the mirror remote of {path}")
        # a bare clone has no fetch refspec: fetch branches into refs/heads, drop deleted ones
        _git(
            ["-C", str(path), "fetch", "--prune", "--quiet", "origin", "+refs/heads/*:refs/heads/*"],
            f"git fetch of {remote_url} into {path}",
        )
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial")
        if partial.exists():
            import shutil

            shutil.rmtree(partial)
        _git(["clone", "--bare", "--quiet", remote_url, str(partial)], f"git clone --bare of {remote_url}")
        partial.rename(path)  # a half-finished clone never looks like a mirror
    return path


class MirrorSource(LocalGitSource):
    """A LocalGitSource over the bare mirror.

    ``LocalGitSource.__init__`` finds the repository with ``git rev-parse --show-toplevel``,
    which git (2.39 at least) refuses to run in a bare repository ("this operation must be run in
    a work tree"); this class points at the bare directory directly when that happens.
    """

    kind = "github"

    def __init__(self, path: Path, branch: str | None, name: str, base_url: str):
        try:
            super().__init__(path, branch=branch, name=name, base_url=base_url)
        except UserError as exc:
            if "not a git repository" not in str(exc):
                raise
            self.path = Path(path).resolve()
            self.branch = branch
            self.revision = self._resolve_revision(branch)
            self.name = name
            self.base_url = base_url


def open_mirror_source(
    repo: RepoConfig, full_name: str, settings: Settings, remote_url: str | None = None
) -> LocalGitSource:
    """Clone or fetch the mirror of ``full_name``, then read it like a local clone.

    ``remote_url`` defaults to ``https://github.com/{full_name}.git``; tests pass a local path.
    """
    remote_url = remote_url or f"https://github.com/{full_name}.git"
    host = urlsplit(remote_url).hostname if "://" in remote_url else None
    path = mirror_path(settings, full_name, host or "local")
    update_mirror(path, remote_url)
    base = f"https://{host or 'github.com'}/{full_name}"
    source = MirrorSource(path, branch=repo.branch, name=repo.name or full_name, base_url=base)
    source.github_repo = full_name  # pull-request lookups go to the repository it mirrors
    return source
