"""Threads (analytics.threads): work that spans several days, rule by rule, on small real repositories."""

from __future__ import annotations

import pytest

import repodigest
from repodigest.analytics.threads import closed_issues, threads, topic_branch

ALICE = ("Alice Zhang", "alice@example.com")
BOB = ("Bob Li", "bob@example.com")
CARA = ("Cara Diaz", "cara@example.com")
BOT = ("dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com")


def frame_of(repo, last: str, days: int):
    return repodigest.build_digest(
        date=last, repos=[str(repo.path)], tz="UTC", lang="en", days=days, progress=False, overview=False
    ).frame


def by_key(found):
    return {row["key"]: row for row in found.to_dict("records")}


@pytest.fixture
def history(make_repo):
    repo = make_repo("threads")
    at = lambda day, hour=10: f"2026-03-{day:02d}T{hour:02d}:00:00+00:00"  # noqa: E731
    ids = {}
    ids["base"] = repo.commit("Initial layout", at(1), {f"src/app/m{i}.py": "x\n" * 5 for i in range(40)}, author=CARA)
    # a numbered series by two authors over three days
    ids["s1"] = repo.commit("[1/3] Cache: add the store (#11)", at(2), {"src/cache/store.py": "a\n"}, author=ALICE)
    ids["s2"] = repo.commit("[2/3] Cache: wire reads (#12)", at(3), {"src/cache/read.py": "b\n"}, author=BOB)
    ids["s3"] = repo.commit("[3/3] Cache: wire writes (#13)", at(4), {"src/cache/write.py": "c\n"}, author=ALICE)
    # two commits closing one issue, on two days, in unrelated files
    ids["i1"] = repo.commit("Guard empty config\n\nFixes #77", at(2, 12), {"src/config/load.py": "d\n"}, author=BOB)
    ids["i2"] = repo.commit("Log the config source (closes #77)", at(5), {"src/log/setup.py": "e\n"}, author=CARA)
    # one source file changed on two days by different people
    ids["f1"] = repo.commit("Tune the parser", at(2, 15), {"src/app/parser.py": "p1\n"}, author=CARA)
    ids["f2"] = repo.commit("Parser: accept tabs", at(4, 15), {"src/app/parser.py": "p2\n"}, author=ALICE)
    # a sweep across more than 30 files, on a third day: it ties nothing
    ids["sweep"] = repo.commit(
        "Rename the logger",
        at(5, 15),
        {f"src/app/m{i}.py": "y\n" * 5 for i in range(40)} | {"src/app/parser.py": "p3\n"},
    )
    # a bot touches a file on two days: no thread
    ids["b1"] = repo.commit("Bump lib (#20)", at(3, 18), {"src/deps/pins.py": "1\n"}, author=BOT)
    ids["b2"] = repo.commit("Bump lib (#21)", at(5, 18), {"src/deps/pins.py": "2\n"}, author=BOT)
    # tests only, on two days: no source file, no thread
    ids["t1"] = repo.commit("More tests", at(2, 20), {"tests/test_a.py": "t1\n"}, author=BOB)
    ids["t2"] = repo.commit("Even more tests", at(4, 20), {"tests/test_a.py": "t2\n"}, author=BOB)
    repo.ids = ids
    return repo


def test_each_rule_finds_its_thread_and_nothing_else(history):
    found = threads(frame_of(history, "2026-03-05", 5))
    ids = history.ids
    keys = by_key(found)
    assert set(keys) == {"Cache", "#77", "src/app/parser.py"}
    series, issue, files = keys["Cache"], keys["#77"], keys["src/app/parser.py"]
    assert series["kind"] == "series" and series["shas"] == [ids["s1"], ids["s2"], ids["s3"]]
    assert series["days"] == ["2026-03-02", "2026-03-03", "2026-03-04"] and series["authors"] == [
        "Alice Zhang",
        "Bob Li",
    ]
    assert issue["kind"] == "issue" and issue["shas"] == [ids["i1"], ids["i2"]]
    assert files["kind"] == "files" and files["shas"] == [ids["f1"], ids["f2"]]  # not the sweep
    assert list(found["key"]) == ["Cache", "#77", "src/app/parser.py"]  # most days, then most commits
    for thread in found.to_dict("records"):
        assert len(thread["days"]) >= 2 and thread["commits"] == len(thread["shas"])


