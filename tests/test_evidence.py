"""Evidence behind the levels in the pipeline (issue 21): outcomes in the frame, the report's track-record
line, and the learned risk model's place, on repositories built here."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from repodigest import analytics, build_digest
from repodigest.errors import UserError
from repodigest.explore import load_range
from repodigest.i18n import strings
from repodigest.report.context import track_record_line
from servers.github_api import GitHubServer
from servers.github_graphql import make_pull

TZ = "Asia/Shanghai"
TOKEN = "ghp_EvidenceTest0123456789SECRET"
LEVEL_MARK = {"high": "🔴", "medium": "🟡", "low": "🟢"}


def lines(n: int, tag: str) -> str:
    return "".join(f"value_{tag}_{i} = compute({i})\n" for i in range(n))


@pytest.fixture
def history(make_repo):
    """A change in January whose lines a fix deletes three weeks later, other work, and a report day in May."""
    repo = make_repo("proj")
    repo.commit("Add the parser", "2026-01-05T10:00:00+08:00", {"src/proj/core/parse.py": lines(40, "p")})
    risky = repo.commit(
        "feat: a faster tokenizer",
        "2026-01-10T10:00:00+08:00",
        {"src/proj/core/tok.py": lines(60, "t"), "src/proj/core/api.py": lines(5, "a")},
    )
    repo.commit("docs: the tokenizer", "2026-01-12T10:00:00+08:00", {"docs/tok.md": "how\n"})
    fix = repo.commit(
        "fix: the tokenizer drops the last token",
        "2026-01-31T10:00:00+08:00",
        {"src/proj/core/tok.py": lines(20, "t") + lines(40, "fixed")},
    )
    repo.commit("Tidy the parser", "2026-02-02T10:00:00+08:00", {"src/proj/core/parse.py": lines(41, "p")})
    repo.commit("feat: report day change", "2026-05-10T10:00:00+08:00", {"src/proj/io/out.py": lines(8, "o")})
    repo.shas = {"risky": risky, "fix": fix}
    return repo


def test_outcomes_fill_the_frame_when_asked(history):
    digest = load_range("2026-01-01", "2026-05-10", repos=[str(history.path)], tz=TZ, outcomes=True, progress=False)
    frame = digest.frame.set_index("sha")
    risky = frame.loc[history.shas["risky"]]
    assert bool(risky["later_fixed"]) and risky["fixed_by"] == [history.shas["fix"]]
    assert risky["days_to_fix"] == pytest.approx(21.0) and risky["outcome"] == "fixed"
    assert frame.loc[history.shas["fix"], "outcome"] == "clean"
    young = frame[frame["title"] == "feat: report day change"].iloc[0]
    assert young["outcome"] == "open" and not bool(young["later_fixed"])  # too young: open, never clean
    plain = load_range("2026-01-01", "2026-05-10", repos=[str(history.path)], tz=TZ, progress=False).frame
    assert plain["later_fixed"].isna().all() and plain["outcome"].isna().all()  # not asked: not labelled


def test_the_workbench_says_which_judgement_the_levels_come_from_and_how_it_ranked(history):
    frame = load_range(
        "2026-01-01", "2026-05-10", repos=[str(history.path)], tz=TZ, outcomes=True, progress=False
    ).frame
    table = analytics.ranking(frame).set_index("judgement")
    assert list(table.index) == ["rules"]  # no learned risk in this frame: the levels are the rules'
    rules = table.loc["rules"]
    # As of the newest commit (May 10) only January is closed: its four commits, the tokenizer fixed.
    assert (rules["months"], rules["commits"], rules["went_wrong"], rules["levels"]) == ("2026-01", 4, 1, 1.0)
    january = frame[frame["committed_at"] < "2026-02-01"]
    assert rules["roc_auc"] == analytics.discrimination(january)
    later = analytics.ranking(frame, as_of=pd.Timestamp("2026-06-01", tz="UTC")).iloc[0]
    assert (later["months"], later["commits"]) == ("2026-01 – 2026-02", 5)  # February closed by June
    unlabelled = load_range("2026-01-01", "2026-05-10", repos=[str(history.path)], tz=TZ, progress=False).frame
    assert analytics.ranking(unlabelled)[["months", "commits"]].values.tolist() == [["", 0]]


def test_the_report_says_how_past_levels_held(history):
    digest = build_digest(date="2026-05-10", repos=[str(history.path)], lang="en", tz=TZ, progress=False)
    record = digest.track_records["proj"]
    assert record["count"] == 5 and record["days"] == 90  # the five commits of January and February
    risky_level = load_range("2026-01-10", "2026-01-10", repos=[str(history.path)], tz=TZ, progress=False).frame[
        "rules_level"
    ][0]
    alike = record["levels"][risky_level]["commits"]
    assert record["levels"][risky_level]["went_wrong"] == 1  # the tokenizer was later fixed
    assert sum(level["commits"] for level in record["levels"].values()) == 5 and record["went_wrong"] == 1
    line = next(ln for ln in digest.markdown().splitlines() if "whose outcome is known" in ln)
    assert "Did the rules' levels hold? Of the 5 commits of the last 90 days" in line
    assert f"{LEVEL_MARK[risky_level]} 1 of {alike} ({1 / alike:.0%})" in line
    assert "](" not in line  # no link: the docs are not shipped with the package; the line says how
    assert "found with SZZ" in line
    held = "🔴 > 🟡 > 🟢 held" in line or "did not hold" in line or "cannot be judged" in line
    assert held
    # Which judgement the levels come from, and how it ranked on the last closed month (January: the
    # four commits, the tokenizer later fixed).
    assert re.search(
        r"The levels come from the rules: over the last closed months \(2026-01; 4 commits, 1 later fixed or "
        r"reverted\) they ranked the commits that went wrong with ROC AUC (0|1)\.\d\d ",
        line,
    )
    assert record["judged"]["rules_auc"] == analytics.discrimination(
        load_range("2026-01-01", "2026-01-31", repos=[str(history.path)], tz="UTC", outcomes=True, progress=False).frame
    )


def test_the_track_record_line_reads_its_figures_in_both_languages():
    def record(**levels):
        figures = {lvl: dict(zip(("commits", "went_wrong"), levels.get(lvl, (0, 0)))) for lvl in LEVEL_MARK}
        count = sum(f["commits"] for f in figures.values())
        return {
            "days": 90,
            "count": count,
            "went_wrong": sum(f["went_wrong"] for f in figures.values()),
            "levels": figures,
        }

    en, zh = strings("en"), strings("zh")
    line = track_record_line(record(high=(12, 2), medium=(30, 3), low=(33, 1)), en)
    assert "🔴 2 of 12 (17%), 🟡 3 of 30 (10%), 🟢 1 of 33 (3%)" in line and "🔴 > 🟡 > 🟢 held" in line
    assert "🔴 12 个中 2 个（17%），🟡 30 个中 3 个（10%），🟢 33 个中 1 个（3%）" in track_record_line(
        record(high=(12, 2), medium=(30, 3), low=(33, 1)), zh
    )
    assert "did not hold" in track_record_line(record(high=(10, 1), medium=(10, 3), low=(10, 0)), en)
    assert "不成立" in track_record_line(record(high=(10, 1), medium=(10, 3), low=(10, 0)), zh)
    assert "🔴 no commits" in track_record_line(record(medium=(10, 3), low=(10, 1)), en)
    one = track_record_line(record(medium=(10, 3)), en)
    assert "cannot be judged yet" in one and "held" not in one.replace("threshold", "")
    calm = track_record_line(record(high=(5, 0), medium=(30, 0), low=(40, 0)), en)
    assert calm.startswith("None of the 75 commits of the last 90 days whose outcome is known was later fixed")
    assert "0%" not in calm and "没有一个后来被修复或回滚" in track_record_line(record(low=(40, 0)), zh)
    young = track_record_line(record(), en)
    assert young.startswith("No commit has a known outcome yet") and "还没有结果已知的提交" in track_record_line(
        record(), zh
    )
    judged = {"months": "2025-10 – 2025-12", "commits": 120, "went_wrong": 11, "rules_auc": 0.62}
    by_rules = track_record_line({**record(low=(33, 1)), "judged": {**judged, "learned": False}}, en)
    assert (
        "The levels come from the rules: over the last closed months (2025-10 – 2025-12; 120 commits, 11 later "
        "fixed or reverted) they ranked the commits that went wrong with ROC AUC 0.62 (0.5 is chance"
    ) in by_rules and "model" not in by_rules
    assert "等级来自规则：在最近已结束的月份（2025-10 – 2025-12；120 个提交，11 个后来被修复或回滚）上" in (
        track_record_line({**record(low=(33, 1)), "judged": {**judged, "learned": False}}, zh)
    )
    learned = {**record(high=(12, 2), low=(33, 1)), "judged": {**judged, "model_auc": 0.71, "learned": True}}
    assert (
        "The levels come from the model learned from this repository's history: over the last closed months "
        "(2025-10 – 2025-12; 120 commits, 11 later fixed or reverted) it ranked the commits that went wrong with "
        "ROC AUC 0.71, the rules with 0.62"
    ) in track_record_line(learned, en)
    unmeasured = {
        **learned,
        "judged": {**judged, "rules_auc": float("nan"), "model_auc": float("nan"), "learned": False, "least": 10},
    }
    beside = track_record_line(unmeasured, en)
    assert "The levels come from the rules: " in beside and "ROC AUC –, the model learned" in beside
    assert "with – (0.5 is chance" in beside and "on at least 10 commits that went wrong" in beside
    unranked = track_record_line({**record(), "judged": {**judged, "months": "", "learned": False}}, en)
    assert "holds no closed month yet" in unranked


def test_a_repository_with_no_known_history_says_there_is_nothing_to_judge(make_repo):
    repo = make_repo("young")
    repo.commit("feat: first", "2026-05-09T10:00:00+08:00", {"src/a.py": "a\n"})
    digest = build_digest(date="2026-05-09", repos=[str(repo.path)], lang="en", tz=TZ, progress=False)
    assert digest.track_records["young"]["count"] == 0
    assert "No commit has a known outcome yet" in digest.markdown()
    off = build_digest(date="2026-05-09", repos=[str(repo.path)], tz=TZ, progress=False, track_record=False)
    assert off.track_records == {}


@pytest.fixture
def fixed_later(make_repo):
    """January's commits, a fix of one of them on February 20 (after January), and a commit in May."""
    repo = make_repo("later")
    repo.commit("Add the parser", "2026-01-05T10:00:00+08:00", {"src/proj/core/parse.py": lines(40, "p")})
    risky = repo.commit(
        "feat: a faster tokenizer", "2026-01-10T10:00:00+08:00", {"src/proj/core/tok.py": lines(60, "t")}
    )
    repo.commit("docs: the tokenizer", "2026-01-12T10:00:00+08:00", {"docs/tok.md": "how\n"})
    fix = repo.commit(
        "fix: the tokenizer drops the last token",
        "2026-02-20T10:00:00+08:00",
        {"src/proj/core/tok.py": lines(20, "t") + lines(40, "fixed")},
    )
    repo.commit("feat: May's change", "2026-05-20T10:00:00+08:00", {"src/proj/io/out.py": lines(8, "o")})
    repo.shas = {"risky": risky, "fix": fix}
    return repo


