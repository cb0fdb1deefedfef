"""Kamei et al.'s change metrics of each commit of a commit frame, and six more on its source files and
their recent fix history, computed without looking ahead.

Source: Kamei, Shihab, Adams, Hassan, Mockus, Sinha and Ubayashi, "A Large-Scale Empirical Study of
Just-in-Time Quality Assurance" (IEEE TSE 2013), Table 1: fourteen metrics in five groups
(``KAMEI_METRICS``).

- Diffusion: ``ns`` subsystems (top-level directories), ``nd`` directories, ``nf`` files, ``entropy``
  (the spread of the changed lines over the files, normalised to 0..1): the frame's ``subsystems``,
  ``directories``, ``file_count`` and ``entropy``.
- Size: ``la`` and ``ld`` (the frame's ``lines_added`` and ``lines_deleted``); ``lt``, the lines of the
  touched files before the change, summed over the files. File sizes are not in the frame, so ``lt`` is
  approximated from the history's churn: a file's lines added minus deleted by the frame's earlier
  commits, and at least what this change deletes from it (a file older than the frame's first commit
  counts only the lines the frame saw).
- Purpose: ``fix``, the frame's ``is_fix`` (the fix keyword of the title) as 0/1.
- History: ``ndev``, distinct developers who changed the touched files before; ``age``, the mean
  over the touched files of the days since each last changed (files without an earlier change count
  out; 0 when none has one, as for new files); ``nuc``, distinct earlier changes of the touched files.
- Experience (of the author: the GitHub login, else the name): ``exp``, the author's earlier changes;
  ``rexp``, the same weighted by recency, each counting ``1 / (1 + years since it)``; ``sexp``, the
  author's earlier changes in any of the subsystems this one touches.

Added (``ADDED_METRICS``), because the outcome labels trace a fix only to source files (SZZ skips
tests, docs, CI, build, lockfiles, generated and vendored files, :func:`repodigest.scoring.paths.is_source`),
so what a commit does elsewhere cannot be found to go wrong:

- Source size: ``la_src``, ``ld_src``, ``nf_src``: lines added, lines deleted and files changed in source
  files only (the frame's ``source_lines_added``, ``source_lines_deleted``, ``source_file_count``);
  ``no_src``: 1 when the commit touches no source file, else 0.
- Recent history (:mod:`repodigest.scoring.fix_history`, the rules' count too): ``rfix``, the fix
  commits of the ``RECENT_DAYS`` (90) before the commit that changed one of its source files; ``rdev``,
  the distinct developers who changed those files in that time.

"Earlier" means before the commit in committer-date order within its repository (git's own order
breaks ties), among the frame's commits: nothing later is read, so the metrics of a day do not
change when later history is loaded. History metrics only see the loaded range: load months of
history before the commits to be judged (renames carry a file's history to its new path).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..models import person_key
from ..scoring.fix_history import change_paths, oldest_first, recent_history

KAMEI_METRICS = ("ns", "nd", "nf", "entropy", "la", "ld", "lt", "fix", "ndev", "age", "nuc", "exp", "rexp", "sexp")
ADDED_METRICS = ("la_src", "ld_src", "nf_src", "no_src", "rfix", "rdev")
METRICS = (*KAMEI_METRICS, *ADDED_METRICS)
# The frame's columns each diffusion, size and purpose metric is read from.
FROM_FRAME = {
    "ns": "subsystems",
    "nd": "directories",
    "nf": "file_count",
    "entropy": "entropy",
    "la": "lines_added",
    "ld": "lines_deleted",
    "fix": "is_fix",
    "la_src": "source_lines_added",
    "ld_src": "source_lines_deleted",
    "nf_src": "source_file_count",
}
HISTORY_METRICS = ("lt", "ndev", "age", "nuc", "exp", "rexp", "sexp", "rfix", "rdev")
_DAY = 86400.0
_YEAR = 365.25 * _DAY


def developer(frame: pd.DataFrame) -> pd.Series:
    """Who made each commit (:func:`repodigest.models.person_key`: the GitHub login when the source knows
    it, else the author's name)."""
    keys = [person_key(login, name) for login, name in zip(frame["author_login"], frame["author"])]
    return pd.Series(keys, index=frame.index, dtype="string")


def subsystem(path: str) -> str:
    """A path's subsystem: its top-level directory ("" for a file at the root), as ``ns`` counts them."""
    return path.split("/", 1)[0] if "/" in path else ""


def time_order(frame: pd.DataFrame) -> np.ndarray:
    """Positions of ``frame``'s rows oldest first by committer date; equal dates keep git's order (the
    frame lists a repository newest first, so ties are read bottom-up)."""
    return oldest_first(pd.to_datetime(frame["committed_at"], utc=True).astype("int64").to_numpy())


def change_metrics(frame: pd.DataFrame) -> pd.DataFrame:
    """The metrics (``METRICS``, by this module's definitions) of every commit of ``frame``, a commit frame
    with ``file_changes``; float columns, indexed like ``frame``."""
    out = pd.DataFrame(index=frame.index, columns=list(METRICS), dtype="float64")
    for column, source in FROM_FRAME.items():
        out[column] = pd.to_numeric(frame[source]).astype("float64").to_numpy()
    out["no_src"] = (out["nf_src"] == 0).astype("float64")
    history = np.zeros((len(frame), len(HISTORY_METRICS)))
    for _, positions in pd.Series(np.arange(len(frame))).groupby(frame["repo"].to_numpy(), sort=False):
        part = frame.iloc[positions.to_numpy()]
        order = time_order(part)
        values = _history_metrics(part.iloc[order])
        history[positions.to_numpy()[order]] = values
    out[list(HISTORY_METRICS)] = history
    return out


def _history_metrics(ordered: pd.DataFrame) -> np.ndarray:
    """``HISTORY_METRICS`` of one repository's commits, given oldest first."""
    seconds = pd.to_datetime(ordered["committed_at"], utc=True).astype("int64").to_numpy() / 1e9
    developers = developer(ordered).to_numpy()
    recent = recent_history(
        (when, who, bool(fix), [change_paths(f["path"], f.get("old_path"), f.get("status")) for f in files])
        for when, who, fix, files in zip(seconds, developers, ordered["is_fix"], ordered["file_changes"])
    )
    ids: dict[str, int] = {}
    last: dict[str, float] = {}  # path -> when it last changed
    devs: dict[str, int] = {}  # path -> bit set of developer ids
    changes: dict[str, int] = {}  # path -> bit set of change positions
    lines: dict[str, int] = {}  # path -> lines it holds, as far as the history shows
    done: dict[str, list[float]] = {}  # developer -> when their earlier changes landed
    in_subsystem: dict[tuple[str, str], int] = {}  # (developer, subsystem) -> bit set of change positions
    out = np.zeros((len(ordered), 7))  # lt .. sexp
    for i, (when, who, files) in enumerate(zip(seconds, developers, ordered["file_changes"])):
        before = [
            (f.get("old_path") or f["path"]) if f.get("status") in ("renamed", "copied") else f["path"] for f in files
        ]
        seen = [p for p in before if p in last]
        touched_devs = touched_changes = subsystem_changes = 0
        for p in seen:
            touched_devs |= devs[p]
            touched_changes |= changes[p]
        subsystems = {subsystem(f["path"]) for f in files}
        for s in subsystems:
            subsystem_changes |= in_subsystem.get((who, s), 0)
        times = done.setdefault(who, [])
        out[i] = (
            sum(max(lines.get(p, 0), int(f.get("deleted") or 0)) for p, f in zip(before, files)),
            touched_devs.bit_count(),
            np.mean([(when - last[p]) / _DAY for p in seen]) if seen else 0.0,
            touched_changes.bit_count(),
            len(times),
            float(np.sum(1.0 / (1.0 + (when - np.asarray(times)) / _YEAR))) if times else 0.0,
            subsystem_changes.bit_count(),
        )
        me = 1 << ids.setdefault(who, len(ids))
        for old, f in zip(before, files):
            path = f["path"]
            size = max(lines.get(old, 0), int(f.get("deleted") or 0)) - int(f.get("deleted") or 0)
            state = (devs.get(old, 0), changes.get(old, 0))
            if f.get("status") == "renamed" and old != path:
                for table in (last, devs, changes, lines):
                    table.pop(old, None)
            if f.get("status") == "deleted":
                for table in (last, devs, changes, lines):
                    table.pop(path, None)
                continue
            last[path], devs[path], changes[path] = when, state[0] | me, state[1] | (1 << i)
            lines[path] = size + int(f.get("added") or 0)
        times.append(when)
        for s in subsystems:
            in_subsystem[(who, s)] = in_subsystem.get((who, s), 0) | (1 << i)
    return np.hstack([out, recent])
