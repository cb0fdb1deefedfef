"""Charts from small frames built here with the columns of ``frame.COLUMNS``."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from repodigest import charts
from repodigest.charts.history import churn_figure, hotspots_figure
from repodigest.config import ChartsConfig
from repodigest.errors import UserError
from repodigest.frame import COLUMNS


def make_frame(rows: list[dict]) -> pd.DataFrame:
    """A frame with every column of ``COLUMNS``; rows give what a test needs, the rest defaults."""
    out = []
    for i, row in enumerate(rows):
        full = {name: None for name in COLUMNS}
        full.update(
            repo="o/r",
            sha=f"{i:040x}",
            day="2026-02-16",
            in_report=True,
            author="alice",
            areas=["core"],
            level="low",
            lines_added=10,
            lines_deleted=2,
            is_bot=False,
        )
        full.update(row)
        full["primary_area"] = full["areas"][0] if len(full["areas"]) else "root"
        out.append(full)
    frame = pd.DataFrame(out, columns=list(COLUMNS))
    for name in ("in_report", "is_bot"):
        frame[name] = frame[name].astype(bool)
    for name in ("lines_added", "lines_deleted"):
        frame[name] = frame[name].astype("int64")
    return frame


@pytest.fixture
def small():
    return make_frame(
        [
            dict(author="alice", areas=["core", "docs"], level="high", lines_added=100, lines_deleted=20),
            dict(author="alice", areas=["core"], level="medium"),
            dict(author="bob", areas=["docs"], level="low", repo="o/other"),
            dict(author="dependabot[bot]", areas=["deps"], is_bot=True, level="low"),
            dict(author="carol", areas=["core"], day="2026-02-13", in_report=False),
            dict(author="carol", areas=["tests"], day="2026-02-14", in_report=False),
        ]
    )


def _axis_title(fig, axis):
    return fig.layout[axis].title.text


def test_authors_chart_titles_axes_and_traces(small):
    fig = charts.authors_chart(small, top=12, bots="apart", lang="en")
    assert fig.layout.title.text == "Authors: commits and lines changed"
    assert _axis_title(fig, "xaxis") == "commits" and _axis_title(fig, "xaxis2") == "lines changed"
    assert _axis_title(fig, "yaxis") == "author"
    # people commits, bot commits, lines added, lines deleted
    assert [t.name for t in fig.data] == ["commits", "commits (bots)", "lines added", "lines deleted"]
    people, bots = fig.data[0], fig.data[1]
    assert list(people.y) == ["alice", "bob"] and list(people.x) == [2, 1]  # report days only: no carol
    assert list(bots.y) == ["dependabot[bot]"]
    added = dict(zip(fig.data[2].y, fig.data[2].x))
    assert added["alice"] == 110


def test_authors_chart_bots_hide_and_show(small):
    hidden = charts.authors_chart(small, bots="hide", lang="en")
    assert len(hidden.data) == 3
    assert "dependabot[bot]" not in set(hidden.data[0].y)
    shown = charts.authors_chart(small, bots="show", lang="en")
    assert len(shown.data) == 3 and "dependabot[bot]" in set(shown.data[0].y)
    with pytest.raises(ValueError):
        charts.authors_chart(small, bots="maybe")


def test_authors_chart_folds_200_authors_into_others():
    frame = make_frame(
        [dict(author=f"author {i:03d} " + "x" * 40, lines_added=i) for i in range(200)]
        + [dict(author="author 000 " + "x" * 40)]
    )
    fig = charts.authors_chart(frame, top=12, lang="zh")
    labels = list(fig.data[0].y)
    assert len(labels) == 13  # the top 12 and "others"
    assert labels[0].startswith("author 000") and labels[0].endswith("…") and len(labels[0]) == charts.LABEL_WIDTH
    assert labels[-1] == "其他 (188)"
    assert fig.data[0].x[-1] == 188
    assert fig.layout.height >= 12 * 20
    # a huge top is capped
    big = charts.authors_chart(frame, top=200, lang="zh")
    assert len(big.data[0].y) == charts.MAX_ROWS + 1
    assert big.layout.height > fig.layout.height


def test_zh_and_en_labels(small):
    zh, en = charts.levels_chart(small, "zh"), charts.levels_chart(small, "en")
    assert zh.layout.title.text == "各仓库的重要度分布" and en.layout.title.text == "Importance by repository"
    assert [t.name for t in zh.data] == ["高", "中", "低"]
    assert [t.name for t in en.data] == ["high", "medium", "low"]
    assert zh.layout.xaxis.title.text == "提交数" and zh.layout.yaxis.title.text == "仓库"
    with pytest.raises(UserError, match="unknown language 'fr'"):
        charts.levels_chart(small, "fr")


def test_levels_chart_stacks_per_repo(small):
    fig = charts.levels_chart(small, "en")
    assert fig.layout.barmode == "stack"
    high = dict(zip(fig.data[0].y, fig.data[0].x))
    low = dict(zip(fig.data[2].y, fig.data[2].x))
    assert high == {"o/r": 1, "o/other": 0} and low == {"o/r": 1, "o/other": 1}


def test_areas_chart_counts_a_commit_once_in_its_primary_area(small):
    fig = charts.areas_chart(small, "en")
    assert len(fig.data) == 2
    commits = dict(zip(fig.data[0].y, fig.data[0].x))
    assert commits == {"core": 2, "docs": 1, "deps": 1}  # report days only; alice's core+docs commit in core
    assert sum(commits.values()) == int(small["in_report"].sum())
    lines = dict(zip(fig.data[1].y, fig.data[1].x))
    assert lines["core"] == 120 + 12 and lines["docs"] == 12
    assert fig.layout.title.text.endswith("<sup>each commit counts once, in its primary area</sup>")
    assert fig.layout.xaxis.title.text == "commits" and fig.layout.xaxis2.title.text == "lines changed"


def test_area_colors_stable_and_shared_across_charts(small):
    colors = charts.area_colors(small)
    assert colors == charts.area_colors(small.iloc[::-1].reset_index(drop=True))
    # core has the most commits, so the first palette color
    assert colors["core"] == charts.PALETTE[0]
    assert colors["others"] == colors["其他"] == charts.OTHERS_COLOR
    areas = charts.areas_chart(small, "en")
    bar_colors = dict(zip(areas.data[0].y, areas.data[0].marker.color))
    trend = charts.area_trend_chart(small, "en")
    trend_colors = {t.name: t.marker.color for t in trend.data}
    for area, color in bar_colors.items():
        assert color == colors[area] == trend_colors[area]


def test_area_colors_cycle_past_palette():
    frame = make_frame([dict(areas=[f"a{i:03d}"]) for i in range(len(charts.PALETTE) + 3)])
    colors = charts.area_colors(frame)
    assert colors["a000"] == colors[f"a{len(charts.PALETTE):03d}"] == charts.PALETTE[0]
    assert charts.OTHERS_COLOR not in {colors[f"a{i:03d}"] for i in range(len(charts.PALETTE) + 3)}


def test_60_areas_are_capped_everywhere():
    frame = make_frame(
        [
            dict(areas=[f"area-{i:02d}-" + "y" * 40], author=f"dev{i % 7}", day=f"2026-02-{10 + i % 7:02d}")
            for i in range(60)
        ]
    )
    areas = charts.areas_chart(frame, "en")
    assert len(areas.data[0].y) == charts.MAX_AREA_ROWS
    assert areas.data[0].y[-1] == "others"
    assert all(len(label) <= charts.LABEL_WIDTH for label in areas.data[0].y)
    trend = charts.area_trend_chart(frame, "en")
    assert len(trend.data) == charts.MAX_TREND_AREAS and trend.data[-1].name == "others"
    heat = charts.author_area_heatmap(frame, top=5, lang="en")
    assert len(heat.data[0].x) == charts.MAX_HEATMAP_AREAS and heat.data[0].x[-1] == "others"
    assert len(heat.data[0].y) == 6 and heat.data[0].y[-1] == "others (2)"


def test_trend_fills_empty_days_and_marks_report_day(small):
    fig = charts.area_trend_chart(small, "en")
    assert fig.layout.title.text.startswith("Commits per day by area")
    assert fig.layout.xaxis.title.text == "day" and fig.layout.yaxis.title.text == "commits"
    days = list(fig.data[0].x)
    assert days == ["2026-02-13", "2026-02-14", "2026-02-15", "2026-02-16"]
    for trace in fig.data:  # nobody committed on the 15th
        assert dict(zip(trace.x, trace.y))["2026-02-15"] == 0
    core = next(t for t in fig.data if t.name == "core")
    assert dict(zip(core.x, core.y)) == {"2026-02-13": 1, "2026-02-14": 0, "2026-02-15": 0, "2026-02-16": 2}
    shapes = [s for s in fig.layout.shapes if s.type == "rect"]
    assert len(shapes) == 1
    assert str(shapes[0].x0).startswith("2026-02-15 12:00") and str(shapes[0].x1).startswith("2026-02-16 12:00")
    assert any(a.text == "report day" for a in fig.layout.annotations)


def test_trend_window_and_report_day_without_commits(small):
    fig = charts.area_trend_chart(small, "zh", days=["2026-02-10"], report_days=["2026-02-17"])
    assert fig.data[0].x[0] == "2026-02-10" and fig.data[0].x[-1] == "2026-02-17"
    assert any(a.text == "报告日" for a in fig.layout.annotations)


def test_heatmap_counts_whole_window(small):
    fig = charts.author_area_heatmap(small, top=10, lang="en")
    heat = fig.data[0]
    cell = {(a, b): heat.z[i][j] for i, a in enumerate(heat.y) for j, b in enumerate(heat.x)}
    assert cell[("alice", "core")] == 2 and cell[("carol", "tests")] == 1 and cell[("bob", "core")] == 0
    assert fig.layout.xaxis.title.text == "area" and fig.layout.yaxis.title.text == "author"
    hidden = charts.author_area_heatmap(small, lang="en", bots="hide")
    assert "dependabot[bot]" not in hidden.data[0].y


def test_one_author_one_area():
    frame = make_frame([dict()])
    figs = charts.report_charts(frame, ChartsConfig(), "en")
    assert [n for n, _ in figs] == list(charts.CHART_NAMES)
    assert all(fig.layout.height >= 300 for _, fig in figs)


def test_report_charts_order_and_skips_empty(small):
    assert [n for n, _ in charts.report_charts(small, ChartsConfig(), "zh")] == list(charts.CHART_NAMES)
    history_only = small.assign(in_report=False)
    assert [n for n, _ in charts.report_charts(history_only, None, "zh")] == ["area-trend", "author-area"]
    assert charts.report_charts(make_frame([]), None, "zh") == []


def test_figures_html_embeds_plotlyjs_once_inline(small):
    figs = charts.report_charts(small, None, "en")
    fragment = charts.figures_html(figs)
    plotlyjs_header = re.findall(r"\* plotly\.js v\d", fragment)
    assert len(plotlyjs_header) == 1
    assert fragment.count('class="repodigest-chart"') == len(figs)
    assert fragment.count("Plotly.newPlot(") == len(figs)
    assert not re.search(r"<script[^>]*\ssrc=", fragment)  # nothing loaded from anywhere
    assert 'src="https://cdn.plot.ly' not in fragment
    assert "<html" not in fragment
    assert charts.figures_html([]) == ""


def _shown_text(fig) -> list[str]:
    """Every string a figure's traces show as a label, legend entry or hover value."""
    found = []

    def walk(value):
        if isinstance(value, str):
            found.append(value)
        elif hasattr(value, "__iter__") and not isinstance(value, (bytes, dict)):
            for item in value:
                walk(item)

    for trace in fig.data:
        for name in ("x", "y", "name", "customdata", "text", "meta"):
            walk(getattr(trace, name, None))
        assert "<img" not in (trace.hovertemplate or "")  # names are data, never part of a template
    return found


def test_names_from_the_repository_are_escaped_for_plotly():
    # plotly reads chart text as HTML of its own (<b>, <a href>, <br>, entities): names are escaped.
    name = '<a href="https://evil.example">x</a><img src=x onerror=alert(1)> & co'
    frame = make_frame(
        [
            dict(author=name, areas=[name, "core"], level="high", repo=name),
            dict(author="bob", areas=[name], day="2026-02-14", in_report=False),
        ]
    )
    for chart_name, fig in charts.report_charts(frame, lang="en"):
        texts = _shown_text(fig)
        assert not any("<" in t for t in texts), chart_name
        assert any("&lt;a href=" in t and "&amp; co" in t for t in texts), chart_name
    table = pd.DataFrame({"area": [name], "revisions": [3], "churn": [10], "authors": [2], "score": [1.0]})
    hot = hotspots_figure(table)
    churn = churn_figure(pd.DataFrame({"area": [name], "period": ["2026-02"], "churn": [5]}))
    for fig in (hot, churn):
        assert not any("<" in t for t in _shown_text(fig)) and any("&lt;" in t for t in _shown_text(fig))
