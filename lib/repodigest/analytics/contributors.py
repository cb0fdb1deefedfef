"""Contributors: who joins, and how many people the history leans on (CHAOSS metrics)."""

from __future__ import annotations

import pandas as pd

from .common import check_by, contributions, period, without_bots

ABSENCE_SHARE = 0.5  # CHAOSS: contributors responsible for half of the contributions


def new_contributors(frame: pd.DataFrame, freq: str = "W") -> pd.DataFrame:
    """Per period (``freq``: D, W, M, Q): contributors active, and those whose first commit of the
    loaded history falls in it (CHAOSS "New Contributors"; OSS Insight's first-time contributors).

    Each change someone wrote counts (:func:`~repodigest.analytics.common.contributions`: the authors of
    the commits a merge landed, not who merged it), on the day it landed on the branch. Bots are left
    out; contributors are logins or ``.mailmap`` names, so several addresses of one person count once.
    "First" means first in the loaded history: the first period counts everyone active in it, so load
    history from before the periods you read.
    """
    columns = ["period", "active", "new", "new_contributors"]
    people = without_bots(contributions(frame))
    if people.empty:
        return pd.DataFrame(columns=columns)
    data = pd.DataFrame({"who": people["who"], "period": period(people["day"], freq), "at": people["day"]})
    first = data.sort_values("at", kind="stable").drop_duplicates("who")
    table = data.groupby("period")["who"].nunique().rename("active").reset_index()
    joined = _names(first.groupby("period")["who"])
    table["new_contributors"] = pd.Series([sorted(joined.get(p, [])) for p in table["period"]], dtype=object)
    table["new"] = table["new_contributors"].map(len)
    return table[columns]


def _names(grouped) -> dict:
    """Group key -> the names in it, as a Python list (pandas would make an Arrow list column)."""
    return {key: [str(name) for name in names] for key, names in grouped}


def absence_factor(frame: pd.DataFrame, by: str | None = "area", share: float = ABSENCE_SHARE) -> pd.DataFrame:
    """CHAOSS Contributor Absence Factor (formerly bus factor) per area (``by="area"``) or per repository
    (``by=None``): the smallest number of contributors responsible for ``share`` (50 %) of the commits.

    Contributors are counted by commits, most first, until their sum reaches the share; ``top`` lists
    them. A commit counts once, in its ``primary_area`` (as in the report); a merge's landed commits
    count for their own authors, in the merge's primary area. Bots are left out;
    contributors are logins or ``.mailmap`` names.
    """
    keys = ["repo"] + (["area"] if check_by(by, ("area", None)) else [])
    columns = [*keys, "commits", "contributors", "absence_factor", "top", "top_share"]
    people = without_bots(contributions(frame))
    if people.empty:
        return pd.DataFrame(columns=columns)
    data = pd.DataFrame({"repo": people["repo"], "who": people["who"], "area": people["area"]})
    per = data.groupby([*keys, "who"]).size().rename("commits").reset_index()
    per = per.sort_values([*keys, "commits", "who"], ascending=[True] * len(keys) + [False, True], kind="stable")
    grouped = per.groupby(keys, sort=False)["commits"]
    total = grouped.transform("sum")
    before = grouped.cumsum() - per["commits"]
    core = per[before < share * total]
    table = per.groupby(keys, sort=False).agg(commits=("commits", "sum"), contributors=("who", "size"))
    top = core.groupby(keys, sort=False).agg(absence_factor=("who", "size"), core=("commits", "sum"))
    table = table.join(top).reset_index()
    names = _names(core.groupby(keys)["who"])  # keys are tuples, even of one column
    table["top"] = pd.Series([names[key] for key in zip(*(table[k] for k in keys))], dtype=object)
    table["top_share"] = (table.pop("core") / table["commits"]).round(2)
    table = table.sort_values(["commits", *keys], ascending=[False] + [True] * len(keys), kind="stable")
    return table[columns].reset_index(drop=True)
