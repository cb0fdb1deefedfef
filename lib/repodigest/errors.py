"""One exception base for the library; the CLI maps the subclasses to exit codes."""

from __future__ import annotations


class RepodigestError(Exception):
    """Base of every error repodigest raises on purpose."""

    exit_code = 1


class UserError(RepodigestError):
    """Bad input from the user: a date, a path, a config value. Exit code 2."""

    exit_code = 2


class SourceError(RepodigestError):
    """A commit source (git, GitHub) failed for reasons outside the user's input. Exit code 3."""

    exit_code = 3


class PartialReportError(RepodigestError):
    """The report was written, but some parts fell back (e.g. failed LLM analyses). Exit code 4."""

    exit_code = 4
