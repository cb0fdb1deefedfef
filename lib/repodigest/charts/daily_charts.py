"""The daily report's plotly charts of the commit frame: who worked on what, how important, over which days.

Every chart is a plain function of the frame (``frame.COLUMNS``) plus options and returns a
``plotly.graph_objects.Figure``; nothing here reads or writes files (figures as HTML:
:mod:`repodigest.charts.html`; as PNG files: :mod:`repodigest.publish.pngs`).
Charts about "the report" use the rows with ``in_report``; trend charts use every row (the
trend window). One color per area (``area_colors``) is shared by all charts of a report. A chart by
area counts each commit once, in its ``primary_area``, as the overview's themes do.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from plotly.colors import qualitative
from plotly.subplots import make_subplots

from ..frame import report_rows
from ..i18n import LANGS, strings
from ..levels import LEVELS
from ..textcut import truncate

MAX_ROWS = 50  # bar/heatmap rows shown at most, whatever ``top`` says
MAX_AREA_ROWS = 25  # areas in the areas bar chart; the rest fold into "others"
MAX_TREND_AREAS = 10  # stacked series in the trend chart
MAX_HEATMAP_AREAS = 20  # heatmap columns
MAX_REPOS = 30
LABEL_WIDTH = 28  # characters of an axis label before it is cut with "…"
OTHERS_COLOR = "#9e9e9e"
LEVEL_COLORS = dict(zip((level.value for level in LEVELS), ("#d62728", "#f2b701", "#2ca02c")))
_GREYS = {"rgb(179,179,179)", "rgb(242,242,242)", "rgb(204,204,204)"}
PALETTE = [c for c in (*qualitative.Plotly, *qualitative.Set2, *qualitative.Pastel1) if c not in _GREYS]
# CJK fonts first among fallbacks so zh labels render in exported PNGs (needs one installed,
# e.g. Debian's fonts-noto-cjk or fonts-wqy-microhei).
FONT_FAMILY = '"Open Sans", "Noto Sans CJK SC", "WenQuanYi Micro Hei", "PingFang SC", "Microsoft YaHei", sans-serif'
CHART_NAMES = ("authors", "areas", "levels", "area-trend", "author-area")
OTHERS_LABELS = frozenset(strings(lang)["chart"][key] for lang in LANGS for key in ("others", "other_bots"))


def chart_words(lang: str) -> dict[str, str]:
    """The charts' words in ``lang`` (the catalogue's ``[chart]`` table, the level words added)."""
    words = strings(lang)
    return {
        **words["chart"],
        **{level.value: words[f"level_word_{level}"] for level in LEVELS},
        "area_rule": words["area_rule"],
    }


# ---------------------------------------------------------------- data helpers


def _by_area(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per commit, in its ``primary_area`` with all its lines (the report's one counting rule,
    as the overview's themes count): columns cid, area, author, is_bot, day, added, deleted."""
    rows = [
        (cid, primary if isinstance(primary, str) and primary else "root", _author_name(author), bool(bot), str(day))
        + (int(added), int(deleted))
        for cid, (primary, author, bot, day, added, deleted) in enumerate(
            zip(
                frame["primary_area"],
                frame["author"],
                frame["is_bot"],
                frame["day"],
                frame["lines_added"],
                frame["lines_deleted"],
            )
        )
    ]
    return pd.DataFrame(rows, columns=["cid", "area", "author", "is_bot", "day", "added", "deleted"])


def _author_name(value) -> str:
    return value if isinstance(value, str) and value else "(unknown)"


def _ranked(counts: pd.Series) -> list:
    """Index of ``counts`` ordered by count (descending), then name: a stable order."""
    return sorted(counts.index, key=lambda k: (-counts[k], str(k)))


def label(text: object) -> str:
    """Repository text (a name, an area, a path) as a chart shows it: plotly reads a label, a legend entry
    and hover text as HTML of its own (``<b>``, ``<a href>``, ``<br>``, entities), so the text is escaped
    to show as written; the charts' own words and markup are not."""
    return html.escape(str(text), quote=False)


def short_label(text: object, width: int = LABEL_WIDTH) -> str:
    """``text`` cut to ``width`` characters, ending in "…" when cut."""
    return truncate(str(text), width - 1)


def _unique_short(names: Sequence[object], width: int = LABEL_WIDTH) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in names:
        text = short_label(name, width)
        if text in seen:
            seen[text] += 1
            text = f"{short_label(name, width - 3)}~{seen[text]}"
        seen.setdefault(text, 1)
        out.append(text)
    return out


