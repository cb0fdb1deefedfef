"""Plotly figures of the history analyses (repodigest.analytics): each takes the table an analysis
returned (never the frames), and ``lang`` for its words (English unless asked)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from ..i18n import strings
from ..textcut import truncate
from .daily_charts import LEVEL_COLORS, PALETTE, label, short_label, styled

LABEL_WIDTH = 48


def _figure(title: str, rows: int = 0, **layout) -> go.Figure:
    layout.setdefault("height", max(360, 140 + 24 * rows) if rows else 420)
    layout["margin"] = dict(l=10, r=10, t=60, b=40) | layout.get("margin", {})
    return styled(go.Figure(), title=title, **layout)


def _names(table: pd.DataFrame, column: str) -> list[str]:
    """Labels of ``column`` (:func:`~repodigest.charts.daily_charts.label`), prefixed by the repository when
    the table holds several; a long path keeps its end (the file's name) and loses its start."""
    several = table["repo"].nunique() > 1 if "repo" in table else False
    names = [truncate(str(name), LABEL_WIDTH - 1, keep_end=True) for name in table[column]]
    return [
        label(f"{short_label(repo, 20)}: {name}" if several else name)
        for repo, name in zip(table["repo"] if several else [None] * len(table), names)
    ]


def hotspots_figure(table: pd.DataFrame, top: int = 20, lang: str = "en") -> go.Figure:
    """Bars of revisions for the ``top`` hotspots (:func:`~repodigest.analytics.hotspots`), colored by churn."""
    entity = "path" if "path" in table else "area"
    rows = table.head(top).iloc[::-1]
    w = strings(lang)["history"]
    fig = _figure(w["hotspots"].format(entity=w[entity]), len(rows))
    fig.add_bar(
        y=_names(rows, entity),
        x=rows["revisions"],
        orientation="h",
        marker=dict(color=rows["churn"], colorscale="OrRd", showscale=True, colorbar=dict(title=w["churn_axis"])),
        customdata=rows[["churn", "authors", "score"]].to_numpy(),
        hovertemplate=f"%{{y}}<br>{w['revisions']} %{{x}}<br>{w['churn_axis']} %{{customdata[0]}}<br>"
        f"{w['authors_word']} %{{customdata[1]}}<br>{w['score']} %{{customdata[2]}}<extra></extra>",
    )
    fig.update_xaxes(title=w["revisions"])
    return fig


def coupling_figure(table: pd.DataFrame, top: int = 20, lang: str = "en") -> go.Figure:
    """Bars of coupling degree for the ``top`` pairs (:func:`~repodigest.analytics.coupling`)."""
    entity = "path" if "path" in table else "area"
    rows = table.head(top).iloc[::-1]
    w = strings(lang)["history"]
    fig = _figure(w["coupling"].format(entity=w[entity]), len(rows))
    labels = [f"{a} ↔ {b}" for a, b in zip(_names(rows, entity), _names(rows, f"coupled_{entity}"))]
    fig.add_bar(
        y=labels,
        x=rows["degree"],
        orientation="h",
        marker_color=PALETTE[0],
        customdata=rows[["shared_revs", "average_revs"]].to_numpy(),
        hovertemplate=f"%{{y}}<br>{w['degree']} %{{x}}<br>{w['shared']} %{{customdata[0]}}, "
        f"{w['average_revs']} %{{customdata[1]}}<extra></extra>",
    )
    fig.update_xaxes(title=w["degree"], range=[0, 100])
    return fig


def churn_figure(table: pd.DataFrame, top: int = 8, lang: str = "en") -> go.Figure:
    """Stacked bars of churn per period (:func:`~repodigest.analytics.churn`): the ``top`` areas or
    authors by total churn, the rest as "others"."""
    entity = "area" if "area" in table else "author"
    w = strings(lang)["history"]
    fig = _figure(w["churn"].format(entity=w[entity]), barmode="stack")
    if table.empty:
        return fig
    leaders = table.groupby(entity)["churn"].sum().sort_values(ascending=False).index[:top]
    data = table.assign(series=table[entity].where(table[entity].isin(leaders), w["others"]))
    data = data.groupby(["period", "series"], as_index=False)["churn"].sum()
    for i, name in enumerate([*leaders, w["others"]]):
        part = data[data["series"] == name]
        if len(part):
            fig.add_bar(
                x=part["period"],
                y=part["churn"],
                name=label(short_label(name, 28)),
                marker_color="#9e9e9e" if name == w["others"] else PALETTE[i % len(PALETTE)],
            )
    fig.update_yaxes(title=w["lines"])
    return fig


def new_contributors_figure(table: pd.DataFrame, lang: str = "en") -> go.Figure:
    """Bars of new contributors and a line of active ones per period
    (:func:`~repodigest.analytics.new_contributors`)."""
    w = strings(lang)["history"]
    fig = _figure(w["contributors"])
    fig.add_bar(
        x=table["period"],
        y=table["new"],
        name=w["new"],
        marker_color=PALETTE[2],
        customdata=[label(", ".join(names[:10])) for names in table["new_contributors"]],
        hovertemplate=f"%{{x}}: %{{y}} {w['new']}<br>%{{customdata}}<extra></extra>",
    )
    fig.add_scatter(x=table["period"], y=table["active"], name=w["active"], mode="lines+markers", line_color=PALETTE[0])
    fig.update_yaxes(title=w["contributors_axis"], rangemode="tozero")
    return fig


def absence_factor_figure(table: pd.DataFrame, top: int = 25, lang: str = "en") -> go.Figure:
    """Bars of the contributor absence factor of the ``top`` areas by commits
    (:func:`~repodigest.analytics.absence_factor`); 1 means one person made half of the commits."""
    entity = "area" if "area" in table else "repo"
    rows = table.head(top).iloc[::-1]
    w = strings(lang)["history"]
    fig = _figure(w["absence"], len(rows))
    fig.add_bar(
        y=_names(rows, entity) if entity == "area" else [label(r) for r in rows["repo"]],
        x=rows["absence_factor"],
        orientation="h",
        marker_color=[PALETTE[1] if v == 1 else PALETTE[0] for v in rows["absence_factor"]],
        customdata=[[c, label(", ".join(t[:5]))] for c, t in zip(rows["commits"], rows["top"])],
        hovertemplate=f"%{{y}}: %{{x}}<br>%{{customdata[0]}} {w['commits']}<br>%{{customdata[1]}}<extra></extra>",
    )
    fig.update_xaxes(title=w["contributors_axis"], dtick=1, rangemode="tozero")
    return fig


def activity_figure(table: pd.DataFrame, lang: str = "en") -> go.Figure:
    """Heatmap of commits by weekday and hour (:func:`~repodigest.analytics.activity`)."""
    w = strings(lang)["history"]
    fig = _figure(w["activity"], height=360)
    fig.add_heatmap(
        z=table.to_numpy(),
        x=[f"{h:02d}" for h in table.columns],
        y=list(table.index),
        colorscale="Blues",
        hovertemplate=f"%{{y}} %{{x}}:00: %{{z}} {w['commits']}<extra></extra>",
    )
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title=w["hour"])
    return fig


