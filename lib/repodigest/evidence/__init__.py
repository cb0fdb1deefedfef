"""Evidence behind judgements: what happened to past commits (reverted, or fixed: SZZ), and a risk model
learned from them (Kamei et al.'s change metrics, logistic regression).

Names load on first use, each from its module: a report without the learned model never loads it.
"""

from ..lazy import lazy_exports

_LAZY = {
    "METRICS": "kamei",
    "NEWEST": "outcomes",
    "OBSERVATION_DAYS": "outcomes",
    "OUTCOME_COLUMNS": "labels",
    "InsufficientHistory": "risk_model",
    "Observed": "outcomes",
    "Outcome": "outcomes",
    "Outcomes": "outcomes",
    "RiskModel": "risk_model",
    "ScanStats": "outcomes",
    "blamed_commits": "outcomes",
    "change_metrics": "kamei",
    "fit_risk_model": "risk_model",
    "label_outcomes": "outcomes",
    "model_features": "risk_model",
    "observation_point": "outcomes",
    "outcome_known": "labels",
    "outcome_table": "labels",
    "roc_auc": "labels",
    "went_wrong": "labels",
    "wilson_interval": "labels",
}
__all__ = list(_LAZY)

__getattr__ = lazy_exports(__name__, _LAZY, globals())
