"""Churn over time: how many lines each area or author changed, period by period."""

from __future__ import annotations

import pandas as pd

from .common import check_by, contributor, period

CHURN_BY = ("area", "author")


def churn(files: pd.DataFrame, by: str = "area", freq: str = "W") -> pd.DataFrame:
    """Lines added and deleted per period (``freq``: D, W, M or Q) and area or author (``by``).

    Definition: code-maat's ``abs-churn`` (per period) split by ``entity-churn`` (areas) or
    ``author-churn`` (authors): ``churn = lines_added + lines_deleted`` summed over the file rows,
    ``commits`` = distinct commits. Periods start on the report's calendar days (weeks on Monday).
    Authors are logins or ``.mailmap`` names; ``is_bot`` tells bots apart.
    """
    check_by(by, CHURN_BY)
    columns = ["period", by, "commits", "lines_added", "lines_deleted", "churn"] + (
        ["is_bot"] if by == "author" else []
    )
    if files.empty:
        return pd.DataFrame(columns=columns)
    data = files.assign(period=period(files["day"], freq))
    if by == "author":
        data["author"] = contributor(files)
    table = (
        data.groupby(["period", by])
        .agg(
            commits=("sha", "nunique"),
            lines_added=("lines_added", "sum"),
            lines_deleted=("lines_deleted", "sum"),
            churn=("churn", "sum"),
            is_bot=("is_bot", "any"),
        )
        .reset_index()
    )
    table = table.sort_values(["period", "churn", by], ascending=[True, False, True], kind="stable")
    return table[columns].reset_index(drop=True)
