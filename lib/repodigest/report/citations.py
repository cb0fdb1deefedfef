"""Commits citing commits: the overview's context and the entries' relation lines.

A cited commit is ``{short_sha, anchor, url}``: ``anchor`` is its entry's id when it is in the
report (the link stays in the page), else None and the template links ``url`` (its web page) or
prints the short sha alone. Strings stay raw; the templates escape them.

Shapes::

    overview = {anchor, heading, headline, note, source, highlights: [{rank, level, line, commits: [cite]}],
                themes: [{repo, area, count, average: str, flag: str}], average_label, more_themes: str,
                watch: [{kind, commit: cite, title, reverted: cite | None, reverted_title, date, lived,
                         quoted, paths: [str], rules, model}], more_watch: str, also: [{label, count}],
                repairs: {count_line, lines: [{commit: cite, title, date, level: str | None (given then),
                          by: [{kind: fix | revert, commit: cite}]}], more: str} | None,
                followed: {intro, lines: [{commit: cite, title, date, why: str, status, by: [cite]}],
                           more: str} | None}

    entry["related"] = {reverts: {commit: cite, title, date, lived} | None, reverts_unknown: str | None,
                        reverted_by: [{commit: cite, date, lived}],
                        series: {place, rule, others: [{commit: cite, place}]} | None}
    entry["repairs"] = [{commit: cite, title, date, level: str | None (given on its day)}]
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

import pandas as pd

from ..analytics.common import records
from ..analytics.followups import WATCH_DAYS
from ..levels import is_level
from ..sources.message import revert_target


def cite(sha: str, anchor_of: Mapping[str, str], url: str | None = None) -> dict:
    return {"short_sha": sha[:7], "anchor": anchor_of.get(sha), "url": url if isinstance(url, str) else None}


def lived_text(hours: float | None, words: Mapping) -> str:
    """How long a change lived: hours under two days (one decimal), else whole days."""
    if hours is None or pd.isna(hours):
        return "?"
    if hours < 48:
        return words["lived_hours"].format(hours=f"{hours:.1f}".removesuffix(".0"))
    return words["lived_days"].format(days=round(hours / 24))


def _place(index, size) -> str:
    return f"{int(index)}/{'N' if pd.isna(size) else int(size)}"


def series_place(row: Mapping) -> str | None:
    """``2/4`` (``2/N`` when a marker did not say N) for a series member, else None."""
    return _place(row["series_index"], row["series_size"]) if isinstance(row.get("series"), str) else None


def reverted_of(row: Mapping) -> tuple[Mapping | None, str | None, str | None]:
    """What ``row`` (a revert) reverts: (the found commit, its day, None), or (None, None, the title the
    message quotes) when the commit was not found."""
    if len(row["reverts"]):
        target = row["reverts"][0]
        return target, (target.get("committed_local") or target["committed_at"])[:10], None
    return None, None, revert_target(row["message"], row["title"])[1] or None


class RelatedIndex(NamedTuple):
    """What :func:`related_context` looks rows up in, built once per report, not once per entry."""

    by_sha: pd.DataFrame  # the frame by sha
    series: dict[str, list[dict]]  # each series' members in order
    place: dict[tuple[str, str], int]  # (series, sha) -> the member's place in the series' list


def related_index(frame: pd.DataFrame) -> RelatedIndex:
    """The :class:`RelatedIndex` of ``frame``."""
    members = frame[frame["series"].notna()]
    series = {
        sid: records(group.sort_values("series_index")[["sha", "url", "series", "series_index", "series_size"]])
        for sid, group in members.groupby("series")
    }
    place: dict[tuple[str, str], int] = {}
    for sid, found in series.items():
        for i, m in enumerate(found):
            place.setdefault((sid, m["sha"]), i)
    return RelatedIndex(frame.set_index("sha", drop=False), series, place)


SERIES_SHOWN = 8  # the other members an entry cites, the nearest in the series; a count for the rest


def related_context(row: Mapping, index: RelatedIndex, anchor_of: Mapping[str, str], words: Mapping) -> dict | None:
    """The relation lines of ``row``'s entry (what it reverts, what reverts it, its series), or None;
    ``index`` is :func:`related_index` of the frame."""
    by_sha, series = index.by_sha, index.series
    related: dict[str, Any] = {"reverts": None, "reverts_unknown": None, "reverted_by": [], "series": None}
    target, day, quoted = reverted_of(row)
    if target is not None:
        related["reverts"] = {
            "commit": cite(target["sha"], anchor_of, target.get("url")),
            "title": target["title"],
            "date": day,
            "lived": lived_text(row["revert_lived_hours"], words),
        }
    elif row["is_revert"]:
        related["reverts_unknown"] = quoted
    for sha in row["reverted_by"]:
        other = by_sha.loc[sha]
        related["reverted_by"].append(
            {
                "commit": cite(sha, anchor_of, other["url"]),
                "date": other["committed_local"][:10],
                "lived": lived_text(other["revert_lived_hours"], words),
            }
        )
    if isinstance(row["series"], str):
        members = series[row["series"]]
        here = index.place[row["series"], row["sha"]]
        first = max(0, min(here - SERIES_SHOWN // 2, len(members) - SERIES_SHOWN - 1))
        near = [m for m in members[first : first + SERIES_SHOWN + 1] if m["sha"] != row["sha"]][:SERIES_SHOWN]
        related["series"] = {
            "place": series_place(row),
            "rule": words[f"rel_rule_{row['series_rule']}"],
            "others": [{"commit": cite(m["sha"], anchor_of, m["url"]), "place": series_place(m)} for m in near],
            "more": len(members) - 1 - len(near),
        }
    if not (related["reverts"] or related["reverts_unknown"] or related["reverted_by"] or related["series"]):
        return None
    return related


def level_then(level, rules_level, model_level, words: Mapping) -> str | None:
    """The level a commit was given on its day, worded: the final one, and the rules' and the model's when
    the model judged it; None when unknown."""
    if not is_level(level):
        return None
    text = words[f"level_{level}"]
    if is_level(model_level) and is_level(rules_level):
        text = words["level_then_model"].format(
            level=text, rules=words[f"level_{rules_level}"], model=words[f"level_{model_level}"]
        )
    return text


def repairs_context(
    row: Mapping, judged: Mapping[str, Mapping], anchor_of: Mapping[str, str], words: Mapping
) -> list[dict]:
    """The lines of ``row``'s entry on the earlier commits it repairs (its ``repairs``, oldest first), each as
    it was judged on its day (``judged``: the rows of analytics.followups.as_judged by sha)."""
    lines = []
    for sha in row["repairs"]:
        then = judged.get(sha)
        if then is None:
            continue
        lines.append(
            {
                "commit": cite(sha, anchor_of, then["url"]),
                "title": then["title"],
                "date": then["day"],
                "level": level_then(then["level"], then["rules_level"], then["model_level"], words),
            }
        )
    return lines


def _theme_flag(theme, baseline_days: int, words: Mapping) -> str:
    if theme.new:
        return words["ov_new"].format(days=baseline_days)
    if theme.unusual:
        return words["ov_unusual"].format(ratio=f"{theme.ratio:.1f}")
    return ""


def overview_context(overview, anchor: str, anchor_of: Mapping[str, str], words: Mapping) -> dict:
    """The context of the overview section (shape above) from an :class:`~repodigest.report.overview.Overview`."""
    multi_repo = len(overview.repos) > 1

    def cited(c) -> dict:
        return cite(c.sha, anchor_of, c.url)

    watch = []
    for w in overview.watch:
        item = {
            "kind": w.kind,
            "commit": cited(w.commit),
            "title": w.commit.title,
            "reverted": None,
            "reverted_title": "",
            "date": "",
            "lived": lived_text(w.lived_hours, words),
            "quoted": w.quoted or "",
            "paths": list(w.paths),
            "rules": "",
            "model": "",
        }
        if w.reverted is not None:
            item.update(reverted=cited(w.reverted), reverted_title=w.reverted.title, date=w.reverted_day or "")
        if w.levels:
            item.update(rules=words[f"level_{w.levels[0]}"], model=words[f"level_{w.levels[1]}"])
        watch.append(item)
    return {
        "anchor": anchor,
        "heading": words["ov_title_range" if len(overview.days) > 1 else "ov_title"],
        "headline": overview.headline,
        "note": overview.note,
        "source": overview.source,
        "highlights": [
            {
                "rank": h.rank,
                "level": h.level,
                "line": (f"{h.commits[0].repo}: " if multi_repo else "") + h.line,
                "commits": [cited(c) for c in h.commits],
            }
            for h in overview.highlights
        ],
        "multi_repo": multi_repo,
        "themes": [
            {
                "repo": t.repo,
                "area": t.area,
                "count": t.count,
                "average": "–" if t.daily_average is None else f"{t.daily_average:.1f}",
                "flag": _theme_flag(t, overview.baseline_days, words),
            }
            for t in overview.themes
        ],
        "average_label": words["ov_average"].format(days=overview.baseline_days),
        "more_themes": words["ov_more_themes"].format(count=overview.more_themes) if overview.more_themes else "",
        "watch": watch,
        "more_watch": words["ov_more_watch"].format(count=overview.more_watch) if overview.more_watch else "",
        "also": [{"label": words["types"].get(kind, kind), "count": n} for kind, n in overview.also_landed.items()],
        "repairs": _repairs(overview, cited, words),
        "followed": _followed(overview, cited, words),
    }


def _repairs(overview, cited, words: Mapping) -> dict | None:
    part = overview.repairs
    if not part.count:
        return None
    return {
        "count_line": words["ov_repairs_count_range" if len(overview.days) > 1 else "ov_repairs_count"].format(
            count=part.count
        ),
        "lines": [
            {
                "commit": cited(r.commit),
                "title": r.commit.title,
                "date": r.day,
                "level": level_then(r.level, r.rules_level, r.model_level, words),
                "by": [{"kind": b.kind, "commit": cited(b.commit)} for b in r.by],
            }
            for r in part.repaired
        ],
        "more": words["ov_more_repaired"].format(count=part.more) if part.more else "",
    }


def _followed(overview, cited, words: Mapping) -> dict | None:
    if not overview.followed:
        return None
    return {
        "intro": words["ov_followed_intro"].format(days=WATCH_DAYS),
        "lines": [
            {
                "commit": cited(f.commit),
                "title": f.commit.title,
                "date": f.day,
                "why": words["ov_sep"].join(words[f"ov_why_{kind}"] for kind in f.kinds),
                "status": f.status,
                "by": [cited(c) for c in f.by],
            }
            for f in overview.followed
        ],
        "more": words["ov_more_followed"].format(count=overview.more_followed) if overview.more_followed else "",
    }