def _height(rows: int, per_row: int = 24, base: int = 160, minimum: int = 320) -> int:
    return max(minimum, base + per_row * rows)


def _count_ticks(values: Iterable[float]) -> dict:
    """Axis settings for counts: whole numbers only (no 0.5 ticks when counts are small)."""
    top = max((float(v) for v in values), default=0)
    return dict(dtick=1, tick0=0) if top <= 8 else dict(tickformat=",d")


def _empty(title: str) -> go.Figure:
    return styled(go.Figure(), title=title)


def styled(fig: go.Figure, **layout) -> go.Figure:
    """``fig`` in the house style (white template, the CJK-capable font), with ``layout`` applied."""
    # the registered template object, not its name: plotly resolves a name by a deep copy per figure
    fig.update_layout(template=pio.templates["plotly_white"], font_family=FONT_FAMILY, **layout)
    return fig


def area_colors(frame: pd.DataFrame) -> dict[str, str]:
    """One color per area, stable for a frame: areas by total commits (then name) get the palette
    in order, cycling past its end; the "others" buckets are grey."""
    colors: dict[str, str] = {}
    if not frame.empty:
        counts = _by_area(frame).groupby("area")["cid"].nunique()
        for i, area in enumerate(_ranked(counts)):
            colors[area] = PALETTE[i % len(PALETTE)]
    for label in OTHERS_LABELS:
        colors.setdefault(label, OTHERS_COLOR)
    return colors


def _color(colors: Mapping[str, str], area: str) -> str:
    return colors.get(area, OTHERS_COLOR)


# ---------------------------------------------------------------- charts


def _author_rows(df: pd.DataFrame, keep: int, others: str, bot: bool) -> list[dict]:
    if df.empty:
        return []
    df = df.assign(author=df["author"].map(_author_name))
    agg = df.groupby("author").agg(
        commits=("author", "size"), added=("lines_added", "sum"), deleted=("lines_deleted", "sum")
    )
    order = sorted(
        agg.index, key=lambda a: (-agg.at[a, "commits"], -(agg.at[a, "added"] + agg.at[a, "deleted"]), str(a))
    )
    kept, rest = order[:keep], order[keep:]
    rows = [dict(name=str(a), bot=bot, **{k: int(agg.at[a, k]) for k in ("commits", "added", "deleted")}) for a in kept]
    if rest:
        folded = agg.loc[rest]
        rows.append(
            dict(
                name=f"{others} ({len(rest)})",
                bot=bot,
                commits=int(folded["commits"].sum()),
                added=int(folded["added"].sum()),
                deleted=int(folded["deleted"].sum()),
            )
        )
    return rows


def authors_chart(frame: pd.DataFrame, top: int = 12, bots: str = "apart", lang: str = "zh") -> go.Figure:
    """Commits and lines changed per author on the report days: the ``top`` authors (at most
    ``MAX_ROWS``), the rest folded into one "others (n)" bar. ``bots``: "apart" (a separate group of bars below the
    people), "hide" (left out) or "show" (ranked with the people)."""
    if bots not in ("apart", "hide", "show"):
        raise ValueError(f"bots must be apart, hide or show, not {bots!r}")
    L = chart_words(lang)
    df = report_rows(frame)
    if not df.empty and bots == "hide":
        df = df[~df["is_bot"].astype(bool)]
    if df.empty:
        return _empty(L["authors"])
    keep = max(1, min(int(top), MAX_ROWS))
    if bots == "apart":
        is_bot = df["is_bot"].astype(bool)
        rows = _author_rows(df[~is_bot], keep, L["others"], False) + _author_rows(
            df[is_bot], keep, L["other_bots"], True
        )
    else:
        rows = _author_rows(df, keep, L["others"], False)
    names = [label(n) for n in _unique_short([r["name"] for r in rows])]
    fig = make_subplots(rows=1, cols=2, shared_yaxes=True, horizontal_spacing=0.04, column_widths=[0.4, 0.6])
    for bot in (False, True):
        group = [(n, r) for n, r in zip(names, rows) if r["bot"] == bot]
        if not group:
            continue
        fig.add_trace(
            go.Bar(
                orientation="h",
                y=[n for n, _ in group],
                x=[r["commits"] for _, r in group],
                customdata=[label(r["name"]) for _, r in group],
                name=f"{L['commits']} ({L['bots']})" if bot else L["commits"],
                marker_color="#8c6bb1" if bot else "#4c78a8",
                hovertemplate="%{customdata}<br>%{x} " + L["commits"] + "<extra></extra>",
            ),
            row=1,
            col=1,
        )
    for key, color in (("added", "#54a24b"), ("deleted", "#e45756")):
        fig.add_trace(
            go.Bar(
                orientation="h",
                y=names,
                x=[r[key] for r in rows],
                customdata=[label(r["name"]) for r in rows],
                name=L[key],
                marker_color=color,
                hovertemplate="%{customdata}<br>%{x} " + L[key] + "<extra></extra>",
            ),
            row=1,
            col=2,
        )
    styled(
        fig,
        title=L["authors"],
        barmode="stack",
        height=_height(len(rows)),
        legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1.0, traceorder="normal"),
        margin=dict(l=10, r=10, t=90, b=50),
    )
    fig.update_yaxes(autorange="reversed", automargin=True, type="category")
    fig.update_yaxes(title_text=L["author"], row=1, col=1)
    fig.update_xaxes(title_text=L["commits"], row=1, col=1, **_count_ticks(r["commits"] for r in rows))
    fig.update_xaxes(title_text=L["lines"], row=1, col=2)
    return fig


