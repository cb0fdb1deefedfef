"""Repositories that land work with merge commits read as the changes they landed (issue 20).

Each test builds a real repository of one shape (GitHub's merge button, a maintainer merging topic
branches, a bot's branch, octopus, empty, nested, conflict merges, a back-merge, a shallow clone, a
clone missing a blob) and reads it as the report does: rows are the first-parent line, a merge is
titled and credited by what it landed, and the analytics credit the people who wrote the lines.
"""

from __future__ import annotations

import subprocess
from datetime import date

import pandas as pd
import pytest

import shapes  # tests/ is on sys.path (tests/conftest.py)
from gitrepo import GitRepo
from isolation import isolated
from repodigest import analytics, build_digest
from repodigest.sources.local_git import LocalGitSource
from repodigest.window import Window, resolve_tz
from shapes import ANN, BOB, MAINTAINER, lines, merge

SH = resolve_tz("Asia/Shanghai")


def day(repo, d: str = "2026-02-16", days: int = 1):
    return LocalGitSource(repo.path).commits(Window(date.fromisoformat(d), days, SH))


@pytest.fixture
def button(make_repo):
    """GitHub's merge button: a pull request's two commits by Ann, merged by the maintainer."""
    repo = make_repo("button")
    repo.shas = shapes.button(repo)
    return repo


def test_a_merged_pull_request_reads_as_its_title_author_and_merger(button):
    [row] = day(button)
    assert row.sha == button.shas["merge"] and row.pr_number == 32334
    assert row.title == "MAINT: soft-deprecate the allocator in favour of the raw API"
    assert [c.sha for c in row.merged] == [button.shas["second"], button.shas["first"]]
    assert row.main_author.author_name == ANN[0] and row.authors == (ANN[0],)
    frame = build_digest(date="2026-02-16", repos=[str(button.path)], tz="Asia/Shanghai", lang="zh").frame
    shown = frame[frame["in_report"]].iloc[0]
    assert (shown["title"], shown["author"], shown["merged_by"], shown["merged_commits"]) == (
        row.title,
        ANN[0],
        MAINTAINER[0],
        2,
    )
    assert shown["authors"] == [ANN[0]] and [m["title"] for m in shown["merged"]] == [
        "Add a note to the docs",
        "Deprecate the allocator",
    ]
    assert shown["change_type"] != "other"  # classified by the pull request's title, not "Merge pull request"


def test_the_entry_lists_what_the_merge_landed(button):
    md = build_digest(date="2026-02-16", repos=[str(button.path)], lang="en", tz="Asia/Shanghai").markdown()
    assert "### MAINT: soft-deprecate the allocator in favour of the raw API" in md
    assert (
        f"**🔀 Landed 2 commit(s)** (merged by {MAINTAINER[0]}): `{button.shas['second'][:7]}` Add a note to "
        f"the docs ({ANN[0]}); `{button.shas['first'][:7]}` Deprecate the allocator ({ANN[0]})"
    ) in md
    assert "Merge pull request" not in md.split("## 📋 Contents")[1].split("### ")[1].splitlines()[0]


@pytest.fixture(scope="module")
def topics(tmp_path_factory):
    """git.git style: the maintainer merges topic branches; every main-line commit is a merge. Read, never
    changed."""
    repo = GitRepo(tmp_path_factory.mktemp("merges") / "topics")
    repo.written = shapes.topics(repo)["written"]
    return repo


@pytest.fixture(scope="module")
def topics_digest(topics, tmp_path_factory):
    """The topics' day (zh, Asia/Shanghai), built once for the tests that only read it."""
    with isolated(tmp_path_factory.mktemp("cache")):
        return build_digest(date="2026-02-16", repos=[str(topics.path)], tz="Asia/Shanghai", lang="zh")


def test_topic_merges_are_titled_by_their_branch_and_credited_to_its_authors(topics, topics_digest):
    rows = day(topics)
    assert [r.title for r in rows] == ["ann/docs", "mia/cleanup", "bob/cache", "ann/writev"]
    assert [r.main_author.author_name for r in rows] == [ANN[0], MAINTAINER[0], BOB[0], ANN[0]]
    assert all(r.is_merge and r.subject.startswith("Merge branch") for r in rows)
    digest = topics_digest
    assert digest.frame.loc[digest.frame["in_report"], "change_type"].tolist() == ["docs", "other", "other", "other"]


