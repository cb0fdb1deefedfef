"""Code survival (analytics.survival) against its definition: ``git blame --first-parent`` of the text
files at sampled commits of a repository built with renames, binary files, a merge, rewrites,
symbolic links, a submodule and a binary attribute; the cache extending by the new commits only."""

import os
import subprocess
from collections import Counter

import pandas as pd
import pytest

from blame_oracle import blamed_lines
from gitrepo import GitRepo
from repodigest import analytics
from repodigest.cache import Cache
from repodigest.charts.history import survival_figure
from repodigest.errors import UserError
from repodigest.scoring.areas import file_area

MAIN, FEATURE = ("Main Author", "main@example.com"), ("Feature Author", "feature@example.com")


def _lines(n: int, tag: str) -> str:
    return "".join(f"{tag} line {i}\n" for i in range(n))


def _merge(repo: GitRepo, branch: str, date: str) -> str:
    env = {"GIT_COMMITTER_DATE": date, "GIT_AUTHOR_DATE": date, "GIT_AUTHOR_NAME": MAIN[0]}
    repo.git("merge", "-q", "--no-ff", branch, "-m", f"Merge {branch}", env=env)
    return repo.head()


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    """A repository over 2021-2025 with every kind of change the replay handles; (repo, dates)."""
    repo = GitRepo(tmp_path_factory.mktemp("survival") / "demo")
    repo.write(".gitattributes", "*.lock -diff\n")
    os.symlink("a.py", repo.path / "link")
    repo.commit(
        "root",
        "2021-03-01T10:00:00+00:00",
        {
            "a.py": _lines(12, "a"),
            "b.txt": _lines(6, "b"),
            "c.txt": _lines(4, "c"),
            "logo.png": b"\x89PNG\x00\x01binary\n",
            "empty.txt": "",
            "no newline.txt": "one\ntwo",
            "tab\tname.txt": _lines(3, "tab"),
            "deps.lock": _lines(5, "lock"),
        },
        author=MAIN,
    )
    a = _lines(12, "a").splitlines(keepends=True)
    a[2:4] = ["a changed 2\n", "a changed 3\n", "a inserted\n", "a inserted again\n"]
    os.chmod(repo.path / "b.txt", 0o755)  # a mode change with a whitespace-only edit
    repo.commit(
        "edit, re-indent, chmod",
        "2021-09-01T10:00:00+00:00",
        {"a.py": "".join(a), "b.txt": "  " + _lines(6, "b"), "no newline.txt": "one\ntwo\n", "deps.lock": "x\n"},
        author=MAIN,
    )
    # A rename with an edit, a binary file turning text and a text file turning binary.
    (repo.path / "pkg").mkdir()
    (repo.path / "a.py").rename(repo.path / "pkg" / "a.py")
    moved = "".join(a).replace("a line 10\n", "a line ten\n")
    repo.commit(
        "move a.py into pkg",
        "2022-02-01T10:00:00+00:00",
        {"pkg/a.py": moved, "logo.png": _lines(3, "svg"), "c.txt": b"\x00now binary\n"},
        author=MAIN,
    )
    repo.git("checkout", "-q", "-b", "feature")
    repo.commit("feature work", "2022-04-01T10:00:00+00:00", {"feat.py": _lines(7, "feat")}, author=FEATURE)
    repo.commit(
        "feature edit",
        "2022-05-01T10:00:00+00:00",
        {"pkg/a.py": moved.replace("a line 0\n", "a line zero\n")},
        author=FEATURE,
    )
    repo.git("checkout", "-q", "main")
    repo.commit("main meanwhile", "2022-05-15T10:00:00+00:00", {"b.txt": "top\n" + "  " + _lines(6, "b")}, author=MAIN)
    merge = _merge(repo, "feature", "2023-01-10T10:00:00+00:00")
    # A submodule (gitlink), a symbolic link turning into a file, a whole-file rewrite.
    (repo.path / "sub").mkdir()
    repo.git("update-index", "--add", "--cacheinfo", f"160000,{merge},sub")
    (repo.path / "link").unlink()
    repo.commit(
        "rewrite b, link becomes a file, add a submodule",
        "2023-06-01T10:00:00+00:00",
        {"b.txt": _lines(4, "new b"), "link": _lines(2, "was a link")},
        author=MAIN,
    )
    # A pure rename, a deletion, a new file where a renamed one was.
    (repo.path / "feat.py").rename(repo.path / "feature.py")
    repo.commit(
        "rename feat, delete tab, new c",
        "2024-02-01T10:00:00+00:00",
        {"c.txt": b"\x00still binary\n", "notes.md": _lines(3, "n")},
        remove=("tab\tname.txt",),
        author=MAIN,
    )
    # A whitespace-only edit is a change: the re-indented line is 2025's.
    repo.commit(
        "more", "2025-07-01T10:00:00+00:00", {"notes.md": _lines(2, "n") + "end\n", "no newline.txt": "one\n  two\n"}
    )
    return repo, merge


