"""The rules: a commit's areas, change type and signals (:func:`measure`), then its points, level,
reasons, risks and advice (:func:`judge`); the blend of the rules' level with the model's (:mod:`.blend`);
related commits (:mod:`.relations`)."""

from .heuristic import Assessment, History, Measured, Reason, RepoRules, assess, judge, measure

__all__ = ["Assessment", "History", "Measured", "Reason", "RepoRules", "assess", "judge", "measure"]
