import re

import pytest

from gitrepo import GitRepo
from isolation import isolated
from mdcheck import anchors_resolve
from repodigest import build_digest
from repodigest.report.text import cell, inline, link_text

EVIL = "<script>alert(1)</script> [x](javascript:alert(2)) | `a|b` ### <img src=x onerror=alert(3)>"


@pytest.fixture(scope="module")
def day_repo(tmp_path_factory):
    repo = GitRepo(tmp_path_factory.mktemp("report") / "proj")  # read, never changed
    repo.commit("init", "2026-02-15T10:00:00+08:00", {"src/proj/core/a.py": "x\n"})
    repo.commit(
        "[Perf] faster core (#11)\n\nMakes the core path 2x faster by caching.\n",
        "2026-02-16T09:00:00+08:00",
        {f"src/proj/core/m{i}.py": "".join(f"v{j}\n" for j in range(200)) for i in range(6)}
        | {"src/proj/__init__.py": "API = 1\n", "src/proj/io/b.py": "y\n" * 300},
    )
    repo.commit("Fix typo in docs", "2026-02-16T10:00:00+08:00", {"docs/a.md": "typo\n"})
    repo.commit(EVIL + " (#12)\n\n" + EVIL, "2026-02-16T11:00:00+08:00", {"src/proj/io/c.py": "z\n" * 40})
    return repo


@pytest.fixture(scope="module")
def digest(day_repo, tmp_path_factory):
    """The day's digest (zh, Asia/Shanghai, no key), built once for the tests that only read it."""
    with isolated(tmp_path_factory.mktemp("cache")):
        return build_digest(date="2026-02-16", repos=[str(day_repo.path)], tz="Asia/Shanghai", lang="zh")


def test_report_follows_the_format_section_by_section(digest):
    md = digest.markdown(charts_markdown="(the charts)")
    lines = md.splitlines()
    assert lines[0] == "# 每日更新报告（2026-02-16）"
    order = [
        lines.index("## proj"),
        lines.index("| 提交时间（Asia/Shanghai） | 作者 | 提交信息 |"),  # the table names its times' zone
        lines.index("### 📊 统计摘要"),
        lines.index("## 📋 目录"),  # the contents come before the charts and the entries
        lines.index("## 📈 活动图表"),
        lines.index("(the charts)"),
        next(i for i, ln in enumerate(lines) if ln.startswith("#### ")),
    ]
    assert order == sorted(order)
    rows = [ln for ln in lines if re.match(r"^\| 2026-02-16 \d\d:\d\d:\d\d \|", ln)]
    assert [r[2:21] for r in rows] == ["2026-02-16 11:00:00", "2026-02-16 10:00:00", "2026-02-16 09:00:00"]
    summary = lines[lines.index("### 📊 统计摘要") + 1]
    counts = re.match(r"^> 本日共 (\d+) 个提交 \| 🔴高 (\d+) \| 🟡中 (\d+) \| 🟢低 (\d+)$", summary)
    assert counts and int(counts[1]) == 3 == sum(int(counts[i]) for i in (2, 3, 4))
    groups = [ln for ln in lines if ln.startswith("#### ")]
    # one group per level that has entries, in level order: an empty level gets no heading of its own
    wanted = [
        name
        for name, n in zip(
            ["#### 🔴 高重要度变更", "#### 🟡 中重要度变更", "#### 🟢 低重要度变更"],
            (int(counts[i]) for i in (2, 3, 4)),
        )
        if n
    ]
    assert [g.split(" (")[0] for g in groups] == wanted and len(wanted) >= 2
    assert md.count("**SHA**: `") == 3 and md.count("\n---\n") == 3
    anchors_resolve(md)


def test_numbers_in_entries_come_from_the_data(digest):
    row = digest.report_frame.set_index("short_sha").loc[
        digest.report_frame["title"]
        .str.startswith("[Perf]")
        .pipe(lambda m: digest.report_frame[m]["short_sha"].iloc[0])
    ]
    md = digest.markdown()
    assert row["lines_added"] == 6 * 200 + 1 + 300 and row["file_count"] == 8
    assert f"改动 8 个文件，新增 {row['lines_added']} 行、删除 0 行" in md
    assert "`src/proj/io/b.py`（+300/−0 行）" in md


def test_hostile_message_cannot_inject_markup(digest):
    md = digest.markdown()
    assert "<script" not in md and "<img" not in md
    assert "javascript:" in md and not re.search(r"(?<!\\)\]\(javascript:", md)
    table_rows = [ln for ln in md.splitlines() if ln.startswith("| 2026-02-16")]
    for row in table_rows:  # exactly three cells: no pipe escaped the escaping
        assert len(re.findall(r"(?<!\\)\|", row)) == 4, row
    anchors_resolve(md)


def test_english_labels_and_empty_day(day_repo):
    md = build_digest(date="2026-02-14", repos=[str(day_repo.path)], lang="en", tz="Asia/Shanghai").markdown()
    assert md.startswith("# Daily Update Report (2026-02-14)")
    assert "No commits on this day." in md and "> 0 commits on this day | 🔴High 0 | 🟡Medium 0 | 🟢Low 0" in md
    anchors_resolve(md)


def test_without_a_key_the_report_says_so_in_one_line(digest):
    md = digest.markdown()
    assert md.count("OPENAI_API_KEY") == 1


@pytest.mark.parametrize("text", [EVIL, "a\nb\r\nc", "trailing ###", "[unbalanced", "x](y", "\\](javascript:1)"])
def test_filters_neutralise_markup(text):
    for out in (inline(text), cell(text), link_text(text)):
        own = re.sub(r"</?code>|<br>", "", out)  # the tags a table cell writes itself
        assert "\n" not in out and "<" not in own.replace("&lt;", "")
        assert not re.search(r"(?<!\\)\]\(", out)
    assert not re.search(r"(?<!\\)\|", cell(text))
