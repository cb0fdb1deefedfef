"""The rollup's two charts: commits per day by area, and levels per day, over the period's days.

Plain functions of the commit frame (its ``in_report`` rows: the period) returning plotly figures; a
day without commits is drawn as 0. Areas keep the colors of :func:`~.daily_charts.area_colors`.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go

from ..frame import report_rows
from ..i18n import strings
from .daily_charts import LEVEL_COLORS, area_trend_chart, chart_words, styled

CHART_NAMES = ("area-days", "level-days")


def area_days_chart(frame: pd.DataFrame, days: Sequence[str], lang: str = "zh") -> go.Figure:
    """Commits per day of the period by area, stacked (the daily report's trend chart over the period
    alone, every day of ``days`` on the axis, none shaded)."""
    fig = area_trend_chart(report_rows(frame), lang, days=list(days), report_days=[])
    title = str(fig.layout.title.text or "")  # the trend chart's title, and its note on how areas count
    return fig.update_layout(
        title_text=title.replace(chart_words(lang)["area-trend"], strings(lang)["rollup"]["chart_areas"], 1)
    )


def level_days_chart(frame: pd.DataFrame, days: Sequence[str], lang: str = "zh") -> go.Figure:
    """Commits per day of the period by final level, stacked, highest level at the bottom."""
    L = chart_words(lang)
    shown = report_rows(frame)
    table = (
        pd.crosstab(shown["day"].astype(str), shown["level"].astype(str))
        .reindex(index=list(days), columns=list(LEVEL_COLORS), fill_value=0)
        .fillna(0)
        .astype(int)
    )
    fig = go.Figure()
    for level, color in LEVEL_COLORS.items():
        fig.add_trace(
            go.Bar(
                x=list(days),
                y=table[level].tolist(),
                name=L[level],
                marker_color=color,
                width=0.8 * 86_400_000,
                hovertemplate="%{x|%Y-%m-%d}<br>" + L[level] + ": %{y}<extra></extra>",
            )
        )
    styled(
        fig,
        title=strings(lang)["rollup"]["chart_levels"],
        barmode="stack",
        height=400,
        xaxis_title=L["day"],
        yaxis_title=L["commits"],
        legend_title_text=L["level"],
        legend_traceorder="normal",
        margin=dict(l=10, r=10, t=60, b=50),
    )
    fig.update_xaxes(type="date", tickformat="%m-%d", dtick=86400000 if len(days) <= 21 else None)
    top = int(table.sum(axis=1).max()) if len(table) else 0
    fig.update_yaxes(**(dict(dtick=1, tick0=0) if top <= 8 else dict(tickformat=",d")))
    return fig


def rollup_chart_titles(lang: str) -> dict[str, str]:
    """Chart name -> title, in ``lang``."""
    words = strings(lang)["rollup"]
    return {"area-days": words["chart_areas"], "level-days": words["chart_levels"]}


def rollup_charts(frame: pd.DataFrame, days: Sequence[str], lang: str = "zh") -> list[tuple[str, go.Figure]]:
    """The rollup's charts as (name, figure), in ``CHART_NAMES`` order; none when the period has no commit."""
    if not len(report_rows(frame)):
        return []
    return [("area-days", area_days_chart(frame, days, lang)), ("level-days", level_days_chart(frame, days, lang))]
