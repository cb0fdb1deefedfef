"""What the day at a glance watches, and what became of earlier work: the watch list, the follow-ups and the
watch items followed up. Pure functions of the commit frame (and of the earlier days as judged then:
:mod:`repodigest.analytics.followups`), which :mod:`.overview` places in its :class:`~.overview.Overview`.

- **Watch list** (:func:`watch_items`): reverts (with the commit they revert and how long it lived, see
  :mod:`repodigest.scoring.relations`), breaking-change markers (message or a ``breaking`` label),
  security-sensitive paths, and level disagreements between the rules and the model (high vs low).
- **Follow-ups** (:func:`repairs_part`): the report's commits that repair earlier work (fixes, by SZZ;
  reverts), grouped by the commit they repair, with the level it was given on its day; the repaired 🔴
  commits first (then 🟡, 🟢, unknown; the newest first within a level); at most ``MAX_REPAIRED``.
- **Followed up** (:func:`followed_up`): the watch items and the 🔴 commits of the ``WATCH_DAYS`` (7) days
  before the report, each with its status as of the report's last day (reverted, fixed, follow-up commits,
  or nothing yet: :func:`repodigest.analytics.followups.watch_statuses`). An item is shown in the first
  report after its day (its days are the previous report's, one as long as this one), and later only when
  its status changed since the day before the report (a new status, or a new fix or revert): both
  statuses are computed from the history, so the previous report's files are never read. Reverted first,
  then fixed, follow-up, nothing yet; at most ``MAX_FOLLOWED``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import pandas as pd

from ..analytics.common import records, rows_by_sha
from ..analytics.followups import STATUSES, WATCH_DAYS, as_judged, follow_ups, status_changed, watch_statuses
from ..frame import report_rows
from ..levels import Level, is_level
from ..scoring.heuristic import is_breaking_label
from .citations import reverted_of

WATCH_ORDER = ("revert", "breaking", "security", "disagreement")
MAX_REPAIRED = 12
MAX_FOLLOWED = 12


@dataclass
class Cite:
    """A commit the overview names: enough to link it (to its entry, or to its page)."""

    repo: str
    sha: str
    short_sha: str
    title: str
    url: str | None = None
    in_report: bool = True


@dataclass
class Watch:
    kind: str  # revert | breaking | security | disagreement
    commit: Cite
    reverted: Cite | None = None  # revert: the reverted commit, when found
    reverted_day: str | None = None  # revert: the reverted commit's day (report time zone)
    quoted: str | None = None  # revert: what its message names, when the commit was not found
    lived_hours: float | None = None  # revert: how long the reverted change lived
    paths: list[str] = field(default_factory=list)  # security: the sensitive paths
    levels: tuple[str, str] | None = None  # disagreement: (rules, model)


@dataclass
class RepairedBy:
    kind: str  # fix (SZZ) | revert
    commit: Cite  # the report's commit that repairs


@dataclass
class Repaired:
    """An earlier commit that the report's commits repair, as it was judged on its day."""

    commit: Cite
    day: str
    level: str | None  # its final level then; None when older than the history read
    rules_level: str | None
    model_level: str | None  # when the cache holds the model's analysis of it
    by: list[RepairedBy]


@dataclass
class Repairs:
    """The follow-ups part: how many of the report's commits repair earlier work, and what they repair."""

    count: int
    repaired: list[Repaired]
    more: int = 0  # repaired commits beyond those listed


@dataclass
class Followed:
    """A watch item of the days before the report, and what became of it by the report's last day."""

    commit: Cite
    day: str
    level: str  # its final level on its day
    kinds: list[str]  # why it was watched: high, and the watch list's kinds
    status: str  # reverted | fixed | follow_up | open
    by: list[Cite]  # the commits that gave the status, oldest first


def cite_row(row: Mapping, in_report: bool = True) -> Cite:
    """The citation of a frame row."""
    return Cite(
        repo=row["repo"],
        sha=row["sha"],
        short_sha=row["short_sha"],
        title=row["title"],
        url=row["url"] if isinstance(row["url"], str) else None,
        in_report=in_report,
    )


def ranked(shown: pd.DataFrame) -> pd.DataFrame:
    """``shown`` in the order of the final level, then the score, then the newest first."""
    order = shown.assign(_rank=shown["level"].map(lambda level: -Level(level).rank))
    return order.sort_values(["_rank", "score", "committed_at"], ascending=[True, False, False], kind="stable")


def _breaking(row: Mapping) -> bool:
    return bool(row["is_breaking"]) or any(is_breaking_label(str(x)) for x in row["pr_labels"] or ())