def rates_figure(table: pd.DataFrame, top: int = 6, rate: str = "fix_rate", lang: str = "en") -> go.Figure:
    """Lines of ``rate`` (fix_rate or revert_rate) per period for the ``top`` areas by commits
    (:func:`~repodigest.analytics.fix_revert_rates`)."""
    entity = "area" if "area" in table else "repo"
    w = strings(lang)["history"]
    fig = _figure(w["rates"].format(rate=w[rate], entity=w[entity]))
    if table.empty:
        return fig
    leaders = table.groupby(entity)["commits"].sum().sort_values(ascending=False).index[:top]
    for i, name in enumerate(leaders):
        part = table[table[entity] == name].groupby("period")[["commits", "fixes", "reverts"]].sum()
        counted = part["fixes" if rate == "fix_rate" else "reverts"]
        fig.add_scatter(
            x=part.index,
            y=counted / part["commits"],
            name=label(short_label(name, 28)),
            mode="lines+markers",
            line_color=PALETTE[i % len(PALETTE)],
        )
    fig.update_yaxes(title=w[rate], tickformat=".0%", rangemode="tozero")
    return fig


def track_record_figure(table: pd.DataFrame, lang: str = "en", days: int = 90) -> go.Figure:
    """Bars of the share later fixed or reverted per group (the table's columns before ``commits``: a
    level is worded and colored as a level) with their 95% Wilson intervals as error bars
    (:func:`~repodigest.analytics.track_record`)."""
    w, words = strings(lang)["history"], strings(lang)
    keys = list(table.columns[: table.columns.get_loc("commits")])
    fig = _figure(f"{w['track_record'].format(days=days)}<br><sup>{w['track_record_note']}</sup>", margin=dict(t=80))
    if table.empty:
        return fig
    level = next((k for k in keys if table[k].isin(list(LEVEL_COLORS)).all()), None)
    names = [
        " · ".join(words[f"level_word_{v}"] if k == level else label(v) for k, v in zip(keys, row))
        for row in table[keys].itertuples(index=False)
    ]
    counts = [f"{k}/{n}" for k, n in zip(table["went_wrong"], table["commits"])]
    share = table["share"].fillna(0)
    fig.add_bar(
        x=[f"{name}<br>{count}" for name, count in zip(names, counts)],
        y=share,
        marker_color=[LEVEL_COLORS[v] for v in table[level]] if level else PALETTE[0],
        error_y=dict(
            type="data",
            symmetric=False,
            array=(table["ci_high"] - share).fillna(0),
            arrayminus=(share - table["ci_low"]).fillna(0),
            color="#444",
        ),
        customdata=table[["ci_low", "ci_high", "open"]].to_numpy(),
        hovertemplate=f"%{{x}}: %{{y:.1%}}<br>{w['interval']} %{{customdata[0]:.1%}} – "
        f"%{{customdata[1]:.1%}}<br>{w['open']}: %{{customdata[2]}}<extra></extra>",
    )
    fig.update_yaxes(title=w["went_wrong_axis"], tickformat=".0%", rangemode="tozero")
    fig.update_xaxes(title=" · ".join(w["level"] if k == level else w.get(k, k) for k in keys))
    return fig


