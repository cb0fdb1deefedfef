"""Parse what a commit message says: title, body, pull-request number, co-author trailers."""

from __future__ import annotations

import re

# "Title (#1234)" is how GitHub's squash-merge names the pull request; only the last one counts,
# so "Revert "x (#1)" (#2)" points at the revert's own PR.
_PR_IN_TITLE = re.compile(r"\(#(\d{1,9})\)")
_MERGE_PR = re.compile(r"^Merge pull request #(\d{1,9})\b")
_CO_AUTHOR = re.compile(r"^\s*co-authored-by:\s*(.+?)\s*$", re.IGNORECASE | re.MULTILINE)


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


def parse_co_authors(message: str) -> tuple[str, ...]:
    """The ``Co-authored-by:`` trailers, as written (``Name <email>``), without duplicates."""
    seen: dict[str, None] = {}
    for value in _CO_AUTHOR.findall(message):
        seen.setdefault(value, None)
    return tuple(seen)


def co_author_name(trailer: str) -> str:
    """``Jane Doe <jane@x>`` -> ``Jane Doe``."""
    return trailer.split("<", 1)[0].strip() or trailer.strip()
