"""The outcome labels of a commit frame, and how well a score ranks them.

A commit's outcome is read from the frame's outcome columns (:func:`outcome_table` builds them from
:func:`~repodigest.evidence.label_outcomes`): ``later_reverted``, ``later_fixed``, ``days_to_fix``
(to the first fix or revert) and ``outcome_horizon`` (the last moment an outcome could be seen).

- **Known** over an observation period of ``days`` (default ``OBSERVATION_DAYS``, 90): the horizon
  reaches ``committed_at + days``. A younger commit is *open*: left out, never counted as clean.
- **Went wrong**: later fixed (SZZ) or reverted within ``days`` of landing (``days_to_fix <= days``), so
  a rate does not depend on how far past the period the outcomes were looked for.
- **Observed until**: ``committed_at + days``, the moment a known commit's label was settled; a model
  trained before a day may only use commits observed until before it.
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd

from ..errors import UserError
from .outcomes import OBSERVATION_DAYS, Outcomes

# The frame's outcome columns: name -> (pandas dtype, meaning); ``boolean`` and ``string`` hold <NA>
# for a commit that was not labelled (no clone, or not on the revision's first-parent line).
OUTCOME_COLUMNS: dict[str, tuple[str, str]] = {
    "later_reverted": ("boolean", "a later commit reverted it, up to the outcome horizon"),
    "reverted_by": ("object", "shas of the later commits that revert it, oldest first"),
    "later_fixed": ("boolean", "a later fix commit deletes or changes its lines (SZZ), up to the horizon"),
    "fixed_by": ("object", "shas of those fix commits, oldest first"),
    "days_to_fix": ("float64", "days from the commit to its first fix or revert; NaN when none"),
    "outcome_horizon": ("datetime64[ns, UTC]", "the last moment an outcome could be seen"),
    "outcome": ("string", "open (observation period not over), reverted, fixed or clean"),
}


def outcome_table(outcomes: Outcomes) -> pd.DataFrame:
    """The outcome columns (``OUTCOME_COLUMNS``, in their dtypes) of labelled commits, indexed by sha."""
    rows = [
        {
            "sha": sha,
            "later_reverted": o.later_reverted,
            "reverted_by": list(o.reverted_by),
            "later_fixed": o.later_fixed,
            "fixed_by": list(o.fixed_by),
            "days_to_fix": o.days_to_fix,
            "outcome_horizon": o.outcome_horizon,
            "outcome": o.status,
        }
        for sha, o in outcomes.items()
    ]
    table = pd.DataFrame(rows, columns=["sha", *OUTCOME_COLUMNS]).set_index("sha")
    for name, (dtype, _) in OUTCOME_COLUMNS.items():
        if dtype.startswith("datetime64"):
            table[name] = pd.to_datetime(table[name], utc=True).astype(dtype)
        elif dtype != "object":
            table[name] = table[name].astype(dtype)
    return table


def require_outcomes(frame: pd.DataFrame) -> None:
    """UserError naming what to do when ``frame`` lacks the outcome columns a rate or a model reads."""
    missing = [c for c in ("later_reverted", "later_fixed", "days_to_fix", "outcome_horizon") if c not in frame]
    if missing:
        raise UserError(
            f"the frame has no outcome columns ({', '.join(missing)}): label its commits first "
            f"(label_outcomes, or load_range(..., outcomes=True) on a clone or mirror)"
        )


def observed_until(frame: pd.DataFrame, days: float = OBSERVATION_DAYS) -> pd.Series:
    """``committed_at + days``: when each commit's outcome over the period is settled."""
    return pd.to_datetime(frame["committed_at"], utc=True) + timedelta(days=days)


def outcome_known(frame: pd.DataFrame, days: float = OBSERVATION_DAYS) -> pd.Series:
    """The commits whose outcome over ``days`` is known (the horizon reaches the period's end)."""
    require_outcomes(frame)
    horizon = pd.to_datetime(frame["outcome_horizon"], utc=True)
    return (horizon >= observed_until(frame, days)).fillna(False).astype(bool)


def went_wrong(frame: pd.DataFrame, days: float = OBSERVATION_DAYS) -> pd.Series:
    """The commits later fixed or reverted within ``days`` of landing (False when not, or not labelled)."""
    require_outcomes(frame)
    either = _flag(frame["later_fixed"]) | _flag(frame["later_reverted"])
    return either & (pd.to_numeric(frame["days_to_fix"], errors="coerce") <= days).fillna(False)


def closed_months(
    frame: pd.DataFrame,
    cutoff: pd.Timestamp,
    days: float = OBSERVATION_DAYS,
    *,
    months: int = 3,
    max_months: int = 12,
    min_went_wrong: int = 10,
) -> list[pd.Period]:
    """The last closed calendar months (UTC) before ``cutoff`` (a UTC moment), newest first: months whose
    last moment plus ``days`` is before it (every outcome of their commits was settled by then) and that
    hold commits whose outcome is known; ``months`` of them, extended back up to ``max_months`` until
    their known commits hold ``min_went_wrong`` that went wrong. The months a judgement is ranked on,
    the rules' and the learned model's alike."""
    known = outcome_known(frame, days)
    at = pd.to_datetime(frame["committed_at"], utc=True)
    month_of = at.dt.tz_localize(None).dt.to_period("M")
    ends = {m: pd.Timestamp(m.end_time, tz="UTC") + timedelta(days=days) for m in month_of[known].unique()}
    closed = sorted((m for m, end in ends.items() if end < cutoff), reverse=True)[:max_months]
    wrong = went_wrong(frame, days) & known
    chosen: list[pd.Period] = []
    for month in closed:
        if len(chosen) >= months and int(wrong[month_of.isin(chosen)].sum()) >= min_went_wrong:
            break
        chosen.append(month)
    return chosen


def month_span(months) -> str:
    """The first and last of ``months`` as the report writes them (``2025-10 – 2025-12``, or one month);
    "" for none."""
    names = sorted(str(m) for m in months)
    return " – ".join(dict.fromkeys([names[0], names[-1]])) if names else ""


def _flag(column: pd.Series) -> pd.Series:
    return column.astype("boolean").fillna(False).astype(bool)


def roc_auc(labels, scores) -> float:
    """ROC AUC: the chance that a random positive scores above a random negative (ties count half);
    NaN with one class only. scikit-learn's ``roc_auc_score`` when installed, else the same value from
    average ranks (Mann-Whitney U / (positives x negatives))."""
    y = np.asarray(labels, dtype=bool)
    s = np.asarray(scores, dtype=float)
    positives, negatives = int(y.sum()), int((~y).sum())
    if not positives or not negatives:
        return float("nan")
    try:
        from sklearn.metrics import roc_auc_score
    except ImportError:
        ranks = pd.Series(s).rank(method="average").to_numpy()
        return float((ranks[y].sum() - positives * (positives + 1) / 2) / (positives * negatives))
    return float(roc_auc_score(y, s))


def wilson_interval(successes, trials, z: float = 1.959964) -> tuple[np.ndarray, np.ndarray]:
    """The Wilson score interval of ``successes / trials`` (95% for the default ``z``; Wilson 1927),
    elementwise; NaN where ``trials`` is 0. Unlike the normal approximation it stays inside 0..1 and
    is honest for rare outcomes and small counts."""
    k = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / n
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z / (1 + z * z / n) * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)
