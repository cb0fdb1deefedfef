"""The blend rule: the heuristic level, moved by the model's judgement (see scoring.blend)."""

from datetime import UTC

import pytest

from repodigest.scoring.blend import MODEL_POINTS, blend_levels
from repodigest.scoring.heuristic import HIGH_AT, MEDIUM_AT


@pytest.mark.parametrize(
    "heuristic,llm,level,disagreement",
    [
        ("high", "high", "high", False),
        ("high", "medium", "high", False),
        ("high", "low", "medium", True),
        ("medium", "high", "medium", False),
        ("medium", "medium", "medium", False),
        ("medium", "low", "medium", False),
        ("low", "high", "medium", True),
        ("low", "medium", "low", False),
        ("low", "low", "low", False),
    ],
)
def test_without_a_score_the_mean_of_ordinals_ties_to_the_heuristic(heuristic, llm, level, disagreement):
    result = blend_levels(heuristic, llm)
    assert (result.level, result.disagreement, result.rule) == (level, disagreement, "ordinal_mean")


@pytest.mark.parametrize(
    "score,heuristic,llm,level,disagreement",
    [
        (HIGH_AT - 5, "medium", "high", "high", False),  # close call, model breaks it upwards
        (MEDIUM_AT + 5, "medium", "high", "medium", False),  # far from the boundary: rules stand
        (HIGH_AT + 3, "high", "medium", "medium", False),  # close call downwards
        (90, "high", "medium", "high", False),
        (90, "high", "low", "high", True),  # two apart: flagged, 90-24 stays high
        (HIGH_AT + 2, "high", "low", "medium", True),
        (MEDIUM_AT - 1, "low", "high", "medium", True),
        (max(0, MEDIUM_AT - 2 * MODEL_POINTS - 1), "low", "high", "low", True),  # shifted still below medium: flagged
        (MEDIUM_AT, "medium", "low", "low", False),
        (50, "medium", "medium", "medium", False),
    ],
)
def test_with_a_score_the_model_shifts_it_by_points_per_level(score, heuristic, llm, level, disagreement):
    result = blend_levels(heuristic, llm, score)
    assert result.rule == "score_shift"
    assert result.shift == MODEL_POINTS * (
        {"low": 0, "medium": 1, "high": 2}[llm] - {"low": 0, "medium": 1, "high": 2}[heuristic]
    )
    assert (result.level, result.disagreement) == (level, disagreement)
    assert 0 <= result.score <= 100


@pytest.mark.parametrize("llm", [None, "", "urgent"])
def test_no_model_level_keeps_the_heuristic(llm):
    result = blend_levels("medium", llm, 40)
    assert (result.level, result.disagreement, result.shift, result.rule) == ("medium", False, 0, "rules")


def test_unknown_heuristic_level_is_an_error():
    with pytest.raises(ValueError):
        blend_levels("critical", "high")


def test_with_analyses_fills_the_frame_columns():
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from repodigest.analysis import CommitAnalysis, request_for
    from repodigest.frame import to_frame, with_analyses
    from repodigest.models import Commit, FileChange
    from repodigest.scoring.heuristic import assess

    when = datetime(2026, 2, 16, 2, 0, tzinfo=UTC)

    def commit(i, files):
        return Commit(
            repo="o/r",
            sha=f"{i:040x}",
            parents=("0" * 40,),
            author_name="A",
            author_email="a@x",
            author_date=when,
            committer_name="A",
            committer_email="a@x",
            committer_date=when,
            message=f"feat: change {i}",
            title=f"feat: change {i}",
            pr_number=None,
            co_authors=(),
            files=tuple(FileChange(p, "modified", a, d) for p, a, d in files),
        )

    commits = [
        commit(1, [("src/a.py", 3, 1)]),
        commit(2, [("src/b.py", 400, 100), ("src/c.py", 300, 50)]),
        commit(3, [("src/d.py", 20, 5)]),
        commit(4, [("src/e.py", 1, 0)]),
    ]
    scored = [(c, assess(c)) for c in commits]
    request = request_for(commits[1], scored[1][1], "diff --git a/src/b.py b/src/b.py\n")
    assert request.level == scored[1][1].level and request.reasons and request.repo == "o/r"
    frame = to_frame(scored, ZoneInfo("Asia/Shanghai"), ["2026-02-16"])
    low, other = scored[0][1], scored[1][1]
    run = {
        commits[0].sha: CommitAnalysis(
            commits[0].sha,
            "ok",
            analysis={},
            tokens_in=100,
            tokens_out=20,
            coverage=0.5,
            model_level="high",
            model_reason="touches the engine",
        ),
        commits[1].sha: CommitAnalysis(
            commits[1].sha,
            "cached",
            analysis={},
            coverage=1.0,
            model_level=other.level,
            model_reason="as the rules say",
        ),
        commits[2].sha: CommitAnalysis(commits[2].sha, "failed", error="HTTP 500: boom", tokens_in=0),
    }
    out = with_analyses(frame, run)
    assert frame["analysis_status"].eq("none").all()  # the input is not changed
    rows = out.set_index("sha")
    r1 = rows.loc[commits[0].sha]
    expected = blend_levels(low.level, "high", low.score)
    assert (r1["analysis_status"], r1["model_level"], r1["level"], bool(r1["level_disagreement"])) == (
        "ok",
        "high",
        expected.level,
        expected.disagreement,
    )
    assert (r1["diff_coverage"], r1["tokens_in"], r1["tokens_out"]) == (0.5, 100, 20)
    r2 = rows.loc[commits[1].sha]
    assert (r2["analysis_status"], r2["level"], r2["tokens_in"]) == ("cached", other.level, 0)
    r3 = rows.loc[commits[2].sha]
    assert (r3["analysis_status"], r3["model_reason"], r3["level"]) == ("failed", "HTTP 500: boom", r3["rules_level"])
    assert pd_isna(r3["model_level"])
    r4 = rows.loc[commits[3].sha]
    assert r4["analysis_status"] == "none" and r4["level"] == r4["rules_level"]
    assert str(out["tokens_in"].dtype) == "Int64" and str(out["diff_coverage"].dtype) == "float64"


def pd_isna(value) -> bool:
    import pandas as pd

    return bool(pd.isna(value))
