"""The rollup of a period (a week, a month): what it amounted to, from the commit frame alone.

:func:`build_rollup` is a pure function of the frame (the period and the period before it, as the
pipeline loads them), the analyses the cache held and the track records; it returns a
:class:`~.rollup_data.Rollup`, one :class:`~.rollup_data.RepoRollup` per repository. The model may word its headline and its thread lines afterwards
(:func:`worded`, with :mod:`repodigest.analysis.rollup_wording`); it never picks what is shown.

- **At a glance**: the period's commits, contributors and levels beside the previous period's (a week:
  the 7 days before; a month: the calendar month before, whole). Areas (a commit counts once, in its
  ``primary_area``) *grew* when the period has at least ``UNUSUAL_MIN`` commits there and at least
  ``UNUSUAL_RATIO`` times the previous period's daily rate times the period's days (the overview's
  rule, :mod:`.overview`); they are *new* when the previous period had none.
- **Threads** (:func:`repodigest.analytics.threads.threads`, its rules) found over the previous period
  and this one: those with a commit in this period, each with its commits and days in the period; the
  commits before it are counted (``earlier``), never listed again.
- **🔴 commits**: every commit of the period at the high level, with what followed it up to the
  period's end: reverts (``reverted_by``), fixes (``fixed_by``, and ``repairs`` of the period's fixes).
- **Fixes and reverts**: every fix (``is_fix``) and revert of the period with what it repaired: the
  commit a revert undoes (``reverts``), the commits a fix's lines were blamed on (``repairs``, and the
  rows whose ``fixed_by`` names it); a repaired commit rated 🔴 in the previous period was in the
  previous rollup, and says so.
- **Contributors** (:func:`repodigest.analytics.common.contributions`: a merge credits the authors of
  what it landed; bots left out): the new ones (no contribution in the rows before the period: the
  previous period and ``earlier``), the most active, and the busiest areas' people.

Nothing of the previous rollup is listed again unless it changed: threads list this period's commits
only, the 🔴 commits and the fixes are this period's, and an earlier commit appears only as what a fix
or a revert of this period repaired.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

import pandas as pd

from ..analytics.common import contributions, records, without_bots
from ..analytics.threads import threads as find_threads
from ..i18n import strings
from ..levels import LEVELS, Level
from .context import reason_text
from .overview import UNUSUAL_MIN, UNUSUAL_RATIO, Cite
from .rollup_data import AreaChange, Cited, Figures, People, Red, Repair, RepoRollup, Rollup, Thread

MAX_THREADS = 12  # threads shown per repository; the rest are counted
MAX_AREAS = 10  # areas in the comparison table
MAX_ACTIVE = 8  # most active contributors named
MAX_PEOPLE_AREAS = 5  # areas whose people are named
PEOPLE_PER_AREA = 3


def build_rollup(
    frame: pd.DataFrame,
    repos: Sequence[str],
    period: str,
    days: Sequence[str],
    previous_days: Sequence[str],
    lang: str = "zh",
    *,
    analyses: Mapping[str, Mapping] | None = None,
    track_records: Mapping[str, Mapping] | None = None,
    earlier: pd.DataFrame | None = None,
) -> Rollup:
    """The rollup of ``days`` from ``frame`` (its rows of ``days`` and ``previous_days``); ``earlier`` holds
    rows of older days (contributors already known), ``analyses`` the model's analyses by sha."""
    words = strings(lang)
    days, previous_days = list(days), list(previous_days)
    out = []
    for repo in repos:
        rows = frame[frame["repo"] == repo]
        known = rows[rows["day"] < days[0]]
        if earlier is not None and len(earlier):
            older = earlier[(earlier["repo"] == repo) & (earlier["day"] < days[0])]
            known = pd.concat([known, older], ignore_index=True).drop_duplicates("sha")
        out.append(_repo_rollup(rows, repo, days, previous_days, known, words, analyses or {}, track_records or {}))
    return Rollup(period=period, lang=lang, days=days, previous_days=previous_days, repos=out)


def _figures(rows: pd.DataFrame, days: Sequence[str]) -> Figures:
    people = without_bots(contributions(rows))
    return Figures(
        first=days[0],
        last=days[-1],
        days=len(days),
        commits=int(len(rows)),
        contributors=int(people["who"].nunique()),
        levels={lvl.value: int((rows["level"] == lvl).sum()) for lvl in LEVELS},
    )


def _cite(row: Mapping) -> Cited:
    url = row.get("url")
    return Cited(
        commit=Cite(
            repo=row["repo"],
            sha=row["sha"],
            short_sha=row["short_sha"],
            title=row["title"],
            url=url if isinstance(url, str) else None,
        ),
        day=row["day"],
        level=row["level"],
        author=row["author"],
    )


