from datetime import date

import pandas as pd

from published import save
from repodigest import COLUMNS, build_digest, describe_columns, read_frame
from repodigest.daily import write_data
from repodigest.frame import FILE_COLUMNS, to_frame
from repodigest.scoring import assess
from repodigest.scoring.relations import relate
from repodigest.sources.local_git import LocalGitSource
from repodigest.window import Window, resolve_tz


def test_frame_has_every_documented_column_and_round_trips(make_repo, tmp_path):
    repo = make_repo()
    repo.commit(
        "feat: a (#3)\n\nCo-authored-by: Z <z@x>",
        "2026-02-16T09:00:00+08:00",
        {"src/x/a.py": "1\n2\n", "b.bin": b"\0\1"},
    )
    repo.commit("older", "2026-02-10T09:00:00+08:00", allow_empty=True)
    digest = build_digest(date="2026-02-16", repos=[str(repo.path)], window_days=14)
    frame = digest.frame
    assert list(frame.columns) == list(COLUMNS) and len(describe_columns()) == len(COLUMNS)
    assert frame["in_report"].tolist() == [True, False]
    assert frame.loc[0, "pr_number"] == 3 and pd.isna(frame.loc[1, "pr_number"])
    assert frame.loc[0, "binary_files"] == 1 and frame.loc[0, "lines_added"] == 2
    assert str(frame["committed_at"].dtype) == "datetime64[ns, UTC]"
    written = save(digest, tmp_path / "out").files
    assert {p.name for p in written} == {
        "commits.csv",
        "commits.parquet",
        "files.csv",
        "files.parquet",
        "status.json",
        "overview.json",
        "report.ipynb",
        "report.html",
        "report.md",
    }
    for name in ("commits.csv", "commits.parquet"):
        back = read_frame(tmp_path / "out" / name)
        assert list(back.columns) == list(COLUMNS)
        assert back.loc[0, "co_authors"] == ["Z <z@x>"]
        by_path = {f["path"]: f for f in back.loc[0, "file_changes"]}
        assert by_path["b.bin"]["binary"] is True and by_path["b.bin"]["added"] is None
        assert by_path["src/x/a.py"]["added"] == 2
        assert back.loc[0, "sha"] == frame.loc[0, "sha"] and back.loc[0, "score"] == frame.loc[0, "score"]
        assert by_path["src/x/a.py"]["area"] == "x" and by_path["b.bin"]["area"] == "root"


def test_file_frame_has_a_row_per_commit_and_file_and_round_trips(make_repo, tmp_path):
    repo = make_repo()
    repo.commit(
        "feat: a", "2026-02-15T09:00:00+08:00", {"src/x/a.py": "1\n2\n", "docs/r.md": "r\n"}, author=("Ann", "ann@x")
    )
    repo.commit(
        "move",
        "2026-02-16T23:30:00+08:00",
        {"src/y/b.py": "1\n2\n", "b.bin": b"\0\1"},
        remove=("docs/r.md",),
        author=("Bob", "bob@x"),
    )
    repo.commit("empty", "2026-02-16T23:40:00+08:00", allow_empty=True)
    digest = build_digest(date="2026-02-16", repos=[str(repo.path)], window_days=14)
    files = digest.file_frame
    assert list(files.columns) == list(FILE_COLUMNS) and len(describe_columns("files")) == len(FILE_COLUMNS)
    assert len(files) == 5  # 2 + 3 files; the empty commit has no row
    rows = {r.path: r for r in files.itertuples() if r.status != "deleted"}
    assert rows["src/x/a.py"].area == "x" and rows["src/x/a.py"].lines_added == 2 and rows["src/x/a.py"].author == "Ann"
    assert files.loc[files["path"] == "docs/r.md", ["status", "day"]].values.tolist() == [
        ["deleted", "2026-02-16"],
        ["added", "2026-02-15"],
    ]
    assert rows["b.bin"].binary and pd.isna(rows["b.bin"].lines_added) and rows["b.bin"].churn == 0
    assert rows["src/y/b.py"].commit_file_count == 3 and rows["src/x/a.py"].commit_file_count == 2
    assert files.loc[files["path"] == "src/x/a.py", "in_report"].tolist() == [False]
    write_data(digest, tmp_path / "out")  # the data files the report's publication writes
    for name in ("files.csv", "files.parquet"):
        back = read_frame(tmp_path / "out" / name)
        assert list(back.columns) == list(FILE_COLUMNS) and len(back) == 5
        pd.testing.assert_frame_equal(back, files, check_dtype=True)


def test_the_frame_built_column_by_column_holds_each_commits_own_row(make_repo):
    # Every column of every row comes from its own commit: the frame of a day equals the frames of its
    # commits one by one, stacked (merges with landed commits of two authors, a revert, a series, a pull
    # request number, co-authors, a binary file, an empty commit).
    repo = make_repo()
    old = repo.commit("feat: cache (#3)\n\nCo-authored-by: Z <z@x>", "2026-02-16T09:00:00+08:00", {"src/x/a.py": "1\n"})
    repo.git("checkout", "-q", "-b", "topic")
    repo.commit("part one", "2026-02-16T09:10:00+08:00", {"src/y/b.py": "b\n"}, author=("Ann", "ann@x"))
    repo.commit("part two", "2026-02-16T09:20:00+08:00", {"src/y/c.bin": b"\0\1"}, author=("Bob", "bob@x"))
    repo.git("checkout", "-q", "main")
    when = {"GIT_COMMITTER_DATE": "2026-02-16T10:00:00+08:00", "GIT_AUTHOR_DATE": "2026-02-16T10:00:00+08:00"}
    repo.git("merge", "-q", "--no-ff", "-m", "Merge pull request #4 from ann/topic", "topic", env=when)
    for k in (1, 2, 3):
        repo.commit(f"[{k}/3] Router: step {k}", f"2026-02-16T11:0{k}:00+08:00", {f"src/r/{k}.py": f"{k}\n"})
    repo.commit('Revert "feat: cache" (#9)', "2026-02-16T12:00:00+08:00", {"src/x/a.py": "0\n"})
    repo.commit("empty", "2026-02-15T12:00:00+08:00", allow_empty=True)
    zone = resolve_tz("Asia/Shanghai")
    scored = [(c, assess(c)) for c in LocalGitSource(repo.path).commits(Window(date(2026, 2, 16), 2, zone))]
    relations = relate(scored, {c.sha for c, _ in scored}, None, zone)
    frame = to_frame(scored, zone, ["2026-02-16"], relations)
    assert len(frame) == 7 and frame["is_merge"].sum() == 1 and frame["series"].notna().sum() == 3
    assert frame.set_index("sha").loc[old, "reverted_by"] != []
    by_sha = {c.sha: (c, a) for c, a in scored}
    stacked = pd.concat(
        [to_frame([by_sha[sha]], zone, ["2026-02-16"], relations) for sha in frame["sha"]], ignore_index=True
    )
    pd.testing.assert_frame_equal(frame, stacked, check_dtype=True)
    merge = frame[frame["is_merge"]].iloc[0]
    assert [m["author"] for m in merge["merged"]] == ["Bob", "Ann"] and merge["merged_by"] == "Test User"
