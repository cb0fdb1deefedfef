"""The final importance level of a commit: the rules', moved by the model's judgement.

Rule (score shift; the rules decide, the model breaks close calls):

1. Levels are ordinals: their ``Level.rank`` (low 0, medium 1, high 2).
2. ``shift = MODEL_POINTS x (model ordinal - rules ordinal)``, i.e. +-12 points per level of
   difference (+-24 for high vs low).
3. With the rules' ``score`` (0-100): the final level is the level of ``score + shift``
   (clamped to 0-100) under the rules' own thresholds (``HIGH_AT``, ``MEDIUM_AT``). A model
   one level apart therefore changes the level only when the score is within 12 points of the
   boundary; high vs low moves it by at most 24 points.
4. Without a score: the mean of the two ordinals, with ties (x.5) going to the rules' side;
   so one level apart keeps the rules' level, and high vs low gives medium.
5. No model level (no analysis, failed): the rules' level, unchanged.
6. ``disagreement`` is True when the two levels are two apart (high vs low), whatever the final
   level; the report shows it and the frame keeps it (``level_disagreement``).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..levels import Level
from .heuristic import level_of_score

MODEL_POINTS = 12


@dataclass(frozen=True)
class Blend:
    level: Level  # final level
    disagreement: bool  # rules and model two levels apart
    score: int | None  # the shifted score (None without a rules score)
    shift: int  # points added by the model's judgement
    rule: str  # "rules" (no model level), "score_shift" or "ordinal_mean"


def blend_levels(rules_level: str, model_level: str | None, score: float | None = None) -> Blend:
    """Combine the rules' level (and score) with the model's level, by the module's rule."""
    rules = Level(rules_level)  # ValueError for a word that is no level
    if model_level not in tuple(Level):
        return Blend(rules, False, None if score is None else int(round(score)), 0, "rules")
    model = Level(model_level)
    diff = model.rank - rules.rank
    disagreement = abs(diff) == 2
    shift = MODEL_POINTS * diff
    if score is not None:
        shifted = max(0.0, min(100.0, float(score) + shift))
        return Blend(level_of_score(shifted), disagreement, int(round(shifted)), shift, "score_shift")
    total = rules.rank + model.rank
    if total % 2 == 0:
        final = total // 2
    else:  # tie between two levels: the rules' side wins
        final = (total + 1) // 2 if rules.rank > model.rank else (total - 1) // 2
    return Blend(Level.of_rank(final), disagreement, None, shift, "ordinal_mean")