def _expected(repo: GitRepo, commit: str, key=lambda sha, file, year: year) -> dict:
    counts, when = blamed_lines(repo.path, commit)
    expected: Counter = Counter()
    for (sha, file), n in counts.items():
        expected[key(sha, file, str(pd.Timestamp(when[sha], unit="s").year))] += n
    return dict(expected)


def _row(table: pd.DataFrame, i: int) -> dict:
    return {k: int(v) for k, v in table.iloc[i].items() if v}


def test_survival_equals_blame_first_parent_at_sampled_commits(history, tmp_path):
    repo, merge = history
    table = analytics.survival(repo.path, every="365D", tz="UTC", cache=Cache(tmp_path / "c"))
    assert table.index[0] == pd.Timestamp("2021-03-01") and table.index[-1] == pd.Timestamp("2025-07-01")
    assert list(table.columns) == sorted(table.columns) and table.columns.name == "cohort"
    commits = table.attrs["commits"]
    picks = [1, 2, len(table) - 1]  # after the rename, after the merge, the end
    assert commits[2] != commits[1] and commits[-1] == repo.head()
    for i in picks:
        assert _row(table, i) == _expected(repo, commits[i]), (table.index[i], commits[i])
    # The merge's lines are its own (2023), not the feature branch's (2022); binary, symbolic link,
    # submodule and -diff files count nothing.
    assert _row(table, -1)["2023"] == _expected(repo, repo.head())["2023"] > 7
    assert table.attrs["replayed"] == len(repo.git("rev-list", "--first-parent", "HEAD").split())


def test_each_sample_is_read_at_the_last_commit_before_its_day_ended(history, tmp_path):
    repo, _ = history
    table = analytics.survival(repo.path, start="2021-06-01", end="2023-01-10", every="MS", tz="UTC", cache=False)
    assert table.index[0] == pd.Timestamp("2021-06-01") and table.index[-1] == pd.Timestamp("2023-01-10")
    assert table.index.name == "date" and table.index.is_monotonic_increasing
    for day, commit in zip(table.index, table.attrs["commits"]):
        end = (day + pd.Timedelta(days=1)).strftime("%Y-%m-%dT00:00:00+00:00")
        last = repo.git("rev-list", "--first-parent", "-1", f"--before={end}", "HEAD").strip()
        assert commit == last, day  # the merge is read on its own day, not a day early
    early = analytics.survival(repo.path, end="2021-03-01", by="quarter", tz="UTC", cache=False)
    assert (
        list(early.columns) == ["2021Q1"] and int(early.iloc[-1].sum()) == 12 + 6 + 4 + 2 + 3 + 1
    )  # and .gitattributes


def test_breakdowns_split_the_same_lines_by_author_and_by_area(history, tmp_path):
    repo, merge = history
    cache = Cache(tmp_path / "c")
    plain = analytics.survival(repo.path, every="365D", tz="UTC", cache=cache)
    authors = analytics.survival(repo.path, every="365D", breakdown="author", tz="UTC", cache=cache)
    areas = analytics.survival(repo.path, every="365D", breakdown="area", tz="UTC", cache=cache)
    assert authors.attrs["replayed"] == areas.attrs["replayed"] == 0  # the cache answered
    assert authors.columns.names == ["cohort", "author"] and areas.columns.names == ["cohort", "area"]
    for table in (authors, areas):
        pd.testing.assert_frame_equal(table.T.groupby(level="cohort").sum().T, plain, check_names=False)
    # A merge's lines are credited to the author of the branch it merged.
    head = repo.head()

    def author(sha, file, year):
        parents = repo.git("rev-list", "--parents", "-1", sha).split()
        return year, repo.git("log", "-1", "--format=%aN", parents[2] if len(parents) > 2 else sha).strip()

    assert _row(authors, -1) == _expected(repo, head, author)
    assert _row(authors, -1)[("2023", FEATURE[0])] > 0
    assert _row(areas, -1) == _expected(repo, head, lambda sha, file, year: (year, file_area(file, (), "demo")))


