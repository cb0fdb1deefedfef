"""The files the daily report names in an entry's reasons: hotspots and knowledge islands of the
loaded history."""

from __future__ import annotations

import pandas as pd

from .hotspots import hotspots
from .ownership import ISLAND_MIN_REVS, ownership

HOTSPOT_TOP = 10  # per repository
HOTSPOT_MIN_REVS = 3  # a file changed once or twice in the window is no hotspot, whatever its rank


def flagged_files(
    files: pd.DataFrame,
    top: int = HOTSPOT_TOP,
    min_revs: int = HOTSPOT_MIN_REVS,
    island_min_revs: int = ISLAND_MIN_REVS,
) -> pd.DataFrame:
    """One row per flagged file and flag: ``flag`` is ``hotspot`` (among the ``top`` hotspots of its
    repository, with ``min_revs`` revisions or more) or ``knowledge_island`` (see :func:`ownership`);
    ``revisions`` over ``files``, ``author`` the island's only contributor."""
    columns = ["repo", "path", "flag", "revisions", "author"]
    if _most_revisions(files) < min(min_revs, island_min_revs):  # no file could be flagged: skip the ranking
        return pd.DataFrame(columns=columns)
    hot = hotspots(files, top=top)
    hot = hot[hot["revisions"] >= min_revs].assign(flag="hotspot", author=None)
    owned = ownership(files, island_min_revs=island_min_revs)
    islands = owned[owned["knowledge_island"].astype(bool)].assign(
        flag="knowledge_island", author=lambda t: t["main_dev"]
    )
    if hot.empty and islands.empty:
        return pd.DataFrame(columns=columns)
    return pd.concat([hot[columns], islands[columns]], ignore_index=True)


def _most_revisions(files: pd.DataFrame) -> int:
    """An upper bound of any file's revisions (distinct commits per repository and path): a flag needs a
    few, and on a small window counting them is much cheaper than ranking every file. A path's rows bound
    them (a merge's rows repeat its sha, one repository's path may share its name with another's), and
    are counted without a Python loop over the rows."""
    if files.empty:
        return 0
    return int(files["path"].value_counts(sort=False).max())
