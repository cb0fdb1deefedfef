import pandas as pd

from published import save
from repodigest import COLUMNS, build_digest, describe_columns, read_frame
from repodigest.frame import FILE_COLUMNS


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
    save(digest, tmp_path / "out")
    for name in ("files.csv", "files.parquet"):
        back = read_frame(tmp_path / "out" / name)
        assert list(back.columns) == list(FILE_COLUMNS) and len(back) == 5
        pd.testing.assert_frame_equal(back, files, check_dtype=True)