def test_a_later_call_replays_only_the_new_commits(history, tmp_path):
    repo, _ = history
    # A copy to extend, leaving the module's repository as it is (GitRepo re-initialises it: harmless).
    subprocess.run(["git", "clone", "-q", str(repo.path), str(tmp_path / "clone")], check=True, capture_output=True)
    clone = GitRepo(tmp_path / "clone")
    cache = Cache(tmp_path / "c")
    first = analytics.survival(clone.path, tz="UTC", cache=cache)
    assert first.attrs["replayed"] == len(clone.git("rev-list", "--first-parent", "HEAD").split())
    clone.commit("next day", "2025-07-02T10:00:00+00:00", {"pkg/a.py": "rewritten\n"}, author=MAIN)
    clone.commit("and more", "2025-07-02T12:00:00+00:00", {"notes.md": "gone\n"}, author=MAIN)
    later = analytics.survival(clone.path, tz="UTC", cache=cache)
    assert later.attrs["replayed"] == 2
    assert _row(later, -1) == _expected(clone, clone.head())
    again = analytics.survival(clone.path, end="2025-07-01", tz="UTC", cache=cache)
    assert again.attrs["replayed"] == 0 and _row(again, -1) == _row(first, -1)
    fresh = analytics.survival(clone.path, tz="UTC", cache=Cache(tmp_path / "c", refresh=True))
    assert fresh.attrs["replayed"] == later.attrs["replayed"] + first.attrs["replayed"]
    pd.testing.assert_frame_equal(fresh, later)


def test_a_shallow_clone_counts_everything_before_its_boundary_in_the_boundary_commit(history, tmp_path):
    repo, _ = history
    shallow = tmp_path / "shallow"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "3", f"file://{repo.path}", str(shallow)], check=True, capture_output=True
    )
    table = analytics.survival(shallow, tz="UTC", cache=False)
    head = table.attrs["commits"][-1]
    counts, when = blamed_lines(shallow, head)
    expected: Counter = Counter()
    for (sha, _), n in counts.items():
        expected[str(pd.Timestamp(when[sha], unit="s").year)] += n
    assert _row(table, -1) == dict(expected)
    assert len(table.attrs["shallow"]) == 1 and set(_row(table, -1)) == {"2023", "2024", "2025"}


def test_options_are_checked(history):
    repo, _ = history
    with pytest.raises(ValueError, match="by must be one of"):
        analytics.survival(repo.path, by="month", cache=False)
    with pytest.raises(ValueError, match="breakdown must be one of"):
        analytics.survival(repo.path, breakdown="file", cache=False)
    with pytest.raises(UserError, match="pandas frequency"):
        analytics.survival(repo.path, every="fortnightly", cache=False)
    with pytest.raises(UserError, match="does not exist"):
        analytics.survival(repo.path, revision="no-such-branch", cache=False)
    with pytest.raises(TypeError):
        analytics.survival(repo.path, cohort="year")  # type: ignore[call-arg]


def test_the_figure_stacks_cohorts_and_folds_the_long_tail_of_a_breakdown(history):
    repo, _ = history
    table = analytics.survival(repo.path, every="365D", tz="UTC", cache=False)
    fig = survival_figure(table, lang="zh")
    assert [t.name for t in fig.data] == list(table.columns) and {t.stackgroup for t in fig.data} == {"one"}
    assert "存活" in fig.layout.title.text
    authors = analytics.survival(repo.path, every="365D", breakdown="author", tz="UTC", cache=False)
    fig = survival_figure(authors, level="author", top=1, lang="en")
    assert [t.name for t in fig.data] == [MAIN[0], "others"]
    assert sum(fig.data[0].y) + sum(fig.data[1].y) == int(table.to_numpy().sum())