def test_a_past_range_is_labelled_as_of_the_newest_commit(fixed_later):
    digest = load_range("2026-01-01", "2026-01-31", repos=[str(fixed_later.path)], tz=TZ, outcomes=True, progress=False)
    frame = digest.frame.set_index("sha")
    assert frame.loc[fixed_later.shas["risky"], "outcome"] == "fixed"
    assert frame.loc[fixed_later.shas["risky"], "fixed_by"] == [fixed_later.shas["fix"]]
    assert frame["outcome"].tolist().count("clean") == 2  # the others, observed well past 90 days
    assert not any("observed as of" in note for note in digest.notes)  # nothing is cut short


def test_the_report_of_a_day_knows_nothing_after_it_and_says_which_horizons_are_cut_short(fixed_later):
    risky, fix = fixed_later.shas["risky"], fixed_later.shas["fix"]
    report = build_digest(
        date="2026-01-31",
        repos=[str(fixed_later.path)],
        lang="en",
        tz=TZ,
        window_days=31,
        outcomes=True,
        progress=False,
    )
    frame = report.frame.set_index("sha")
    assert frame.loc[risky, "outcome"] == "open" and not bool(frame.loc[risky, "later_fixed"])  # the fix is later
    [note] = [n for n in report.notes if "observed as of" in n]
    assert "2026-01-12 10:00" in note and "3 of the 3 commits are younger than the 90-day" in note
    assert risky[:7] in note
    same = load_range(
        "2026-01-01",
        "2026-01-31",
        repos=[str(fixed_later.path)],
        tz=TZ,
        outcomes=True,
        as_of="2026-01-31",
        progress=False,
    )
    assert same.frame.set_index("sha").loc[risky, "outcome"] == "open"
    now = build_digest(
        date="2026-01-31",
        repos=[str(fixed_later.path)],
        tz=TZ,
        window_days=31,
        outcomes=True,
        as_of="newest",
        progress=False,
    )
    assert now.frame.set_index("sha").loc[risky, "fixed_by"] == [fix]
    by_revision = load_range(
        "2026-01-01", "2026-01-31", repos=[str(fixed_later.path)], tz=TZ, outcomes=True, as_of=fix, progress=False
    )
    assert by_revision.frame.set_index("sha").loc[risky, "fixed_by"] == [fix]  # observed from the fix itself
    assert any("2026-02-20 10:00" in n and fix[:7] in n for n in by_revision.notes)
    with pytest.raises(UserError, match="no-such-tag"):
        load_range("2026-01-01", "2026-01-31", repos=[str(fixed_later.path)], outcomes=True, as_of="no-such-tag")


