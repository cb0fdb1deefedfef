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
    check_by(by)
    columns = [
        "repo",
        by,
        "rank",
        "score",
        "revisions",
        "churn",
        "lines_added",
        "lines_deleted",
        "authors",
        "first_day",
        "last_day",
    ]
    if files.empty:
        return pd.DataFrame(columns=columns)
    # Integer codes for the grouping (days sorted, so that the order of codes is the order of days);
    # rows missing a key are left out and missing values uncounted, as groupby does.
    repo_codes, repos = pd.factorize(files["repo"])
    entity_codes, names = pd.factorize(files[by])
    day_codes, days = pd.factorize(files["day"], sort=True)
    data = pd.DataFrame(
        {
            "repo": repo_codes,
            "entity": entity_codes,
            "sha": _counted(pd.factorize(files["sha"])[0]),
            "contributor": _counted(pd.factorize(contributor(files))[0]),
            "day": _counted(day_codes),
            "churn": files["churn"].array,
            "lines_added": files["lines_added"].array,
            "lines_deleted": files["lines_deleted"].array,
        }
    )
    table = (
        data[(repo_codes >= 0) & (entity_codes >= 0)]
        .groupby(["repo", "entity"], sort=False)
        .agg(
            revisions=("sha", "nunique"),
            churn=("churn", "sum"),
            lines_added=("lines_added", "sum"),
            lines_deleted=("lines_deleted", "sum"),
            authors=("contributor", "nunique"),
            first_day=("day", "min"),
            last_day=("day", "max"),
        )
        .reset_index()
    )
    table = table.assign(
        **{
            "repo": pd.Series(repos.take(table["repo"].to_numpy())),
            by: pd.Series(names.take(table["entity"].to_numpy())),
            "first_day": _named(days, table["first_day"]),
            "last_day": _named(days, table["last_day"]),
        }
    )
    table["score"] = (table["revisions"] * np.log2(1 + table["churn"].astype(float))).round(1)
    table = ranked(table, files["repo"], ["score", "revisions", by], [False, False, True])
    if top is not None:
        table = table[table["rank"] <= top]
    return table[columns].reset_index(drop=True)


def _counted(codes: np.ndarray) -> pd.Series:
    """Codes with the missing (-1) as NaN, so that nunique, min and max leave them out."""
    return pd.Series(codes).where(codes >= 0)


def _named(uniques, codes: pd.Series) -> pd.Series:
    """The values of ``codes`` (floats, NaN when missing) among ``uniques``."""
    positions = codes.fillna(-1).to_numpy(dtype=np.int64)
    return pd.Series(uniques.take(positions, allow_fill=True))
