"""Typed records at the stage boundary between sources and scoring.

Field names follow PyDriller's vocabulary (``added_lines``, ``old_path``) so that analysis code
reads like the question it answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cached_property


@dataclass(frozen=True)
class FileChange:
    """One file touched by a commit."""

    path: str
    status: str  # added | modified | deleted | renamed | copied | type_changed | unknown
    added_lines: int | None  # None for binary files: "not counted", never 0
    deleted_lines: int | None
    old_path: str | None = None  # previous path on rename/copy
    binary: bool = False
    patch: str | None = None  # per-file diff text when the source has it (GitHub)

    @property
    def churn(self) -> int:
        return (self.added_lines or 0) + (self.deleted_lines or 0)


@dataclass(frozen=True)
class IssueRef:
    """An issue a pull request closes (GitHub's ``closingIssuesReferences``)."""

    number: int
    url: str
    title: str = ""


@dataclass(frozen=True)
class PullCommit:
    """One commit of a pull request as GitHub's GraphQL API lists it: no files, its line counts only."""

    sha: str
    title: str  # the message's first line
    author_name: str
    author_email: str
    author_login: str | None
    authored_at: datetime
    committed_at: datetime
    added_lines: int
    deleted_lines: int


@dataclass(frozen=True)
class PullRequest:
    """The pull request a commit came from, as GitHub tells it (text fields are untrusted data)."""

    number: int
    url: str
    title: str = ""
    body: str = ""  # as written, uncapped: the frame and the prompt cap it
    labels: tuple[str, ...] = ()
    author: str | None = None
    merged_by: str | None = None
    merged_at: datetime | None = None
    review_decision: str | None = None  # APPROVED | CHANGES_REQUESTED | REVIEW_REQUIRED | None
    approvers: tuple[str, ...] = ()
    closes_issues: tuple[IssueRef, ...] = ()
    base_repo: str = ""  # "owner/name" the pull request was merged into
    source: str = "graphql"  # graphql | rest (the REST fallback has no reviews, merged_by or issues)
    commits: tuple[PullCommit, ...] = ()  # its commits, oldest first (GraphQL: the first 100)
    commit_count: int | None = None  # how many commits it has (more than ``commits`` holds past 100)


@dataclass(frozen=True)
class Commit:
    """One commit with everything the scoring and the report need, and nothing derived."""

    repo: str  # display name of the repository, e.g. "sgl-project/sglang"
    sha: str
    parents: tuple[str, ...]
    author_name: str
    author_email: str
    author_date: datetime  # timezone-aware, with the commit's own offset
    committer_name: str
    committer_email: str
    committer_date: datetime
    message: str
    title: str
    pr_number: int | None
    co_authors: tuple[str, ...]
    files: tuple[FileChange, ...]
    author_login: str | None = None
    url: str | None = None  # web page of the commit, when the repository has one
    pr_url: str | None = None
    files_truncated: bool = False  # the source capped the file list (GitHub stops at 3000)
    pull_request: PullRequest | None = None  # attached after the source, before scoring (GitHub only)
    # A merge on the first-parent line: the commits it landed (reachable only through its other
    # parents), newest first; their authors wrote the change. Empty for other commits.
    merged: tuple[Commit, ...] = ()
    subject: str = ""  # the message's first line as written (``title`` is a merge's landed title)
    incomplete: str | None = None  # "parent" (not in a shallow clone) or "blobs" (not in the clone): see files
    # (added, deleted) when the source knows the counts but not the files (a pull request's commits on GitHub)
    line_counts: tuple[int, int] | None = None
    # Time-zone offsets git holds for this commit beyond +-23:59, as written ("+9959"): its dates keep the
    # instant, with the offset clamped (sources.gitlog.git_time).
    clamped_offsets: tuple[str, ...] = ()

    @property
    def short_sha(self) -> str:
        return self.sha[:7]

    @property
    def added_lines(self) -> int:
        if self.line_counts is not None and not self.files:
            return self.line_counts[0]
        return sum(f.added_lines or 0 for f in self.files)

    @property
    def deleted_lines(self) -> int:
        if self.line_counts is not None and not self.files:
            return self.line_counts[1]
        return sum(f.deleted_lines or 0 for f in self.files)

    @property
    def is_merge(self) -> bool:
        return len(self.parents) > 1

    @cached_property
    def authored(self) -> tuple[Commit, ...]:
        """The commits whose authors wrote this change: the ones a merge landed (merges among them are
        only how they travelled), else the commit itself."""
        return tuple(c for c in self.merged if not c.is_merge) or (self,)

    @cached_property  # the frame's row, its authors and the relations all ask
    def main_author(self) -> Commit:
        """The commit that stands for the change's author: among :attr:`authored`, the first by the
        author with the most commits, then the most lines (a login, else the name, is one author)."""
        authored = self.authored
        if len(authored) == 1:
            return authored[0]
        tally: dict[str, list] = {}
        for commit in authored:
            entry = tally.setdefault(author_key(commit), [0, 0, commit])
            entry[0] += 1
            entry[1] += commit.added_lines + commit.deleted_lines
        return max(tally.values(), key=lambda e: (e[0], e[1]))[2]

    @property
    def authors(self) -> tuple[str, ...]:
        """The name of every author of :attr:`authored` (one per :func:`author_key`, as
        :attr:`main_author` counts them), the main author first, then by commits."""
        counts: dict[str, list] = {}
        for commit in self.authored:
            entry = counts.setdefault(author_key(commit), [0, commit.author_name])
            entry[0] += 1
        main = author_key(self.main_author)
        others = sorted((key for key in counts if key != main), key=lambda key: -counts[key][0])
        return (self.main_author.author_name, *(counts[key][1] for key in others))


def person_key(login: object, name: object) -> str:
    """One person's identity: the login when the source knows it, else the name (after .mailmap); the
    one rule for commits (:func:`author_key`) and frame rows alike (a missing value is no login)."""
    if isinstance(login, str) and login:
        return login
    return name if isinstance(name, str) else ""


def author_key(commit: Commit) -> str:
    """A commit's author, by :func:`person_key`."""
    return person_key(commit.author_login, commit.author_name)


@dataclass(frozen=True)
class CommitQuery:
    """A lookup of one commit outside the loaded ones (the commit a revert names): the commit ``sha``
    names, else the newest commit before ``before`` titled ``title``."""

    sha: str | None = None
    title: str | None = None
    before: datetime | None = None


@dataclass(frozen=True)
class CommitRef:
    """A commit named by another one (the commit a revert undoes), as a source's lookup finds it."""

    sha: str
    title: str
    committed_at: datetime  # committer date, timezone-aware
    url: str | None = None
