"""Helpers for exploring the DataFrame interactively (``notebooks/explore.ipynb``)."""

from __future__ import annotations

import fnmatch
from datetime import date, timedelta

import pandas as pd

from .config import load_settings
from .digest import Digest, build_digest, resolve_day
from .window import MAX_WINDOW_DAYS, parse_date, resolve_tz
from .errors import UserError


def load_range(start: str | date | None = None, end: str | date | None = None, repos: list[str] | None = None,
               tz: str | None = None, config: str | None = None, default_days: int = 14, **options) -> Digest:
    """Every commit from ``start`` to ``end`` (inclusive), scored and framed. Default ``end``: the latest
    day with commits; default ``start``: ``default_days`` before it. Cached sources answer days they
    have already seen without fetching them again."""
    settings = load_settings(config, repos=repos, tz=tz)
    zone = resolve_tz(settings.tz)
    last = resolve_day(settings, end)
    first = parse_date(start, zone) or last - timedelta(days=default_days - 1)
    if first > last:
        raise UserError(f"start {start!r} must be a day on or before {last}")
    days = (last - first).days + 1
    if days > MAX_WINDOW_DAYS:
        raise UserError(f"a range of {days} days is longer than {MAX_WINDOW_DAYS}: split it")
    return build_digest(date=last, days=days, settings=settings.model_copy(update={"window_days": days}), **options)


def filter_commits(frame: pd.DataFrame, author: str | None = None, area: str | None = None,
                   level: str | list[str] | None = None, path: str | None = None,
                   repo: str | None = None) -> pd.DataFrame:
    """Rows matching every given filter: author (substring, any case), area, level(s), path glob, repository."""
    mask = pd.Series(True, index=frame.index)
    if author:
        mask &= frame["author"].str.contains(author, case=False, regex=False) | \
            frame["author_login"].fillna("").str.contains(author, case=False, regex=False)
    if area:
        wanted = area.lower()
        mask &= frame["areas"].map(lambda areas: wanted in list(areas))
    if level:
        mask &= frame["level"].isin([level] if isinstance(level, str) else list(level))
    if path:
        mask &= frame["file_changes"].map(lambda changes: any(fnmatch.fnmatch(c["path"], path) for c in changes))
    if repo:
        mask &= frame["repo"] == repo
    return frame[mask]


def top_commits(frame: pd.DataFrame, n: int = 20) -> pd.DataFrame:
    """The ``n`` highest-scoring commits with the columns a reader scans first."""
    columns = ["day", "repo", "short_sha", "level", "score", "change_type", "primary_area", "author", "title",
               "lines_added", "lines_deleted", "files"]
    return frame.sort_values(["score", "committed_at"], ascending=False).head(n)[columns].reset_index(drop=True)
