"""The daily notebook's one call: :func:`daily_report` builds the day's digest, and displaying its result
shows the report, part by part, with the records that publishing reads (repodigest.publish.glue)."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

from .charts.daily_charts import chart_words
from .charts.html import figures_html
from .charts.rollup_charts import rollup_chart_titles
from .errors import RepodigestError
from .frame import write_frame
from .pipeline import Digest, build_digest
from .publish.glue import charts_metadata, record
from .report.markdown import render_markdown


def write_data(digest: Digest, folder: str | os.PathLike) -> list[Path]:
    """The digest's commit and file frames as CSV and Parquet in ``folder``: the paths written."""
    return write_frame(digest.frame, folder) + write_frame(digest.file_frame, folder, kind="files")


def daily_report(
    date=None,
    repos=None,
    tz=None,
    lang=None,
    window_days=None,
    days: int = 1,
    config=None,
    refresh: bool = False,
    data_dir: str | os.PathLike | None = None,
    *,
    period: str = "day",
    progress: bool = True,
    analyze: bool | None = None,
    track_record: bool | None = None,
    risk_model: str | None = None,
) -> DailyReport:
    """The digest of the report's days (``repodigest.build_digest`` with these parameters; ``period``
    "week" or "month": the rollup of the period ending on ``date``); with ``data_dir``, its commit and
    file frames are written there as CSV and Parquet. What stops the run is shown as a ``failure``
    record, then raised."""
    try:
        digest = build_digest(
            date=date,
            repos=repos,
            tz=tz,
            lang=lang,
            window_days=window_days,
            days=days,
            config=config,
            refresh=refresh,
            period=period,
            progress=progress,
            analyze=analyze,
            track_record=track_record,
            risk_model=risk_model,
        )
        written = write_data(digest, data_dir) if data_dir else []
    except RepodigestError as exc:
        _display(
            {**record("failure", {"exit_code": exc.exit_code, "message": str(exc)}), "text/plain": f"error: {exc}"}
        )
        raise
    return DailyReport(digest, written)


def status(digest: Digest) -> dict:
    """The run in numbers and lines: what ``status.json`` holds, and what the command says at its end."""
    shown = digest.report_frame
    return {
        "period": digest.period,
        "days": list(digest.days),
        "repos": list(digest.repos),
        "commits": int(len(shown)),
        "levels": shown["level"].value_counts().to_dict(),
        "partial": digest.partial,
        "notes": list(digest.notes),
        "usage": dict(digest.usage) if digest.usage else None,
        "warnings": list(digest.warnings),
        "pull_requests": dict(digest.pull_requests),
        **({"llm_plan": digest.llm_plan} if digest.rollup is not None and digest.llm_plan else {}),
    }


def overview_record(digest: Digest) -> dict:
    """What ``overview.json`` holds: the overview of the report's days; a rollup's headline is the rollup's
    (each repository's, named when there are several), which the outputs index and the feed show."""
    record = digest.glance().to_dict()
    if digest.rollup is not None and digest.rollup.repos:
        parts = digest.rollup.repos
        record["headline"] = (
            parts[0].headline if len(parts) == 1 else " ".join(f"{p.repo}: {p.headline}" for p in parts)
        )
        record["source"] = "llm" if any(p.source == "llm" for p in parts) else "data"
    return record


class DailyReport:
    """A digest shown as the daily report: the title and the overview first, then each repository's
    table, the charts, the entries; last, the record of the run (status, overview, data files)."""

    def __init__(self, digest: Digest, data_files: Sequence[Path] = ()):
        self.digest = digest
        self.data_files = [str(p) for p in data_files]

    def outputs(self) -> list[tuple[dict, dict]]:
        """(MIME bundle, metadata) of each output, in order."""
        digest, settings = self.digest, self.digest.settings
        figures = digest.charts()
        context = digest.context(charts_markdown="")
        titles = chart_words(settings.lang) if digest.rollup is None else rollup_chart_titles(settings.lang)
        charts = [
            {"name": name, "title": titles.get(name, name), "figure": json.loads(figure.to_json())}
            for name, figure in figures
        ]
        report = {
            "status": {**status(digest), "lang": settings.lang, "images": settings.charts.images},
            "overview": overview_record(digest),
            "data_files": self.data_files,
            **({"rollup": digest.rollup.to_dict()} if digest.rollup is not None else {}),
        }
        template = digest.template
        return [
            ({"text/markdown": render_markdown(context, template, part="head")}, {}),
            ({"text/markdown": render_markdown(context, template, part="repos")}, {}),
            ({"text/html": figures_html(figures)}, charts_metadata(charts, settings.lang)),
            ({"text/markdown": render_markdown(context, template, part="tail")}, {}),
            (record("report", report), {}),
        ]

    def _ipython_display_(self) -> None:
        for bundle, metadata in self.outputs():
            _display(bundle, metadata)


def _display(bundle: dict, metadata: dict | None = None) -> None:
    from IPython.display import display

    display(bundle, raw=True, metadata=metadata or {})
