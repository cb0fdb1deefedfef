"""A risk model learned from a repository's own history: the chance that a commit is later fixed or
reverted, from the rules' score and change metrics (Kamei et al.'s, and six on source files and their
recent fixes), weighed the repository's way.

Method (just-in-time defect prediction, Kamei et al. 2013, fitted per repository):

- **Label**: later fixed (SZZ) or reverted within ``days`` (90) of landing
  (:func:`~repodigest.evidence.labels.went_wrong`).
- **Features** (:func:`model_features`; the set by name, ``FEATURE_SETS``; default ``"compact"``): the
  rules' ``score`` and the six metrics :mod:`.kamei` adds to Kamei's (``ADDED_METRICS``: lines added,
  lines deleted and files changed in source files, the no-source flag, recent fixes and recent
  developers of the source files). Counts enter as ``log1p`` (Kamei's transformation), ``entropy``,
  ``fix`` and ``no_src`` as they are. Other sets: ``"kamei"`` (the fourteen), ``"metrics"`` (the twenty),
  ``"rules"`` (the score and one 0/1 flag per reason code of ``REASON_FLAGS``), ``"all"``. On the
  month-by-month backtest of pytest and pydantic (``bench/risk_model.py``) the compact set ranks better
  than the larger ones: with few commits that went wrong a year, twenty-odd weights over-fit. The
  hotspot and knowledge-island reasons are left out (they read the whole loaded window, later days
  included), and so are pull request labels (looked up for the report's days only, so history never
  has them).
- **Training commits**: every commit of ``frame`` that landed before the cut-off, as known then: a
  commit younger than ``days`` counts as went wrong when its first fix or revert came before the cut-off,
  and weighs ``observed days / days`` (a commit watched for 9 of 90 days weighs 0.1: it had little time
  to go wrong); older commits weigh 1 with their full label.
- **Fit**: standardised features, L2-regularised logistic regression (scikit-learn, strength ``C``)
  with balanced class weights (later-fixed commits are rare) times those weights; the intercept is then
  moved back to the training set's own (weighted) rate (the prior correction of King and Zeng 2001), so
  ``risk`` reads as a probability.
- **No leakage**: a model trained before a cut-off moment reads no outcome settled after it: a label is
  the first fix or revert before the cut-off, and only where the outcome horizon reaches what it claims
  (the cut-off, or the end of the observation period when that came first). The fit checks it and keeps
  what it trained on (``RiskModel.trained_on``: each commit's label, weight and when it was settled).
- **Evaluation** (:func:`fit_risk_model`): the most recent closed calendar months (UTC) before the
  cut-off (:func:`~repodigest.evidence.labels.closed_months`: the month's end plus ``days`` is before
  it; ``test_months`` (3) of them, extended back up to ``max_test_months`` (12) until they hold
  ``min_test_positives`` (10) commits that went wrong), their known commits each predicted by a model
  trained as it would have been on that month's first day (the same rule); the months are pooled. On
  them: the ROC AUC of the model, of the rules' score and of lines changed alone, pooled and per month. The model **beats the rules** when its
  pooled AUC is higher with at least ``min_test_positives`` such commits.
- **Levels** (:meth:`RiskModel.levels`): two thresholds on ``risk`` taken at the rules' own level shares
  among the training commits (the top ``share of high`` of their risks is high, the next ``share of
  medium`` medium), so the learned levels keep about the rules' proportions while reordering who gets them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import numpy as np
import pandas as pd

from ..errors import UserError
from ..levels import Level
from .kamei import ADDED_METRICS, KAMEI_METRICS, METRICS, change_metrics
from .labels import closed_months, observed_until, outcome_known, roc_auc, went_wrong
from .outcomes import OBSERVATION_DAYS

INSTALL = "pip install 'repodigest[risk]'"
RAW_METRICS = ("entropy", "fix", "no_src")  # every other metric enters as log1p
REASON_FLAGS = ("public_api", "security_path", "build_path", "ci_path", "breaking", "bot", "support_only")
RULE_FEATURES = ("score", *(f"reason_{code}" for code in REASON_FLAGS))
FEATURE_SETS = {
    "compact": ("score", *ADDED_METRICS),
    "kamei": KAMEI_METRICS,
    "metrics": METRICS,
    "rules": RULE_FEATURES,
    "kamei+rules": (*KAMEI_METRICS, *RULE_FEATURES),
    "all": (*METRICS, *RULE_FEATURES),
}
MIN_POSITIVES = 5  # commits that went wrong, fewest a fit learns from
MIN_TEST_POSITIVES = 10
# The held-out commits keep their outcome columns, so the analytics read them (track record by model_level).
HELD_OUT_OUTCOMES = ("committed_at", "later_fixed", "later_reverted", "days_to_fix", "outcome_horizon")


class InsufficientHistory(UserError):
    """Too few commits with a known outcome before the cut-off to fit or to judge the model."""


@dataclass
class RiskModel:
    """A fitted model: standardisation, coefficients and level thresholds, plain arrays (predicting needs
    no scikit-learn); what it trained on; and its evaluation (see the module docstring)."""

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    thresholds: tuple[float, float]  # risk at which a commit is high, medium
    cutoff: pd.Timestamp  # outcomes known before this moment (UTC) were used
    trained_on: pd.DataFrame  # sha, committed_at, observed_until, went_wrong of every training commit
    evaluation: dict = field(default_factory=dict)

    def predict(self, frame: pd.DataFrame, metrics: pd.DataFrame | None = None) -> pd.Series:
        """``risk``, the predicted probability of each commit of ``frame`` being later fixed or reverted.
        Pass the frame with its history: the metrics of a commit read the commits before it."""
        x = model_features(frame, metrics)[list(self.features)].to_numpy(dtype=float)
        return pd.Series(_predict_rows(self, x), index=frame.index, name="risk")

    def levels(
        self, frame: pd.DataFrame, metrics: pd.DataFrame | None = None, risk: pd.Series | None = None
    ) -> pd.Series:
        """The level of each commit from its ``risk`` and the thresholds (module docstring)."""
        risk = self.predict(frame, metrics) if risk is None else risk
        return level_of_risk(risk, self.thresholds)

    @property
    def beats_rules(self) -> bool:
        """The evaluation found the model better than the rules (module docstring)."""
        return bool(self.evaluation.get("beats_rules", False))

    def coefficients(self) -> pd.Series:
        """The weight of each standardised feature, largest effect first: what the model learned."""
        weights = pd.Series(self.coef, index=list(self.features), name="coefficient")
        return weights.reindex(weights.abs().sort_values(ascending=False).index)


def model_features(frame: pd.DataFrame, metrics: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every feature of ``FEATURE_SETS["all"]`` for each commit of ``frame`` (module docstring);
    ``metrics``: its :func:`~repodigest.evidence.kamei.change_metrics`, when already computed."""
    metrics = change_metrics(frame) if metrics is None else metrics
    out = pd.DataFrame(index=frame.index)
    for name in METRICS:
        values = metrics[name].astype(float).clip(lower=0)
        out[name] = values if name in RAW_METRICS else np.log1p(values)
    out["score"] = pd.to_numeric(frame["score"]).astype(float)
    codes = frame["reasons"].map(lambda reasons: {r["code"] for r in reasons})
    for code in REASON_FLAGS:
        out[f"reason_{code}"] = codes.map(lambda found, code=code: float(code in found))
    return out


