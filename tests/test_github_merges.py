"""One history from every source (issue 20): a clone, a mirror and the GitHub API read the same rows.

Each repository shape of tests/shapes.py is built for real, then read three ways: as a local clone, as
a mirror (a bare clone of it over file://) and through the GitHub stand-in fed with its commits
(tests/servers/from_git.py), whose listing, like GitHub's, holds every commit reachable from the branch
through all parents. All three give the same rows, titles, pull-request numbers, authors and landed
commits; the requests the GitHub source makes are the ones its docstring states.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest
from graphql import parse

import shapes  # tests/ is on sys.path (tests/conftest.py)
from repodigest.cache import Cache
from repodigest.config import RepoConfig, Settings
from repodigest.sources.github import open_github_source
from repodigest.sources.local_git import LocalGitSource
from repodigest.sources.mirror import open_mirror_source
from repodigest.sources.pull_requests import BATCH, look_up_pull_requests
from repodigest.sources.pull_shape import build_query, with_pull_request
from repodigest.window import Window, resolve_tz
from servers.from_git import branch_heads, github_commits
from servers.github_api import GitHubServer, github_settings
from servers.github_graphql import cost_and_limits, make_pull
from shapes import ANN, BOB, MAINTAINER, lines, merge

SH = resolve_tz("Asia/Shanghai")
DAY = Window(date(2026, 2, 16), 1, SH)
NEXT_DAY = datetime(2026, 2, 17, 12, 0, tzinfo=SH)  # "now" for the GitHub source: the day after is still open


@pytest.fixture
def served():
    """GitHub stand-ins for repositories built in the test: ``served(repo) -> server`` (stopped afterwards)."""
    servers = []

    def serve(repo) -> GitHubServer:
        server = GitHubServer(github_commits(repo.path), full_name="o/r", heads=branch_heads(repo.path))
        server.start()
        servers.append(server)
        return server

    yield serve
    for server in servers:
        server.stop()


def github(server, tmp_path, now: datetime = NEXT_DAY, cache: str = "gh-cache"):
    settings = github_settings(server, tmp_path, cache=cache)
    source = open_github_source(RepoConfig(spec="o/r"), "o/r", settings, progress=False)
    source.run_started = now
    return source


def read_three(repo, server, tmp_path, window: Window = DAY) -> dict[str, list]:
    """The window's commits from the clone, a mirror of it and the GitHub stand-in serving it."""
    mirror = open_mirror_source(
        RepoConfig(spec="o/r", mirror=True),
        "o/r",
        Settings(cache_dir=str(tmp_path / "mirror-cache")),
        remote_url=f"file://{repo.path}",
    )
    return {
        "local": LocalGitSource(repo.path).commits(window),
        "mirror": mirror.commits(window),
        "github": github(server, tmp_path).commits(window),
    }


def seen(commits) -> list[tuple]:
    """What a reader sees of each row: sha, title, PR number, main author, authors, landed shas and titles."""
    return [
        (
            c.sha,
            c.title,
            c.pr_number,
            c.main_author.author_name,
            c.authors,
            [(m.sha, m.title, m.author_name) for m in c.merged],
        )
        for c in commits
    ]


def assert_same(read: dict[str, list]) -> list:
    assert seen(read["mirror"]) == seen(read["local"])
    assert seen(read["github"]) == seen(read["local"])
    return read["github"]


@pytest.fixture(autouse=True)
def _token(monkeypatch):
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_merges")  # the stand-in accepts any; no 60-an-hour warning


def test_the_merge_button_reads_the_same_from_every_source(make_repo, served, tmp_path):
    repo = make_repo("button")
    shas = shapes.button(repo)
    server = served(repo)
    [row] = assert_same(read_three(repo, server, tmp_path))
    assert (row.sha, row.pr_number, row.main_author.author_name) == (shas["merge"], 32334, ANN[0])
    assert row.title == "MAINT: soft-deprecate the allocator in favour of the raw API"
    assert [c.sha for c in row.merged] == [shas["second"], shas["first"]]
    assert all(c.files == () for c in row.merged)  # from the listing: no request, no files
    assert sorted(f.path for f in row.files) == ["docs/alloc.md", "src/core/alloc.py"]  # against the first parent
    # the window listed, then the days after it (the head down to the window); one detail: the row only
    assert server.counts == {"list": 2, "detail": 1}


