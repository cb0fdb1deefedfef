"""Charts of the commit frame: plotly figures (:mod:`.figures`), their output as HTML, PNG and the
report's Markdown section (:mod:`.export`), and their wording (:mod:`.labels`).

Names load on first use: importing :mod:`repodigest.charts.export` to start the browser early must
not wait for pandas and plotly.
"""

from ..lazy import lazy_exports

_FIGURES = ("CHART_NAMES", "LABEL_WIDTH", "LEVEL_COLORS", "MAX_AREA_ROWS", "MAX_HEATMAP_AREAS", "MAX_REPOS",
            "MAX_ROWS", "MAX_TREND_AREAS", "OTHERS_COLOR", "PALETTE", "area_colors", "area_trend_chart",
            "areas_chart", "author_area_heatmap", "authors_chart", "levels_chart", "report_charts", "short_label")
_EXPORT = ("chart_title", "charts_markdown", "export_images", "figures_html", "start_browser")
_LAZY = {**{name: "figures" for name in _FIGURES}, **{name: "export" for name in _EXPORT},
         "labels": "labels", "OTHERS_LABELS": "labels"}
__all__ = list(_LAZY)

__getattr__ = lazy_exports(__name__, _LAZY, globals())