def level_of_risk(risk: pd.Series, thresholds: tuple[float, float]) -> pd.Series:
    """high at ``thresholds[0]`` and above, medium at ``thresholds[1]`` and above, else low."""
    high, medium = thresholds
    words = np.where(risk >= high, Level.HIGH.value, np.where(risk >= medium, Level.MEDIUM.value, Level.LOW.value))
    return pd.Series(words, index=risk.index, name="level", dtype="string")


def cutoff_moment(day: date | datetime | str, tz: str = "UTC") -> pd.Timestamp:
    """The first moment of ``day`` in ``tz`` (a datetime: itself, naive ones read in ``tz``), in UTC."""
    moment = pd.Timestamp(day)
    if isinstance(day, (date, str)) and not isinstance(day, datetime):
        moment = pd.Timestamp(moment.date())
    moment = moment.tz_localize(tz) if moment.tzinfo is None else moment
    return moment.tz_convert("UTC")


def fit_risk_model(
    frame: pd.DataFrame,
    outcomes_known_before: date | datetime | str,
    *,
    tz: str = "UTC",
    days: float = OBSERVATION_DAYS,
    features: str | tuple[str, ...] = "compact",
    C: float = 0.1,
    train_months: int | None = None,
    test_months: int = 3,
    max_test_months: int = 12,
    min_test_positives: int = MIN_TEST_POSITIVES,
    metrics: pd.DataFrame | None = None,
) -> RiskModel:
    """The model of the module docstring, fitted on ``frame``'s commits that landed before the first
    moment of ``outcomes_known_before`` (a day in ``tz``), with their outcomes as known then, and
    evaluated on the closed months before it. ``frame``: a commit frame with the outcome columns
    (:data:`~repodigest.evidence.labels.OUTCOME_COLUMNS`). ``features``: a name of ``FEATURE_SETS`` or
    feature names; ``train_months``: only the last months of history (None: all of it).
    Raises :class:`InsufficientHistory` when too few commits went wrong, UserError without scikit-learn."""
    cutoff = cutoff_moment(outcomes_known_before, tz)
    names = FEATURE_SETS[features] if isinstance(features, str) else tuple(features)
    table = model_features(frame, metrics)[list(names)]
    horizon = pd.to_datetime(frame["outcome_horizon"], utc=True)
    data = _Data(
        x=table,
        y=went_wrong(frame, days),
        known=outcome_known(frame, days),
        until=observed_until(frame, days),
        at=pd.to_datetime(frame["committed_at"], utc=True),
        first_wrong=pd.to_datetime(frame["committed_at"], utc=True)
        + pd.to_timedelta(
            pd.to_numeric(frame["days_to_fix"], errors="coerce").where(went_wrong(frame, days)), unit="D"
        ),
        horizon=horizon,
        days=days,
        frame=frame,
    )
    model = _fit(data, cutoff, C, train_months)
    model.evaluation = {
        **_evaluate(data, cutoff, C, train_months, test_months, max_test_months, min_test_positives),
        "train": len(model.trained_on),
        "train_went_wrong": int(model.trained_on["went_wrong"].sum()),
    }
    return model


