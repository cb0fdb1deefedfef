"""The day at a glance: what matters in the report's days, built from the commit frame alone.

:func:`build_overview` is a pure function of the frame (and the analyses); it returns an
:class:`Overview`, the data of the report's first section, of the chat message and of
``Digest.overview``. The model may word the headline and the highlights afterwards
(:func:`worded`, with :mod:`repodigest.analysis.overview`); it never picks them.

- **Highlights**: at most ``MAX_HIGHLIGHTS`` (5), the report's high and medium commits in the
  order of the final level, then the score (then the newest first). A series member brings the
  series' other members of the report into its highlight (they take no slot of their own).
  A period with only low-importance commits has none.
- **Themes**: commits per area (the commit's ``primary_area``, so each commit counts once and the
  counts add up to the period's total), per repository, the busiest ``MAX_THEMES`` first, against
  the area's daily average over the baseline: the trend window's days before the report's first
  day. *Unusual* means ``count >= UNUSUAL_MIN`` (3) and ``count >= UNUSUAL_RATIO`` (2) times the
  expected count (the daily average times the report's days); an unusual area with no commit in
  the baseline is *new*. Without baseline days nothing is flagged.
- **Watch list**: reverts, breaking changes, security-sensitive paths, level disagreements
  (:func:`~.watch.watch_items`).
- **Follow-ups**: the report's commits that repair earlier work (fixes by SZZ, reverts), with the level
  each repaired commit was given on its day (:func:`~.watch.repairs_part`).
- **Followed up**: the watch items and the 🔴 commits of the 7 days before, with what became of them:
  reverted, fixed, follow-up commits, or nothing yet; shown once, then when it changes
  (:func:`~.watch.followed_up`).
- **Also landed**: the commits not cited by a highlight, counted by change type (the rule's).
- **Headline**: one sentence from the counts, the unusual (else the busiest) areas and the watch
  list; every number in it is a count of the frame.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace

import pandas as pd

from ..analytics.common import records
from ..frame import report_rows
from ..i18n import strings
from ..levels import LEVELS, Level
from .watch import WATCH_ORDER, Cite, Followed, Repairs, Watch, cite_row, followed_up, ranked, repairs_part, watch_items

MAX_HIGHLIGHTS = 5
MAX_THEMES = 8
MAX_WATCH = 12
UNUSUAL_MIN = 3
UNUSUAL_RATIO = 2.0
__all__ = ["Cite", "Highlight", "Overview", "Theme", "Watch", "build_overview", "highlight_line", "worded"]


@dataclass
class Highlight:
    rank: int  # 1.. in the order of the final level, then the score
    level: str
    score: int
    line: str  # what the section shows: the model's wording when it passed the checks, else data_line
    data_line: str  # built from the data
    change_type: str
    area: str
    commits: list[Cite]  # the commit, then its series' other members in the report
    series_size: int | None = None


@dataclass
class Theme:
    repo: str
    area: str
    count: int
    daily_average: float | None  # over the baseline days; None without baseline days
    ratio: float | None  # count / expected; None when nothing was expected or without baseline
    unusual: bool
    new: bool  # unusual, and no commit in the baseline


@dataclass
class Overview:
    """The overview of the report's days (see the module docstring for every rule)."""

    lang: str
    days: list[str]
    repos: list[str]
    total: int
    counts: dict[str, int]
    headline: str
    data_headline: str
    highlights: list[Highlight]
    themes: list[Theme]
    more_themes: int  # areas that moved beyond the themes shown
    baseline_days: int
    watch: list[Watch]
    more_watch: int
    also_landed: dict[str, int]  # change type -> commits not cited by a highlight
    repairs: Repairs = field(default_factory=lambda: Repairs(0, []))  # the follow-ups part
    followed: list[Followed] = field(default_factory=list)  # the watch items of the days before, followed up
    more_followed: int = 0
    source: str = "data"  # data | llm (the model worded the headline or a highlight)
    note: str = ""  # one line: who wrote the wording, and why not the model

    def to_dict(self) -> dict:
        """The overview as JSON-ready data (what ``overview.json`` holds)."""
        return asdict(self)


def _highlights(shown: pd.DataFrame, words: Mapping) -> list[Highlight]:
    picked: list[Highlight] = []
    used: set[str] = set()
    for row in records(ranked(shown[shown["level"].isin([Level.HIGH, Level.MEDIUM])])):
        if row["sha"] in used:
            continue
        members = [row]
        if isinstance(row["series"], str):
            mates = shown[(shown["series"] == row["series"]) & (shown["sha"] != row["sha"])]
            members += records(mates.sort_values("series_index"))
        used.update(m["sha"] for m in members)
        size = len(members) if len(members) > 1 else None
        picked.append(
            Highlight(
                rank=len(picked) + 1,
                level=row["level"],
                score=int(row["score"]),
                line="",
                data_line="",
                change_type=row["change_type"],
                area=row["primary_area"],
                commits=[cite_row(m) for m in members],
                series_size=size,
            )
        )
        picked[-1].line = picked[-1].data_line = highlight_line(picked[-1], words)
        if len(picked) == MAX_HIGHLIGHTS:
            break
    return picked


def highlight_line(h: Highlight, words: Mapping) -> str:
    """The data's wording of a highlight: its title, type and area (and the series' size)."""
    kind = words["types"].get(h.change_type, h.change_type)
    text = words["ov_line"].format(title=h.commits[0].title, type=kind, area=h.area)
    return words["ov_line_series"].format(line=text, count=h.series_size) if h.series_size else text