def watch_items(shown: pd.DataFrame, in_report: bool = True) -> list[Watch]:
    """The watch list of the rows ``shown`` (see the module docstring), by kind, then as :func:`ranked`."""
    items: list[Watch] = []
    shas = set(shown["sha"])
    for row in records(ranked(shown)):
        cite = cite_row(row, in_report)
        if row["is_revert"] or len(row["reverts"]):
            target, day, quoted = reverted_of(row)
            reverted = (
                None
                if target is None
                else Cite(
                    repo=row["repo"],
                    sha=target["sha"],
                    short_sha=target["sha"][:7],
                    title=target["title"],
                    url=target.get("url"),
                    in_report=in_report and target["sha"] in shas,
                )
            )
            lived = row["revert_lived_hours"]
            items.append(
                Watch(
                    "revert",
                    cite,
                    reverted=reverted,
                    reverted_day=day,
                    quoted=quoted,
                    lived_hours=None if pd.isna(lived) else float(lived),
                )
            )
        if _breaking(row):
            items.append(Watch("breaking", cite))
        if len(row["security_paths"]):
            items.append(Watch("security", cite, paths=list(row["security_paths"])[:3]))
        if row["level_disagreement"] and isinstance(row["model_level"], str):
            items.append(Watch("disagreement", cite, levels=(row["rules_level"], row["model_level"])))
    return sorted(items, key=lambda w: WATCH_ORDER.index(w.kind))


def _level_rank(level) -> int:
    return Level(level).rank if is_level(level) else -1


def repairs_part(frame: pd.DataFrame, days: Sequence[str], earlier: pd.DataFrame | None = None) -> Repairs:
    """The follow-ups of ``days`` (see the module docstring); ``earlier``: the days before, as judged then."""
    table = follow_ups(frame, earlier, days)
    repaired: dict[str, Repaired] = {}
    for row in records(table):
        item = repaired.get(row["repaired"])
        if item is None:
            item = repaired[row["repaired"]] = Repaired(
                commit=Cite(
                    repo=row["repo"],
                    sha=row["repaired"],
                    short_sha=row["repaired_short_sha"],
                    title=row["repaired_title"],
                    url=row["repaired_url"],
                    in_report=bool(row["repaired_in_report"]),
                ),
                day=row["repaired_day"],
                level=row["repaired_level"],
                rules_level=row["repaired_rules_level"],
                model_level=row["repaired_model_level"],
                by=[],
            )
        item.by.append(
            RepairedBy(row["kind"], Cite(row["repo"], row["sha"], row["short_sha"], row["title"], row["url"]))
        )
    items = sorted(repaired.values(), key=lambda r: r.day, reverse=True)
    items = sorted(items, key=lambda r: -_level_rank(r.level))
    return Repairs(
        count=int(table["sha"].nunique()), repaired=items[:MAX_REPAIRED], more=max(0, len(items) - MAX_REPAIRED)
    )


def _day_before(day: str, n: int = 1) -> str:
    return (date.fromisoformat(day) - timedelta(days=n)).isoformat()


def followed_up(
    frame: pd.DataFrame, days: Sequence[str], earlier: pd.DataFrame | None = None
) -> tuple[list[Followed], int]:
    """The watch items of the ``WATCH_DAYS`` before ``days`` that the report shows (see the module docstring),
    and how many more there are beyond ``MAX_FOLLOWED``."""
    if not days:
        return [], 0
    first, last = min(days), max(days)
    since = _day_before(first, WATCH_DAYS)
    judged = as_judged(frame, earlier, days, since=since)
    watched = judged[judged["day"] < first]
    if not len(watched):
        return [], 0
    kinds: dict[str, list[str]] = {sha: ["high"] for sha in watched.loc[watched["level"] == Level.HIGH, "sha"]}
    for w in watch_items(watched, in_report=False):
        kinds.setdefault(w.commit.sha, [])
        if w.kind not in kinds[w.commit.sha]:
            kinds[w.commit.sha].append(w.kind)
    if not kinds:
        return [], 0
    items = list(kinds)
    now = rows_by_sha(watch_statuses(items, frame, earlier, through=last, days=days, since=since, judged=judged))
    before = rows_by_sha(
        watch_statuses(items, frame, earlier, through=_day_before(first), days=days, since=since, judged=judged)
    )
    fresh = _day_before(first, len(days))  # the previous report's first day
    cited = set(items).union(*(status["by"] for status in now.values()))
    rows = rows_by_sha(judged[judged["sha"].isin(list(cited))])
    report = set(report_rows(frame, days)["sha"])
    shown = []
    for sha in items:
        row = rows[sha]
        if row["day"] < fresh and not status_changed(before[sha], now[sha]):
            continue
        by = [cite_row(rows[s], in_report=s in report) for s in now[sha]["by"]]
        shown.append(
            Followed(
                commit=cite_row(row, in_report=False),
                day=row["day"],
                level=row["level"],
                kinds=kinds[sha],
                status=now[sha]["status"],
                by=by,
            )
        )
    shown.sort(key=lambda f: (STATUSES.index(f.status), -_level_rank(f.level), _negated(f.day)))
    return shown[:MAX_FOLLOWED], max(0, len(shown) - MAX_FOLLOWED)


def _negated(day: str) -> int:
    return -date.fromisoformat(day).toordinal()
