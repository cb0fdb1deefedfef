"""Evidence behind judgements: what happened to past commits (reverted, or fixed: SZZ), and a risk model
learned from them (Kamei et al.'s change metrics, logistic regression)."""

from .kamei import METRICS, change_metrics
from .labels import OUTCOME_COLUMNS, outcome_known, outcome_table, roc_auc, went_wrong, wilson_interval
from .outcomes import OBSERVATION_DAYS, Outcome, Outcomes, ScanStats, label_outcomes
from .risk_model import InsufficientHistory, RiskModel, fit_risk_model, model_features

__all__ = [
    "METRICS",
    "OBSERVATION_DAYS",
    "OUTCOME_COLUMNS",
    "InsufficientHistory",
    "Outcome",
    "Outcomes",
    "RiskModel",
    "ScanStats",
    "change_metrics",
    "fit_risk_model",
    "label_outcomes",
    "model_features",
    "outcome_known",
    "outcome_table",
    "roc_auc",
    "went_wrong",
    "wilson_interval",
]
