"""Evidence behind the levels in the pipeline (issue 21): outcomes in the frame, the report's track-record
line, and the learned risk model's place, on repositories built here."""

from __future__ import annotations

import pytest

from repodigest import build_digest
from repodigest.explore import load_range


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
    digest = load_range("2026-01-01", "2026-05-10", repos=[str(history.path)], outcomes=True, progress=False)
    frame = digest.frame.set_index("sha")
    risky = frame.loc[history.shas["risky"]]
    assert bool(risky["later_fixed"]) and risky["fixed_by"] == [history.shas["fix"]]
    assert risky["days_to_fix"] == pytest.approx(21.0) and risky["outcome"] == "fixed"
    assert frame.loc[history.shas["fix"], "outcome"] == "clean"
    young = frame[frame["title"] == "feat: report day change"].iloc[0]
    assert young["outcome"] == "open" and not bool(young["later_fixed"])  # too young: open, never clean
    plain = load_range("2026-01-01", "2026-05-10", repos=[str(history.path)], progress=False).frame
    assert plain["later_fixed"].isna().all() and plain["outcome"].isna().all()  # not asked: not labelled


def test_the_report_says_how_past_levels_held(history):
    digest = build_digest(date="2026-05-10", repos=[str(history.path)], lang="en", progress=False)
    record = digest.track_records["proj"]
    assert record["count"] == 5 and record["days"] == 90  # the five commits of January and February
    risky_level = load_range("2026-01-10", "2026-01-10", repos=[str(history.path)], progress=False).frame["level"][0]
    assert record[risky_level] > 0  # the tokenizer was later fixed
    md = digest.markdown()
    line = next(ln for ln in md.splitlines() if "whose outcome is known" in ln)
    assert "(5 commits)" in line and "docs/analytics.md#did-the-levels-hold" in line
    assert "later fixed or reverted in" in line


def test_no_line_without_known_history(make_repo):
    repo = make_repo("young")
    repo.commit("feat: first", "2026-05-09T10:00:00+08:00", {"src/a.py": "a\n"})
    digest = build_digest(date="2026-05-09", repos=[str(repo.path)], lang="en", progress=False)
    assert digest.track_records == {} and "whose outcome is known" not in digest.markdown()
    off = build_digest(date="2026-05-09", repos=[str(repo.path)], progress=False, track_record=False)
    assert off.track_records == {}


def test_the_learned_model_needs_enough_history_and_says_so(history):
    digest = build_digest(date="2026-05-10", repos=[str(history.path)], lang="en", risk_model="learned", progress=False)
    assert any("no learned risk model" in note for note in digest.notes)  # one fix is too little to learn from
    assert digest.report_frame["level_by"].eq("rules").all() and digest.report_frame["risk"].isna().all()