@dataclass
class _Data:
    x: pd.DataFrame  # the features
    y: pd.Series  # went wrong within ``days`` (the label of a known commit)
    known: pd.Series  # the outcome over ``days`` is known
    until: pd.Series  # when the label over ``days`` is settled
    at: pd.Series  # committed_at
    first_wrong: pd.Series  # the moment of the first fix or revert within ``days`` (NaT: none)
    horizon: pd.Series  # the last moment an outcome could be seen
    days: float
    frame: pd.DataFrame


def _logistic():
    try:
        from sklearn.linear_model import LogisticRegression
        from sklearn.preprocessing import StandardScaler
    except ImportError:
        raise UserError(f"the learned risk model needs scikit-learn: {INSTALL}") from None
    return LogisticRegression, StandardScaler


def as_known_at(data: _Data, cutoff: pd.Timestamp) -> pd.DataFrame:
    """Each commit's training row as known at ``cutoff`` (module docstring): ``train`` (it landed before
    and its outcome horizon reaches when its label is settled), ``settled`` (the end of its observation
    period, or the cut-off when that comes first), ``went_wrong`` (a first fix or revert before then) and
    ``weight`` (the share of the period observed)."""
    settled = data.until.where(data.until < cutoff, cutoff)
    observed = (settled - data.at).dt.total_seconds() / 86400
    train = (data.at < cutoff) & (data.horizon >= settled).fillna(False)
    return pd.DataFrame(
        {
            "train": train,
            "settled": settled,
            "went_wrong": ((data.first_wrong <= settled) & (data.first_wrong < cutoff)).fillna(False) & train,
            "weight": (observed / data.days).clip(0, 1),
        }
    )


def _fit(data: _Data, cutoff: pd.Timestamp, C: float, train_months: int | None) -> RiskModel:
    """The model trained on the commits before ``cutoff`` (within ``train_months`` of it), as known then."""
    LogisticRegression, StandardScaler = _logistic()
    rows = as_known_at(data, cutoff)
    mask = rows["train"]
    if train_months is not None:
        mask &= data.at >= cutoff - pd.DateOffset(months=train_months)
    # No label read an outcome after the cut-off, whatever the options.
    if (rows["settled"][mask] > cutoff).any() or (data.first_wrong[mask & rows["went_wrong"]] >= cutoff).any():
        raise AssertionError("a training label was settled after the cut-off")
    y = rows["went_wrong"][mask].to_numpy(dtype=bool)
    weight = rows["weight"][mask].to_numpy(dtype=float)
    positives, negatives = int(y.sum()), int((~y).sum())
    if positives < MIN_POSITIVES or negatives < MIN_POSITIVES:
        raise InsufficientHistory(
            f"too little history before {cutoff:%Y-%m-%d}: {len(y)} commits, {positives} of them later fixed "
            f"or reverted by then (at least {MIN_POSITIVES} needed; label outcomes of a longer history)"
        )
    x = data.x[mask].to_numpy(dtype=float)
    scaler = StandardScaler().fit(x)
    # Balanced by weight: each class weighs half of the fit.
    wrong, right = float(weight[y].sum()), float(weight[~y].sum())
    balanced = weight * np.where(y, (wrong + right) / (2 * wrong), (wrong + right) / (2 * right))
    fitted = LogisticRegression(C=C, max_iter=2000).fit(scaler.transform(x), y, sample_weight=balanced)
    # The balanced fit sees as many commits go wrong as not: move the intercept back to the real rate.
    intercept = float(fitted.intercept_[0]) + float(np.log(wrong / right))
    model = RiskModel(
        features=tuple(data.x.columns),
        mean=scaler.mean_,
        scale=scaler.scale_,
        coef=fitted.coef_[0].copy(),
        intercept=intercept,
        thresholds=(np.inf, np.inf),
        cutoff=cutoff,
        trained_on=pd.DataFrame(
            {
                "sha": data.frame["sha"][mask],
                "committed_at": data.at[mask],
                "observed_until": rows["settled"][mask],
                "went_wrong": rows["went_wrong"][mask],
                "weight": rows["weight"][mask],
            }
        ),
    )
    risk = pd.Series(_predict_rows(model, x), index=data.x.index[mask])
    model.thresholds = _thresholds(risk, data.frame["rules_level"][mask])
    return model


