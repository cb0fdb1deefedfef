"""The day at a glance built from the data (report/overview.py): what it picks, counts and cites."""

from __future__ import annotations

import re

import pytest

from gitrepo import GitRepo
from isolation import isolated
from mdcheck import anchors_resolve
from repodigest import build_digest
from repodigest.daily import DailyReport
from repodigest.i18n import strings as load_labels
from repodigest.report.overview import MAX_HIGHLIGHTS, UNUSUAL_MIN, UNUSUAL_RATIO, build_overview
from repodigest.report.text import inline

RANK = {"high": 0, "medium": 1, "low": 2}


def lines(n: int, tag: str) -> str:
    return "".join(f"{tag}_{i} = {i}\n" for i in range(n))


def section(md: str, heading: str = "## 🧭 本日概览") -> str:
    start = md.index(heading)
    return md[start : md.index('<a id="', start)]


@pytest.fixture(scope="module")
def busy(tmp_path_factory):
    """A report day of 11 commits of varied size and kind over several areas, with a baseline: the
    router had one commit a day before, the cache none; today the cache has four. Read, never changed."""
    repo = GitRepo(tmp_path_factory.mktemp("overview") / "proj")
    for day in range(3, 16):
        repo.commit(
            f"router: tune day {day}",
            f"2026-02-{day:02d}T10:00:00+08:00",
            {"src/proj/router/r.py": lines(5 + day, f"r{day}")},
        )
    specs = [
        ("feat(cache): add a tiered cache (#1)", {f"src/proj/cache/t{i}.py": lines(200, "t") for i in range(4)}),
        ("fix(cache): evict on size (#2)", {"src/proj/cache/evict.py": lines(60, "e")}),
        ("perf(cache): batch lookups (#3)", {"src/proj/cache/batch.py": lines(90, "b")}),
        ("refactor(cache): rename keys (#4)", {"src/proj/cache/keys.py": lines(12, "k")}),
        (
            "feat!: new public API (#5)\n\nBREAKING CHANGE: callers must migrate",
            {"src/proj/__init__.py": lines(30, "api"), "src/proj/api/v2.py": lines(300, "v")},
        ),
        ("fix(auth): check tokens in constant time (#6)", {"src/proj/auth/token_check.py": lines(40, "a")}),
        ("router: retry once (#7)", {"src/proj/router/retry.py": lines(60, "rr")}),
        ("docs: cache guide (#8)", {"docs/cache.md": lines(50, "d")}),
        ("test: more router cases (#9)", {"tests/test_router.py": lines(80, "tr")}),
        ("chore: bump pre-commit (#10)", {".pre-commit-config.yaml": "rev: 2\n"}),
        ("fix typo (#11)", {"src/proj/router/r.py": "typo fixed\n"}),
    ]
    for i, (message, files) in enumerate(specs):  # by different people: no series among them
        repo.commit(message, f"2026-02-16T{8 + i:02d}:00:00+08:00", files, author=(f"Dev {i}", f"dev{i}@example.com"))
    return repo


@pytest.fixture(scope="module")
def digest(busy, tmp_path_factory):
    """The busy day's digest (zh, Asia/Shanghai), built once for the tests that only read it."""
    with isolated(tmp_path_factory.mktemp("cache")):
        return build_digest(date="2026-02-16", repos=[str(busy.path)], tz="Asia/Shanghai", lang="zh")


def test_highlights_are_the_top_commits_by_final_level_and_score(digest):
    shown = digest.report_frame
    ranked = (
        shown[shown["level"] != "low"]
        .assign(rank=shown["level"].map(RANK))
        .sort_values(["rank", "score", "committed_at"], ascending=[True, False, False])
    )
    highlights = digest.overview.highlights
    assert len(ranked) > MAX_HIGHLIGHTS == len(highlights)
    assert [h.commits[0].sha for h in highlights] == ranked["sha"].tolist()[:MAX_HIGHLIGHTS]
    assert [h.rank for h in highlights] == [1, 2, 3, 4, 5]
    md = digest.markdown()
    overview = section(md)
    cited = re.findall(r"\[`([0-9a-f]{7})`\]\(#([a-z0-9-]+)\)", overview)
    entries = set(re.findall(r'<a id="([0-9a-f]{7})"></a>\n\n### ', md))
    assert cited and all(anchor in entries and sha == anchor for sha, anchor in cited)  # every cited sha is an entry
    for h in highlights:  # the data's wording (type, area, title), the commit cited first
        assert h.line == f"{load_labels('zh')['types'][h.change_type]}｜{h.area}：{h.commits[0].title}"
        sha = h.commits[0].short_sha
        assert f"{h.rank}. {'🔴高' if h.level == 'high' else '🟡 中'} [`{sha}`](#{sha}) {inline(h.line)}" in overview
    anchors_resolve(md)
    assert md.index("## 🧭 本日概览") < md.index("## proj") and "- [🧭 本日概览](#overview)" in md


