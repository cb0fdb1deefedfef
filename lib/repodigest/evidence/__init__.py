"""Evidence behind judgements: what happened to past commits (reverted, or fixed: SZZ)."""

from .outcomes import OBSERVATION_DAYS, Outcome, Outcomes, ScanStats, label_outcomes

__all__ = ["OBSERVATION_DAYS", "Outcome", "Outcomes", "ScanStats", "label_outcomes"]