def test_the_maintainers_ownership_share_is_the_share_of_lines_they_wrote(topics, topics_digest):
    digest = topics_digest
    files = digest.file_frame[digest.file_frame["in_report"]]
    mine = files.groupby("author")["lines_added"].sum().to_dict()
    assert mine == {k: v for k, v in topics.written.items() if v}  # each line credited to who wrote it
    io = analytics.ownership(files).set_index("path").loc["core/io.c"]
    assert (io["main_dev"], io["authors"], io["ownership"]) == (ANN[0], 2, round(40 / 45, 2))
    by_author = analytics.churn(files, by="author", freq="D").set_index("author")["lines_added"].to_dict()
    assert by_author[MAINTAINER[0]] == topics.written[MAINTAINER[0]] == 12
    assert set(analytics.absence_factor(digest.report_frame, by=None)["top"].iloc[0]) <= {ANN[0], BOB[0], MAINTAINER[0]}
    joined = analytics.new_contributors(digest.frame, freq="M")
    assert set(joined["new_contributors"].iloc[-1]) >= {ANN[0], BOB[0]}


def test_activity_by_hour_counts_each_landed_commit_at_its_own_author_time(topics_digest):
    digest = topics_digest
    hours = analytics.activity(digest.report_frame)
    monday = hours.loc["Mon"]  # 2026-02-16 is a Monday
    assert monday[1] == 1 and monday[2] == 2 and monday[3] == 1 and monday[4] == 1  # the five landed commits
    assert int(hours.to_numpy().sum()) == 5


def test_a_bots_branch_is_a_bots_row(make_repo):
    repo = make_repo("bots")
    shapes.bots(repo)
    row = build_digest(date="2026-02-16", repos=[str(repo.path)], tz="Asia/Shanghai", lang="zh").report_frame.iloc[0]
    assert (row["author"], bool(row["is_bot"]), row["merged_by"], row["level"]) == (
        "dependabot[bot]",
        True,
        MAINTAINER[0],
        "low",
    )


def test_a_bots_capped_row_names_the_bot_not_the_merger(make_repo):
    repo = make_repo("big-bot")
    repo.commit("base", "2026-02-15T10:00:00+08:00", {"requirements.txt": "a==1\n"}, author=MAINTAINER)
    repo.git("checkout", "-q", "-b", "dependabot/pip/many")
    files = {f"src/api/v{i}.py": lines(80, f"v{i}") for i in range(12)}
    repo.commit("Bump everything", "2026-02-16T08:00:00+08:00", files, author=shapes.DEPENDABOT)
    repo.git("checkout", "-q", "main")
    merge(repo, "dependabot/pip/many", "Merge pull request #9 from o/dependabot/pip/many", "2026-02-16T09:00:00+08:00")
    row = build_digest(date="2026-02-16", repos=[str(repo.path)]).report_frame.iloc[0]
    [bot] = [r for r in row["reasons"] if r["code"] == "bot"]
    assert bot["detail"] == shapes.DEPENDABOT[0] and row["merged_by"] == MAINTAINER[0]


def test_octopus_empty_nested_conflict_and_back_merges(make_repo):
    repo = make_repo("shapes")
    shas = shapes.octopus_empty_nested_conflict(repo)
    octopus, empty, inner, sub = shas["octopus"], shas["empty"], shas["inner"], shas["sub"]
    mainline, nested, resolved = shas["mainline"], shas["nested"], shas["resolved"]
    rows = {r.sha: r for r in day(repo)}
    assert sorted(len(r.parents) for r in rows.values()) == [1, 1, 2, 2, 2, 4]  # main's own line only
    assert sorted(c.title for c in rows[octopus].merged) == ["o1 work", "o2 work", "o3 work"]
    assert rows[octopus].title == "o1, o2, o3" and rows[octopus].main_author.author_name == ANN[0]
    assert rows[empty].merged == () and rows[empty].main_author.author_name == MAINTAINER[0]
    landed = rows[nested].authored
    assert sorted(c.sha for c in landed) == sorted([inner, sub])  # not the back-merged main commit, no merges
    assert mainline in rows and all(c.sha != mainline for c in landed)
    assert [f.path for f in rows[resolved].files] == ["conflict.txt"]  # the resolution against the first parent
    assert (rows[resolved].files[0].added_lines, rows[resolved].files[0].deleted_lines) == (2, 1)
    frame = build_digest(
        date="2026-02-16", repos=[str(repo.path)], tz="Asia/Shanghai", lang="zh"
    ).report_frame.set_index("sha")
    assert frame.loc[empty, "merged_commits"] == 0 and frame.loc[octopus, "merged_commits"] == 3
    assert frame.loc[nested, "merged_commits"] == 2 and set(frame.loc[nested, "authors"]) == {ANN[0], BOB[0]}


