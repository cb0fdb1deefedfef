"""Steps every analysis shares: who a contributor is, bots apart, calendar periods, entity columns."""

from __future__ import annotations

import pandas as pd

ENTITIES = ("path", "area")  # what the file-level analyses group by


def contributor(frame: pd.DataFrame) -> pd.Series:
    """A contributor's identity: the GitHub login when the source knows it, else the author's name. Both
    sources apply ``.mailmap`` (git's ``%aN``), so one person's several addresses are one contributor."""
    login = frame["author_login"].astype("string")
    return login.where(login.notna() & (login != ""), frame["author"].astype("string"))


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
