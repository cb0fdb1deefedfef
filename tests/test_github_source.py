"""The GitHub source over real HTTP: the real PyGithub client against a local REST server."""

from __future__ import annotations

import math
import time
from datetime import UTC, date, datetime, timedelta

import pytest

from repodigest.cache import Cache
from repodigest.config import RepoConfig
from repodigest.errors import SourceError, UserError
from repodigest.sources import github_client as gh_client
from repodigest.sources import open_source
from repodigest.sources.github import GitHubSource, open_github_source
from repodigest.window import Window, resolve_tz
from servers.github_api import GitHubServer, fake_sha, github_settings, make_commit, make_file

TOKEN = "ghp_TESTtoken0123456789abcdefSECRET"
SHANGHAI = resolve_tz("Asia/Shanghai")
DAY = date(2026, 2, 16)


@pytest.fixture
def github_server():
    """A started GitHub REST server for repository ``o/r`` that accepts only ``TOKEN``."""
    server = GitHubServer(full_name="o/r", token=TOKEN)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def open_src(server, tmp_path, *, spec="o/r", branch=None, refresh=False, **github) -> GitHubSource:
    repo = RepoConfig(spec=spec, branch=branch)
    return open_github_source(repo, spec, github_settings(server, tmp_path, **github), refresh=refresh, progress=False)