def test_a_shallow_clone_reports_what_it_holds(make_repo, tmp_path):
    repo = make_repo("deep")
    repo.commit("old", "2026-02-10T10:00:00+08:00", {"a.txt": lines(3, "old")}, author=MAINTAINER)
    repo.git("checkout", "-q", "-b", "long-topic")
    topic = repo.commit("topic: written long ago", "2026-02-11T10:00:00+08:00", {"t.txt": lines(5, "t")}, author=ANN)
    repo.git("checkout", "-q", "main")
    for i in range(3):
        repo.commit(f"day {i}", f"2026-02-16T0{i + 1}:00:00+08:00", {"a.txt": lines(3 + i, f"d{i}")}, author=MAINTAINER)
    landed = merge(repo, "long-topic", "Merge branch 'long-topic'", "2026-02-16T09:00:00+08:00")
    clone = tmp_path / "shallow"  # as actions/checkout makes it: the merge, its parents, nothing older
    subprocess.run(["git", "clone", "-q", "--depth", "2", f"file://{repo.path}", str(clone)], check=True)
    digest = build_digest(date="2026-02-16", repos=[str(clone)], lang="en", tz="Asia/Shanghai")
    frame = digest.report_frame.set_index("sha")
    boundary = repo.git("rev-parse", "main~1").strip()  # "day 2": its parent is not in the clone
    assert sorted(frame.index) == sorted([landed, boundary])
    assert frame.loc[boundary, "incomplete"] == "parent" and frame.loc[boundary, "file_count"] == 0
    assert frame.loc[landed, "incomplete"] == "parent"  # what it landed reaches beyond the clone too
    assert frame.loc[landed, "author"] == ANN[0] and [m["sha"] for m in frame.loc[landed, "merged"]] == [topic]
    assert not digest.file_frame["path"].eq("a.txt").any()  # no line is credited from a diff against nothing
    assert any("beyond this shallow clone" in note and "--unshallow" in note for note in digest.notes)
    assert digest.markdown().count("reaches beyond the shallow clone") == 2


def test_a_missing_blob_costs_its_line_counts_not_the_report(make_repo, tmp_path):
    repo = make_repo("damaged")
    repo.commit("base", "2026-02-15T10:00:00+08:00", {"keep.txt": "k\n"}, author=MAINTAINER)
    lost = repo.commit(
        "adds a file whose blob is lost", "2026-02-16T09:00:00+08:00", {"lost.txt": lines(7, "lost")}, author=ANN
    )
    fine = repo.commit("an ordinary change", "2026-02-16T10:00:00+08:00", {"keep.txt": "k\nk2\n"}, author=BOB)
    blob = repo.git("rev-parse", f"{lost}:lost.txt").strip()
    (repo.path / ".git" / "objects" / blob[:2] / blob[2:]).unlink()  # a damaged object store
    with pytest.raises(subprocess.CalledProcessError):  # what git log --numstat does with it
        repo.git("log", "--numstat", "-1", lost)
    digest = build_digest(date="2026-02-16", repos=[str(repo.path)], lang="en", tz="Asia/Shanghai")
    frame = digest.report_frame.set_index("sha")
    assert frame.loc[lost, "incomplete"] == "blobs" and frame.loc[lost, "file_changes"][0]["path"] == "lost.txt"
    assert frame.loc[lost, "file_changes"][0]["added"] is None  # not counted, like a binary file
    assert pd.isna(frame.loc[fine, "incomplete"]) and frame.loc[fine, "lines_added"] == 1
    assert any("is not in the clone" in note for note in digest.notes)


