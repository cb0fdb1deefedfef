"""Kamei's change metrics (repodigest.evidence.kamei) on a repository built here, against values
computed by hand from its history."""

import pytest

from repodigest.evidence.kamei import METRICS, change_metrics
from repodigest.explore import load_range

ANN, BOB, CID = ("Ann", "ann@x"), ("Bob", "bob@x"), ("Cid", "cid@x")
YEAR = 365.25


def lines(n: int, tag: str) -> str:
    return "".join(f"{tag} {i}\n" for i in range(n))


@pytest.fixture(scope="module")
def metrics(tmp_path_factory):
    """Six commits, ten days apart (UTC), and their metrics by title.

    c1 Ann: src/a.py (10 lines), src/b.py (5 lines)    c2 Bob: a.py +3 -1
    c3 Ann: a.py +1, docs/x.md (3 lines, new)          c4 Cid: "fix: ..." a.py +1 -1, b.py +1
    c5 Ann: src/b.py renamed to lib/b.py               c6 Bob: lib/b.py +1
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
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("REPODIGEST_CACHE_DIR", str(root / "cache"))
        frame = load_range("2025-01-01", "2025-02-20", repos=[str(repo.path)], tz="UTC", progress=False).frame
    return frame, change_metrics(frame).set_axis(frame["title"])


def test_the_metrics_are_kameis_fourteen(metrics):
    frame, table = metrics
    assert list(table.columns) == list(METRICS) and len(table) == len(frame) == 6


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
