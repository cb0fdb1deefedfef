"""Threads: work that spans several days, found in a commit frame (the rollups' threads).

Definition. A thread is a group of at least two commits of one repository, landed on at least two
different days (the frame's ``day``), that belong together by the first of these rules that holds;
a commit joins one thread at most, and bots' commits join none.

1. **series**: the members of one series of :mod:`repodigest.scoring.relations` (``series``): parts
   numbered in their titles (``[k/N]``: a pull-request series), or one author's run of commits in one
   area hours apart.
2. **branch**: merges that land the same topic branch, the one their message's first line names
   (``Merge pull request #N from owner/BRANCH``, ``Merge branch 'BRANCH'``; the owner and a remote's
   name left out; ``main``, ``master``, ``develop``, ``trunk`` are no topic); or, **issue**, commits that
   close the same issue (the pull request's ``closes_issues``, or ``fixes #N``, ``closes #N``,
   ``resolves #N`` in the message). Commits sharing a branch or an issue are joined transitively.
3. **files**: commits that change the same source file (:func:`repodigest.scoring.paths.file_kind`
   ``"source"``; commits of more than ``MAX_CHANGESET_SIZE`` files are left out, as in
   :func:`~repodigest.analytics.coupling.coupling`, so a sweep ties nothing). Files are taken in turn,
   the one whose remaining commits span the most days first (then the most commits, the most lines they
   changed in it, the path), and each takes the commits not yet in a thread.

The days are the commits' days in the report's time zone; nothing beyond the rows given is read, so
a thread found in a period and the one before is found the same way by every run over those rows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd

from ..scoring.paths import file_kind
from ..scoring.relations import part_marker
from ..sources.message import is_trunk, local_branch
from .coupling import MAX_CHANGESET_SIZE

KINDS = ("series", "branch", "issue", "files")
COLUMNS = ["repo", "thread", "kind", "key", "area", "shas", "days", "authors", "commits"]
_PULL = re.compile(r"^Merge pull request #\d+ from [^\s/]+/(\S+)")
_BRANCH = re.compile(r"^Merge (?:remote-tracking )?branch '([^']+)'")
_CLOSES = re.compile(r"\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)\s*:?\s+#(\d{1,7})\b", re.IGNORECASE)


def topic_branch(message: str) -> str | None:
    """The topic branch a merge's message names on its first line (without owner or remote), or None."""
    first = (message or "").split("\n", 1)[0]
    match = _PULL.match(first) or _BRANCH.match(first)
    if match is None:
        return None
    return None if is_trunk(match.group(1)) else local_branch(match.group(1))


def closed_issues(message: str, closes: Iterable | None = ()) -> set[int]:
    """The issues a commit closes: its pull request's ``closes_issues`` and ``fixes #N`` (closes,
    resolves) in its message."""
    found = {int(n) for n in _CLOSES.findall(message or "")}
    found.update(int(i["number"]) for i in closes or () if isinstance(i, dict) and i.get("number") is not None)
    return found


def threads(frame: pd.DataFrame) -> pd.DataFrame:
    """The threads of ``frame``'s rows (module docstring): one row per thread, columns ``COLUMNS``; ``shas``
    oldest first, ``days`` the distinct days, ``authors`` in order of appearance. Per repository in the
    frame's order, the threads spanning the most days first, then the most commits, the earliest, the key."""
    rows = frame[~frame["is_bot"].astype(bool)] if len(frame) else frame
    found: list[dict] = []
    for repo in pd.unique(rows["repo"]) if len(rows) else ():
        part = rows[rows["repo"] == repo].sort_values("committed_at", kind="stable")
        taken: set[str] = set()
        per_repo = _series(part, taken) + _topics(part, taken) + _files(part, taken)
        found += sorted(per_repo, key=lambda t: (-len(t["days"]), -t["commits"], t["days"][0], t["key"]))
    return pd.DataFrame(found, columns=COLUMNS)