def test_a_partial_clone_is_read_from_what_it_holds_without_fetching(make_repo, tmp_path):
    repo = make_repo("upstream")
    repo.git("config", "uploadpack.allowFilter", "true")
    repo.commit("base", "2026-02-15T10:00:00+08:00", {"a.txt": lines(4, "a")}, author=MAINTAINER)
    for i in range(3):
        repo.commit(f"change {i}", f"2026-02-16T0{i + 1}:00:00+08:00", {f"f{i}.txt": lines(i + 2, f"f{i}")}, author=ANN)
    clone = tmp_path / "blobless.git"  # bare: no checkout fetches the tip's blobs
    subprocess.run(
        ["git", "clone", "-q", "--bare", "--filter=blob:none", f"file://{repo.path}", str(clone)], check=True
    )

    def objects() -> str:
        return subprocess.run(["git", "-C", str(clone), "count-objects", "-v"], capture_output=True, text=True).stdout

    before = objects()
    digest = build_digest(date="2026-02-16", repos=[str(clone)], lang="en", tz="Asia/Shanghai")
    assert objects() == before  # nothing fetched from the reachable upstream
    frame = digest.report_frame
    assert len(frame) == 3 and frame["incomplete"].eq("blobs").all()
    assert sorted(frame["file_changes"].map(lambda c: c[0]["path"])) == ["f0.txt", "f1.txt", "f2.txt"]
    assert any("fetch --refetch" in note for note in digest.notes)


def test_a_topic_begun_before_the_window_is_whole_not_incomplete(make_repo):
    repo = make_repo("long")
    repo.commit("base", "2026-01-05T10:00:00+08:00", {"a.txt": "a\n"}, author=MAINTAINER)
    repo.git("checkout", "-q", "-b", "slow-topic")
    early = repo.commit("slow: begun in January", "2026-01-06T10:00:00+08:00", {"s.txt": lines(3, "s")}, author=ANN)
    repo.git("checkout", "-q", "main")
    repo.commit("main: January work", "2026-01-20T10:00:00+08:00", {"a.txt": "a\nb\n"}, author=MAINTAINER)
    repo.git("checkout", "-q", "slow-topic")
    late = repo.commit("slow: finished", "2026-02-16T08:00:00+08:00", {"s.txt": lines(5, "s")}, author=ANN)
    repo.git("checkout", "-q", "main")
    landed = merge(repo, "slow-topic", "Merge branch 'slow-topic'", "2026-02-16T09:00:00+08:00")
    [row] = day(repo)
    assert row.sha == landed and row.incomplete is None
    assert [c.sha for c in row.merged] == [late, early]  # both, though the first is a month older than the window


@pytest.mark.parametrize("message", ["Merge main into topic", "Merge branch 'main' into topic"])
def test_a_back_merge_fast_forwarded_onto_main_keeps_its_own_subject(make_repo, message):
    """A topic branch merges main back in, then main fast-forwards to it: the back-merge is on the line.
    It lands no topic, so it is not titled by the branch it names ("main")."""
    repo = make_repo("back")
    repo.commit("start", "2026-02-15T10:00:00+08:00", {"a.py": lines(3, "a")})
    repo.git("checkout", "-q", "-b", "topic")
    repo.commit("topic work", "2026-02-16T09:00:00+08:00", {"t.py": lines(4, "t")})
    repo.git("checkout", "-q", "main")
    repo.commit("fix the loader", "2026-02-16T09:30:00+08:00", {"a.py": lines(5, "b")})
    repo.git("checkout", "-q", "topic")
    back = repo.merge("main", message, "2026-02-16T10:00:00+08:00")
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--ff-only", "topic")
    row = next(r for r in day(repo) if r.sha == back)
    assert row.is_merge and row.title == message == row.subject
    digest = build_digest(date="2026-02-16", repos=[str(repo.path)], tz="Asia/Shanghai", lang="en")
    shown = digest.frame.set_index("sha").loc[back]
    assert shown["title"] == message and shown["change_type"] == "other"


def test_an_imported_history_lands_nothing_and_the_files_are_this_trees(make_repo):
    """``git subtree add``: the imported project's commits name paths of its own tree (its pyproject.toml
    is not this repository's) and record work done elsewhere; the merge is one change under ``core/``."""
    repo = make_repo("imported")
    shas = shapes.imported(repo)
    digest = build_digest(date="2026-02-16", repos=[str(repo.path)], tz="Asia/Shanghai", lang="en")
    row = digest.frame.set_index("sha").loc[shas["import"]]
    assert row["merged_commits"] == 0 and row["author"] == MAINTAINER[0]
    files = digest.file_frame[digest.file_frame["in_report"]]
    tree = set(repo.git("ls-tree", "-r", "--name-only", "HEAD").split())
    assert set(files["path"]) <= tree and "core/src/lib.rs" in set(files["path"])
    assert files.loc[files["path"] == "pyproject.toml"].empty  # the imported project's own is not this one's
    assert set(files.loc[files["sha"] == shas["import"], "author"]) == {MAINTAINER[0]}  # who brought it in
