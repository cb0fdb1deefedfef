"""What the daily notebook leaves in its outputs for publishing, and how publishing reads it back.

The notebook's kernel and the command that publishes never share a file: everything publishing
needs travels as the executed notebook's own outputs, in the manner of scrapbook's glue.

- **Records**: display outputs of the MIME type ``RECORD_TYPE`` holding ``{"kind": ..., "data": ...}``.
  ``report`` carries the run's status (days, repositories, counts per level, partial, notes, usage,
  warnings, pull-request figures, language, whether chart images are wanted), the overview and the
  data files written (paths); ``failure`` carries what stopped the run (``exit_code`` and
  ``message``), displayed just before the error is raised.
- **Charts**: the output that shows the charts (interactive HTML) carries, in its metadata under
  ``CHARTS_KEY``, each chart's name, title and plotly figure (JSON), from which publishing draws
  the PNGs and writes the charts section of the Markdown.

Renderers ignore the record type (no renderer knows it), and publishing leaves records out of
report.html and report.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field

RECORD_TYPE = "application/vnd.repodigest.record+json"
CHARTS_KEY = "repodigest_charts"


def record(kind: str, data: dict) -> dict:
    """The MIME bundle of one record (display it with ``IPython.display.display(..., raw=True)``)."""
    return {RECORD_TYPE: {"kind": kind, "data": data}}


def charts_metadata(charts: list[dict], lang: str) -> dict:
    """The metadata of the charts output: ``charts`` holds ``{name, title, figure}`` per chart."""
    return {CHARTS_KEY: {"charts": charts, "lang": lang}}


@dataclass
class Outputs:
    """What an executed notebook says for publishing: its records by kind, and its charts output."""

    records: dict[str, dict] = field(default_factory=dict)
    charts: dict | None = None  # the charts output's metadata entry (CHARTS_KEY)
    charts_output: dict | None = None  # that output itself, to which publishing adds the Markdown

    @property
    def report(self) -> dict:
        return self.records.get("report", {})

    @property
    def failure(self) -> dict | None:
        return self.records.get("failure")


def read_outputs(notebook) -> Outputs:
    """The records and the charts output of an executed notebook (an nbformat node)."""
    found = Outputs()
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            payload = output.get("data", {}).get(RECORD_TYPE)
            if isinstance(payload, dict) and isinstance(payload.get("kind"), str):
                found.records[payload["kind"]] = payload.get("data") or {}
            charts = output.get("metadata", {}).get(CHARTS_KEY)
            if isinstance(charts, dict):
                found.charts, found.charts_output = charts, output
    return found


def is_record(output) -> bool:
    """The output is a record (publishing leaves it out of the report's HTML and Markdown)."""
    return RECORD_TYPE in output.get("data", {})
