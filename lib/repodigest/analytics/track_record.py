"""Did the levels hold? How often the commits of each level were later fixed or reverted, how well a
score ranks them, and whether a predicted risk is calibrated.

Definitions (:mod:`repodigest.evidence.labels`): a commit *went wrong* when it was later fixed (SZZ:
Śliwerski, Zimmermann and Zeller 2005; a later fix commit deletes or changes its lines) or reverted
within ``days`` (90) of landing; its outcome is *known* once its outcome horizon reaches that period's
end. Commits whose outcome is not known (open) are left out of every rate: counting them as clean
would flatter the levels. Just-in-time defect prediction (Kamei et al. 2013) measures a risk model
this way: the ROC AUC of its score against the outcome, per repository.
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd

from ..evidence.labels import (
    OUTCOME_COLUMNS,
    closed_months,
    month_span,
    outcome_known,
    roc_auc,
    went_wrong,
    wilson_interval,
)
from ..evidence.outcomes import OBSERVATION_DAYS
from ..levels import LEVELS, Level

TRACK_COLUMNS = ["commits", "went_wrong", "share", "ci_low", "ci_high", "fixed", "reverted", "open"]
MISS_COLUMNS = [
    "repo",
    "short_sha",
    "day",
    "title",
    "author",
    "level",
    "score",
    "outcome",
    "days_to_fix",
    "reverted_by",
    "fixed_by",
]


def known_recent(frame: pd.DataFrame, last_days: float | None = None, days: float = OBSERVATION_DAYS) -> pd.DataFrame:
    """The commits whose outcome is known; with ``last_days``, only those of the last ``last_days`` days
    up to the newest of them (the report's "last 90 days whose outcome is known")."""
    known = frame[outcome_known(frame, days)]
    if last_days is None or known.empty:
        return known
    at = pd.to_datetime(known["committed_at"], utc=True)
    return known[at > at.max() - timedelta(days=last_days)]


def track_record(
    frame: pd.DataFrame,
    by: str | list[str] = "level",
    *,
    days: float = OBSERVATION_DAYS,
    last_days: float | None = None,
) -> pd.DataFrame:
    """Per value of ``by`` (default the final ``level``; ``rules_level``, ``repo``, ``change_type``, or a
    list of columns): ``commits`` with a known outcome, how many ``went_wrong`` (later fixed or
    reverted within ``days``), their ``share`` and its 95% Wilson interval (``ci_low``, ``ci_high``),
    ``fixed`` and ``reverted`` among them, and the ``open`` commits left out (outcome not yet known, or
    not labelled: not on the clone's first-parent line). Levels come highest first;
    ``last_days``: only the known commits of the last days (:func:`known_recent`)."""
    keys = [by] if isinstance(by, str) else list(by)
    if frame.empty:
        return pd.DataFrame(columns=[*keys, *TRACK_COLUMNS])
    known = outcome_known(frame, days)
    kept = frame.index.isin(known_recent(frame, last_days, days).index)
    wrong = went_wrong(frame, days)
    within = pd.to_numeric(frame["days_to_fix"], errors="coerce") <= days
    data = pd.DataFrame(
        {
            **{k: frame[k] for k in keys},
            "commits": kept,
            "went_wrong": wrong & kept,
            "fixed": frame["later_fixed"].astype("boolean").fillna(False) & within & kept,
            "reverted": frame["later_reverted"].astype("boolean").fillna(False) & within & kept,
            "open": ~known,
        }
    )
    table = data.groupby(keys, dropna=False, sort=False)[["commits", "went_wrong", "fixed", "reverted", "open"]]
    table = table.sum().astype(int).reset_index()
    table["share"] = (table["went_wrong"] / table["commits"].where(table["commits"] > 0)).astype(float)
    table["ci_low"], table["ci_high"] = wilson_interval(table["went_wrong"], table["commits"])
    order = [_sort_key(table[k]) for k in keys]
    table = table.assign(**{f"_k{i}": o for i, o in enumerate(order)})
    table = table.sort_values([f"_k{i}" for i in range(len(keys))], kind="stable")
    return table[[*keys, *TRACK_COLUMNS]].reset_index(drop=True)


def _sort_key(values: pd.Series) -> pd.Series:
    """Levels highest first, anything else by its value."""
    words = [level.value for level in LEVELS]
    if values.isin(words).all():
        return values.map(words.index)
    return values.astype(str)


def discrimination(frame: pd.DataFrame, score: str = "score", *, days: float = OBSERVATION_DAYS) -> float:
    """The ROC AUC of ``score`` (the rules' ``score``, the learned ``risk``, or any numeric column) against
    "went wrong" over the commits whose outcome is known: the chance that a commit later fixed or
    reverted scores above one that was not (0.5: no better than chance; 1: every one above). NaN when
    only one class is present."""
    known = frame[outcome_known(frame, days)]
    values = pd.to_numeric(known[score], errors="coerce")
    present = values.notna()
    return roc_auc(went_wrong(known, days)[present], values[present])


RANKING_COLUMNS = ["judgement", "roc_auc", "months", "commits", "went_wrong", "levels"]
# Each judgement a level can come from: its name, its column in the frame, its level_by value.
JUDGEMENTS = (("rules", "score", "rules"), ("model", "risk", "learned"))


def ranking(
    frame: pd.DataFrame,
    *,
    as_of: pd.Timestamp | None = None,
    days: float = OBSERVATION_DAYS,
    months: int = 3,
    max_months: int = 12,
    min_went_wrong: int = 10,
) -> pd.DataFrame:
    """How each judgement behind the levels ranked lately: over the last closed months before ``as_of``
    (a moment; default the point of observation, the frame's latest outcome horizon), chosen as the
    learned model's evaluation chooses them (:func:`~repodigest.evidence.labels.closed_months`), the
    ROC AUC of the rules' ``score`` and, where the frame has one, of the learned ``risk``, over those
    months' commits whose outcome is known. One row per judgement: ``roc_auc``, the ``months`` (first
    and last), their ``commits`` and how many ``went_wrong``, and ``levels``: the share of the frame's
    rows whose level comes from it (column ``level_by``)."""
    if "outcome_horizon" not in frame:  # not labelled: nothing ranked, every level the rules'
        frame = frame.assign(**{c: pd.Series(dtype="object") for c in OUTCOME_COLUMNS if c not in frame})
    horizon = pd.to_datetime(frame["outcome_horizon"], utc=True).max()
    cutoff = horizon if as_of is None else pd.Timestamp(as_of)
    chosen = (
        closed_months(frame, cutoff, days, months=months, max_months=max_months, min_went_wrong=min_went_wrong)
        if pd.notna(cutoff)
        else []
    )
    month_of = pd.to_datetime(frame["committed_at"], utc=True).dt.tz_localize(None).dt.to_period("M")
    inside = month_of.isin(chosen) & outcome_known(frame, days)
    wrong = went_wrong(frame, days)[inside]
    span = month_span(chosen)
    by = frame["level_by"] if "level_by" in frame else pd.Series("rules", index=frame.index)
    rows = []
    for name, column, source in JUDGEMENTS:
        values = pd.to_numeric(frame[column], errors="coerce")[inside] if column in frame else pd.Series(dtype=float)
        if values.notna().any() or name == "rules":
            present = values.notna()
            rows.append(
                {
                    "judgement": name,
                    "roc_auc": roc_auc(wrong[present], values[present]),
                    "months": span,
                    "commits": int(present.sum()),
                    "went_wrong": int(wrong[present].sum()),
                    "levels": float((by == source).mean()) if len(by) else float("nan"),
                }
            )
    return pd.DataFrame(rows, columns=RANKING_COLUMNS)


def calibration(
    frame: pd.DataFrame, risk: str = "risk", bins: int = 5, *, days: float = OBSERVATION_DAYS
) -> pd.DataFrame:
    """Predicted against observed: the known commits with a ``risk`` in ``bins`` groups of about equal
    size by their risk, each with its ``commits``, mean ``predicted`` risk, ``observed`` share that went
    wrong and that share's 95% Wilson interval. A calibrated model's points lie on the diagonal."""
    columns = ["bin", "commits", "predicted", "observed", "went_wrong", "ci_low", "ci_high"]
    known = frame[outcome_known(frame, days)]
    values = pd.to_numeric(known[risk], errors="coerce")
    known, values = known[values.notna()], values[values.notna()]
    if known.empty:
        return pd.DataFrame(columns=columns)
    groups = pd.qcut(values.rank(method="first"), q=min(bins, len(values)), labels=False)
    data = pd.DataFrame(
        {"bin": groups.to_numpy() + 1, "risk": values.to_numpy(), "wrong": went_wrong(known, days).to_numpy()}
    )
    table = (
        data.groupby("bin")
        .agg(commits=("risk", "size"), predicted=("risk", "mean"), went_wrong=("wrong", "sum"))
        .reset_index()
    )
    table["observed"] = table["went_wrong"] / table["commits"]
    table["ci_low"], table["ci_high"] = wilson_interval(table["went_wrong"], table["commits"])
    return table[columns]


def misses(frame: pd.DataFrame, level: str = Level.LOW.value, *, fixed: bool = True, by: str = "level") -> pd.DataFrame:
    """The commits the ``level`` (default low, 🟢) missed: later reverted, or (``fixed``) later fixed,
    newest first; the misses worth reading. An observed revert or fix counts even before the commit's
    outcome is known: it is a fact already, while the rates wait for the period to end."""
    reverted = frame["later_reverted"].astype("boolean").fillna(False).astype(bool)
    bad = reverted | (frame["later_fixed"].astype("boolean").fillna(False).astype(bool) if fixed else False)
    chosen = frame[(frame[by] == level) & bad]
    outcome = np.where(reverted[chosen.index], "reverted", "fixed")
    out = chosen.assign(outcome=outcome, level=chosen[by])
    out = out.sort_values("committed_at", ascending=False, kind="stable")
    return out[[c for c in MISS_COLUMNS if c in out]].reset_index(drop=True)
