"""Evidence behind judgements: what happened to past commits (reverted, or fixed: SZZ), and a risk model
learned from them (Kamei et al.'s change metrics, logistic regression)."""

from .kamei import METRICS, change_metrics
from .labels import OUTCOME_COLUMNS, outcome_known, outcome_table, roc_auc, went_wrong, wilson_interval
from .outcomes import (
    NEWEST,
    OBSERVATION_DAYS,
    Observed,
    Outcome,
    Outcomes,
    ScanStats,
    blamed_commits,
    label_outcomes,
    observation_point,
)
from .risk_model import InsufficientHistory, RiskModel, fit_risk_model, model_features

__all__ = [
    "METRICS",
    "NEWEST",
    "OBSERVATION_DAYS",
    "OUTCOME_COLUMNS",
    "InsufficientHistory",
    "Observed",
    "Outcome",
    "Outcomes",
    "RiskModel",
    "ScanStats",
    "blamed_commits",
    "change_metrics",
    "fit_risk_model",
    "label_outcomes",
    "model_features",
    "observation_point",
    "outcome_known",
    "outcome_table",
    "roc_auc",
    "went_wrong",
    "wilson_interval",
]