def areas_chart(frame: pd.DataFrame, lang: str = "zh", *, colors: Mapping[str, str] | None = None) -> go.Figure:
    """Commits and lines changed per area on the report days, each commit once, in its primary area;
    beyond ``MAX_AREA_ROWS`` areas the rest fold into "others"."""
    L = chart_words(lang)
    colors = area_colors(frame) if colors is None else colors
    ex = _by_area(report_rows(frame)) if not frame.empty else pd.DataFrame()
    if ex.empty:
        return _empty(L["areas"])
    agg = ex.groupby("area").agg(commits=("cid", "nunique"), added=("added", "sum"), deleted=("deleted", "sum"))
    order = _ranked(agg["commits"])
    kept, rest = (
        (order, []) if len(order) <= MAX_AREA_ROWS else (order[: MAX_AREA_ROWS - 1], order[MAX_AREA_ROWS - 1 :])
    )
    rows = [(a, int(agg.at[a, "commits"]), int(agg.at[a, "added"]), int(agg.at[a, "deleted"])) for a in kept]
    if rest:
        folded = ex[ex["area"].isin(rest)]
        rows.append((L["others"], len(folded), int(folded["added"].sum()), int(folded["deleted"].sum())))
    names = [label(n) for n in _unique_short([r[0] for r in rows])]
    marker = [_color(colors, r[0]) for r in rows]
    full = [label(r[0]) if r[0] != L["others"] else f"{L['others']} ({len(rest)})" for r in rows]
    fig = make_subplots(rows=1, cols=2, shared_yaxes=True, horizontal_spacing=0.04)
    fig.add_trace(
        go.Bar(
            orientation="h",
            y=names,
            x=[r[1] for r in rows],
            marker_color=marker,
            customdata=full,
            name=L["commits"],
            showlegend=False,
            hovertemplate="%{customdata}<br>%{x} " + L["commits"] + "<extra></extra>",
        ),
        row=1,
        col=1,
    )
    fig.add_trace(
        go.Bar(
            orientation="h",
            y=names,
            x=[r[2] + r[3] for r in rows],
            marker_color=marker,
            customdata=[[f, r[2], r[3]] for f, r in zip(full, rows)],
            name=L["lines"],
            showlegend=False,
            hovertemplate="%{customdata[0]}<br>+%{customdata[1]} −%{customdata[2]}<extra></extra>",
        ),
        row=1,
        col=2,
    )
    styled(
        fig,
        title=dict(text=f"{L['areas']}<br><sup>{L['area_rule']}</sup>"),
        height=_height(len(rows)),
        margin=dict(l=10, r=10, t=80, b=50),
    )
    fig.update_yaxes(autorange="reversed", automargin=True, type="category")
    fig.update_yaxes(title_text=L["area"], row=1, col=1)
    fig.update_xaxes(title_text=L["commits"], row=1, col=1, **_count_ticks(r[1] for r in rows))
    fig.update_xaxes(title_text=L["lines"], row=1, col=2)
    return fig


