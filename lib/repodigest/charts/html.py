"""Figures as HTML fragments that draw offline: in the report's HTML, in notebooks, in exported notebooks."""

from __future__ import annotations

import html
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import plotly.graph_objects as go


def named(figures) -> list[tuple[str, go.Figure]]:
    """``figures`` as (name, figure) pairs; a bare figure is named by its place (1, 2, ...)."""
    out = []
    for i, item in enumerate(figures):
        name, fig = item if isinstance(item, tuple) else (f"{i + 1}", item)
        out.append((str(name), fig))
    return out


def figure_html(fig: go.Figure, include_plotlyjs: bool, div_id: str | None = None) -> str:
    """One figure as an HTML fragment that draws offline (plotly.js inlined when ``include_plotlyjs``)."""
    return fig.to_html(
        full_html=False,
        include_plotlyjs=include_plotlyjs,
        include_mathjax=False,
        div_id=div_id,
        config={"displaylogo": False, "responsive": True},
    )


def figures_html(figures: Sequence[go.Figure] | Sequence[tuple[str, go.Figure]]) -> str:
    """An HTML fragment with every figure, each in its own div; plotly.js is inlined once (with
    the first figure), so the fragment works offline, e.g. as a notebook output exported to HTML."""
    parts = []
    for i, (name, fig) in enumerate(named(figures)):
        div_id = f"chart-{name}-{uuid.uuid4().hex[:8]}"
        body = figure_html(fig, include_plotlyjs=(i == 0), div_id=div_id)
        parts.append(f'<div class="repodigest-chart" data-chart="{html.escape(name)}">{body}</div>')
    return '<div class="repodigest-charts">\n' + "\n".join(parts) + "\n</div>" if parts else ""
