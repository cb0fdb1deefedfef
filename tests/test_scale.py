"""Big and odd inputs: thousands of commits in a day, a 10,000-file commit, huge or empty messages."""

from datetime import UTC, datetime

from gitrepo import fast_import_commits
from mdcheck import anchors_resolve
from repodigest import build_digest

T0 = int(datetime(2026, 2, 16, 0, 0, 30, tzinfo=UTC).timestamp()) - 8 * 3600  # 00:00:30 in Shanghai


def test_a_day_with_2000_commits(make_repo):
    repo = make_repo()
    fast_import_commits(
        repo.path,
        [
            {
                "message": f"fix: item {i} (#{i + 1})",
                "date": T0 + i * 40,
                "files": {f"src/p/a{i % 50}/m{i}.py": "x\n" * (1 + i % 7)},
            }
            for i in range(2000)
        ],
    )
    digest = build_digest(date="2026-02-16", repos=[str(repo.path)], window_days=1, tz="Asia/Shanghai", lang="zh")
    assert len(digest.report_frame) == 2000
    md = digest.markdown()
    assert "本日共 2000 个提交" in md and len([ln for ln in md.splitlines() if ln.startswith("| 2026-02-16 ")]) == 2000
    assert anchors_resolve(md) >= 2000


def test_ten_thousand_files_huge_empty_and_submodule(make_repo):
    repo = make_repo()
    fast_import_commits(
        repo.path,
        [
            {
                "message": "feat: vendor everything (#1)",
                "date": T0,
                "files": {f"third_party/lib/f{i}.c": "c\n" for i in range(10_000)},
            },
            {"message": "perf: " + "very long line " * 70_000, "date": T0 + 60, "files": {"src/p/q.py": "q\n"}},
            {"message": "", "date": T0 + 120, "files": {"src/p/r.py": "r\n"}},
            {"message": "bump submodule (#3)", "date": T0 + 180, "gitlinks": {"deps/sub": "a" * 40}},
        ],
    )
    digest = build_digest(date="2026-02-16", repos=[str(repo.path)], window_days=1, tz="Asia/Shanghai", lang="zh")
    frame = digest.report_frame.set_index("pr_number", drop=False)
    assert frame.loc[1, "file_count"] == 10_000 and frame.loc[1, "lines_added"] == 10_000
    submodule = digest.report_frame[digest.report_frame["title"].str.startswith("bump")].iloc[0]
    assert submodule["file_changes"][0]["path"] == "deps/sub" and submodule["file_changes"][0]["status"] == "added"
    assert len(digest.report_frame) == 4
    md = digest.markdown()
    assert len(md) < 200_000  # a 1 MB message and 10,000 files do not blow the report up
    assert "……另有" in md  # the file list is summarised, not dumped
    assert "(no title)" in md  # the empty message still gets a heading
    anchors_resolve(md)