def levels_chart(frame: pd.DataFrame, lang: str = "zh") -> go.Figure:
    """High / medium / low commits per repository on the report days, stacked."""
    L = chart_words(lang)
    df = report_rows(frame)
    if df.empty:
        return _empty(L["levels"])
    table = pd.crosstab(df["repo"].astype(str), df["level"].astype(str)).reindex(
        columns=list(LEVEL_COLORS), fill_value=0
    )
    order = sorted(table.index, key=lambda r: (-int(table.loc[r].sum()), r))
    if len(order) > MAX_REPOS:
        rest = order[MAX_REPOS - 1 :]
        table.loc[f"{L['others']} ({len(rest)})"] = table.loc[rest].sum()
        order = order[: MAX_REPOS - 1] + [f"{L['others']} ({len(rest)})"]
    table = table.loc[order]
    names = [label(n) for n in _unique_short(order)]
    fig = go.Figure()
    for level, color in LEVEL_COLORS.items():
        fig.add_trace(
            go.Bar(
                orientation="h",
                y=names,
                x=table[level].tolist(),
                name=L[level],
                marker_color=color,
                customdata=[label(r) for r in order],
                hovertemplate="%{customdata}<br>" + L[level] + ": %{x}<extra></extra>",
            )
        )
    styled(
        fig,
        title=L["levels"],
        barmode="stack",
        height=_height(len(order), base=180),
        xaxis_title=L["commits"],
        yaxis_title=L["repo"],
        legend_title_text=L["level"],
        legend_traceorder="normal",
        margin=dict(l=10, r=10, t=60, b=50),
    )
    fig.update_yaxes(autorange="reversed", automargin=True, type="category")
    fig.update_xaxes(**_count_ticks(table.sum(axis=1)))
    return fig


def _day_range(days: Iterable[str]) -> list[str]:
    parsed = sorted({date.fromisoformat(str(d)) for d in days})
    if not parsed:
        return []
    span = (parsed[-1] - parsed[0]).days
    return [(parsed[0] + timedelta(days=i)).isoformat() for i in range(span + 1)]


def _spans(days: Sequence[str]) -> list[tuple[str, str]]:
    """Consecutive runs of days, as (first, last)."""
    spans: list[list[date]] = []
    for d in sorted({date.fromisoformat(x) for x in days}):
        if spans and (d - spans[-1][1]).days == 1:
            spans[-1][1] = d
        else:
            spans.append([d, d])
    return [(a.isoformat(), b.isoformat()) for a, b in spans]


def area_trend_chart(
    frame: pd.DataFrame,
    lang: str = "zh",
    *,
    colors: Mapping[str, str] | None = None,
    days: Sequence[str] | None = None,
    report_days: Sequence[str] | None = None,
) -> go.Figure:
    """Commits per day by area over the whole frame (stacked bars), every calendar day from the
    first to the last shown (days without commits as 0), the report days shaded.
    ``days`` / ``report_days`` widen the window or name the report days when the frame alone
    cannot tell (e.g. a report day without commits)."""
    L = chart_words(lang)
    colors = area_colors(frame) if colors is None else colors
    if frame.empty:
        return _empty(L["area-trend"])
    if report_days is None:
        report_days = sorted(set(report_rows(frame)["day"].astype(str)))
    all_days = _day_range([*frame["day"].astype(str), *(days or ()), *report_days])
    ex = _by_area(frame)
    counts = ex.groupby("area")["cid"].nunique()
    order = _ranked(counts)
    if len(order) > MAX_TREND_AREAS:
        rest = set(order[MAX_TREND_AREAS - 1 :])
        ex["area"] = ex["area"].where(~ex["area"].isin(rest), L["others"])
        order = order[: MAX_TREND_AREAS - 1] + [L["others"]]
    table = (
        ex.groupby(["day", "area"]).size().unstack(fill_value=0).reindex(index=all_days, columns=order, fill_value=0)
    )
    fig = go.Figure()
    for area in order:
        # An explicit width (in ms on a date axis): with a single day plotly would draw hairlines.
        fig.add_trace(
            go.Bar(
                x=all_days,
                y=table[area].astype(int).tolist(),
                name=label(short_label(area)),
                marker_color=_color(colors, area),
                width=0.8 * 86_400_000,
                # the name as data, never as part of the template: "%{...}" in a name stays text
                customdata=[label(area)] * len(all_days),
                hovertemplate="%{customdata}<br>%{x|%Y-%m-%d}: %{y}<extra></extra>",
            )
        )
    for first, last in _spans([d for d in report_days if d in set(all_days)]):
        x0 = pd.Timestamp(first) - pd.Timedelta(hours=12)
        x1 = pd.Timestamp(last) + pd.Timedelta(hours=12)
        fig.add_vrect(
            x0=x0,
            x1=x1,
            fillcolor="#ffd54f",
            opacity=0.25,
            layer="below",
            line_width=0,
            annotation_text=L["report_day"],
            annotation_position="top left",
        )
    styled(
        fig,
        title=dict(text=f"{L['area-trend']}<br><sup>{L['area_rule']}</sup>"),
        barmode="stack",
        height=440,
        xaxis_title=L["day"],
        yaxis_title=L["commits"],
        legend_title_text=L["area"],
        margin=dict(l=10, r=10, t=80, b=50),
    )
    fig.update_xaxes(type="date", tickformat="%m-%d", dtick=86400000 if len(all_days) <= 21 else None)
    fig.update_yaxes(**_count_ticks(table.sum(axis=1)))
    return fig


