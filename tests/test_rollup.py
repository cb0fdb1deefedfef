"""Rollups of a week and a month (pipeline.period_rollup, report.rollup, analysis.rollup_wording).

The realistic week (tests/realistic_week.py) is reported day by day in-process against the recorded
OpenAI-compatible server, as the scheduled daily runs would; then its week and its month are rolled up
from what the days left in the cache. Requests are counted at the server.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import date, datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

import repodigest
from isolation import isolated
from published import save
from realistic_week import build_realistic_week, load_answers, load_commits, load_rollups, week_days
from repodigest.errors import UserError
from repodigest.publish.outputs_index import read_report
from repodigest.report.text import inline
from repodigest.window import period_folder, period_window, previous_window
from servers.openai_api import OVERVIEW, ROLLUP, OpenAIServer

TZ = "Asia/Shanghai"
FIRST, LAST = week_days()
PERIOD = f"{FIRST} .. {LAST}"


def day_of(stamp: str) -> str:
    return datetime.fromisoformat(stamp).astimezone(ZoneInfo(TZ)).date().isoformat()


def commit_days() -> list[str]:
    """The days (in TZ) with commits: the setup's and every declared commit's."""
    return sorted({day_of(s) for s in ["2026-02-10T10:00:00+08:00"] + [c["committed"] for c in load_commits()]})


def build(repo, **options):
    return repodigest.build_digest(repos=[str(repo.path)], tz=TZ, lang="en", progress=False, **options)


def asked_since(server: OpenAIServer, start: int) -> list[str]:
    return [a["title"] for a in server.asked[start:]]


@pytest.fixture(scope="module")
def week(tmp_path_factory):
    """Every day of the fixture reported (the daily runs), then the week's and the month's rollups, each
    with the requests it made."""
    root = tmp_path_factory.mktemp("week")
    repo = build_realistic_week(root / "repo")
    server = OpenAIServer(mode="recorded", answers=load_answers("en"), rollups=load_rollups("en")).start()
    with isolated(root / "cache") as env:
        env.setenv("OPENAI_API_KEY", "test-key")
        env.setenv("OPENAI_BASE_URL", server.base_url)
        days = [build(repo, date=day) for day in commit_days()]
        start = len(server.asked)
        weekly = build(repo, date=LAST, period="week")
        week_asked = asked_since(server, start)
        start = len(server.asked)
        monthly = build(repo, date=LAST, period="month")
        month_asked = asked_since(server, start)
        start = len(server.asked)
        again = build(repo, date=LAST, period="week")
        again_asked = asked_since(server, start)
        yield SimpleNamespace(
            repo=repo,
            server=server,
            days=days,
            weekly=weekly,
            monthly=monthly,
            again=again,
            asked={"week": week_asked, "month": month_asked, "again": again_asked},
        )
    server.stop()


def test_the_daily_runs_analysed_every_commit(week):
    assert not any(d.partial for d in week.days)
    assert sum(len(d.report_frame) for d in week.days) == len(load_commits()) + 1
    assert all(set(d.report_frame["analysis_status"]) <= {"ok", "cached"} for d in week.days)


def test_after_the_daily_runs_a_week_and_a_month_ask_nothing_per_commit(week):
    # one request per repository (one here) for the narrative, none per commit
    assert week.asked["week"] == [ROLLUP] and week.asked["month"] == [ROLLUP]
    assert week.asked["again"] == []  # warm: the narrative comes from the cache too
    for digest, shown in ((week.weekly, 16), (week.monthly, 19)):
        assert digest.llm_plan.startswith(f"LLM analysis: 0 requests to make for 0 of the period's {shown} commits")
        assert set(digest.report_frame["analysis_status"]) == {"cached"}
        assert digest.usage["requests"] <= 1 and digest.usage["overview"]["requests"] <= 1
    assert week.again.rollup.to_dict() == week.weekly.rollup.to_dict()


def test_the_model_words_the_headline_and_the_threads_its_numbers_checked(week):
    recorded = load_rollups("en")[PERIOD]
    part = week.weekly.rollup.repos[0]
    assert part.source == "llm" and part.headline == recorded["headline"]
    lines = {t["id"]: t["line"] for t in recorded["threads"]}
    for thread in part.threads:
        if thread.rank == 3:  # "about 30% faster" is no number of the data: the data's line stays
            assert thread.line == thread.data_line and "30" not in thread.line
        else:
            assert thread.line == lines[thread.rank]
    assert week.weekly.usage["overview"]["rejected"] == ["thread 3: 30"]
    md = week.weekly.markdown()
    assert inline(recorded["headline"]) in md and inline(lines[1]) in md
    # the month's facts are another period's: no recording, the server words it from the facts
    month = week.monthly.rollup.repos[0]
    assert month.source == "llm" and month.headline == month.data_headline


def test_every_red_commit_of_the_period_is_cited(week):
    for digest in (week.weekly, week.monthly):
        md = digest.markdown()
        shown = digest.report_frame
        red = shown[shown["level"] == "high"]
        assert len(red) >= 5
        assert f"### 🔴 High-importance commits ({len(red)})" in md
        for short, title in zip(red["short_sha"], red["title"]):
            assert f'<a id="{short}"></a>`{short}` **{inline(title)}**' in md
        # the previous period's 🔴 commits are not listed again as 🔴 commits of this one
        before = digest.frame[(~digest.frame["in_report"]) & (digest.frame["level"] == "high")]
        assert all(f'<a id="{s}"></a>' not in md for s in before["short_sha"])


def shas(repo, *ids: str) -> list[str]:
    return [repo.shas[i] for i in ids]


def test_threads_span_days_and_earlier_commits_are_counted_not_listed(week):
    repo, part = week.repo, week.weekly.rollup.repos[0]
    by_key = {t.key: t for t in part.threads}
    series = by_key["Quantization Refactor"]
    assert series.kind == "series" and series.days == ["2026-02-16", "2026-02-17", "2026-02-18"]
    assert [c.commit.sha for c in series.commits] == shas(
        repo, "quant-scheme-base", "quant-linear-schemes", "quant-fp8-moe-schemes"
    )
    server = by_key["python/sglang/srt/entrypoints/http_server.py"]
    assert server.kind == "files" and [c.commit.sha for c in server.commits] == shas(
        repo, "auth-api-key", "scheduler-overhaul"
    )
    # began the week before: only this week's commit is listed, the earlier one is counted
    offload = by_key["python/sglang/multimodal_gen/runtime/offload/layerwise_offload.py"]
    assert [c.commit.sha for c in offload.commits] == shas(repo, "revert-offload")
    assert (offload.earlier, offload.earlier_days) == (1, ["2026-02-13"])
    assert [t.rank for t in part.threads] == [1, 2, 3, 4] and part.more_threads == 0
    md = week.weekly.markdown()
    threads = md[md.index("### 🧵 Threads (4)") : md.index("### 🔴")]
    assert repo.shas["offload-buffer-reuse"][:7] not in threads
    assert "it began before the period (1 earlier commit(s) on 1 day(s))" in threads
    # the month holds both days of it: nothing came before
    month = {t.key: t for t in week.monthly.rollup.repos[0].threads}
    whole = month["python/sglang/multimodal_gen/runtime/offload/layerwise_offload.py"]
    assert [c.commit.sha for c in whole.commits] == shas(repo, "offload-buffer-reuse", "revert-offload")
    assert whole.earlier == 0


def test_the_revert_names_the_commit_it_repaired_and_that_the_previous_rollup_listed_it(week):
    part = week.weekly.rollup.repos[0]
    reverts = [r for r in part.repairs if r.kind == "revert"]
    assert [r.fix.commit.sha for r in reverts] == shas(week.repo, "revert-offload")
    (repaired,) = reverts[0].repaired
    assert repaired["commit"].commit.sha == week.repo.shas["offload-buffer-reuse"]
    assert repaired["commit"].day == "2026-02-13" and repaired["previous_red"]
    md = week.weekly.markdown()
    short = week.repo.shas["offload-buffer-reuse"][:7]
    assert re.search(rf"↩️ Revert .*: `{short}` .*\(2026-02-13, 🔴 High\) \(🔴 in the previous rollup\)", md)
    # a fix names the commits its changed lines were blamed on (the daily reports' repairs): last week's
    # shared-expert fusion, whose first lines the fix rewrites; the setup's, for the warm-up fix
    repaired = {r.fix.commit.sha: [y["commit"].commit.sha for y in r.repaired] for r in part.repairs if r.kind == "fix"}
    assert repaired[week.repo.shas["deepseek-shared-expert"]] == shas(week.repo, "deepseek-ep-fusion")
    assert repaired[week.repo.shas["diffusion-warmup-output"]] == shas(week.repo, "setup")
    assert repaired[week.repo.shas["typo-spec-log"]] == []  # a typo fix is no fix to the labelling's rules
    fusion = week.repo.shas["deepseek-ep-fusion"][:7]
    assert re.search(rf"🔧 Fix .*Fix shared expert scaling.*: `{fusion}` \[DeepSeek\] Fuse the shared expert", md)
    assert "Fixes and reverts with no earlier commit found that they repair: " in md  # the typo fix


def test_the_period_against_the_one_before(week):
    part = week.weekly.rollup.repos[0]
    assert (part.current.first, part.current.last, part.previous.first, part.previous.last) == (
        FIRST,
        LAST,
        "2026-02-09",
        "2026-02-15",
    )
    assert (part.current.commits, part.previous.commits) == (16, 3)
    assert part.current.levels == {
        lvl: int((week.weekly.report_frame["level"] == lvl).sum()) for lvl in ("high", "medium", "low")
    }
    quantization = next(a for a in part.areas if a.area == "quantization")
    assert (quantization.commits, quantization.previous, quantization.new) == (4, 0, True)
    assert "Wang Yiting" not in part.people.new and "Priya Raman" in part.people.new
    assert part.people.history_days == 7 and not any("bot" in name for name in part.people.new)
    month = week.monthly.rollup.repos[0]
    assert (month.current.first, month.previous.first, month.previous.last) == (
        "2026-02-01",
        "2026-01-01",
        "2026-01-31",
    )
    assert (month.current.commits, month.previous.commits) == (19, 0)


def test_the_two_charts_count_the_periods_commits_per_day(week):
    charts = dict(week.weekly.charts())
    assert list(charts) == ["area-days", "level-days"]
    levels = charts["level-days"]
    assert list(levels.data[0].x) == [f"2026-02-{d}" for d in range(16, 23)]
    per_day = [sum(trace.y[i] for trace in levels.data) for i in range(7)]
    counts = week.weekly.report_frame["day"].value_counts()
    assert per_day == [int(counts.get(f"2026-02-{d}", 0)) for d in range(16, 23)]
    assert sum(per_day) == 16 and per_day[-1] == 0  # a day without commits is drawn as 0


def test_published_folder_says_it_is_a_week(week, tmp_path):
    folder = tmp_path / period_folder("week", date.fromisoformat(LAST))
    done = save(week.weekly, folder)
    names = {p.name for p in done.files}
    assert folder.name == "week-2026-02-22"
    assert {"report.md", "report.html", "status.json", "rollup.json", "commits.csv", "files.parquet"} <= names
    status = json.loads((folder / "status.json").read_text())
    assert status["period"] == "week" and status["days"][0] == FIRST and status["commits"] == 16
    rollup = json.loads((folder / "rollup.json").read_text())
    assert rollup["period"] == "week" and len(rollup["repos"][0]["threads"]) == 4
    # the outputs index and the feed read the headline from overview.json: the rollup's, as the model worded it
    overview = json.loads((folder / "overview.json").read_text())
    assert overview["headline"] == load_rollups("en")[PERIOD]["headline"] and overview["source"] == "llm"
    entry = read_report(folder)
    assert (entry.kind, entry.days[0], entry.days[-1], entry.headline) == ("week", FIRST, LAST, overview["headline"])
    md = (folder / "report.md").read_text()
    assert md.startswith(f"# Weekly Report ({FIRST} to {LAST})\n")
    html = (folder / "report.html").read_text()
    for anchor in set(re.findall(r"\]\(#([^)]+)\)", md)):
        assert f'id="{anchor}"' in html


def test_without_a_key_the_rollup_is_worded_by_the_rules(week):
    digest = repodigest.build_digest(
        date=LAST, repos=[str(week.repo.path)], tz=TZ, lang="zh", progress=False, period="week"
    )
    part = digest.rollup.repos[0]
    assert digest.usage is None and not digest.analyses
    assert part.source == "data" and part.headline == part.data_headline
    assert part.headline.startswith("共 16 个提交（上期 3 个）")
    md = digest.markdown()
    assert md.startswith(f"# 每周更新报告（{FIRST} 至 {LAST}）") and "## 🧭 本周概览" in md
    assert "ℹ️ 本报告的文字由提交数据生成（未使用 LLM）。" in md
    assert "### 🧵 工作线索（4）" in md and "### 🔴 高重要度提交（" in md


def test_a_rollup_of_days_never_reported_says_how_many_requests_it_will_make(week, monkeypatch, caplog):
    server = OpenAIServer(mode="recorded", answers=load_answers("en")).start()
    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    seen = []

    class AtPlan(logging.Handler):
        def emit(self, record):
            if "requests to make" in record.getMessage():
                seen.append((record.getMessage(), server.count))

    handler = AtPlan()
    logging.getLogger("repodigest.pipeline").addHandler(handler)
    caplog.set_level(logging.INFO, logger="repodigest.pipeline")
    try:
        digest = build(week.repo, date=LAST, period="week")
    finally:
        logging.getLogger("repodigest.pipeline").removeHandler(handler)
        server.stop()
    ((plan, before),) = seen
    assert before == 0  # said before the first request
    assert plan.startswith("LLM analysis: 16 requests to make for 16 of the period's 16 commits (0 analyses cached")
    asked = [a["title"] for a in server.asked]
    shown = set(digest.report_frame["title"])
    assert set(asked) - {ROLLUP} == shown and asked.count(ROLLUP) == 1 and OVERVIEW not in asked
    assert len(asked) - 1 - 16 == digest.usage["completions"]  # a follow-up for a deeper entry adds one
    # the week before is read from the cache only: nothing is asked about it
    before = {c["title"] for c in load_commits() if day_of(c["committed"]) < FIRST}
    assert len(before) == 2 and not before & set(asked)


def test_periods_and_their_folders():
    tz = ZoneInfo(TZ)
    week = period_window("week", date(2026, 3, 1), tz)
    assert (week.first_day, week.days) == (date(2026, 2, 23), 7)
    assert previous_window("week", week).day_list()[0] == date(2026, 2, 16)
    month = period_window("month", date(2026, 3, 10), tz)
    assert (month.first_day, month.days) == (date(2026, 3, 1), 10)
    before = previous_window("month", month)
    assert (before.first_day, before.last_day) == (date(2026, 2, 1), date(2026, 2, 28))
    assert period_folder("month", date(2026, 3, 10)) == "month-2026-03"
    assert period_folder("week", date(2026, 3, 1)) == "week-2026-03-01"
    assert period_folder("day", date(2026, 3, 1)) == "2026-03-01"
    with pytest.raises(UserError, match="unknown period 'year'"):
        period_window("year", date(2026, 3, 1), tz)


def test_a_period_sets_its_own_days(week):
    with pytest.raises(UserError, match="leave days at 1"):
        build(week.repo, date=LAST, period="week", days=3)


def test_one_narrative_request_per_repository_with_commits(make_repo, monkeypatch):
    repos = {name: make_repo(name) for name in ("alpha", "beta", "quiet")}
    for name in ("alpha", "beta"):
        repo = repos[name]
        repo.commit(f"[1/2] {name}: add the store", "2026-03-10T10:00:00+00:00", {f"src/{name}/store.py": "s\n" * 20})
        repo.commit(f"[2/2] {name}: read through it", "2026-03-12T10:00:00+00:00", {f"src/{name}/read.py": "r\n" * 9})
    repos["quiet"].commit("Old work", "2026-02-20T10:00:00+00:00", {"src/quiet.py": "q\n"})
    server = OpenAIServer(mode="schema").start()  # answers built from each request's schema
    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    try:
        paths = [str(r.path) for r in repos.values()]
        options = dict(date="2026-03-15", repos=paths, tz="UTC", lang="en", progress=False, period="week")
        digest = repodigest.build_digest(**options)
        asked = [a["title"] for a in server.asked]
        start = len(server.asked)
        again = repodigest.build_digest(**options)
        assert server.asked[start:] == []  # warm: analyses and narratives from the cache
    finally:
        server.stop()
    assert asked.count(ROLLUP) == 2  # alpha and beta; the quiet repository has nothing to word
    assert len([a for a in asked if a != ROLLUP]) >= 4
    by_repo = {p.repo: p for p in digest.rollup.repos}
    assert [p.source for p in by_repo.values()] == ["llm", "llm", "data"]
    assert [t.key for t in by_repo["alpha"].threads] == ["alpha"] and [t.key for t in by_repo["beta"].threads] == [
        "beta"
    ]
    md = digest.markdown()
    assert "### alpha" in md and "## alpha" in md and "## quiet" in md and "No commits in this period." in md
    assert again.rollup.to_dict() == digest.rollup.to_dict()


def test_repository_text_is_data_in_the_rollup(make_repo, tmp_path):
    repo = make_repo("hostile")
    evil = "src/a`b|c<img src=x onerror=alert(1)>.py"
    author = ("<script>alert(1)</script> | Mallory", "m@example.com")
    repo.commit(
        "[1/2] <b>Pool</b>: add [x](javascript:alert(1))", "2026-03-10T10:00:00+00:00", {evil: "1\n"}, author=author
    )
    repo.commit("[2/2] <b>Pool</b>: ## heading | cell", "2026-03-12T10:00:00+00:00", {evil: "2\n"}, author=author)
    digest = repodigest.build_digest(
        date="2026-03-15", repos=[str(repo.path)], tz="UTC", lang="en", progress=False, period="week"
    )
    (thread,) = digest.rollup.repos[0].threads
    assert thread.key == "<b>Pool</b>"
    md = digest.markdown()
    assert "\n## heading" not in md
    assert f"**🔗 Series** `{thread.key}`" in md  # a code span: literal text wherever it renders
    html = (save(digest, tmp_path / "week").folder / "report.html").read_text()
    assert "<b>Pool" not in html and "<img src=x" not in html and "<script>alert" not in html
    assert 'href="javascript:' not in html and "&lt;b&gt;Pool&lt;/b&gt;" in html
