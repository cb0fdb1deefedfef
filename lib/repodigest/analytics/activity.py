"""When the work happens: commits by weekday and hour, in the report's time zone."""

from __future__ import annotations

import pandas as pd

from .common import contributions, without_bots

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def activity(frame: pd.DataFrame, tz: str | None = None, bots: bool = False) -> pd.DataFrame:
    """Commits per weekday (rows, Monday first) and hour of the day (columns 0-23).

    Definition: OSS Insight's commit time distribution (CHAOSS "Activity Dates and Times"): each change
    someone wrote (:func:`~repodigest.analytics.common.contributions`: a commit at its committer date, a
    commit a merge landed at its own author date), in the report's time zone, which the frame's local
    times are in; with ``tz`` (an IANA name) commits are placed by committer date in that zone instead.
    Bot commits are left out unless ``bots``.
    """
    if tz:
        rows = frame if bots else without_bots(frame)
        local = rows["committed_at"].dt.tz_convert(tz)
    else:
        changes = contributions(frame)
        rows = changes if bots else without_bots(changes)
        local = pd.to_datetime(rows["local"], format="%Y-%m-%d %H:%M:%S")
    weekday, hour = local.dt.day_of_week, local.dt.hour
    counts = pd.crosstab(weekday, hour) if len(rows) else pd.DataFrame()
    table = counts.reindex(index=range(7), columns=range(24), fill_value=0).astype("int64")
    table.index = pd.Index(WEEKDAYS, name="weekday")
    table.columns = pd.Index(range(24), name="hour")
    return table


def busiest(table: pd.DataFrame) -> dict:
    """The busiest weekday and hour of an :func:`activity` table, and the busiest single slot."""
    if not table.to_numpy().sum():
        return {"weekday": None, "hour": None, "slot": None, "commits": 0}
    stacked = table.stack()
    (day, hour), commits = stacked.idxmax(), int(stacked.max())
    return {
        "weekday": table.sum(axis=1).idxmax(),
        "hour": int(table.sum(axis=0).idxmax()),
        "slot": f"{day} {hour:02d}:00",
        "commits": commits,
    }
