"""Parse what a commit message says: title, body, pull-request number, co-author trailers."""

from __future__ import annotations

import re

# "Title (#1234)" is how GitHub's squash-merge names the pull request; only the last one counts,
# so "Revert "x (#1)" (#2)" points at the revert's own PR.
_PR_IN_TITLE = re.compile(r"\(#(\d{1,9})\)")
_MERGE_PR = re.compile(r"^Merge pull request #(\d{1,9})\b")
_CO_AUTHOR = "co-authored-by:"


def split_message(message: str) -> tuple[str, str]:
    """Return (title, body): the first line, and the rest without surrounding blank lines."""
    text = message.replace("\r\n", "\n").replace("\r", "\n")
    title, _, body = text.strip("\n").partition("\n")
    return title.strip(), body.strip("\n")


def parse_pr_number(title: str) -> int | None:
    """The pull-request number of a squash-merge title ``... (#123)`` or a merge commit."""
    found = _PR_IN_TITLE.findall(title)
    if found:
        return int(found[-1])
    merge = _MERGE_PR.match(title)
    return int(merge.group(1)) if merge else None


# GitHub's merge button and git's own merge titles: what they name is what the merge landed.
MERGE_PULL = re.compile(r"^Merge pull request #(\d{1,9}) from (\S+)\s*$")
_MERGE_BRANCH = re.compile(
    r"^Merge (?:remote-tracking )?(?:branch(?:es)?|tags?) ((?:'[^']+'(?:, | and |,? and )?)+)"
    r"(?: of \S+)?(?: into \S+)?(?::\s*(.*))?$"
)
_MERGE_REF = re.compile(r"^Merge (\S+) into (\S+)$")
_QUOTED = re.compile(r"'([^']+)'")
# Names of a line of development, not of a topic. A merge of one of them into a branch (a back-merge,
# ``Merge main into topic``) lands no topic: it keeps its own subject as its title.
TRUNK_NAMES = frozenset({"main", "master", "develop", "trunk", "dev"})


def local_branch(ref: str) -> str:
    """The branch ``ref`` names, without the remote a merge title may give it (``origin/main``: ``main``)."""
    return ref.removeprefix("origin/").removeprefix("upstream/")


def is_trunk(ref: str) -> bool:
    """Whether the branch ``ref`` (``origin/main``, ``main``) is a line of development (:data:`TRUNK_NAMES`)."""
    return local_branch(ref).lower() in TRUNK_NAMES


def merge_title(title: str, body: str) -> tuple[str, str] | None:
    """What a merge commit landed, as (title, description): a GitHub pull request's title (the first line
    of the body of ``Merge pull request #N from owner/branch``, else the branch), a branch's name
    (``Merge branch 'topic'``, ``Merge branches 'a' and 'b'``, ``Merge x into y``) with the body as its
    description. None when ``title`` is no merge title, or a back-merge (every branch it names a trunk)."""
    pull = MERGE_PULL.match(title)
    if pull:
        landed, _, rest = body.strip("\n").partition("\n")
        return (landed.strip(), rest.strip("\n")) if landed.strip() else (pull.group(2).split("/", 1)[-1], "")
    branch = _MERGE_BRANCH.match(title)
    if branch:
        names = _QUOTED.findall(branch.group(1))
        if all(is_trunk(name) for name in names):
            return None
        topics = ", ".join(names)
        return (f"{topics}: {branch.group(2)}" if branch.group(2) else topics), body
    ref = _MERGE_REF.match(title)
    if ref and not is_trunk(ref.group(1)):
        return ref.group(1), body
    return None


def landed_title(subject: str, body: str) -> str:
    """The title a commit is shown by: what its merge title landed (:func:`merge_title`), else its
    subject. The rule reads the message alone: a cherry-picked merge keeps its merge title on one parent."""
    landed = merge_title(subject, body)
    return landed[0] if landed else subject


def parse_co_authors(message: str) -> tuple[str, ...]:
    """The ``Co-authored-by:`` trailers, as written (``Name <email>``), without duplicates. Line by line with
    string methods, no pattern: linear in the message's length, however it is padded."""
    seen: dict[str, None] = {}
    for line in message.split("\n"):
        line = line.strip()
        if line[: len(_CO_AUTHOR)].lower() == _CO_AUTHOR:
            value = line[len(_CO_AUTHOR) :].strip()
            if value:
                seen.setdefault(value, None)
    return tuple(seen)


# git's own revert message, and GitHub's "Revert" button / `git revert` title.
_REVERTS_SHA = re.compile(r"\bThis reverts commit ([0-9a-f]{7,40})\b")
_REVERT_TITLE = re.compile(r'^\s*Revert\s+"(.+)"', re.IGNORECASE)
# No pattern here has two adjacent quantifiers that can take the same characters (``\s*(.+?)\s*$``): such a
# pair backtracks in time quadratic in a padded title; the text around a match is stripped instead.
_CONVENTIONAL_REVERT = re.compile(r"^\s*revert(?:\([^)\n]{0,40}\))?!?:(.+)$", re.IGNORECASE)
_PR_SUFFIX = re.compile(r"\(#\d{1,9}\)\s*$")


def revert_target(message: str, title: str | None = None) -> tuple[str | None, str | None]:
    """What a revert names: (the sha after ``This reverts commit``, the quoted title of ``Revert "..."``).

    The quoted title is the greedy match, so ``Revert "Revert "x""`` names the revert ``Revert "x"``;
    a conventional ``revert: x`` names ``x``. Either is None when the message does not say it.
    ``title``: the commit's title when it is not the message's first line (a merge's landed title).
    """
    text = message or ""
    sha = _REVERTS_SHA.search(text)
    title = title if title is not None else split_message(text)[0]
    quoted = _REVERT_TITLE.match(without_pr_suffix(title)) or _CONVENTIONAL_REVERT.match(title)
    return (sha.group(1) if sha else None), (quoted.group(1).strip() if quoted else None)


def without_pr_suffix(title: str) -> str:
    """``title`` without the squash-merge ``(#N)`` that GitHub appends to a pull request's title."""
    found = _PR_SUFFIX.search(title)
    return title[: found.start()].rstrip() if found else title


def same_title(title: str, quoted: str) -> bool:
    """``title`` is the commit a revert quotes as ``quoted``: equal, or equal once the squash-merge
    ``(#N)`` is taken off (:func:`without_pr_suffix`)."""
    return bool(quoted) and (title == quoted or without_pr_suffix(title) == quoted)
