"""Fix and revert rates per area over time: how much of the work repairs earlier work."""

from __future__ import annotations

import pandas as pd

from .common import check_by, period


def fix_revert_rates(frame: pd.DataFrame, by: str | None = "area", freq: str = "M") -> pd.DataFrame:
    """Per period (``freq``: D, W, M, Q) and area (``by="area"``; ``None``: per repository): commits, fixes,
    reverts and their rates.

    Definition: ``fix_rate = fixes / commits`` with a fix as the scoring's change type ``fix``
    (Kamei et al.'s FIX keyword, classified from the title); ``revert_rate = reverts / commits`` with a
    revert as git's "Revert ..." title. A commit counts once, in its ``primary_area`` (as in the report).
    Bots included: their fixes are fixes too.
    """
    keys = ["period", "repo"] + (["area"] if check_by(by, ("area", None)) else [])
    columns = [*keys, "commits", "fixes", "reverts", "fix_rate", "revert_rate"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    data = pd.DataFrame(
        {
            "period": period(frame["day"], freq),
            "repo": frame["repo"],
            "area": frame["primary_area"],
            "fix": frame["is_fix"].astype(int),
            "revert": frame["is_revert"].astype(int),
        }
    )
    table = (
        data.groupby(keys).agg(commits=("fix", "size"), fixes=("fix", "sum"), reverts=("revert", "sum")).reset_index()
    )
    table["fix_rate"] = (table["fixes"] / table["commits"]).round(3)
    table["revert_rate"] = (table["reverts"] / table["commits"]).round(3)
    table = table.sort_values(
        ["period", "commits", *keys[1:]], ascending=[True, False] + [True] * (len(keys) - 1), kind="stable"
    )
    return table[columns].reset_index(drop=True)