def test_a_commit_joins_one_thread_the_first_rule_wins(make_repo):
    repo = make_repo("overlap")
    a = repo.commit("[1/2] Pool: reuse buffers", "2026-03-02T10:00:00+00:00", {"src/pool.py": "1\n"}, author=ALICE)
    b = repo.commit("[2/2] Pool: free on exit", "2026-03-03T10:00:00+00:00", {"src/pool.py": "2\n"}, author=ALICE)
    c = repo.commit("Pool: typo", "2026-03-04T10:00:00+00:00", {"src/pool.py": "3\n"}, author=BOB)
    found = threads(frame_of(repo, "2026-03-04", 3))
    # the series takes its two members; the file is left with one commit: no second thread
    assert found[["kind", "key"]].values.tolist() == [["series", "Pool"]]
    assert found.iloc[0]["shas"] == [a, b] and c not in found.iloc[0]["shas"]


def test_a_series_on_one_day_is_no_thread_and_its_commits_stay_free(make_repo):
    repo = make_repo("oneday")
    a = repo.commit("[1/2] Pool: reuse buffers", "2026-03-02T10:00:00+00:00", {"src/pool.py": "1\n"}, author=ALICE)
    b = repo.commit("[2/2] Pool: free on exit", "2026-03-02T11:00:00+00:00", {"src/pool.py": "2\n"}, author=ALICE)
    c = repo.commit("Pool: faster free", "2026-03-04T10:00:00+00:00", {"src/pool.py": "3\n"}, author=BOB)
    found = threads(frame_of(repo, "2026-03-04", 3))
    assert found[["kind", "key"]].values.tolist() == [["files", "src/pool.py"]]
    assert found.iloc[0]["shas"] == [a, b, c]


def test_merges_of_one_topic_branch(make_repo):
    repo = make_repo("merges")
    repo.commit("base", "2026-03-01T10:00:00+00:00", {"README": "r\n"}, author=CARA)
    merged = []
    for day, name in ((2, "a.py"), (4, "b.py")):
        repo.git("checkout", "-q", "-b", f"work{day}")
        repo.commit(f"step {day}", f"2026-03-0{day}T09:00:00+00:00", {f"src/{name}": f"{day}\n"}, author=ALICE)
        repo.git("checkout", "-q", "main")
        env = {
            "GIT_COMMITTER_DATE": f"2026-03-0{day}T10:00:00+00:00",
            "GIT_AUTHOR_DATE": f"2026-03-0{day}T10:00:00+00:00",
        }
        repo.git(
            "merge", "-q", "--no-ff", f"work{day}", "-m", f"Merge pull request #{day} from alice/lazy-imports", env=env
        )
        merged.append(repo.head())
    found = threads(frame_of(repo, "2026-03-04", 4))
    assert found[["kind", "key"]].values.tolist() == [["branch", "lazy-imports"]]
    assert found.iloc[0]["shas"] == merged


@pytest.mark.parametrize(
    ("message", "branch"),
    [
        ("Merge pull request #12 from alice/fix-14864-samefile\n\nFix samefile", "fix-14864-samefile"),
        ("Merge branch 'feature/retry' into main", "feature/retry"),
        ("Merge remote-tracking branch 'origin/feature/x'", "feature/x"),
        ("Merge branch 'main' into feature/x", None),
        ("Fix: merge pull request handling", None),
    ],
)
def test_topic_branch(message, branch):
    assert topic_branch(message) == branch


def test_closed_issues():
    assert closed_issues("Fix the loader\n\nFixes #12, closes #13; resolved #14") == {12, 13, 14}
    assert closed_issues("Speed up (#15)\n\nSee #16", [{"number": 17, "title": "x"}]) == {17}
