"""Importance of commits: explainable heuristics (``heuristic``), optionally an LLM (``llm``)."""

from .heuristic import LEVELS, Assessment, Reason, assess

__all__ = ["LEVELS", "Assessment", "Reason", "assess"]