def _themes(shown: pd.DataFrame, baseline: pd.DataFrame, baseline_days: int, report_days: int) -> list[Theme]:
    counts = shown.groupby(["repo", "primary_area"], sort=False).size()
    before = baseline.groupby(["repo", "primary_area"], sort=False).size() if len(baseline) else pd.Series(dtype=int)
    themes = []
    for (repo, area), count in counts.items():
        average = expected = ratio = None
        unusual = new = False
        if baseline_days > 0:
            average = float(before.get((repo, area), 0)) / baseline_days
            expected = average * report_days
            ratio = count / expected if expected else None
            unusual = count >= UNUSUAL_MIN and count >= UNUSUAL_RATIO * expected
            new = unusual and expected == 0
        themes.append(
            Theme(
                repo=repo,
                area=area,
                count=int(count),
                daily_average=average,
                ratio=None if ratio is None else round(ratio, 1),
                unusual=unusual,
                new=new,
            )
        )
    return sorted(themes, key=lambda t: (-t.count, t.repo, t.area))


def _headline(
    total: int, counts: Mapping, themes: list[Theme], watch: list[Watch], multi_day: bool, words: Mapping
) -> str:
    if not total:
        return words["ov_empty_range" if multi_day else "ov_empty"]
    parts = [words["ov_head_range" if multi_day else "ov_head"].format(total=total, high=counts["high"])]
    unusual = [t.area for t in themes if t.unusual][:3]
    if unusual:
        parts.append(words["ov_head_unusual"].format(areas=words["ov_sep"].join(unusual)))
    elif themes:
        parts.append(words["ov_head_busiest"].format(area=themes[0].area, count=themes[0].count))
    kinds = [k for k in WATCH_ORDER if any(w.kind == k for w in watch)]
    if kinds:
        parts.append(
            words["ov_head_watch"].format(
                items=words["ov_sep"].join(
                    words[f"ov_count_{k}"].format(count=sum(w.kind == k for w in watch)) for k in kinds
                )
            )
        )
    return words["ov_head_join"].join(parts) + words["ov_head_end"]


def baseline_of(frame: pd.DataFrame, days: Sequence[str]) -> int:
    """Calendar days of the frame before the report's first day (the trend window's history)."""
    earlier = frame.loc[frame["day"] < min(days), "day"] if len(frame) and days else pd.Series(dtype=str)
    if earlier.empty:
        return 0
    return (pd.Timestamp(min(days)) - pd.Timestamp(earlier.min())).days


def build_overview(
    frame: pd.DataFrame,
    repos: Sequence[str],
    days: Sequence[str],
    lang: str = "zh",
    baseline_days: int | None = None,
    earlier: pd.DataFrame | None = None,
) -> Overview:
    """The overview of ``days`` from ``frame`` (report and trend rows); ``baseline_days`` is the
    number of trend-window days before the report's first day (default: counted from the frame);
    ``earlier``: the commits of the days before the report as their own reports judged them
    (``Digest.earlier``), for the follow-ups and the watch items followed up (default: the frame's trend rows)."""
    words = strings(lang)
    days = list(days)
    shown = report_rows(frame, days)
    baseline = frame[frame["day"] < min(days)] if days else frame.iloc[:0]
    baseline_days = baseline_of(frame, days) if baseline_days is None else baseline_days
    counts = {lvl.value: int((shown["level"] == lvl).sum()) for lvl in LEVELS}
    highlights = _highlights(shown, words)
    themes = _themes(shown, baseline, baseline_days, len(days))
    watch = watch_items(shown)
    cited = {c.sha for h in highlights for c in h.commits}
    rest = shown[~shown["sha"].isin(cited)]["change_type"].value_counts()
    headline = _headline(len(shown), counts, themes, watch, len(days) > 1, words)
    followed, more_followed = followed_up(frame, days, earlier)
    return Overview(
        lang=lang,
        days=days,
        repos=list(repos),
        total=int(len(shown)),
        counts=counts,
        headline=headline,
        data_headline=headline,
        highlights=highlights,
        themes=themes[:MAX_THEMES],
        more_themes=max(0, len(themes) - MAX_THEMES),
        baseline_days=int(baseline_days),
        watch=watch[:MAX_WATCH],
        more_watch=max(0, len(watch) - MAX_WATCH),
        also_landed={str(k): int(v) for k, v in rest.items()},
        repairs=repairs_part(frame, days, earlier),
        followed=followed,
        more_followed=more_followed,
        note=words["ov_note_data"],
    )


def worded(
    overview: Overview, headline: str | None, lines: Mapping[int, str], *, failed: str | None = None, rejected: int = 0
) -> Overview:
    """``overview`` with the model's wording where it has some (``lines`` by highlight rank), and the
    note saying who wrote what: the model, the data (no model), or the data after a failed request."""
    words = strings(overview.lang)
    if failed is not None:
        return replace(overview, note=words["ov_note_failed"].format(error=failed))
    highlights = [replace(h, line=lines.get(h.rank) or h.data_line) for h in overview.highlights]
    used = bool(headline) or any(h.rank in lines for h in overview.highlights)
    if not used:
        return replace(overview, note=words["ov_note_rejected"])
    note = words["ov_note_llm"] + (words["ov_note_some_rejected"].format(count=rejected) if rejected else "")
    return replace(
        overview, headline=headline or overview.data_headline, highlights=highlights, source="llm", note=note
    )
