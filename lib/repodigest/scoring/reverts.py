"""What a revert undoes: one rule, for the report's related commits (:mod:`.relations`) and for the
outcomes of past commits (:mod:`repodigest.evidence.outcomes`).

A revert names what it undoes in its message (:func:`~repodigest.sources.message.revert_target`):

1. ``This reverts commit <sha>`` (git's own message): the earlier commit with that sha (a prefix of 7
   or more digits);
2. else (no sha, or none of the earlier commits has it) the quoted title of ``Revert "<title>"``
   (GitHub's button, ``git revert``'s title; ``Revert "Revert "x""`` names the revert ``Revert "x"``)
   or of a conventional ``revert: <title>``: the newest earlier commit with that title, equal or equal
   but for a squash-merge ``(#N)`` suffix (:func:`~repodigest.sources.message.same_title`).

*Earlier* is before the revert on its branch's first-parent line, and *newest* is by committer date
(ties in line order), the order of a repository's rows in the frame: the caller passes the earlier
commits in that order (the relations the rows below the revert's, the outcomes the labelled commits
before it on the line), so both name the same commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, TypeVar

from ..sources.message import revert_target, same_title


class Titled(Protocol):
    """A commit as the rule reads it: its sha and its title."""

    @property
    def sha(self) -> str: ...

    @property
    def title(self) -> str: ...


T = TypeVar("T", bound=Titled)


def reverted_commit(message: str, earlier: Sequence[T], *, title: str | None = None) -> tuple[T, str] | None:
    """The commit among ``earlier`` (newest first) that the revert with ``message`` undoes, and how the
    message named it (``"sha"`` or ``"title"``), by the module's rule; None when it names none of them.
    ``title``: the revert's title when it is not the message's first line (what a merge landed)."""
    sha, quoted = revert_target(message, title)
    if sha:
        hit = next((c for c in earlier if c.sha.startswith(sha)), None)
        if hit is not None:
            return hit, "sha"
    if quoted:
        hit = next((c for c in earlier if same_title(c.title, quoted)), None)
        if hit is not None:
            return hit, "title"
    return None