def author_area_heatmap(frame: pd.DataFrame, top: int = 20, lang: str = "zh", *, bots: str = "show") -> go.Figure:
    """Commits per author (rows, the ``top`` authors, at most ``MAX_ROWS``, + others) and area (columns, the first
    ``MAX_HEATMAP_AREAS`` + others) over the whole frame, each commit in its primary area. ``bots="hide"``
    leaves bots out."""
    L = chart_words(lang)
    df = frame if frame.empty or bots != "hide" else frame[~frame["is_bot"].astype(bool)]
    ex = _by_area(df) if not df.empty else pd.DataFrame()
    if ex.empty:
        return _empty(L["author-area"])
    keep = max(1, min(int(top), MAX_ROWS))
    authors = _ranked(ex.groupby("author")["cid"].nunique())
    if len(authors) > keep:
        rest = set(authors[keep:])
        others = f"{L['others']} ({len(rest)})"
        ex["author"] = ex["author"].where(~ex["author"].isin(rest), others)
        authors = authors[:keep] + [others]
    areas = _ranked(ex.groupby("area")["cid"].nunique())
    if len(areas) > MAX_HEATMAP_AREAS:
        rest = set(areas[MAX_HEATMAP_AREAS - 1 :])
        ex["area"] = ex["area"].where(~ex["area"].isin(rest), L["others"])
        areas = areas[: MAX_HEATMAP_AREAS - 1] + [L["others"]]
    table = (
        ex.groupby(["author", "area"])["cid"]
        .nunique()
        .unstack(fill_value=0)
        .reindex(index=authors, columns=areas, fill_value=0)
    )
    z = table.to_numpy().tolist()
    # the "others" row/column would dwarf every named cell: scale the colors on named cells
    named = table.drop(index=[a for a in authors if a not in set(frame["author"])], errors="ignore")
    named = named.drop(columns=[L["others"]] if len(areas) > 1 and areas[-1] == L["others"] else [], errors="ignore")
    zmax = max(1, int(named.to_numpy().max())) if named.size else None
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[label(a) for a in _unique_short(areas, 20)],
            y=[label(a) for a in _unique_short(authors)],
            colorscale="Blues",
            zmin=0,
            zmax=zmax,
            text=[[str(v) if v else "" for v in row] for row in z],
            texttemplate="%{text}" if table.size <= 600 else None,
            customdata=[[[label(a), label(b)] for b in areas] for a in authors],
            colorbar_title_text=L["commits"],
            hovertemplate="%{customdata[0]} × %{customdata[1]}: %{z}<extra></extra>",
            xgap=1,
            ygap=1,
        )
    )
    width = max(700, 260 + 48 * len(areas))
    styled(
        fig,
        title=dict(text=f"{L['author-area']}<br><sup>{L['area_rule']}</sup>"),
        height=_height(len(authors), base=220),
        width=width if len(areas) > 10 else None,
        xaxis_title=L["area"],
        yaxis_title=L["author"],
        margin=dict(l=10, r=10, t=60, b=60),
    )
    fig.update_xaxes(type="category", tickangle=-40, automargin=True, side="bottom")
    fig.update_yaxes(type="category", autorange="reversed", automargin=True)
    return fig


def report_charts(frame: pd.DataFrame, charts_cfg=None, lang: str = "zh") -> list[tuple[str, go.Figure]]:
    """The report's charts as (name, figure), in ``CHART_NAMES`` order, leaving out charts with
    nothing to show. ``charts_cfg`` is a ``config.ChartsConfig`` (defaults when None)."""
    from ..config import ChartsConfig

    cfg = charts_cfg or ChartsConfig()
    colors = area_colors(frame)
    figures = [
        ("authors", authors_chart(frame, cfg.top_authors, cfg.bots, lang)),
        ("areas", areas_chart(frame, lang, colors=colors)),
        ("levels", levels_chart(frame, lang)),
        ("area-trend", area_trend_chart(frame, lang, colors=colors)),
        (
            "author-area",
            author_area_heatmap(frame, cfg.top_authors, lang, bots="hide" if cfg.bots == "hide" else "show"),
        ),
    ]
    return [(name, fig) for name, fig in figures if len(fig.data)]
