"""Hotspots: where the history keeps changing the code."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .common import check_by, contributor, ranked


def hotspots(files: pd.DataFrame, by: str = "path", top: int | None = None) -> pd.DataFrame:
    """Files (``by="path"``) or areas (``by="area"``) ranked by change frequency weighted by size.

    Definition: ``revisions`` = commits that touched the entity (code-maat's ``revisions``),
    ``churn`` = lines added + deleted in them (code-maat's ``entity-churn``), and
    ``score = revisions x log2(1 + churn)``: Tornhill's hotspot (change frequency x size), with churn
    standing in for size because the frame holds changes, not file contents; the log keeps one huge
    commit from outranking a file that is changed again and again. Per repository, best first
    (``rank`` 1), over every row of ``files`` (the file frame).
    """
    by = check_by(by)
    columns = ["repo", by, "rank", "score", "revisions", "churn", "lines_added", "lines_deleted", "authors",
               "first_day", "last_day"]
    if files.empty:
        return pd.DataFrame(columns=columns)
    data = files.assign(contributor=contributor(files))
    table = data.groupby(["repo", by], sort=False).agg(
        revisions=("sha", "nunique"), churn=("churn", "sum"), lines_added=("lines_added", "sum"),
        lines_deleted=("lines_deleted", "sum"), authors=("contributor", "nunique"),
        first_day=("day", "min"), last_day=("day", "max")).reset_index()
    table["score"] = (table["revisions"] * np.log2(1 + table["churn"].astype(float))).round(1)
    table = ranked(table, files["repo"], ["score", "revisions", by], [False, False, True])
    if top is not None:
        table = table[table["rank"] <= top]
    return table[columns].reset_index(drop=True)