def test_themes_count_what_the_frame_counts_against_the_baseline(digest):
    overview, frame = digest.overview, digest.frame
    assert overview.baseline_days == 13  # the 14-day trend window minus the report's day
    counts = digest.report_frame["primary_area"].value_counts()
    assert {t.area: t.count for t in overview.themes} == counts.to_dict()
    assert sum(t.count for t in overview.themes) == overview.total == len(digest.report_frame)
    before = frame[~frame["in_report"]]["primary_area"].value_counts()
    for theme in overview.themes:
        assert theme.daily_average == pytest.approx(before.get(theme.area, 0) / 13)
        expected = theme.daily_average * 1
        assert theme.unusual == (theme.count >= UNUSUAL_MIN and theme.count >= UNUSUAL_RATIO * expected)
    themes = {t.area: t for t in overview.themes}
    assert themes["cache"].unusual and themes["cache"].new and themes["cache"].count == 4
    assert not themes["router"].unusual  # about its usual one a day
    table = section(digest.markdown())
    assert "| cache | 4 | 0.0 | 🆕 此前 13 天没有提交 |" in table and "| 模块 | 提交数 | 近 13 天日均 | 对比 |" in table


def test_themes_and_the_charts_by_area_count_by_one_rule_and_say_it(digest):
    themes = {t.area: t.count for t in digest.overview.themes}
    several = digest.report_frame[digest.report_frame["areas"].map(len) > 1]
    assert len(several) and set(several["areas"].iloc[0][1:]) - set(themes)  # a second area is not counted
    charts = dict(digest.charts())
    bars = charts["areas"]
    assert dict(zip(bars.data[0].y, bars.data[0].x)) == themes
    heat = charts["author-area"].data[0]
    assert sum(map(sum, heat.z)) == len(digest.frame)  # each commit of the window once
    rule = load_labels("zh")["area_rule"]
    for name in ("areas", "area-trend", "author-area"):
        assert rule in charts[name].layout.title.text
    assert rule in section(digest.markdown())


def test_watch_list_and_also_landed(digest):
    overview = digest.overview
    kinds = {(w.kind, w.commit.title.split(" (#")[0]) for w in overview.watch}
    assert ("breaking", "feat!: new public API") in kinds
    assert ("security", "fix(auth): check tokens in constant time") in kinds
    cited = {c.sha for h in overview.highlights for c in h.commits}
    rest = digest.report_frame[~digest.report_frame["sha"].isin(cited)]
    assert overview.also_landed == rest["change_type"].value_counts().to_dict()
    assert sum(overview.also_landed.values()) == overview.total - len(cited)
    md = section(digest.markdown())
    assert "- 💥 不兼容变更：[`" in md and "**📦 其余提交**：" in md
    assert overview.headline.startswith("本日 11 个提交，") and "cache 比平时活跃" in overview.headline
    assert "ℹ️ 本概览由提交数据生成（未使用大模型）。" in md


def test_several_repositories_in_one_overview(busy, make_repo):
    other = make_repo("tool")
    other.commit(
        "feat: big new command (#1)",
        "2026-02-16T12:30:00+08:00",
        {f"src/tool/cmd/c{i}.py": lines(300, "c") for i in range(5)},
    )
    digest = build_digest(date="2026-02-16", repos=[str(busy.path), str(other.path)], lang="en", tz="Asia/Shanghai")
    overview = digest.overview
    assert overview.total == len(digest.report_frame) == 12 and {t.repo for t in overview.themes} == {"proj", "tool"}
    md = digest.markdown()
    glance = section(md, "## 🧭 The day at a glance")
    assert "| Repository | Area | Commits | Daily average, last 13 days | Compared |" in glance
    assert any(h.commits[0].repo == "tool" for h in overview.highlights) and "tool: " in glance
    assert md.index("## 🧭 The day at a glance") < md.index("## proj") < md.index("## tool")
    anchors_resolve(md)


def test_a_week_gets_an_overview_of_the_week(busy):
    digest = build_digest(date="2026-02-16", repos=[str(busy.path)], days=7, tz="Asia/Shanghai", lang="zh")
    overview = digest.overview
    assert overview.days[0] == "2026-02-10" and overview.total == len(digest.report_frame) == 11 + 6
    assert overview.baseline_days == 14 - 7
    md = digest.markdown()
    assert "## 🧭 本期概览" in md and overview.headline.startswith(f"本期 {overview.total} 个提交")
    router = next(t for t in overview.themes if t.area == "router")
    assert router.count == int((digest.report_frame["primary_area"] == "router").sum())


def test_an_empty_day_says_so(digest):
    overview = build_overview(digest.frame, ["proj"], ["2026-02-17"])
    assert overview.total == 0 and overview.headline == "本日没有提交。" and not overview.highlights


def test_overview_is_data_for_the_notebook_and_the_chat(digest):
    data = digest.overview.to_dict()
    assert data["headline"] == digest.overview.headline and data["source"] == "data"
    assert [h["commits"][0]["sha"] for h in data["highlights"]] == [
        h.commits[0].sha for h in digest.overview.highlights
    ]
    first = DailyReport(digest).outputs()[0][0]["text/markdown"]
    assert first.startswith("# 每日更新报告（2026-02-16）") and "## 🧭 本日概览" in first and "## proj" not in first
