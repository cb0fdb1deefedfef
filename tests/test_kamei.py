"""Kamei's change metrics (repodigest.evidence.kamei) on a repository built here, against values
computed by hand from its history."""

import pytest

from repodigest.evidence.kamei import ADDED_METRICS, KAMEI_METRICS, METRICS, change_metrics
from repodigest.explore import load_range

ANN, BOB, CID = ("Ann", "ann@x"), ("Bob", "bob@x"), ("Cid", "cid@x")
YEAR = 365.25


def lines(n: int, tag: str) -> str:
    return "".join(f"{tag} {i}\n" for i in range(n))


@pytest.fixture(scope="module")
def metrics(tmp_path_factory):
    """Six commits, ten days apart (UTC), then two more, and their metrics by title.

    c1 Ann: src/a.py (10 lines), src/b.py (5 lines)    c2 Bob: a.py +3 -1
    c3 Ann: a.py +1, docs/x.md (3 lines, new)          c4 Cid: "fix: ..." a.py +1 -1, b.py +1
    c5 Ann: src/b.py renamed to lib/b.py               c6 Bob: lib/b.py +1
    c7 (day 60) Cid: docs/x.md +1, tests/test_b.py (4 lines, new): no source file
    c8 (day 125) Bob: a.py +2, 95 days after the fix c4
    """
    from gitrepo import GitRepo

    root = tmp_path_factory.mktemp("kamei")
    repo = GitRepo(root / "repo")
    a, b = lines(10, "a"), lines(5, "b")
    repo.commit("feat: start", "2025-01-01T10:00:00+00:00", {"src/a.py": a, "src/b.py": b}, author=ANN)
    a = "A 0\n" + a[len("a 0\n") :] + "a 10\na 11\n"
    repo.commit("feat: more", "2025-01-11T10:00:00+00:00", {"src/a.py": a}, author=BOB)
    a += "a 12\n"
    repo.commit("docs: explain", "2025-01-21T10:00:00+00:00", {"src/a.py": a, "docs/x.md": lines(3, "x")}, author=ANN)
    a = a.replace("a 5\n", "a five\n")
    b += "b 5\n"
    repo.commit("fix: the fifth line", "2025-01-31T10:00:00+00:00", {"src/a.py": a, "src/b.py": b}, author=CID)
    repo.commit("refactor: move b", "2025-02-10T10:00:00+00:00", {"lib/b.py": b}, author=ANN, remove=("src/b.py",))
    repo.commit("feat: b grows", "2025-02-20T10:00:00+00:00", {"lib/b.py": b + "b 6\n"}, author=BOB)
    repo.commit(
        "test: cover b",
        "2025-03-02T10:00:00+00:00",
        {"docs/x.md": lines(4, "x"), "tests/test_b.py": lines(4, "t")},
        author=CID,
    )
    repo.commit("feat: a grows", "2025-05-06T10:00:00+00:00", {"src/a.py": a + "a 13\na 14\n"}, author=BOB)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("REPODIGEST_CACHE_DIR", str(root / "cache"))
        frame = load_range("2025-01-01", "2025-05-06", repos=[str(repo.path)], tz="UTC", progress=False).frame
    return frame, change_metrics(frame).set_axis(frame["title"])


def test_the_metrics_are_kameis_fourteen_and_six_more(metrics):
    frame, table = metrics
    assert list(table.columns) == list(METRICS) == [*KAMEI_METRICS, *ADDED_METRICS] and len(table) == len(frame) == 8
    assert len(KAMEI_METRICS) == 14 and len(ADDED_METRICS) == 6


def test_diffusion_size_and_purpose_come_from_the_frame(metrics):
    _, table = metrics
    row = table.loc["fix: the fifth line"]
    assert (row["ns"], row["nd"], row["nf"], row["la"], row["ld"], row["fix"]) == (1, 1, 2, 2, 1, 1)
    assert table.loc["docs: explain", ["ns", "nf", "fix"]].tolist() == [2, 2, 0]


