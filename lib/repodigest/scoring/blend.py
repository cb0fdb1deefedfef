"""The final importance level of a commit: the heuristic's, moved by the model's judgement.

Rule (score shift; the rules decide, the model breaks close calls):

1. Levels are ordinals: low = 0, medium = 1, high = 2.
2. ``shift = MODEL_POINTS x (model ordinal - heuristic ordinal)``, i.e. +-12 points per level of
   difference (+-24 for high vs low).
3. With the heuristic ``score`` (0-100): the final level is the level of ``score + shift``
   (clamped to 0-100) under the heuristic's own thresholds (``HIGH_AT``, ``MEDIUM_AT``). A model
   one level apart therefore changes the level only when the score is within 12 points of the
   boundary; high vs low moves it by at most 24 points.
4. Without a score: the mean of the two ordinals, with ties (x.5) going to the heuristic's side;
   so one level apart keeps the heuristic level, and high vs low gives medium.
5. No model level (no analysis, failed): the heuristic level, unchanged.
6. ``disagreement`` is True when the two levels are two apart (high vs low), whatever the final
   level; the report shows it and the frame keeps it (``level_disagreement``).
"""

from __future__ import annotations

from dataclasses import dataclass

from .heuristic import HIGH_AT, MEDIUM_AT

ORDINAL = {"low": 0, "medium": 1, "high": 2}
LEVEL_OF = {v: k for k, v in ORDINAL.items()}
MODEL_POINTS = 12


@dataclass(frozen=True)
class Blend:
    level: str  # final level
    disagreement: bool  # heuristic and model two levels apart
    score: int | None  # the shifted score (None without a heuristic score)
    shift: int  # points added by the model's judgement
    rule: str  # "heuristic" (no model level), "score_shift" or "ordinal_mean"


def _level(score: float) -> str:
    return "high" if score >= HIGH_AT else "medium" if score >= MEDIUM_AT else "low"


def blend_levels(heuristic_level: str, llm_level: str | None, score: float | None = None) -> Blend:
    """Combine the heuristic level (and score) with the model's level, by the module's rule."""
    if heuristic_level not in ORDINAL:
        raise ValueError(f"unknown heuristic level {heuristic_level!r}")
    if llm_level not in ORDINAL:
        return Blend(heuristic_level, False, None if score is None else int(round(score)), 0, "heuristic")
    diff = ORDINAL[llm_level] - ORDINAL[heuristic_level]
    disagreement = abs(diff) == 2
    shift = MODEL_POINTS * diff
    if score is not None:
        shifted = max(0.0, min(100.0, float(score) + shift))
        return Blend(_level(shifted), disagreement, int(round(shifted)), shift, "score_shift")
    h, m = ORDINAL[heuristic_level], ORDINAL[llm_level]
    total = h + m
    if total % 2 == 0:
        final = total // 2
    else:  # tie between two levels: the heuristic's side wins
        final = (total + 1) // 2 if h > m else (total - 1) // 2
    return Blend(LEVEL_OF[final], disagreement, None, shift, "ordinal_mean")


def apply_analyses(frame, run):
    """A copy of ``frame`` (repodigest.frame) with the model's columns filled from ``run`` (an AnalysisRun).

    For each row whose sha has a result: ``analysis_status`` (ok / cached / failed), ``diff_coverage``,
    ``tokens_in``/``tokens_out`` (spent in this run); when the model answered, ``llm_level`` and
    ``llm_reason`` and the blended ``level`` / ``level_disagreement`` (rule above, with the row's
    ``score``); when it failed, ``llm_reason`` holds the one-line error (the report's "analysis
    failed" note reads it) and the level stays the heuristic one. Other rows are left as they are.
    """
    import pandas as pd

    out = frame.copy()
    results = getattr(run, "results", run) or {}
    for index, row in out.iterrows():
        result = results.get(row["sha"])
        if result is None:
            continue
        out.at[index, "analysis_status"] = result.status
        out.at[index, "diff_coverage"] = float("nan") if result.coverage is None else float(result.coverage)
        out.at[index, "tokens_in"] = int(result.tokens_in or 0)
        out.at[index, "tokens_out"] = int(result.tokens_out or 0)
        if result.status in ("ok", "cached") and result.llm_level in ORDINAL:
            score = None if pd.isna(row["score"]) else float(row["score"])
            blended = blend_levels(row["heuristic_level"], result.llm_level, score)
            out.at[index, "llm_level"] = result.llm_level
            out.at[index, "llm_reason"] = result.llm_reason
            out.at[index, "level"] = blended.level
            out.at[index, "level_disagreement"] = blended.disagreement
        elif result.status == "failed":
            out.at[index, "llm_reason"] = result.error
    return out
