"""Helpers for exploring history interactively (``notebooks/explore.ipynb``): load a range, filter
it, and show figures that draw in JupyterLab and in exported HTML alike."""

from __future__ import annotations

import fnmatch
import json
import sys
from datetime import date, datetime, timedelta

import pandas as pd

from .charts.html import figure_html
from .config import load_settings
from .errors import UserError
from .evidence.outcomes import NEWEST
from .pipeline import Digest, build_digest
from .sources import resolve_day
from .window import parse_date, resolve_tz


def load_range(
    start: str | date | None = None,
    end: str | date | None = None,
    repos: list[str] | None = None,
    tz: str | None = None,
    config: str | None = None,
    default_days: int = 14,
    analyze: bool = False,
    *,
    as_of: str | date | datetime | None = NEWEST,
    lang: str | None = None,
    refresh: bool = False,
    progress: bool | None = None,
    overview: bool = False,
    outcomes: bool = False,
    horizon_days: float | None = None,
    risk_model: str | None = None,
    track_record: bool | None = None,
) -> Digest:
    """Every commit from ``start`` to ``end`` (inclusive), scored and framed. Default ``end``: the latest
    day with commits; default ``start``: ``default_days`` before it. Any length: a local clone is read
    with one ``git log`` for the whole range, GitHub day by day from the cache. Never starts an LLM
    request unless ``analyze=True``, which first states how many it will make (``digest.llm_plan``);
    otherwise the analyses the cache holds are shown. The day-at-a-glance overview is left out
    (``overview=True`` builds it). Outcomes (``outcomes=True``) are observed ``as_of`` the clone's newest
    commit (what is known now); ``as_of`` takes a date, a datetime or a revision instead
    (evidence.observation_point), and a note names the commits whose observation period it cuts short.
    The other options are :func:`repodigest.build_digest`'s; ``lang``: the language of the digest's charts and
    words (default: the config's, else the locale's). Progress bars show on a terminal, not in a notebook
    (``progress=True`` asks for them)."""
    settings = load_settings(config, repos=repos, tz=tz, lang=lang)
    zone = resolve_tz(settings.tz)
    last = resolve_day(settings, end)
    first = parse_date(start, zone) or last - timedelta(days=default_days - 1)
    if first > last:
        raise UserError(f"start {start!r} must be a day on or before {last}")
    days = (last - first).days + 1
    return build_digest(
        date=last,
        days=days,
        settings=settings.model_copy(update={"window_days": days}),
        refresh=refresh,
        analyze=analyze,
        as_of=as_of,
        max_days=days,
        overview=overview,
        progress=not _in_a_notebook() if progress is None else progress,
        outcomes=outcomes,
        horizon_days=horizon_days,
        risk_model=risk_model,
        track_record=track_record,
    )


def _in_a_notebook() -> bool:
    """Whether this runs in a Jupyter kernel: there the progress bars stay off unless asked for
    (``progress=True``). They are drawn for a terminal: JupyterLab shows their stderr as an error box,
    which a finished bar leaves empty, and the saved notebook keeps their text."""
    return type(sys.stderr).__module__.startswith("ipykernel")


_PLOTLYJS = {"inlined": False}  # plotly.js goes into the first figure output of the kernel, once


class _Figure:
    """One figure as a notebook output: plotly's mimetype (JupyterLab draws it) and HTML with plotly.js
    inlined once (nbconvert's HTML export and other viewers draw that, offline)."""

    def __init__(self, figure):
        self.figure = figure
        self.html = figure_html(figure, include_plotlyjs=not _PLOTLYJS["inlined"])
        _PLOTLYJS["inlined"] = True

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {
            "application/vnd.plotly.v1+json": json.loads(self.figure.to_json()),
            "text/html": self.html,
            "text/plain": f"<figure: {self.figure.layout.title.text or 'plotly'}>",
        }


def show(*figures) -> None:
    """Display plotly figures so that they draw in JupyterLab and in the notebook exported to HTML."""
    from IPython.display import display

    for figure in figures:
        display(_Figure(figure[1] if isinstance(figure, tuple) else figure))


def filter_commits(
    frame: pd.DataFrame,
    author: str | None = None,
    area: str | None = None,
    level: str | list[str] | None = None,
    path: str | None = None,
    repo: str | None = None,
) -> pd.DataFrame:
    """Rows matching every given filter: author (substring, any case), area (commits touching it, among
    their ``areas``; counts by area use ``primary_area``), level(s), path glob, repository."""
    mask = pd.Series(True, index=frame.index)
    if author:
        mask &= frame["author"].str.contains(author, case=False, regex=False) | frame["author_login"].fillna(
            ""
        ).str.contains(author, case=False, regex=False)
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
    columns = [
        "day",
        "repo",
        "short_sha",
        "level",
        "score",
        "change_type",
        "primary_area",
        "author",
        "title",
        "lines_added",
        "lines_deleted",
        "file_count",
    ]
    return frame.sort_values(["score", "committed_at"], ascending=False).head(n)[columns].reset_index(drop=True)
