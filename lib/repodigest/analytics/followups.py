"""Follow-ups: what later commits did about earlier ones, read from commit frames as of a day.

Two frames are read: ``frame``, the commit frame of a report (its days, ``in_report``, and the trend days),
and ``earlier``, the commits of the days before the report's first day as the reports of their own days
judged them (``pipeline.earlier_history`` with the model's cached levels; None: the frame's trend rows stand
in). :func:`as_judged` joins them into one row per commit: the earlier days' rows from ``earlier``, the
report's days' from ``frame``.

- **Repairs** (:func:`follow_ups`): a fix repairs the earlier commits its ``repairs`` column names (SZZ on the
  fix: the source lines it deletes or modifies, blamed in its first parent, within the observation period:
  :func:`repodigest.evidence.blamed_commits`); a revert repairs the commit its ``reverts`` column names
  (:mod:`repodigest.scoring.relations`). Each repaired commit comes with its title, its day and the levels it
  was given on its day.
- **Watch statuses** (:func:`watch_statuses`): what became of a watched commit by the end of a day, from the
  commits after it up to that day: ``reverted`` (a revert names it), else ``fixed`` (a fix's ``repairs`` name
  it), else ``follow_up`` (a later commit of the same series, or one that changes a source file it changed:
  :func:`repodigest.scoring.paths.file_kind`), else ``open``. Nothing after that day is read, so a status as
  of a day is what that day's report could know.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence

import pandas as pd

from ..frame import report_rows
from ..scoring.paths import file_kind
from .common import records, rows_by_sha

WATCH_DAYS = 7  # the days before a report whose watch items it follows up
STATUSES = ("reverted", "fixed", "follow_up", "open")  # the order of precedence
FOLLOW_UP_COLUMNS = {
    "repo": "display name of the repository",
    "sha": "the follow-up: the commit that repairs",
    "short_sha": "its first 7 characters",
    "title": "its title",
    "day": "its day",
    "url": "its page, when the repository has one",
    "kind": "fix (its repairs, SZZ) or revert (the commit it reverts)",
    "repaired": "the repaired commit's sha",
    "repaired_short_sha": "its first 7 characters",
    "repaired_title": "its title",
    "repaired_day": "its day (the report's time zone)",
    "repaired_url": "its page, when the repository has one",
    "repaired_level": "its final level on its day; missing when it is older than the history read",
    "repaired_rules_level": "the rules' level on its day",
    "repaired_model_level": "the model's level on its day, when the cache holds its analysis",
    "repaired_in_report": "the repaired commit is one of the report's",
}
STATUS_COLUMNS = {
    "sha": "the watched commit",
    "status": "reverted, fixed, follow_up or open (in that precedence)",
    "by": "the commits that gave the status, oldest first (empty when open)",
    "reverted_by": "later commits that revert it",
    "fixed_by": "later fixes whose repairs name it",
    "follow_ups": "later commits of its series or changing a source file it changed (not its fixes or reverts)",
}


def as_judged(
    frame: pd.DataFrame,
    earlier: pd.DataFrame | None = None,
    days: Sequence[str] | None = None,
    *,
    since: str | None = None,
    shas: Collection[str] | None = None,
) -> pd.DataFrame:
    """One row per commit, as the report of its day judged it: ``earlier``'s rows before the first of
    ``days`` (default: the frame's report days), then ``frame``'s rows of ``days``; without ``earlier``, the
    frame's own rows before them. Only the days from ``since`` on, and only the commits ``shas``, when
    given. Newest first within a repository, as the frame orders them."""
    if shas is not None and not shas:  # no commit asked for: nothing to join or sort
        return frame.iloc[:0]
    shown = report_rows(frame, days)
    first = min(shown["day"]) if len(shown) else (min(days) if days else None)
    before = earlier if earlier is not None else frame
    if first is not None:
        before = before[before["day"] < first]
    parts = []
    for part in (shown, before):
        if since is not None:
            part = part[part["day"] >= since]
        if shas is not None:
            part = part[part["sha"].isin(list(shas))]
        if len(part):
            parts.append(part)
    if not parts:
        return frame.iloc[:0]
    joined = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0].reset_index(drop=True)
    order = {repo: i for i, repo in enumerate(dict.fromkeys(joined["repo"]))}
    ranked = joined.assign(_repo=joined["repo"].map(order))
    ranked = ranked.sort_values(["_repo", "committed_at"], ascending=[True, False], kind="stable")
    return ranked.drop(columns="_repo").drop_duplicates("sha").reset_index(drop=True)


def _text(value) -> str | None:
    return value if isinstance(value, str) and value else None


def _repaired(sha: str, judged: Mapping[str, Mapping], target: Mapping | None) -> dict | None:
    """The repaired commit's columns: as judged on its day (``judged``: rows by sha), else what a revert's
    relation knows of it."""
    then = judged.get(sha)
    if then is not None:
        return {
            "repaired_title": then["title"],
            "repaired_day": then["day"],
            "repaired_url": _text(then["url"]),
            "repaired_level": then["level"],
            "repaired_rules_level": then["rules_level"],
            "repaired_model_level": _text(then["model_level"]),
        }
    if target is None:
        return None
    return {
        "repaired_title": target["title"],
        "repaired_day": (target.get("committed_local") or target["committed_at"])[:10],
        "repaired_url": _text(target.get("url")),
        "repaired_level": None,
        "repaired_rules_level": None,
        "repaired_model_level": None,
    }


def follow_ups(
    frame: pd.DataFrame, earlier: pd.DataFrame | None = None, days: Sequence[str] | None = None
) -> pd.DataFrame:
    """Every commit of ``days`` (default: the report's) that repairs earlier work, one row per commit it
    repairs (columns ``FOLLOW_UP_COLUMNS``): a fix, each commit of its ``repairs`` (oldest first) that the
    history read lists (an ignored author's is not); a revert, the commit it reverts. The repaired commit's
    levels are the ones given on its day (:func:`as_judged`); a reverted commit older than the history read
    keeps what the revert's relation knows (no level)."""
    shown = report_rows(frame, days)
    wanted = {sha for shas in shown["repairs"] for sha in shas}
    wanted |= {target["sha"] for targets in shown["reverts"] for target in list(targets)[:1]}
    if not wanted:  # no fix names a commit and no revert one: no row
        return pd.DataFrame([], columns=list(FOLLOW_UP_COLUMNS))
    judged = rows_by_sha(as_judged(frame, earlier, days, shas=wanted))
    report = set(shown["sha"])
    rows = []
    for row in records(shown):
        repaired: list[tuple[str, str, Mapping | None]] = [("fix", sha, None) for sha in row["repairs"]]
        repaired += [("revert", target["sha"], target) for target in list(row["reverts"])[:1]]
        for kind, sha, target in repaired:
            known = _repaired(sha, judged, target)
            if known is None:
                continue
            rows.append(
                {
                    "repo": row["repo"],
                    "sha": row["sha"],
                    "short_sha": row["short_sha"],
                    "title": row["title"],
                    "day": row["day"],
                    "url": _text(row["url"]),
                    "kind": kind,
                    "repaired": sha,
                    "repaired_short_sha": sha[:7],
                    **known,
                    "repaired_in_report": sha in report,
                }
            )
    return pd.DataFrame(rows, columns=list(FOLLOW_UP_COLUMNS))


def source_paths(changes: Iterable[Mapping]) -> set[str]:
    """The source files (new and old paths) of a commit's ``file_changes``: what SZZ would blame."""
    paths = {p for c in changes for p in (c.get("path"), c.get("old_path")) if isinstance(p, str) and p}
    return {p for p in paths if file_kind(p) == "source"}


def _series_mates(frames: Iterable[pd.DataFrame]) -> dict[str, set[str]]:
    """sha -> every member of its series, the series of all ``frames`` joined where they share a commit (a
    series' id is its first member in the frame that found it, so two frames may name one series twice)."""
    parent: dict[object, object] = {}  # union-find over shas and (frame, series id) pairs

    def root(node: object) -> object:
        while parent.setdefault(node, node) != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for n, part in enumerate(frames):
        members = part[part["series"].notna()]
        for sid, sha in zip(members["series"], members["sha"]):
            parent[root((n, sid))] = root(sha)
    groups: dict[object, set[str]] = {}
    for sha in [node for node in parent if isinstance(node, str)]:
        groups.setdefault(root(sha), set()).add(sha)
    return {sha: group for group in groups.values() if len(group) > 1 for sha in group}


def watch_statuses(
    items: Sequence[str],
    frame: pd.DataFrame,
    earlier: pd.DataFrame | None = None,
    *,
    through: str,
    days: Sequence[str] | None = None,
    since: str | None = None,
    judged: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The status of each watched commit of ``items`` (shas) as of the end of day ``through`` (YYYY-MM-DD), by
    the module's rules, from the commits after it up to that day (:func:`as_judged` of ``frame`` and
    ``earlier``; ``since``: the first day to read, at most the oldest item's); columns ``STATUS_COLUMNS``,
    one row per item found, in the order asked. ``judged``: that ``as_judged`` table, when the caller has it."""
    if judged is None:
        judged = as_judged(frame, earlier, days, since=since)
    judged = judged[judged["day"] <= through].iloc[::-1]  # oldest first within a repository
    found = set(items) & set(judged["sha"])
    if not found:
        return pd.DataFrame([], columns=list(STATUS_COLUMNS))
    frames = [frame] + ([earlier] if earlier is not None else [])
    mates = _series_mates([part[part["day"] >= since] if since is not None else part for part in frames])
    # plain lists: one pass per item over the later commits, without a frame filter per item
    shas, repos, moments = list(judged["sha"]), list(judged["repo"]), list(judged["committed_at"])
    repairs = [set(r) for r in judged["repairs"]]
    paths = [source_paths(changes) for changes in judged["file_changes"]]
    reverts = [targets[0]["sha"] if len(targets) else None for targets in judged["reverts"]]
    place = {sha: i for i, sha in enumerate(shas)}
    rows = []
    for sha in [s for s in items if s in found]:
        at = place[sha]
        later = [i for i in range(len(shas)) if repos[i] == repos[at] and moments[i] > moments[at]]
        reverted = [shas[i] for i in later if reverts[i] == sha]
        fixed = [shas[i] for i in later if sha in repairs[i] and shas[i] not in reverted]
        taken, series = set(reverted) | set(fixed), mates.get(sha, set())
        follow = [shas[i] for i in later if shas[i] not in taken and (shas[i] in series or paths[at] & paths[i])]
        by = {"reverted": reverted, "fixed": fixed, "follow_up": follow}
        status = next((name for name in STATUSES[:-1] if by[name]), "open")
        rows.append(
            {
                "sha": sha,
                "status": status,
                "by": by.get(status, []),
                "reverted_by": reverted,
                "fixed_by": fixed,
                "follow_ups": follow,
            }
        )
    return pd.DataFrame(rows, columns=list(STATUS_COLUMNS))


def status_changed(before: Mapping, now: Mapping) -> bool:
    """Whether a watched commit's status is news: another status, or a new commit that fixes or reverts it
    (more follow-up commits alone are no news). ``before`` and ``now`` are :func:`watch_statuses` rows."""
    if before["status"] != now["status"]:
        return True
    return now["status"] in ("fixed", "reverted") and bool(set(now["by"]) - set(before["by"]))