def test_topic_merges_bots_and_the_rest_read_the_same_from_every_source(make_repo, served, tmp_path):
    topics = make_repo("topics")
    shapes.topics(topics)
    rows = assert_same(read_three(topics, served(topics), tmp_path / "topics"))
    assert [r.title for r in rows] == ["ann/docs", "mia/cleanup", "bob/cache", "ann/writev"]
    assert [r.main_author.author_name for r in rows] == [ANN[0], MAINTAINER[0], BOB[0], ANN[0]]

    bots = make_repo("bots")
    shas = shapes.bots(bots)
    [row] = assert_same(read_three(bots, served(bots), tmp_path / "bots"))
    assert row.main_author.author_name == "dependabot[bot]" and [c.sha for c in row.merged] == [shas["bump"]]

    mixed = make_repo("mixed")
    shas = shapes.octopus_empty_nested_conflict(mixed)
    server = served(mixed)
    rows = {r.sha: r for r in assert_same(read_three(mixed, server, tmp_path / "mixed"))}
    assert sorted(len(r.parents) for r in rows.values()) == [1, 1, 2, 2, 2, 4]  # main's own line only
    assert rows[shas["empty"]].merged == () and rows[shas["octopus"]].title == "o1, o2, o3"
    assert sorted(c.sha for c in rows[shas["nested"]].authored) == sorted([shas["inner"], shas["sub"]])
    assert shas["mainline"] in rows  # a back-merged main commit is a row, never a landed one
    resolved = rows[shas["resolved"]]
    assert [(f.path, f.added_lines, f.deleted_lines) for f in resolved.files] == [("conflict.txt", 2, 1)]
    listed = len([c for c in server.repos["o/r"].commits if c["commit"]["committer"]["date"].startswith("2026-02-16")])
    assert server.counts == {"list": 2, "detail": len(rows)} and len(rows) < listed  # details for the rows only


def test_a_linear_day_costs_no_extra_request(make_repo, served, tmp_path):
    repo = make_repo("linear")  # a squash-merge repository
    for i in range(5):
        repo.commit(
            f"Change {i} (#{10 + i})", f"2026-02-16T0{i + 1}:00:00+08:00", {f"f{i}.py": lines(i + 1, "f")}, author=ANN
        )
    server = served(repo)
    rows = assert_same(read_three(repo, server, tmp_path))
    assert len(rows) == 5 and all(r.merged == () for r in rows)
    assert server.counts == {"list": 1, "detail": 5}


def test_a_branch_merged_after_the_window_is_not_a_row_of_it(make_repo, served, tmp_path):
    repo = make_repo("later")
    repo.commit("base", "2026-02-15T10:00:00+08:00", {"a.txt": "a\n"}, author=MAINTAINER)
    repo.git("checkout", "-q", "-b", "topic")
    repo.commit("topic: written on the day", "2026-02-16T09:00:00+08:00", {"t.txt": "t\n"}, author=ANN)
    repo.git("checkout", "-q", "main")
    own = repo.commit("main's own change", "2026-02-16T10:00:00+08:00", {"a.txt": "b\n"}, author=MAINTAINER)
    merge(repo, "topic", "Merge branch 'topic'", "2026-02-17T09:00:00+08:00")  # the next day
    server = served(repo)
    rows = assert_same(read_three(repo, server, tmp_path))
    assert [r.sha for r in rows] == [own]  # no merge listed, but two tips: the walk from the head tells
    assert server.counts == {"list": 2, "detail": 1}


def test_finished_days_after_the_window_are_listed_once(make_repo, served, tmp_path):
    repo = make_repo("button")
    shapes.button(repo)
    repo.commit("later work", "2026-02-18T10:00:00+08:00", {"b.txt": "b\n"}, author=BOB)
    server = served(repo)
    now = datetime(2026, 2, 19, 12, 0, tzinfo=SH)  # the 17th and 18th are over, the 19th is not
    first = github(server, tmp_path, now).commits(DAY)
    assert server.counts == {"list": 2, "detail": 1}  # the window, then the 17th..19th in one listing
    server.reset_counts()
    again = github(server, tmp_path, now).commits(DAY)
    assert again == first and server.counts == {"list": 1}  # only the open day again