def test_commits_after_the_point_of_observation_have_no_outcome_and_a_note_says_so(fixed_later):
    digest = load_range(
        "2026-01-01",
        "2026-01-31",
        repos=[str(fixed_later.path)],
        tz=TZ,
        outcomes=True,
        as_of="2026-01-10",
        progress=False,
    )
    frame = digest.frame
    assert frame["outcome"].isna().sum() == 1 and frame["outcome"].eq("open").sum() == 2  # the docs are after it
    docs = frame.loc[frame["title"] == "docs: the tokenizer", "sha"].iloc[0]
    [after] = [n for n in digest.notes if docs[:7] in n]  # named as not on the line by then
    assert "2026-01-10 10:00" in after and fixed_later.shas["risky"][:7] in after  # the point: the tokenizer


def test_the_track_record_grades_the_levels_the_report_showed(make_repo, monkeypatch):
    """A past commit's pull request has labels that raise its level: the track record grades the level its
    own day's report showed (with the labels), not the bare rules'."""
    repo = make_repo("clone")
    repo.git("remote", "add", "origin", "git@github.com:o/r.git")
    repo.commit("Add the parser", "2026-01-05T10:00:00+08:00", {"src/proj/parse.py": lines(40, "p")})
    tweak = repo.commit(
        "Tweak the parser (#41)", "2026-01-10T10:00:00+08:00", {"src/proj/parse.py": lines(36, "p") + lines(4, "q")}
    )
    repo.commit(
        "fix: the parser's tail",
        "2026-01-20T10:00:00+08:00",
        {"src/proj/parse.py": lines(36, "p") + lines(4, "r")},
    )
    repo.commit("feat: report day change", "2026-05-10T10:00:00+08:00", {"src/proj/io/out.py": lines(8, "o")})
    bare = load_range("2026-01-10", "2026-01-10", repos=[str(repo.path)], tz=TZ, progress=False).frame
    with GitHubServer(full_name="o/r", token=TOKEN) as server:
        server.add_pull(make_pull(41, "Tweak the parser", labels=["high priority", "breaking"]), [tweak])
        monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
        monkeypatch.setenv("GITHUB_API_URL", server.url)
        shown = build_digest(date="2026-01-10", repos=[str(repo.path)], tz=TZ, progress=False).report_frame
        record = build_digest(date="2026-05-10", repos=[str(repo.path)], tz=TZ, progress=False).track_records["o/r"]
    level, bare_level = shown["rules_level"].iloc[0], bare["rules_level"].iloc[0]
    assert level != bare_level  # the labels moved it
    assert record["levels"][level]["went_wrong"] == 1 and record["levels"][bare_level]["went_wrong"] == 0


def test_the_learned_model_needs_enough_history_and_says_so(history):
    digest = build_digest(date="2026-05-10", repos=[str(history.path)], lang="en", risk_model="learned", progress=False)
    assert any("no learned risk model" in note for note in digest.notes)  # one fix is too little to learn from
    assert digest.report_frame["level_by"].eq("rules").all() and digest.report_frame["risk"].isna().all()
