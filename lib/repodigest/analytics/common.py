"""Steps every analysis shares: who a contributor is, bots apart, calendar periods, entity columns."""

from __future__ import annotations

import numpy as np
import pandas as pd
from pandas.api.extensions import ExtensionDtype
from pandas.api.types import is_bool, is_float, is_integer

from ..models import person_key

ENTITIES = ("path", "area")  # what the file-level analyses group by


def contributor(frame: pd.DataFrame) -> pd.Series:
    """A contributor's identity (:func:`repodigest.models.person_key`: the GitHub login when the source
    knows it, else the author's name). Both sources apply ``.mailmap`` (git's ``%aN``), so one person's
    several addresses are one contributor."""
    login, name = frame["author_login"].astype("string"), frame["author"].astype("string")
    # person_key over the columns at once: a login that is there and not empty, else the name, else ""
    return login.replace("", pd.NA).fillna(name).fillna("").astype("string")


def contributions(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per change someone wrote, from a commit frame: a commit, or for a merge each commit it
    landed (``merged``), credited to its own author. Columns: repo, sha (the frame's row), day (when it
    landed on the line), who (:func:`contributor`), is_bot, area (the row's ``primary_area``), local (a local time in the
    report's time zone: the commit's committer time, a landed commit's author time)."""
    columns = ["repo", "sha", "day", "who", "is_bot", "area", "local"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    own = frame["merged"].map(len) == 0
    mine = frame[own]
    parts = [
        pd.DataFrame(
            {
                "repo": mine["repo"],
                "sha": mine["sha"],
                "day": mine["day"],
                "who": contributor(mine),
                "is_bot": mine["is_bot"].astype(bool),
                "area": mine["primary_area"],
                "local": mine["committed_local"],
            }
        )
    ]
    landed = [(row.repo, row.sha, row.day, row.primary_area, m) for row in frame[~own].itertuples() for m in row.merged]
    if landed:
        parts.append(
            pd.DataFrame(
                {
                    "repo": [r for r, *_ in landed],
                    "sha": [s for _, s, *_ in landed],
                    "day": [d for _, _, d, _, _ in landed],
                    "who": [person_key(m["author_login"], m["author"]) for *_, m in landed],
                    "is_bot": [bool(m["is_bot"]) for *_, m in landed],
                    "area": [a for _, _, _, a, _ in landed],
                    "local": [m["authored_local"] for *_, m in landed],
                }
            )
        )
    out = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0].reset_index(drop=True)
    out["who"] = out["who"].astype("string")
    return out[columns]


def without_bots(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of human authors (``is_bot`` is False)."""
    return frame[~frame["is_bot"].astype(bool)]


def period(days: pd.Series, freq: str) -> pd.Series:
    """The first day (YYYY-MM-DD) of the period holding each day: ``freq`` is ``D``, ``W`` (weeks start on
    Monday), ``M`` or ``Q``. Days are the report's calendar days (in its time zone)."""
    return pd.to_datetime(days).dt.to_period(freq).dt.start_time.dt.strftime("%Y-%m-%d")


def check_by(by: str | None, choices: tuple[str | None, ...] = ENTITIES) -> str | None:
    """``by`` when it is one of ``choices`` (by default the entities of the file frame), else ValueError."""
    if by not in choices:
        raise ValueError(f"by must be one of {', '.join(map(str, choices))}, not {by!r}")
    return by


def ranked(table: pd.DataFrame, repos: pd.Series, by: list[str], ascending: list[bool]) -> pd.DataFrame:
    """``table`` sorted by ``by`` within each repository (repositories in the order of ``repos``, the
    frame's), with ``rank`` 1, 2, ... per repository."""
    order = {name: i for i, name in enumerate(pd.unique(repos))}  # in order of appearance, as dict.fromkeys
    table = table.assign(_repo=table["repo"].map(order))
    table = table.sort_values(["_repo", *by], ascending=[True, *ascending], kind="stable")
    table["rank"] = table.groupby("_repo").cumcount() + 1
    return table.drop(columns="_repo").reset_index(drop=True)


def records(frame: pd.DataFrame) -> list[dict]:
    """``frame.to_dict("records")``, value for value, without its per-column ``iloc`` (a fixed cost per
    column and call that dominates on the report's wide frames of a few rows): object and extension
    columns give native scalars (``pd.NA`` as None), numpy columns their own items."""
    if not frame.columns.is_unique:
        return frame.to_dict("records")
    names = frame.columns.tolist()
    columns = [_values(column) for _, column in frame.items()]
    return [dict(zip(names, row)) for row in zip(*columns)] if names else [{} for _ in range(len(frame))]


def rows_by_sha(frame: pd.DataFrame) -> dict[str, dict]:
    """The rows of ``frame`` (one per sha), as :func:`records` gives them, by sha: made once, where looking a
    frame's row up by label costs as much per row as a whole column."""
    return {row["sha"]: row for row in records(frame)}


# The types :func:`_native` gives back unchanged, looked up before calling it: most values of a frame are these.
_AS_IS = frozenset({str, list, dict, tuple, bool, int, float, type(None)})
_MASKED = (pd.arrays.IntegerArray, pd.arrays.FloatingArray, pd.arrays.BooleanArray)


def _values(column: pd.Series) -> list:
    """The values of ``column`` as :func:`records` gives them, converted at once where the array can: arrow's
    ``to_pylist`` for nullable numbers and arrow strings (a missing value is None), ``tolist`` for numpy."""
    array, dtype = column.array, column.dtype
    if isinstance(array, _MASKED) or (isinstance(array, pd.arrays.ArrowStringArray) and dtype.na_value is pd.NA):
        return array.__arrow_array__().to_pylist()
    if dtype == np.dtype(object):
        return [value if type(value) in _AS_IS else _native(value) for value in column.tolist()]
    if isinstance(dtype, ExtensionDtype):
        return [value if type(value) in _AS_IS else _native(value) for value in column]
    return column.tolist()  # numpy's own scalars as Python's (datetimes as Timestamps), as iterating gives them


def _native(value):
    """pandas' own boxing of a ``to_dict`` value (``pandas.core.dtypes.cast.maybe_box_native``)."""
    if is_float(value):
        return float(value)
    if is_integer(value):
        return int(value)
    if is_bool(value):
        return bool(value)
    if isinstance(value, np.datetime64):
        return pd.Timestamp(value)
    if isinstance(value, np.timedelta64):
        return pd.Timedelta(value)
    return None if value is pd.NA else value
