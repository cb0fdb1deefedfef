"""The branch's first-parent line from GitHub's commit listing, and the commits each merge landed.

GitHub's listing (``GET /repos/{o}/{r}/commits``) holds every commit reachable from the branch head
through all parents whose committer date is in the range asked, each with its ``parents``. The rows
of a window are the first-parent line's commits (as a clone's ``git rev-list --first-parent``); a
commit reachable only through a merge's other parents belongs to that merge, as
a clone's reading assigns it (:func:`repodigest.sources.landing.landed_by`, one rule for both): merges
oldest first, each taking the commits reachable through its other parents that no earlier merge took.

A listing with no merge and one tip is taken as the line itself, with no further request. One case
reads wrong that way: a day on which the branch itself got no commit while a side branch merged later
did (its commits alone are listed, one tip, no merge) shows that branch's commits as rows; nothing listed
tells it apart, and telling it would cost every linear day the listing of the days after it.

The functions work on listed entries (:func:`~repodigest.sources.github_shape.trim_listed`: ``sha``,
``parents``, ``commit.committer.date`` ...), newest listing first.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from .github_shape import parse_date
from .landing import landed_by


def committed(entry: dict) -> datetime:
    """A listed commit's committer date."""
    return parse_date(entry["commit"]["committer"]["date"])


def _tips(entries: Sequence[dict]) -> list[dict]:
    """The listed commits no other listed commit names as a parent, in listing order."""
    named = {p for e in entries for p in e["parents"]}
    return [e for e in entries if e["sha"] not in named]


def linear(entries: Sequence[dict]) -> bool:
    """Every listed commit is on one line: none is a merge and one is a tip (a fork or a side branch
    merged later leaves two), so the listing is the line without asking for anything more."""
    return all(len(e["parents"]) < 2 for e in entries) and len(_tips(entries)) <= 1


def first_parent_line(entries: Sequence[dict]) -> list[dict]:
    """The first-parent line as far as ``entries`` reach, newest first: from the branch head (the first
    listed tip: GitHub lists the head first) along each commit's first parent, until a parent is not listed."""
    by_sha = {e["sha"]: e for e in entries}
    tips = _tips(entries)
    line: list[dict] = []
    seen: set[str] = set()
    current = tips[0] if tips else None
    while current is not None and current["sha"] not in seen:
        seen.add(current["sha"])
        line.append(current)
        current = by_sha.get(current["parents"][0]) if current["parents"] else None
    return line


def stops_above(line: Sequence[dict], end: datetime) -> bool:
    """The walk ended at a commit dated at or after ``end`` whose first parent is not listed: the
    listing misses a commit between the head and the window (a day cached before a late push)."""
    return bool(line) and bool(line[-1]["parents"]) and committed(line[-1]) >= end


def landed(merges: Iterable[dict], side: dict[str, dict]) -> dict[str, list[dict]]:
    """merge sha -> the ``side`` commits it landed (:func:`~repodigest.sources.landing.landed_by`), newest
    first (committer date, then sha). ``merges``: the line's merges, oldest first."""
    found = landed_by([(m["sha"], m["parents"]) for m in merges], {sha: e["parents"] for sha, e in side.items()})
    return {
        sha: sorted((side[s] for s in shas), key=lambda e: (committed(e), e["sha"]), reverse=True)
        for sha, shas in found.items()
    }
