"""The recent history of a change's source files: how many fix commits touched them, and how many people
changed them, in the ``RECENT_DAYS`` (90) before the change.

Definition (one pass over a repository's commits, oldest first; nothing later is read):

- a change's **files** are its source files (:func:`repodigest.scoring.paths.is_source`:
  not tests, docs, CI, build, lockfiles, generated or vendored files, the files the outcome labelling
  traces fixes to), each by its path before the change (the old path of a rename);
- **recent fixes**: the distinct earlier commits of the ``RECENT_DAYS`` before the change that are fix
  commits (the caller's flag: the change type is ``fix``) and changed one of those files;
- **recent developers**: the distinct people (the caller's key) who changed one of those files in that
  time, fixes or not.

"Earlier" means before the change in the order given (committer-date order, git's order for ties); a
rename carries a file's history to its new path and a deletion ends it. Used by the rules (a
``recent_fixes`` reason, through :class:`~repodigest.scoring.heuristic.History`) and by the learned
model's change metrics (:mod:`repodigest.evidence.kamei`: ``rfix``, ``rdev``), so both count alike.
Source: the "recent fixes of the touched files" predictor of just-in-time defect studies (a file fixed
lately is fixed again: Kim, Zimmermann, Whitehead and Zeller, "Predicting Faults from Cached
History", ICSE 2007; Kamei et al. 2013's NDEV and NUC, limited to a recent period).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence

import numpy as np

from ..models import Commit
from .paths import is_source

RECENT_DAYS = 90
_DAY = 86400.0

# One change as the history reads it: when (POSIX seconds), who, whether it is a fix, and per file its
# path before the change and after it (None when the change deletes the file).
Change = tuple[float, str, bool, Sequence[tuple[str, str | None]]]


def oldest_first(seconds: Sequence[float]) -> np.ndarray:
    """Positions of commits listed newest first (a frame's order, git's) sorted oldest first by their
    committer ``seconds``; equal dates keep git's order (read bottom-up)."""
    values = np.asarray(seconds, dtype=float)
    backwards = np.arange(len(values))[::-1]
    return backwards[np.argsort(values[::-1], kind="stable")]


def change_paths(path: str, old_path: str | None, status: str | None) -> tuple[str, str | None]:
    """A file change's (before, after) paths: the old path of a rename, None after a deletion (a copy
    starts a history of its own)."""
    if status == "renamed" and old_path:
        return old_path, path
    return path, None if status == "deleted" else path


def source_files(files: Iterable[tuple[str, str | None]]) -> list[tuple[str, str | None]]:
    """The (before, after) paths of ``files`` that are source files, judged by the path after the change
    (before it, for a deleted file)."""
    return [(before, after) for before, after in files if is_source(after or before)]


def recent_history(changes: Iterable[Change], days: float = RECENT_DAYS) -> np.ndarray:
    """Per change of ``changes`` (one repository's, oldest first): its recent fixes and recent developers
    (module docstring), an integer array of shape (changes, 2)."""
    span = days * _DAY
    events: dict[str, deque[tuple[float, int, str, bool]]] = {}  # path -> (when, change, who, fix), oldest first
    rows: list[tuple[int, int]] = []
    for i, (when, who, fix, files) in enumerate(changes):
        sources = source_files(files)
        fixes: set[int] = set()
        people: set[str] = set()
        for before, _ in sources:
            seen = events.get(before)
            while seen and seen[0][0] < when - span:
                seen.popleft()
            for _, j, person, was_fix in seen or ():
                people.add(person)
                if was_fix:
                    fixes.add(j)
        rows.append((len(fixes), len(people)))
        for before, after in sources:
            history = events.pop(before, None) or deque()
            if after is not None:
                history.append((when, i, who, fix))
                events[after] = history
    return np.array(rows, dtype=int).reshape(-1, 2)


def recent_fixes(commits: Sequence[Commit], fixes: Sequence[bool], days: float = RECENT_DAYS) -> dict[str, int]:
    """sha -> recent fixes (module docstring) of each of one repository's ``commits``, listed newest first
    (the frame's order), whose fix flags are ``fixes``."""
    order = oldest_first([c.committer_date.timestamp() for c in commits])
    # The rules weigh the fixes only: every change is credited to one person.
    counts = recent_history(
        (
            (
                commits[i].committer_date.timestamp(),
                "",
                fixes[i],
                [change_paths(f.path, f.old_path, f.status) for f in commits[i].files],
            )
            for i in order
        ),
        days,
    )
    return {commits[i].sha: int(n) for i, n in zip(order, counts[:, 0])}