def day_commits(n: int, day: date = DAY, big: dict[int, int] | None = None) -> list[dict]:
    """``n`` commits spread over ``day`` in Shanghai; ``big`` maps an index to a file count."""
    big = big or {}
    start = datetime.combine(day, datetime.min.time(), SHANGHAI)
    step = timedelta(seconds=86399 // max(n, 1))
    return [make_commit(f"c{i}", start + step * i, files=big.get(i)) for i in range(n)]


def window(day: date = DAY, days: int = 1) -> Window:
    return Window(day, days, SHANGHAI)


# -- cost: cold, warm, refresh ---------------------------------------------------------------------


def test_cold_past_day_costs_list_pages_plus_details_and_warm_costs_nothing(github_server, tmp_path, monkeypatch):
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    n = 230
    github_server.add_commits(day_commits(n, big={7: 650}))

    cold = open_src(github_server, tmp_path).commits(window())
    assert len(cold) == n
    assert github_server.counts.get("list") == math.ceil(n / 100) == 3
    assert github_server.counts.get("detail") == n + 2  # 650 files: pages 2 and 3 of one commit
    assert github_server.counts.get("other", 0) == 0  # no repository or branch lookups
    assert [c.committer_date for c in cold] == sorted((c.committer_date for c in cold), reverse=True)
    big = next(c for c in cold if c.sha == fake_sha("c7"))
    assert len(big.files) == 650 and not big.files_truncated

    github_server.reset_counts()
    warm = open_src(github_server, tmp_path).commits(window())  # a new source, the same cache dir
    assert github_server.total == 0
    assert warm == cold

    refreshed = open_src(github_server, tmp_path, refresh=True).commits(window())
    assert github_server.counts == {"list": 3, "detail": n + 2}
    assert refreshed == cold


def test_token_is_sent_but_never_stored(github_server, tmp_path, monkeypatch):
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    github_server.add_commits(day_commits(5))
    source = open_src(github_server, tmp_path)
    assert len(source.commits(window())) == 5
    assert github_server.auth_headers and all(TOKEN in (h or "") for h in github_server.auth_headers)
    assert TOKEN not in repr(source)
    source.cache.close()
    stored = b"".join(p.read_bytes() for p in (tmp_path / "cache").iterdir() if p.is_file())
    assert b"patch" in stored or b"new line" in stored  # the cache really holds the details
    assert TOKEN.encode() not in stored


def test_unauthenticated_run_warns_about_60_requests(github_server, tmp_path, monkeypatch):
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    github_server.add_commits(day_commits(2))
    with pytest.warns(UserWarning, match="60"):
        source = open_src(github_server, tmp_path)
    assert len(source.commits(window())) == 2
    assert all(h is None for h in github_server.auth_headers)


def test_open_window_is_listed_again_but_details_come_from_cache(github_server, tmp_path, monkeypatch):
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    today = datetime.now(SHANGHAI).date()
    github_server.add_commits([make_commit("t1", datetime.now(UTC) - timedelta(seconds=5))])
    assert len(open_src(github_server, tmp_path).commits(window(today))) == 1
    github_server.reset_counts()
    assert len(open_src(github_server, tmp_path).commits(window(today))) == 1
    assert github_server.counts == {"list": 1}  # the day is not over: the sha list is not cached


def test_a_trend_window_moving_by_a_day_lists_only_the_new_day(github_server, tmp_path, monkeypatch):
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    for offset in range(15):  # 15 days with 30 commits each: 14-day windows ending on the 15th and 16th
        github_server.add_commits(
            [
                make_commit(
                    f"d{offset}-{i}",
                    datetime.combine(DAY - timedelta(days=14 - offset), datetime.min.time(), SHANGHAI)
                    + timedelta(minutes=30 * i + 1),
                )
                for i in range(30)
            ]
        )
    first = open_src(github_server, tmp_path).commits(Window(DAY - timedelta(days=1), 14, SHANGHAI))
    assert len(first) == 14 * 30
    assert github_server.counts == {"list": math.ceil(14 * 30 / 100), "detail": 14 * 30}
    github_server.reset_counts()
    moved = open_src(github_server, tmp_path).commits(Window(DAY, 14, SHANGHAI))
    assert len(moved) == 14 * 30 and moved[0].committer_date.astimezone(SHANGHAI).date() == DAY
    assert github_server.counts == {"list": 1, "detail": 30}  # only the new day: listed and detailed


def test_open_source_passes_cache_and_refresh_through_the_registry(github_server, tmp_path, monkeypatch):
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    github_server.add_commits(day_commits(3))
    settings = github_settings(github_server, tmp_path)
    cache = Cache(tmp_path / "shared-cache")
    source = open_source(RepoConfig(spec="o/r", name="Team repo"), settings, cache=cache, progress=False)
    assert source.kind == "github" and source.name == "Team repo"
    assert len(source.commits(window())) == 3
    assert (tmp_path / "shared-cache" / "cache.sqlite3").is_file()
    github_server.reset_counts()
    again = open_source(RepoConfig(spec="o/r"), settings, cache=cache, refresh=True, progress=False)
    assert len(again.commits(window())) == 3 and github_server.counts["detail"] == 3


# -- the window ------------------------------------------------------------------------------------


def test_window_uses_committer_date_in_the_report_time_zone(github_server, tmp_path, monkeypatch):
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    github_server.add_commits(
        [
            make_commit("first-instant", "2026-02-16T00:00:00+08:00"),
            make_commit("last-minute", "2026-02-16T23:59:00+08:00"),
            make_commit("next-day", "2026-02-17T00:01:00+08:00"),
            make_commit("day-before", "2026-02-15T23:59:59+08:00"),
            # authored the day before, committed (merged) inside the day: counted by committer date
            make_commit("late-merge", "2026-02-15T12:00:00+08:00", committer_date="2026-02-16T12:00:00+08:00"),
            # authored inside the day, committed after it: not in this day
            make_commit("rebased-later", "2026-02-16T12:00:00+08:00", committer_date="2026-02-17T09:00:00+08:00"),
        ]
    )
    got = open_src(github_server, tmp_path).commits(window())
    assert [c.sha for c in got] == [fake_sha("last-minute"), fake_sha("late-merge"), fake_sha("first-instant")]
    listing = next(path for kind, path in github_server.requests if kind == "list")
    assert "since=2026-02-15T16%3A00%3A00Z" in listing and "until=2026-02-16T15%3A59%3A59Z" in listing
    assert got[0].committer_date == datetime(2026, 2, 16, 15, 59, tzinfo=UTC)


def test_branch_is_listed_with_sha_and_a_missing_branch_is_a_user_error(github_server, tmp_path, monkeypatch):
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    github_server.add_commits([make_commit("on-main", "2026-02-16T10:00:00+08:00")])
    dev = make_commit("on-dev", "2026-02-16T11:00:00+08:00", branches=("dev",))
    dev["_only_branch"] = True
    github_server.add_commits([dev])
    assert [c.sha for c in open_src(github_server, tmp_path, branch="dev").commits(window())] == [fake_sha("on-dev")]
    assert any("sha=dev" in path for kind, path in github_server.requests if kind == "list")
    assert [c.sha for c in open_src(github_server, tmp_path).commits(window())] == [fake_sha("on-main")]
    with pytest.raises(UserError, match="branch 'nope' not found"):
        open_src(github_server, tmp_path, branch="nope").commits(window())


def test_latest_commit_time(github_server, tmp_path, monkeypatch):
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    github_server.add_commits(day_commits(3))
    latest = open_src(github_server, tmp_path).latest_commit_time()
    assert latest == max(
        datetime.fromisoformat(c["commit"]["committer"]["date"].replace("Z", "+00:00"))
        for c in github_server.repos["o/r"].commits
    )
    assert github_server.counts == {"list": 1}
    assert "per_page=1" in github_server.requests[0][1]


# -- concurrency -------------------------------------------------------------------------------------


def test_concurrency_changes_nothing_but_speed(github_server, tmp_path, monkeypatch):
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    github_server.add_commits(day_commits(40, big={3: 320}))
    github_server.latency = 0.05
    serial = open_src(github_server, tmp_path / "one", concurrency=1).commits(window())
    serial_counts = dict(github_server.counts)
    github_server.reset_counts()
    parallel = open_src(github_server, tmp_path / "eight", concurrency=8).commits(window())
    assert dict(github_server.counts) == serial_counts == {"list": 1, "detail": 41}
    assert parallel == serial
    assert [c.files for c in parallel] == [c.files for c in serial]


# -- files, diff, mapping ------------------------------------------------------------------------------


def test_file_mapping_binary_rule_links_and_diff(github_server, tmp_path, monkeypatch):
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    files = [
        make_file("src/new.py", "added", 2, 0),
        make_file("src/gone.py", "removed", 0, 3),
        make_file("src/moved.py", "renamed", 0, 0, patch=None, previous_filename="src/old_place.py"),
        make_file("docs/logo.png", "added", 0, 0, patch=None),
        make_file("bin/tool", "changed", 1, 1),
        make_file("data/huge.csv", "modified", 5000, 10, patch=None),  # too large for a patch, still counted
        make_file("src/copy.py", "copied", 1, 0, previous_filename="src/orig.py"),
    ]
    message = "Fix the parser (#4242)\n\nBody.\n\nCo-authored-by: Ann Lee <ann@example.com>\n"
    github_server.add_commits(
        [
            make_commit(
                "m", "2026-02-16T09:00:00+08:00", files=files, message=message, login="octo", parents=["p1", "p2"]
            )
        ]
    )
    source = open_src(github_server, tmp_path)
    (commit,) = source.commits(window())
    by_path = {f.path: f for f in commit.files}
    assert by_path["src/new.py"].status == "added" and by_path["src/new.py"].added_lines == 2
    assert by_path["src/gone.py"].status == "deleted" and by_path["src/gone.py"].deleted_lines == 3
    moved = by_path["src/moved.py"]
    assert (moved.status, moved.old_path, moved.binary, moved.added_lines) == ("renamed", "src/old_place.py", False, 0)
    logo = by_path["docs/logo.png"]
    assert logo.binary and logo.added_lines is None and logo.deleted_lines is None
    assert by_path["bin/tool"].status == "type_changed"
    huge = by_path["data/huge.csv"]
    assert not huge.binary and huge.added_lines == 5000
    assert by_path["src/copy.py"].status == "copied" and by_path["src/copy.py"].old_path == "src/orig.py"
    assert commit.title == "Fix the parser (#4242)" and commit.pr_number == 4242
    assert commit.pr_url == "https://github.com/o/r/pull/4242"
    assert commit.url == f"https://github.com/o/r/commit/{fake_sha('m')}"
    assert commit.author_login == "octo" and commit.co_authors == ("Ann Lee <ann@example.com>",)
    assert commit.parents == ("p1", "p2") and commit.is_merge
    assert commit.repo == "o/r" and commit.author_name == "Jane Doe"

    text = source.diff(commit)
    assert "diff --git a/src/new.py b/src/new.py" in text
    assert "+new line 1 of src/new.py" in text and "-old line 2" in text
    assert "--- /dev/null" in text and "+++ /dev/null" in text
    assert "rename from src/old_place.py" in text
    assert "Binary files /dev/null and b/docs/logo.png differ" in text
    # the same text from a Commit without patches (e.g. rebuilt elsewhere): read back from the cache
    from dataclasses import replace

    bare = replace(commit, files=tuple(replace(f, patch=None) for f in commit.files))
    assert source.diff(bare) == text


def test_3000_files_is_github_cap_and_marks_truncation(github_server, tmp_path, monkeypatch):
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    github_server.add_commits(
        [
            make_commit("huge", "2026-02-16T09:00:00+08:00", files=3200),
            make_commit("small", "2026-02-16T10:00:00+08:00", files=299),
        ]
    )
    got = {c.sha: c for c in open_src(github_server, tmp_path).commits(window())}
    huge, small = got[fake_sha("huge")], got[fake_sha("small")]
    assert len(huge.files) == 3000 and huge.files_truncated
    assert len(small.files) == 299 and not small.files_truncated
    assert github_server.counts["detail"] == 10 + 1


# -- errors --------------------------------------------------------------------------------------------


def test_rejected_token_is_a_user_error(github_server, tmp_path, monkeypatch):
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_wrong")
    github_server.add_commits(day_commits(1))
    with pytest.raises(UserError, match=r"rejected the token \(401\)") as info:
        open_src(github_server, tmp_path).commits(window())
    assert "ghp_wrong" not in str(info.value)
    assert info.value.exit_code == 2


def test_unknown_repository_is_a_user_error(github_server, tmp_path, monkeypatch):
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    with pytest.raises(UserError, match="GitHub repository 'o/missing' not found or not visible"):
        open_src(github_server, tmp_path, spec="o/missing").commits(window())


def test_rate_limit_with_far_reset_fails_fast_naming_the_reset(github_server, tmp_path, monkeypatch):
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    github_server.add_commits(day_commits(3))
    reset = int(time.time()) + 3600
    github_server.add_fault(403, kind="detail", reset=reset)
    started = time.monotonic()
    with pytest.raises(SourceError) as info:
        open_src(github_server, tmp_path, max_rate_limit_wait=2).commits(window())
    assert time.monotonic() - started < 2  # did not sleep toward the reset
    reset_text = datetime.fromtimestamp(reset, UTC).isoformat().replace("+00:00", "Z")
    assert reset_text in str(info.value) and "rate limit" in str(info.value)
    assert info.value.exit_code == 3


def test_429_rate_limit_is_a_source_error_with_reset(github_server, tmp_path, monkeypatch):
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    github_server.add_commits(day_commits(2))
    reset = int(time.time()) + 900
    github_server.add_fault(429, kind="list", reset=reset)
    with pytest.raises(
        SourceError, match="resets at " + datetime.fromtimestamp(reset, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    ):
        open_src(github_server, tmp_path, max_rate_limit_wait=1).commits(window())


def test_retry_after_longer_than_allowed_wait_is_not_slept(github_server, tmp_path, monkeypatch):
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    github_server.add_commits(day_commits(1))
    github_server.add_fault(403, kind="list", retry_after=600, message="You have exceeded a secondary rate limit.")
    started = time.monotonic()
    with pytest.raises(SourceError, match="rate limit"):
        open_src(github_server, tmp_path, max_rate_limit_wait=1).commits(window())
    assert time.monotonic() - started < 2


def test_rate_limit_with_near_reset_waits_then_succeeds(github_server, tmp_path, monkeypatch, fast_retries):
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    github_server.add_commits(day_commits(2))
    github_server.add_fault(403, kind="list", times=1, reset=int(time.time()))  # resets now: wait about 1 s
    assert len(open_src(github_server, tmp_path, max_rate_limit_wait=5).commits(window())) == 2
    assert github_server.counts["list"] == 2


def test_server_errors_are_retried(github_server, tmp_path, monkeypatch, fast_retries):
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    github_server.add_commits(day_commits(5))
    github_server.add_fault(500, kind="detail", times=2)
    assert len(open_src(github_server, tmp_path).commits(window())) == 5
    assert github_server.counts["detail"] == 5 + 2


def test_persistent_server_errors_are_a_source_error(github_server, tmp_path, monkeypatch, fast_retries):
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.setattr(gh_client, "RETRY_TOTAL", 2)
    github_server.add_commits(day_commits(5))
    github_server.add_fault(500, kind="detail")
    with pytest.raises(SourceError, match="GitHub") as info:
        open_src(github_server, tmp_path).commits(window())
    assert "\n" not in str(info.value)
    assert github_server.counts["detail"] <= 5 * 3  # bounded retries, nothing more


@pytest.mark.parametrize("fault", [{"garbage": True}, {"drop": True}])
def test_garbage_and_reset_connections_are_source_errors(github_server, tmp_path, monkeypatch, fast_retries, fault):
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    github_server.add_commits(day_commits(3))
    github_server.add_fault(None, kind="detail", **fault)
    with pytest.raises(SourceError) as caught:
        open_src(github_server, tmp_path).commits(window())
    message = str(caught.value)
    assert "\n" not in message and TOKEN not in message and "o/r" in message
    assert github_server.counts["detail"] <= 3 * (gh_client.RETRY_TOTAL + 1)  # bounded retries, no hang


def test_slow_server_times_out_with_a_source_error(github_server, tmp_path, monkeypatch, fast_retries):
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.setattr(gh_client, "RETRY_TOTAL", 1)
    github_server.add_commits(day_commits(1))
    github_server.add_fault(None, kind="list", delay=3)
    started = time.monotonic()
    with pytest.raises(SourceError, match="(?i)timed out|did not answer"):
        open_src(github_server, tmp_path, timeout=1).commits(window())
    assert time.monotonic() - started < 6


def test_unreachable_server_is_a_source_error(tmp_path, monkeypatch, fast_retries):
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.setattr(gh_client, "RETRY_TOTAL", 1)
    dead = GitHubServer().start()
    dead.stop()  # the port is now closed
    with pytest.raises(SourceError, match="connection to GitHub failed|GitHub"):
        open_src(dead, tmp_path).commits(window())


def test_failed_detail_keeps_what_was_fetched(github_server, tmp_path, monkeypatch, fast_retries):
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.setattr(gh_client, "RETRY_TOTAL", 0)
    github_server.add_commits(day_commits(4))
    bad = github_server.repos["o/r"].commits[2]["sha"]
    github_server.add_fault(500, path=bad)
    with pytest.raises(SourceError):
        open_src(github_server, tmp_path, concurrency=1).commits(window())
    github_server.clear_faults()
    github_server.reset_counts()
    assert len(open_src(github_server, tmp_path).commits(window())) == 4
    assert github_server.counts["detail"] < 4  # the commits fetched before the failure were cached


def test_forbidden_without_rate_limit_is_a_source_error(github_server, tmp_path, monkeypatch):
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    github_server.add_commits(day_commits(1))
    github_server.add_fault(403, kind="list", message="Resource not accessible by integration")
    with pytest.raises(SourceError, match=r"refused listing commits for 'o/r' \(403\): Resource not accessible"):
        open_src(github_server, tmp_path).commits(window())


def test_vanished_commit_is_a_source_error(github_server, tmp_path, monkeypatch):
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    github_server.add_commits(day_commits(2))
    gone = github_server.repos["o/r"].commits[0]["sha"]
    github_server.add_fault(404, path=f"/commits/{gone}", message=f"No commit found for SHA: {gone}")
    with pytest.raises(SourceError, match="no longer has the listed commit"):
        open_src(github_server, tmp_path).commits(window())


def test_a_listing_without_author_objects_costs_no_request_per_commit(github_server, tmp_path, monkeypatch):
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    commits = day_commits(4)
    for commit in commits:
        del commit["author"]  # an answer that leaves a field out: reading it must not fetch the commit
    github_server.add_commits(commits)
    assert len(open_src(github_server, tmp_path).commits(window())) == 4
    assert github_server.counts == {"list": 1, "detail": 4}
