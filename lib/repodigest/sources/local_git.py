"""Commits of a local git clone, read with one ``git log`` process per window."""

from __future__ import annotations

import re
import subprocess
import tempfile
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

from ..errors import SourceError, UserError
from ..models import Commit, CommitRef
from ..window import Window
from .gitlog import RawCommit, log_args, parse_stream
from .message import parse_co_authors, parse_pr_number, same_title, split_message

_HEX = re.compile(r"^[0-9a-f]{4,40}$")
_REF_FORMAT = "--format=%H%x00%cI%x00%s%x00"
_GITHUB_REMOTE = re.compile(r"github\.com[:/]+([^/\s]+)/([^/\s]+?)(?:\.git)?/?$")


def run_git(path: str | Path, *args: str, check: bool = True) -> bytes:
    """Run git in ``path`` and return stdout; failures become SourceError with git's message."""
    try:
        proc = subprocess.run(["git", "-C", str(path), *args], capture_output=True, check=False)
    except FileNotFoundError:
        raise SourceError("git is not installed or not on PATH") from None
    if check and proc.returncode != 0:
        raise _failed(path, args, proc.stderr, proc.returncode)
    return proc.stdout


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
        finished = False
        try:
            while chunk := proc.stdout.read1(chunk_size):
                yield chunk
            finished = True
        finally:
            if not finished:  # the reader stopped early
                proc.kill()
            proc.stdout.close()
            code = proc.wait()
        if code != 0:
            errors.seek(0)
            raise _failed(path, args, errors.read(), code)


def repository_root(path: str | Path) -> Path:
    """The top of the work tree (or the bare repository) containing ``path``; UserError if none."""
    path = Path(path)
    if not path.exists():
        raise UserError(f"repository path does not exist: {path}")
    # Two calls: with git 2.39, --show-toplevel fails outright in a bare repository.
    bare = subprocess.run(["git", "-C", str(path), "rev-parse", "--is-bare-repository"], capture_output=True, text=True)
    if bare.returncode != 0:
        raise UserError(f"not a git repository: {path}")
    if bare.stdout.strip() == "true":
        return path.resolve()
    top = subprocess.run(["git", "-C", str(path), "rev-parse", "--show-toplevel"], capture_output=True, text=True)
    if top.returncode != 0 or not top.stdout.strip():
        raise UserError(f"not a git repository: {path}")
    return Path(top.stdout.strip()).resolve()


def github_full_name(path: str | Path) -> str | None:
    """``owner/name`` when the ``origin`` remote is on github.com, else None."""
    proc = subprocess.run(["git", "-C", str(path), "remote", "get-url", "origin"], capture_output=True, text=True)
    found = _GITHUB_REMOTE.search(proc.stdout.strip()) if proc.returncode == 0 else None
    return f"{found.group(1)}/{found.group(2)}" if found else None


def to_commit(raw: RawCommit, repo: str, base_url: str | None) -> Commit:
    """Turn a parsed log record into a Commit, deriving title, PR number and trailers."""
    title, _ = split_message(raw.message)
    pr = parse_pr_number(title)
    return Commit(
        repo=repo, sha=raw.sha, parents=raw.parents,
        author_name=raw.author_name, author_email=raw.author_email, author_date=raw.author_date,
        committer_name=raw.committer_name, committer_email=raw.committer_email,
        committer_date=raw.committer_date, message=raw.message, title=title, pr_number=pr,
        # The trailer's words hold no letter that re.IGNORECASE folds from non-ASCII: lower() finds them all.
        co_authors=parse_co_authors(raw.message) if "co-authored-by:" in raw.message.lower() else (),
        files=tuple(raw.files),
        url=f"{base_url}/commit/{raw.sha}" if base_url else None,
        pr_url=f"{base_url}/pull/{pr}" if base_url and pr else None,
    )


class LocalGitSource:
    """A local clone (work tree or bare), read on one branch, first-parent history.

    A clone whose ``origin`` is on GitHub is that repository: it is named ``owner/name`` (unless
    ``name`` is given), links to GitHub, and ``github_repo`` lets the digest look up pull requests.
    """

    kind = "local"

    def __init__(self, path: str | Path, branch: str | None = None, name: str | None = None,
                 base_url: str | None = None):
        self.path = repository_root(path)
        self.branch = branch
        self.revision = self._resolve_revision(branch)
        self.github_repo = github_full_name(self.path) if base_url is None else None
        self.name = name or self.github_repo or self.path.name.removesuffix(".git")
        self.base_url = base_url if base_url is not None else (
            f"https://github.com/{self.github_repo}" if self.github_repo else None)

    def _resolve_revision(self, branch: str | None) -> str:
        rev = branch or "HEAD"
        proc = subprocess.run(["git", "-C", str(self.path), "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"],
                              capture_output=True, text=True)
        if proc.returncode != 0:
            if branch:
                raise UserError(f"branch {branch!r} does not exist in {self.path}")
            raise UserError(f"repository {self.path} has no commits yet")
        return rev

    def commits(self, window: Window) -> list[Commit]:
        """Every first-parent commit whose committer date falls inside ``window``, newest first."""
        return list(self.iter_commits(window))

    def iter_commits(self, window: Window) -> Iterator[Commit]:
        """The commits of :meth:`commits`, one by one while git still runs (one process for the window)."""
        start, end = window.start, window.end  # window.contains, with the bounds made once
        for raw in parse_stream(stream_git(self.path, *log_args(self.revision, since=start,
                                                                  until=end - timedelta(seconds=1)))):
            # git's --since stops at the first older commit it meets; the exact test is ours.
            if start <= raw.committer_date < end:
                yield to_commit(raw, self.name, self.base_url)

    def latest_commit_time(self) -> datetime | None:
        """Committer date of the newest commit on the branch."""
        out = run_git(self.path, "log", "-1", "--first-parent", "--format=%cI", self.revision, "--")
        text = out.decode().strip()
        return datetime.fromisoformat(text) if text else None

    def diff(self, commit: Commit) -> str:
        """The commit's patch against its first parent (text for the LLM; binary files summarised)."""
        out = run_git(self.path, "-c", "core.quotepath=off", "show", "--diff-merges=first-parent", "--format=",
                      "--patch", "-M", "--no-color", "--no-ext-diff", commit.sha, "--")
        return out.decode("utf-8", errors="replace")

    def find_commit(self, sha: str | None = None, title: str | None = None,
                    before: datetime | None = None) -> CommitRef | None:
        """The commit ``sha`` names, else the newest commit before ``before`` whose title is ``title``
        (:func:`~repodigest.sources.message.same_title`), anywhere in the history; one git process."""
        if sha:
            if not _HEX.match(sha):
                return None
            out = run_git(self.path, "show", "-s", "--no-color", _REF_FORMAT, f"{sha}^{{commit}}", "--", check=False)
        elif title:
            until = [f"--until={(before - timedelta(seconds=1)).isoformat()}"] if before else []
            out = run_git(self.path, "log", "--no-color", "-F", f"--grep={title}", *until, _REF_FORMAT,
                          self.revision, "--", check=False)
        else:
            return None
        fields = out.decode("utf-8", "replace").split("\0")
        for i in range(0, len(fields) - 3, 3):
            full, when, subject = fields[i].strip(), fields[i + 1], fields[i + 2]
            if sha or same_title(subject, title or ""):
                return CommitRef(sha=full, title=subject, committed_at=datetime.fromisoformat(when),
                                 url=f"{self.base_url}/commit/{full}" if self.base_url else None)
        return None