def test_history_metrics_by_hand(metrics):
    _, table = metrics
    first = table.loc["feat: start"]
    assert first[["lt", "ndev", "age", "nuc", "exp", "rexp", "sexp"]].tolist() == [0, 0, 0, 0, 0, 0, 0]
    # c3 (Ann, day 20): a.py was changed by Ann and Bob (c1, c2), last on day 10; x.md is new.
    third = table.loc["docs: explain"]
    assert third["ndev"] == 2 and third["nuc"] == 2 and third["age"] == pytest.approx(10)
    assert third["lt"] == 12  # a.py: 10 lines, then c2's 3 added and 1 deleted
    assert third["exp"] == 1 and third["rexp"] == pytest.approx(1 / (1 + 20 / YEAR))
    assert third["sexp"] == 1  # Ann's c1 touched src/, a subsystem c3 touches
    # c4 (Cid, day 30): a.py {c1, c2, c3} by Ann and Bob, last day 20; b.py {c1} by Ann, last day 0.
    fourth = table.loc["fix: the fifth line"]
    assert fourth["ndev"] == 2 and fourth["nuc"] == 3 and fourth["age"] == pytest.approx((10 + 30) / 2)
    assert fourth["lt"] == 13 + 5
    assert fourth["exp"] == fourth["rexp"] == fourth["sexp"] == 0


def test_a_rename_carries_the_files_history(metrics):
    frame, table = metrics
    moved = frame.set_index("title").loc["refactor: move b", "file_changes"]
    assert [(c["status"], c["old_path"], c["path"]) for c in moved] == [("renamed", "src/b.py", "lib/b.py")]
    # c6 (Bob, day 50) changes lib/b.py: src/b.py's changes c1, c4 and the move c5, by Ann and Cid.
    last = table.loc["feat: b grows"]
    assert last["ndev"] == 2 and last["nuc"] == 3 and last["age"] == pytest.approx(10) and last["lt"] == 6
    assert last["exp"] == 1 and last["sexp"] == 0  # Bob's c2 was in src/, not lib/
    assert last["rexp"] == pytest.approx(1 / (1 + 40 / YEAR))


def test_no_metric_reads_a_later_commit(metrics):
    frame, table = metrics
    early = frame[frame["committed_at"] < "2025-02-01"]
    again = change_metrics(early).set_axis(early["title"])
    assert again.equals(table.loc[again.index])


def test_source_size_counts_only_source_files(metrics):
    _, table = metrics
    # c3: a.py +1 is source, docs/x.md +3 is not.
    third = table.loc["docs: explain"]
    assert (third["la"], third["nf"]) == (4, 2) and (third["la_src"], third["ld_src"], third["nf_src"]) == (1, 0, 1)
    assert third["no_src"] == 0
    fourth = table.loc["fix: the fifth line"]
    assert (
        (fourth["la_src"], fourth["ld_src"], fourth["nf_src"])
        == (fourth["la"], fourth["ld"], fourth["nf"])
        == (2, 1, 2)
    )


def test_a_commit_without_source_files_is_flagged(metrics):
    frame, table = metrics
    docs_and_tests = table.loc["test: cover b"]
    assert (docs_and_tests["la"], docs_and_tests["nf"]) == (5, 2)
    assert (docs_and_tests["la_src"], docs_and_tests["nf_src"], docs_and_tests["no_src"]) == (0, 0, 1)
    assert table["no_src"].sum() == 1  # every other commit touches a source file
    row = frame.set_index("title").loc["test: cover b"]
    assert (row["source_file_count"], row["source_lines_added"], row["source_lines_deleted"]) == (0, 0, 0)


def test_recent_fixes_and_developers_of_the_source_files(metrics):
    frame, table = metrics
    assert table.loc["fix: the fifth line", ["rfix", "rdev"]].tolist() == [0, 2]  # a.py, b.py by Ann and Bob
    # c5 renames src/b.py, fixed by c4 ten days before; c6 changes lib/b.py: the rename carries the history.
    assert table.loc["refactor: move b", ["rfix", "rdev"]].tolist() == [1, 2]  # b.py: Ann (c1), Cid (c4)
    assert table.loc["feat: b grows", ["rfix", "rdev"]].tolist() == [1, 2]  # and Ann again (c5)
    # c8, 95 days after c4 and 85 after any change of a.py: nothing recent, whatever the older history.
    late = table.loc["feat: a grows"]
    assert (late["rfix"], late["rdev"]) == (0, 0) and late["nuc"] == 4 and late["ndev"] == 3
    # The rules count the same fixes, from the same definition, and say so in a reason.
    reasons = frame.set_index("title")["reasons"]
    recent = {t: [r for r in reasons[t] if r["code"] == "recent_fixes"] for t in table.index}
    assert recent["feat: b grows"] == [{"code": "recent_fixes", "detail": "1", "points": 5.0}]
    assert {t for t, found in recent.items() if found} == {"refactor: move b", "feat: b grows"}