def _areas(now: pd.DataFrame, before: pd.DataFrame, days: int, before_days: int) -> list[AreaChange]:
    counts = now["primary_area"].value_counts()
    previous = before["primary_area"].value_counts()
    changes = []
    for area in sorted(counts.index, key=lambda a: (-counts[a], str(a))):
        count, earlier = int(counts[area]), int(previous.get(area, 0))
        expected = earlier / before_days * days if before_days else 0.0
        grew = bool(before_days) and count >= UNUSUAL_MIN and count >= UNUSUAL_RATIO * expected
        changes.append(AreaChange(str(area), count, earlier, grew=grew, new=bool(before_days) and earlier == 0))
    return changes


def _threads(rows: pd.DataFrame, days: Sequence[str], previous_days: Sequence[str], words: Mapping) -> list[Thread]:
    span = rows[rows["day"].isin([*previous_days, *days])]
    by_sha = span.set_index("sha", drop=False)
    out: list[Thread] = []
    for found in records(find_threads(span)):
        now = [sha for sha in found["shas"] if by_sha.at[sha, "day"] in days]
        if not now:
            continue
        before = [sha for sha in found["shas"] if sha not in now]
        cited = [_cite(by_sha.loc[sha]) for sha in now]
        thread = Thread(
            rank=len(out) + 1,
            kind=found["kind"],
            key=found["key"],
            area=found["area"],
            days=sorted({c.day for c in cited}),
            commits=cited,
            authors=list(dict.fromkeys(c.author for c in cited)),
            earlier=len(before),
            earlier_days=sorted({by_sha.at[sha, "day"] for sha in before}),
        )
        thread.line = thread.data_line = thread_line(thread, words)
        out.append(thread)
    return out


def thread_line(thread: Thread, words: Mapping) -> str:
    """The data's wording of a thread: its commits, days and contributors in the period, and what came
    before (counted, not listed)."""
    w = words["rollup"]
    text = w["thread_counts"].format(commits=len(thread.commits), days=len(thread.days), authors=len(thread.authors))
    if thread.earlier:
        text += w["thread_earlier"].format(commits=thread.earlier, days=len(thread.earlier_days))
    return text


def _reason(row: Mapping, analysis: Mapping | None, words: Mapping) -> str:
    if analysis and analysis.get("importance_reason"):
        return str(analysis["importance_reason"])
    if isinstance(row.get("model_reason"), str) and row["model_reason"] and row.get("analysis_status") != "failed":
        return row["model_reason"]
    strongest = sorted(row["reasons"], key=lambda r: -abs(r["points"]))[:3]
    return words["list_sep"].join(reason_text(r, words) for r in strongest)


def _fixed_by(rows: pd.DataFrame) -> dict[str, list[str]]:
    """Earlier commit -> the fixes that repair it: ``fixed_by`` (outcomes) and ``repairs`` of the fixes."""
    found: dict[str, list[str]] = {}
    for sha, fixes in zip(rows["sha"], rows["fixed_by"]):
        found.setdefault(sha, []).extend(fixes)
    for fix, repaired in zip(rows["sha"], rows["repairs"] if "repairs" in rows else [[]] * len(rows)):
        for sha in repaired:
            found.setdefault(sha, []).append(fix)
    return {sha: list(dict.fromkeys(fixes)) for sha, fixes in found.items() if fixes}


def _red(now: pd.DataFrame, rows: pd.DataFrame, fixes: Mapping, analyses: Mapping, words: Mapping) -> list[Red]:
    by_sha = rows.set_index("sha", drop=False)
    out = []
    high = now[now["level"] == Level.HIGH].sort_values("committed_at", kind="stable")
    for row in records(high):
        followed = [
            {"kind": kind, "by": _cite(by_sha.loc[sha])}
            for kind, shas in (("revert", row["reverted_by"]), ("fix", fixes.get(row["sha"], ())))
            for sha in shas
            if sha in by_sha.index
        ]
        out.append(
            Red(_cite(row), row["primary_area"], _reason(row, analyses.get(row["sha"]), words), followed=followed)
        )
    return out


def _repairs(now: pd.DataFrame, lookup: pd.DataFrame, fixes: Mapping, previous_days: Sequence[str]) -> list[Repair]:
    """The period's fixes and reverts, each with what it repaired; ``lookup`` holds the rows that may be
    cited (the loaded ones and the earlier days')."""
    by_sha = lookup.set_index("sha", drop=False)
    repaired_by: dict[str, list[str]] = {}
    for sha, by in fixes.items():
        for fix in by:
            repaired_by.setdefault(fix, []).append(sha)
    out = []
    picked = now[now["is_fix"].astype(bool) | now["is_revert"].astype(bool) | (now["reverts"].map(len) > 0)]
    for row in records(picked.sort_values("committed_at", kind="stable")):
        targets = {t["sha"]: t for t in row["reverts"]}
        repaired = []
        for sha in dict.fromkeys([*targets, *repaired_by.get(row["sha"], [])]):
            if sha in by_sha.index:
                cited = _cite(by_sha.loc[sha])
            else:  # older than the rows read: what the revert's lookup found of it, else its sha alone
                target = targets.get(sha, {})
                day = (target.get("committed_local") or target.get("committed_at") or "")[:10]
                cited = Cited(Cite(row["repo"], sha, sha[:7], target.get("title", ""), target.get("url")), day)
            repaired.append({"commit": cited, "previous_red": cited.day in previous_days and cited.level == Level.HIGH})
        kind = "revert" if row["is_revert"] or targets else "fix"
        out.append(Repair(kind, _cite(row), repaired))
    return sorted(out, key=lambda r: not r.repaired)  # what repaired something first, in time order


