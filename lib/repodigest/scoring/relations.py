"""Related commits: what a revert undoes, and series of commits that belong together.

A function of the commit frame (:mod:`repodigest.frame`) plus one lookup per revert of the
report's days; it fills the frame's relation columns (``reverts``, ``reverted_by``,
``revert_lived_hours``, ``series``, ``series_index``, ``series_size``, ``series_rule``).

**Reverts.** A commit of the report's days whose message names what it reverts:

1. ``This reverts commit <sha>`` (git's own message) names the commit by sha: it is taken from the
   frame (same repository, sha prefix), else looked up in the source (one ``git show`` / one REST
   request or the commit cache).
2. Else the quoted title of ``Revert "<title>"`` (GitHub's revert button, ``git revert``'s title;
   ``Revert "Revert "x""`` names the revert ``Revert "x"``), or of a conventional ``revert: <title>``,
   is matched against the titles of older commits of the same repository, equal or equal but
   for a squash-merge ``(#N)`` suffix (:func:`~repodigest.sources.message.same_title`): the newest
   match in the frame, else one lookup in the source's whole history (``git log -F --grep``, or
   GitHub's commit search), so a revert of a commit from before the trend window is found too.
3. ``reverts`` holds the reverted commit ``[{sha, title, committed_at, committed_local, url,
   found_by}]`` (``committed_local`` in the report's time zone; the list is empty
   when not found), ``reverted_by`` on the reverted commit's row (when it is in the frame) the shas
   that revert it, and ``revert_lived_hours`` how long the reverted change lived: the revert's
   committer date minus the reverted commit's.

**Series.** Commits that belong together, numbered in order (``series`` is the sha of the first
member in the frame, ``series_index`` the member's place, ``series_size`` the count when known):

1. *Marked* (``series_rule = "marker"``): a title with a part marker ``[k/N]``, ``(…, k/N)``,
   ``[k/N Refactor]`` or a leading ``k/N:`` (N a number, or ``N``). Members share the repository,
   the N as written and the stem: the title before its first ``:`` without the marker, else the
   title's bracket tags, else the author; so one refactor's parts by several authors are one
   series. The place is k as written, the size N when it is a number.
2. *A run* (``series_rule = "run"``): at least ``RUN_MIN`` (3) successive commits of one author
   (others may commit in between) in one repository, each within ``RUN_GAP`` (4 hours) of the
   previous one, all sharing a feature area: an area of every member other than ``tests``, ``ci``
   and ``root``, which say nothing about the feature. Bots, merges and marked commits are left out.
   The place is the order by committer date.

Series are found in the whole frame (report and trend days), so a series that began yesterday
keeps its numbers today.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pandas as pd

from ..models import CommitRef
from ..sources.message import revert_target, same_title

RUN_GAP = timedelta(hours=4)
RUN_MIN = 3
SUPPORT_AREAS = frozenset({"tests", "ci", "root"})  # shared by unrelated work: never what ties a run
_MARKER = re.compile(r"[\[(][^\[\]()]*?\b(\d{1,3})\s*/\s*(\d{1,3}|n)\b[^\[\]()]*[\])]|^\s*(\d{1,3})\s*/\s*(\d{1,3}|n)\s*[:.\-]",
                     re.IGNORECASE)
_TAGS = re.compile(r"^\s*((?:[\[(][^\[\]()]*[\])]\s*)+)")

Find = Callable[..., "CommitRef | None"]  # find(repo, sha=..., title=..., before=...)


def part_marker(title: str) -> tuple[int, str, str] | None:
    """``(k, N as written, title without the marker)`` of a series part marker in ``title``, or None."""
    match = _MARKER.search(title or "")
    if match is None:
        return None
    k, total = (match.group(1), match.group(2)) if match.group(1) else (match.group(3), match.group(4))
    total = "N" if total.lower() == "n" else total
    if int(k) < 1 or (total != "N" and int(k) > int(total)):
        return None
    span = match.span(1) if match.group(1) else match.span(3)
    end = (match.span(2) if match.group(1) else match.span(4))[1]
    rest = re.sub(r"[\[(]\s*[\])]", "", title[:span[0]] + title[end:])  # "[2/N] x" leaves "[] x"
    return int(k), total, " ".join(rest.split())


def _stem(rest: str, author: str) -> str:
    head = rest.split(":", 1)[0] if ":" in rest else (_TAGS.match(rest).group(1) if _TAGS.match(rest) else "")
    words = re.sub(r"[^\w]+", " ", head.lower()).split()
    return " ".join(words) or f"author:{author}"


def _ref_of_row(row, found_by: str) -> dict:
    return {"sha": row["sha"], "title": row["title"], "committed_at": row["committed_at"].isoformat(),
            "committed_local": row["committed_local"], "url": row["url"] if isinstance(row["url"], str) else None,
            "found_by": found_by}


def _ref(ref: CommitRef, found_by: str, tz) -> dict:
    local = ref.committed_at.astimezone(tz) if tz is not None else ref.committed_at
    return {"sha": ref.sha, "title": ref.title, "committed_at": ref.committed_at.isoformat(),
            "committed_local": local.strftime("%Y-%m-%d %H:%M:%S"), "url": ref.url, "found_by": found_by}


def _find_reverted(row, history: pd.DataFrame, find: Find | None, tz) -> dict | None:
    """The commit ``row`` reverts, by the module's rules 1-2: from ``history`` (the frame's other
    commits of the repository) first, else one lookup."""
    sha, quoted = revert_target(row["message"])
    if sha:
        hit = history[history["sha"].str.startswith(sha)]
        if len(hit):
            return _ref_of_row(hit.iloc[0], "sha")
        ref = find(row["repo"], sha=sha) if find else None
        if ref is not None:
            return _ref(ref, "sha", tz)
    if quoted:
        older = history[history["committed_at"] < row["committed_at"]]
        hit = older[older["title"].map(lambda t: same_title(t, quoted))]
        if len(hit):
            return _ref_of_row(hit.sort_values("committed_at").iloc[-1], "title")
        ref = find(row["repo"], title=quoted, before=row["committed_at"].to_pydatetime()) if find else None
        if ref is not None:
            return _ref(ref, "title", tz)
    return None


def _reverts(frame: pd.DataFrame, find: Find | None, tz) -> tuple[dict, dict, dict]:
    """sha -> [reverted commit], sha -> [reverting shas], sha -> hours lived."""
    reverts, reverted_by, lived = {}, {}, {}
    # The candidates first, as plain dicts: a year of history is tens of thousands of rows.
    shown = frame[frame["in_report"]]
    marked = shown["message"].fillna("").str.contains("This reverts commit", regex=False)
    for row in shown[shown["revert"].astype(bool) | marked].to_dict("records"):
        history = frame[(frame["repo"] == row["repo"]) & (frame["sha"] != row["sha"])]
        target = _find_reverted(row, history, find, tz)
        if target is None:
            continue
        reverts[row["sha"]] = [target]
        reverted_by.setdefault(target["sha"], []).append(row["sha"])
        when = pd.Timestamp(target["committed_at"])
        lived[row["sha"]] = round((row["committed_at"] - when).total_seconds() / 3600, 2)
    return reverts, reverted_by, lived


def _marked(frame: pd.DataFrame) -> list[list[tuple[str, int, int | None]]]:
    groups: dict[tuple, list] = {}
    for row in frame.sort_values("committed_at")[["sha", "repo", "title", "author"]].to_dict("records"):
        marker = part_marker(row["title"])
        if marker is None:
            continue
        k, total, rest = marker
        groups.setdefault((row["repo"], total, _stem(rest, row["author"])), []).append(
            (row["sha"], k, None if total == "N" else int(total)))
    return list(groups.values())


def _runs(frame: pd.DataFrame, taken: set[str]) -> list[list[str]]:
    runs = []
    eligible = frame[~frame["is_bot"] & ~frame["is_merge"] & ~frame["sha"].isin(taken)]
    for _, commits in eligible.sort_values("committed_at").groupby(["repo", "author"], sort=False):
        run, shared, last = [], set(), None
        for row in commits[["sha", "areas", "committed_at"]].to_dict("records"):
            areas = set(row["areas"]) - SUPPORT_AREAS
            if run and row["committed_at"] - last <= RUN_GAP and shared & areas:
                run.append(row["sha"])
                shared &= areas
            else:
                if len(run) >= RUN_MIN:
                    runs.append(run)
                run, shared = [row["sha"]], areas
            last = row["committed_at"]
        if len(run) >= RUN_MIN:
            runs.append(run)
    return runs


def _series(frame: pd.DataFrame) -> dict[str, tuple[str, int, int | None, str]]:
    """sha -> (series id, place, size or None, rule)."""
    found = {}
    for members in _marked(frame):
        for sha, k, size in members:
            found[sha] = (members[0][0], k, size, "marker")
    for run in _runs(frame, set(found)):
        for place, sha in enumerate(run, start=1):
            found[sha] = (run[0], place, len(run), "run")
    return found


def link_related(frame: pd.DataFrame, find: Find | None = None, tz=None) -> pd.DataFrame:
    """A copy of ``frame`` with the relation columns filled by the module's rules.

    ``find(repo, sha=None, title=None, before=None)`` looks a commit up outside the frame (a
    source's ``find_commit``); without it only the frame is searched. ``tz`` (the report's time
    zone) gives a looked-up commit's ``committed_local``."""
    out = frame.copy()
    if out.empty:
        return out
    reverts, reverted_by, lived = _reverts(out, find, tz)
    series = _series(out)
    out["reverts"] = [reverts.get(sha, []) for sha in out["sha"]]
    out["reverted_by"] = [reverted_by.get(sha, []) for sha in out["sha"]]
    out["revert_lived_hours"] = pd.array([lived.get(sha) for sha in out["sha"]], dtype="float64")
    out["series"] = pd.array([series[sha][0] if sha in series else None for sha in out["sha"]], dtype="string")
    out["series_index"] = pd.array([series[sha][1] if sha in series else None for sha in out["sha"]], dtype="Int64")
    out["series_size"] = pd.array([series[sha][2] if sha in series else None for sha in out["sha"]], dtype="Int64")
    out["series_rule"] = pd.array([series[sha][3] if sha in series else None for sha in out["sha"]], dtype="string")
    return out