def _predict_rows(model: RiskModel, x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-(((x - model.mean) / model.scale) @ model.coef + model.intercept)))


def _thresholds(risk: pd.Series, rules_levels: pd.Series) -> tuple[float, float]:
    """The risks above which the shares of high and of high-or-medium match the rules' shares."""
    high = float((rules_levels == Level.HIGH.value).mean())
    upper = high + float((rules_levels == Level.MEDIUM.value).mean())
    return (
        float(np.quantile(risk, 1 - high)) if high > 0 else np.inf,
        float(np.quantile(risk, 1 - upper)) if upper > 0 else np.inf,
    )


def _evaluate(
    data: _Data,
    cutoff: pd.Timestamp,
    C: float,
    train_months: int | None,
    test_months: int,
    max_test_months: int,
    min_test_positives: int,
) -> dict:
    """The held-out evaluation of the module docstring."""
    months = data.at.dt.tz_localize(None).dt.to_period("M")
    pooled: list[pd.DataFrame] = []
    rows: list[dict] = []
    chosen = closed_months(
        data.frame,
        cutoff,
        data.days,
        months=test_months,
        max_months=max_test_months,
        min_went_wrong=min_test_positives,
    )
    for month in chosen:
        inside = (months == month) & data.known
        start = pd.Timestamp(month.start_time, tz="UTC")
        try:
            model = _fit(data, start, C, train_months)
        except InsufficientHistory:
            rows.append(
                {
                    "month": str(month),
                    "commits": int(inside.sum()),
                    "went_wrong": int(data.y[inside].sum()),
                    "train": 0,
                    "model_auc": np.nan,
                    "rules_auc": np.nan,
                    "lines_auc": np.nan,
                }
            )
            continue
        risk = pd.Series(_predict_rows(model, data.x[inside].to_numpy(dtype=float)), index=data.x.index[inside])
        rows_in = data.frame[inside]
        part = pd.DataFrame(
            {
                "sha": rows_in["sha"],
                "month": str(month),
                "went_wrong": data.y[inside],
                "risk": risk,
                "score": rows_in["score"],
                "lines": rows_in["lines_added"] + rows_in["lines_deleted"],
                "rules_level": rows_in["rules_level"],
                "model_level": level_of_risk(risk, model.thresholds),
                **{c: rows_in[c] for c in HELD_OUT_OUTCOMES},
            }
        )
        pooled.append(part)
        rows.append(
            {
                "month": str(month),
                "commits": len(part),
                "went_wrong": int(part["went_wrong"].sum()),
                "train": len(model.trained_on),
                "model_auc": roc_auc(part["went_wrong"], part["risk"]),
                "rules_auc": roc_auc(part["went_wrong"], part["score"]),
                "lines_auc": roc_auc(part["went_wrong"], part["lines"]),
            }
        )
    held_out = (
        pd.concat(pooled)
        if pooled
        else pd.DataFrame(
            columns=[
                "sha",
                "month",
                "went_wrong",
                "risk",
                "score",
                "lines",
                "rules_level",
                "model_level",
                *HELD_OUT_OUTCOMES,
            ]
        )
    )
    y = held_out["went_wrong"].astype(bool)
    result = {
        "model_auc": roc_auc(y, held_out["risk"]),
        "rules_auc": roc_auc(y, held_out["score"]),
        "lines_auc": roc_auc(y, held_out["lines"]),
        "test": len(held_out),
        "test_went_wrong": int(y.sum()),
        "months": rows,
        "held_out": held_out,
    }
    result["beats_rules"] = bool(
        result["test_went_wrong"] >= min_test_positives and result["model_auc"] > result["rules_auc"]
    )
    return result
