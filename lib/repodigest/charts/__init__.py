"""Plotly figures: the daily report's charts of the commit frame (:mod:`.daily_charts`), the figures of the
history analyses (:mod:`.history`), and figures as HTML (:mod:`.html`).

Names load on first use, so that importing the package does not wait for pandas and plotly.
"""

from ..lazy import lazy_exports

_CHARTS = (
    "CHART_NAMES",
    "LABEL_WIDTH",
    "LEVEL_COLORS",
    "MAX_AREA_ROWS",
    "MAX_HEATMAP_AREAS",
    "MAX_REPOS",
    "MAX_ROWS",
    "MAX_TREND_AREAS",
    "OTHERS_COLOR",
    "OTHERS_LABELS",
    "PALETTE",
    "area_colors",
    "area_trend_chart",
    "areas_chart",
    "author_area_heatmap",
    "authors_chart",
    "chart_words",
    "levels_chart",
    "report_charts",
    "short_label",
    "styled",
)
_HTML = ("figure_html", "figures_html")
_LAZY = {**{name: "daily_charts" for name in _CHARTS}, **{name: "html" for name in _HTML}}
__all__ = list(_LAZY)

__getattr__ = lazy_exports(__name__, _LAZY, globals())