def _people(now: pd.DataFrame, known: pd.DataFrame, history_days: int) -> People:
    people = without_bots(contributions(now))
    seen = set(without_bots(contributions(known))["who"]) if len(known) else set()
    first_at = people.sort_values("local", kind="stable").drop_duplicates("who")
    per = people["who"].value_counts()
    active = sorted(per.index, key=lambda w: (-per[w], str(w)))[:MAX_ACTIVE]
    areas = people.assign(area=people["sha"].map(dict(zip(now["sha"], now["primary_area"]))))
    by_area = []
    area_counts = areas.groupby("area")["sha"].nunique()
    for area in sorted(area_counts.index, key=lambda a: (-area_counts[a], str(a)))[:MAX_PEOPLE_AREAS]:
        names = areas.loc[areas["area"] == area, "who"].value_counts()
        by_area.append(
            (str(area), [str(w) for w in sorted(names.index, key=lambda w: (-names[w], str(w)))][:PEOPLE_PER_AREA])
        )
    return People(
        new=[str(w) for w in first_at["who"] if w not in seen],
        history_days=history_days,
        active=[(str(w), int(per[w])) for w in active],
        by_area=by_area,
    )


def _repo_rollup(rows, repo, days, previous_days, known, words, analyses, track_records) -> RepoRollup:
    now = rows[rows["day"].isin(days)]
    before = rows[rows["day"].isin(previous_days)]
    lookup = pd.concat([rows, known], ignore_index=True).drop_duplicates("sha")
    fixes = _fixed_by(lookup)
    changes = _areas(now, before, len(days), len(previous_days))
    found = _threads(rows, days, previous_days, words)
    history_days = (pd.Timestamp(days[0]) - pd.Timestamp(known["day"].min())).days if len(known) else 0
    rollup = RepoRollup(
        repo=repo,
        current=_figures(now, days),
        previous=_figures(before, previous_days),
        areas=changes[:MAX_AREAS],
        more_areas=max(0, len(changes) - MAX_AREAS),
        threads=found[:MAX_THREADS],
        more_threads=max(0, len(found) - MAX_THREADS),
        red=_red(now, rows, fixes, analyses, words),
        repairs=_repairs(now, lookup, fixes, previous_days),
        people=_people(now, known, max(history_days, len(previous_days))),
        track_record=dict(track_records[repo]) if repo in track_records else None,
        headline="",
        data_headline="",
        note=words["rollup"]["note_data"],
    )
    rollup.headline = rollup.data_headline = _headline(rollup, len(found), words)
    return rollup


def _headline(r: RepoRollup, thread_count: int, words: Mapping) -> str:
    w = words["rollup"]
    if not r.current.commits:
        return w["head_empty"]
    parts = [w["head"].format(total=r.current.commits, previous=r.previous.commits, high=r.current.levels["high"])]
    grew = [a.area for a in r.areas if a.grew][:3]
    if grew:
        parts.append(w["head_grew"].format(areas=words["ov_sep"].join(grew)))
    if thread_count:
        parts.append(w["head_threads"].format(count=thread_count))
    repaired = sum(1 for x in r.repairs if x.repaired)
    if repaired:
        parts.append(w["head_repairs"].format(count=repaired))
    if r.people.new:
        parts.append(w["head_new_people"].format(count=len(r.people.new)))
    return words["ov_head_join"].join(parts) + words["ov_head_end"]


def worded(
    rollup: Rollup,
    repo: str,
    headline: str | None,
    lines: Mapping[int, str],
    *,
    failed: str | None = None,
    rejected: int = 0,
) -> Rollup:
    """``rollup`` with the model's wording of ``repo``'s headline and thread lines (``lines`` by rank), and
    the note saying who wrote what: the model, the data (no model), or the data after a failed request."""
    w = strings(rollup.lang)["rollup"]
    part = rollup.repo(repo)
    if failed is not None:
        changed = replace(part, note=w["note_failed"].format(error=failed))
    elif not headline and not any(t.rank in lines for t in part.threads):
        changed = replace(part, note=w["note_rejected"])
    else:
        threads = [replace(t, line=lines.get(t.rank) or t.data_line) for t in part.threads]
        note = w["note_llm"] + (w["note_some_rejected"].format(count=rejected) if rejected else "")
        changed = replace(part, headline=headline or part.data_headline, threads=threads, source="llm", note=note)
    return replace(rollup, repos=[changed if r.repo == repo else r for r in rollup.repos])