def test_a_pull_requests_older_commits_come_with_the_pull_request(make_repo, served, tmp_path):
    repo = make_repo("older")
    shas = shapes.button(repo, written=("2026-02-12T09:00:00+08:00", "2026-02-16T09:30:00+08:00"))
    server = served(repo)
    server.add_pull(
        make_pull(
            32334,
            "MAINT: soft-deprecate the allocator in favour of the raw API",
            author="ann",
            merged_by="mia",
            commits=[shas["first"], shas["second"]],
        ),
        [shas["merge"]],
    )
    [local] = LocalGitSource(repo.path).commits(DAY)
    [row] = github(server, tmp_path).commits(DAY)
    assert [c.sha for c in row.merged] == [shas["second"]]  # the listing holds the window's only
    settings = github_settings(server, tmp_path, cache="gh-cache")
    lookup = look_up_pull_requests("o/r", [row.sha], settings, Cache(tmp_path / "gh-cache"), progress=False)
    assert lookup.graphql_requests == 1 and server.graphql_points == 1
    row = with_pull_request(row, lookup.found[row.sha])
    assert seen([row]) == seen([local])
    assert [(c.added_lines, c.deleted_lines) for c in row.merged] == [(4, 0), (30, 0)]  # the pull request's counts
    assert [(c.added_lines, c.deleted_lines) for c in local.merged] == [(4, 0), (30, 0)]
    assert with_pull_request(local, lookup.found[row.sha]).merged == local.merged  # a clone had them all
    again = look_up_pull_requests("o/r", [row.sha], settings, Cache(tmp_path / "gh-cache"), progress=False)
    assert again.cached == 1 and again.found == lookup.found  # the commits are kept with the pull request


def test_a_batch_of_pull_requests_with_their_commits_costs_three_points():
    query = parse(build_query(BATCH))
    variables = {f"o{i}": "0" * 40 for i in range(BATCH)}
    assert cost_and_limits(query, variables) == (3, [])  # 5 connections x 50 aliases = 250 -> 2.5 -> 3


def test_the_stand_in_lists_what_the_branch_reaches_as_github_does(make_repo, served):
    import requests

    repo = make_repo("reach")
    shas = shapes.button(repo)
    repo.git("checkout", "-q", "-b", "unmerged")
    stray = repo.commit("not merged anywhere", "2026-02-16T12:00:00+08:00", {"x.txt": "x\n"}, author=BOB)
    repo.git("checkout", "-q", "main")
    server = served(repo)
    assert stray in {c["sha"] for c in server.repos["o/r"].commits}  # the server holds it ...

    def listing(**query) -> list[dict]:
        return requests.get(f"{server.url}/repos/o/r/commits", params={"per_page": 100, **query}, timeout=5).json()

    main = listing(since="2026-02-16T00:00:00Z")
    assert [c["sha"] for c in main] == [shas["merge"], shas["second"], shas["first"]]  # ... main does not reach it
    assert [p["sha"] for p in main[0]["parents"]] == [repo.git("rev-parse", "main^1").strip(), shas["second"]]
    assert main[0]["commit"]["committer"]["date"] == "2026-02-16T03:00:00Z" and "files" not in main[0]
    assert stray in [c["sha"] for c in listing(sha="unmerged")]
    detail = requests.get(f"{server.url}/repos/o/r/commits/{shas['merge']}", timeout=5).json()
    alloc = next(f for f in detail["files"] if f["filename"] == "src/core/alloc.py")  # the diff against main
    assert (alloc["status"], alloc["additions"], alloc["deletions"]) == ("added", 30, 0)
    assert alloc["patch"].startswith("@@ -0,0 +1,30 @@\n+alloc line 0")


def test_an_imported_history_is_one_change_from_every_source(make_repo, served, tmp_path):
    repo = make_repo("imported")
    shas = shapes.imported(repo)
    rows = {r.sha: r for r in assert_same(read_three(repo, served(repo), tmp_path))}
    assert set(rows) == {shas["import"], shas["after"]}  # the imported commits are no rows
    row = rows[shas["import"]]
    assert row.merged == () and row.main_author.author_name == MAINTAINER[0]  # it landed nothing: one change
    assert sorted(f.path for f in row.files) == ["core/pyproject.toml", "core/src/lib.rs"]  # this tree's paths