def _thread(part: pd.DataFrame, shas: list[str], kind: str, key: str, taken: set[str]) -> dict | None:
    mine = part["sha"].isin(shas)
    days = sorted(set(part["day"][mine]))
    if int(mine.sum()) < 2 or len(days) < 2:  # told by two columns: most candidates stop here
        return None
    members = part[mine]
    taken.update(members["sha"])
    areas = members["primary_area"].value_counts()
    return {
        "repo": members["repo"].iloc[0],
        "thread": members["sha"].iloc[0],
        "kind": kind,
        "key": key,
        "area": str(sorted(areas.index, key=lambda a: (-areas[a], str(a)))[0]),
        "shas": list(members["sha"]),
        "days": days,
        "authors": list(dict.fromkeys(members["author"])),
        "commits": len(members),
    }


def _series(part: pd.DataFrame, taken: set[str]) -> list[dict]:
    out = []
    members = part[part["series"].notna()]
    for _, group in members.groupby("series", sort=False):
        ordered = group.sort_values(["series_index", "committed_at"], kind="stable")
        key = _series_key(ordered["title"].iloc[0])
        made = _thread(part, list(ordered["sha"]), "series", key, taken)
        if made is not None:
            out.append(made)
    return out


def _series_key(title: str) -> str:
    """What a series is about: its title without the part marker, up to its first colon."""
    marked = part_marker(title)
    rest = marked[2] if marked else title
    return rest.split(":", 1)[0].strip() or rest


def _topics(part: pd.DataFrame, taken: set[str]) -> list[dict]:
    """Branch and issue threads: commits joined through the branches and issues they share."""
    keys: dict[str, list[tuple[str, str]]] = {}
    for sha, message, closes in zip(part["sha"], part["message"], part["closes_issues"]):
        if sha in taken:
            continue
        branch = topic_branch(message)
        keys[sha] = ([("branch", branch)] if branch else []) + [
            ("issue", f"#{n}") for n in sorted(closed_issues(message, closes))
        ]
    parent = {sha: sha for sha in keys}

    def root(sha: str) -> str:
        while parent[sha] != sha:
            parent[sha] = parent[parent[sha]]
            sha = parent[sha]
        return sha

    first_of: dict[tuple[str, str], str] = {}
    for sha, named in keys.items():
        for shared_key in named:
            if shared_key in first_of:
                parent[root(sha)] = root(first_of[shared_key])
            else:
                first_of[shared_key] = sha
    groups: dict[str, list[str]] = {}
    for sha in keys:
        if keys[sha]:
            groups.setdefault(root(sha), []).append(sha)
    out = []
    for shas in groups.values():
        shared = [k for k, first in first_of.items() if root(first) == root(shas[0])]
        kind, key = next((k for k in shared if k[0] == "branch"), shared[0])
        made = _thread(part, shas, kind, key, taken)
        if made is not None:
            out.append(made)
    return out


def _files(part: pd.DataFrame, taken: set[str]) -> list[dict]:
    """File threads: each source file in turn takes the commits not yet in a thread (module docstring)."""
    touching: dict[str, set[str]] = {}
    churn: dict[tuple[str, str], int] = {}
    day_of = dict(zip(part["sha"], part["day"]))
    for sha, count, changes in zip(part["sha"], part["file_count"], part["file_changes"]):
        if sha in taken or count > MAX_CHANGESET_SIZE:
            continue
        for change in changes:
            if file_kind(change["path"]) == "source":
                touching.setdefault(change["path"], set()).add(sha)
                churn[(change["path"], sha)] = (change.get("added") or 0) + (change.get("deleted") or 0)
    out = []
    while touching:
        left = {path: shas - taken for path, shas in touching.items()}
        ranked = {
            path: (len({day_of[s] for s in shas}), len(shas), sum(churn[(path, s)] for s in shas))
            for path, shas in left.items()
            if len(shas) >= 2
        }
        best = min(ranked, key=lambda p: (-ranked[p][0], -ranked[p][1], -ranked[p][2], p), default=None)
        if best is None or ranked[best][0] < 2:
            break
        touching.pop(best)
        made = _thread(part, sorted(left[best]), "files", best, taken)
        if made is not None:
            out.append(made)
    return out