def calibration_figure(table: pd.DataFrame, lang: str = "en") -> go.Figure:
    """Observed share later fixed or reverted against the mean predicted risk per group of commits, with
    95% Wilson intervals, and the diagonal a calibrated model follows
    (:func:`~repodigest.analytics.calibration`)."""
    w = strings(lang)["history"]
    fig = _figure(w["calibration"])
    if table.empty:
        return fig
    top = float(max(table["predicted"].max(), table["ci_high"].max()))
    fig.add_scatter(x=[0, top], y=[0, top], mode="lines", name=w["perfect"], line=dict(color="#9e9e9e", dash="dash"))
    fig.add_scatter(
        x=table["predicted"],
        y=table["observed"],
        mode="markers+lines",
        name=w["observed"],
        marker=dict(color=PALETTE[0], size=9),
        line_color=PALETTE[0],
        error_y=dict(
            type="data",
            symmetric=False,
            array=table["ci_high"] - table["observed"],
            arrayminus=table["observed"] - table["ci_low"],
        ),
        customdata=table[["commits", "went_wrong"]].to_numpy(),
        hovertemplate=f"{w['predicted']} %{{x:.1%}}<br>{w['observed']} %{{y:.1%}} "
        f"(%{{customdata[1]}}/%{{customdata[0]}} {w['commits']})<extra></extra>",
    )
    fig.update_xaxes(title=w["predicted"], tickformat=".0%", rangemode="tozero")
    fig.update_yaxes(title=w["observed"], tickformat=".0%", rangemode="tozero")
    return fig


def survival_figure(table: pd.DataFrame, level: str = "cohort", top: int = 8, lang: str = "en") -> go.Figure:
    """Stacked areas of lines alive per sample date (:func:`~repodigest.analytics.survival`): one area per
    cohort (``level="cohort"``), or per author or area of a breakdown, the ``top`` largest at the last
    sample and the rest as "others"."""
    w = strings(lang)["history"]
    fig = _figure(w["survival"].format(entity=w[level]))
    series = table if table.columns.nlevels == 1 else table.T.groupby(level=level).sum().T
    if level != "cohort" and len(series.columns) > top:
        leaders = series.iloc[-1].sort_values(ascending=False, kind="stable").index[:top]
        series = series[leaders].assign(**{w["others"]: series.drop(columns=leaders).sum(axis=1)})
    for i, name in enumerate(series.columns):
        fig.add_scatter(
            x=series.index,
            y=series[name],
            name=short_label(str(name), 28),
            mode="lines",
            stackgroup="one",
            line=dict(width=0.5, color="#9e9e9e" if name == w["others"] else PALETTE[i % len(PALETTE)]),
            hovertemplate=f"%{{x|%Y-%m-%d}}: %{{y}} {w['lines']}<extra>{short_label(str(name), 28)}</extra>",
        )
    fig.update_yaxes(title=w["lines_alive"], rangemode="tozero")
    return fig
