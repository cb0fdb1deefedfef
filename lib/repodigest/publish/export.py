"""An executed daily notebook into the report's folder: report.html (self-contained), report.md, the
chart PNGs, status.json and overview.json, all read from the notebook's own outputs
(repodigest.publish.glue) and nothing else."""

from __future__ import annotations

import json
import re
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path

from nbformat import NotebookNode

from ..templating import keep_compiled
from .execute import ReportFailed
from .glue import CHARTS_KEY, is_record, read_outputs
from .pngs import charts_section, write_pngs

TEMPLATES = Path(__file__).resolve().parent / "nbconvert"


@dataclass
class Published:
    """What publishing wrote, and what the run said of itself (its status record)."""

    folder: Path
    files: list[Path]
    partial: bool = False
    warnings: list[str] = field(default_factory=list)  # for the user's terminal


class Exporters:
    """nbconvert's HTML and Markdown exporters of the report, made ready (nbconvert imported, its
    templates compiled, or loaded compiled: :mod:`repodigest.templating`, and its lazy imports done) in a
    thread, so that this overlaps other work."""

    def __init__(self):
        self._made: dict = {}
        self._thread = threading.Thread(target=self._make, name="nbconvert-warm-up", daemon=True)
        self._thread.start()

    def _make(self) -> None:
        import nbconvert
        from nbconvert import HTMLExporter, MarkdownExporter
        from nbformat.v4 import new_notebook
        from traitlets.config import Config

        self._made["html"] = HTMLExporter(
            template_name="repodigest",
            extra_template_basedirs=[str(TEMPLATES)],
            exclude_input=True,
            exclude_markdown=True,
            exclude_input_prompt=True,
            exclude_output_prompt=True,
            embed_images=True,
        )
        # Markdown outputs first: the report's outputs carry text/markdown beside any HTML.
        config = Config({"NbConvertBase": {"display_data_priority": ["text/markdown", "image/png", "text/plain"]}})
        self._made["markdown"] = MarkdownExporter(config=config, exclude_input=True, exclude_markdown=True)
        for exporter in self._made.values():
            keep_compiled(exporter.environment, tag=f"nbconvert {nbconvert.__version__}")
            exporter.from_notebook_node(new_notebook())  # the first export loads what the others reuse

    def get(self, kind: str):
        """The exporter ``kind`` ("html" or "markdown"), waiting for the thread if need be."""
        self._thread.join()
        if kind not in self._made:  # the thread failed: the same call here raises its error
            self._make()
        return self._made[kind]


def report_view(notebook, drop: tuple[str, ...] = ()):
    """A copy of the executed notebook as the report shows it: without stream outputs (progress bars
    and warnings are the run's log, kept in report.ipynb only), without records, without the charts'
    figures (the charts output's metadata, which only publishing reads) and without the MIME types
    ``drop`` (the Markdown export shows no HTML). Only what is kept is copied."""
    import nbformat

    def shown(output):
        if "data" not in output:
            return output
        data = {kind: value for kind, value in output["data"].items() if kind not in drop}
        metadata = {key: value for key, value in output.get("metadata", {}).items() if key != CHARTS_KEY}
        return {**output, "data": data, "metadata": metadata}

    cells = [
        {
            **cell,
            "outputs": [
                shown(o) for o in cell.get("outputs", []) if o.get("output_type") != "stream" and not is_record(o)
            ],
        }
        for cell in notebook.cells
    ]
    return nbformat.from_dict({**notebook, "cells": cells})


def publish_notebook(
    executed: str | Path | NotebookNode,
    folder: str | Path,
    *,
    title: str = "repodigest",
    session=None,
    exporters: Exporters | None = None,
    images: bool | None = None,
) -> Published:
    """Publish the executed daily notebook ``executed`` (its file, or the notebook papermill returned) into
    ``folder``: the chart PNGs from its charts
    output (``session``: a browser already started; ``images``: None as the run's config says, False
    none), its charts section filled in, report.ipynb, report.html, report.md, status.json and
    overview.json (and a rollup's rollup.json) from its report record, and the data files it lists (copied when they were written
    elsewhere)."""
    import nbformat

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    exporters = exporters or Exporters()
    node = executed if isinstance(executed, NotebookNode) else nbformat.read(executed, as_version=4)
    found = read_outputs(node)
    if found.failure is not None:  # the run stopped: nothing to publish but the reason
        raise ReportFailed(
            str(found.failure.get("message") or "the report notebook failed"), int(found.failure.get("exit_code") or 3)
        )
    status = found.report.get("status") or {}
    wanted = bool(status.get("images", True)) if images is None else images
    pngs = _PngExport(found, wanted, status.get("lang"), folder, session)  # while the HTML is exported
    # The HTML shows the charts' own HTML, so the charts section (text/markdown beside it) is not waited for.
    html, _ = exporters.get("html").from_notebook_node(report_view(node), resources={"metadata": {"name": title}})
    (folder / "report.html").write_text(html, encoding="utf-8")
    section = pngs.section()
    if section is not None and found.charts_output is not None:  # the notebook and report.md say the same
        found.charts_output.setdefault("data", {})["text/markdown"] = section
    nbformat.write(node, folder / "report.ipynb")
    # The Markdown exporter shows no HTML; left in, nbconvert would still dedent plotly.js line by line.
    view = report_view(node, drop=("text/html",))
    md, _ = exporters.get("markdown").from_notebook_node(view, resources={"metadata": {"name": title}})
    # Outputs are joined with blank lines; the report's own spacing is one blank line at most.
    (folder / "report.md").write_text(re.sub(r"\n{3,}", "\n\n", md).strip() + "\n", encoding="utf-8")
    if status:
        _write_json(folder / "status.json", {k: v for k, v in status.items() if k not in ("lang", "images")})
    for name in ("overview", "rollup"):  # a rollup's record also holds what the period amounted to
        if found.report.get(name):
            _write_json(folder / f"{name}.json", found.report[name])
    for name in found.report.get("data_files") or []:
        source = Path(name)
        if source.is_file() and source.resolve().parent != folder.resolve():
            shutil.copy2(source, folder / source.name)
    return Published(
        folder=folder,
        files=sorted(p for p in folder.iterdir() if p.is_file()),
        partial=bool(status.get("partial")),
        warnings=list(status.get("warnings") or []),
    )


class _PngExport:
    """The chart PNGs of a notebook's charts output, drawn in a thread; :meth:`section` waits for them and
    gives the charts section that links them (None when the notebook has no charts output)."""

    def __init__(self, found, wanted: bool, lang: str | None, folder: Path, session):
        self._charts = found.charts
        self._result: tuple[list[Path], str | None] = ([], None)
        self._thread = None
        if self._charts is None:
            return
        self._wanted = wanted
        self._lang = self._charts.get("lang") or lang or "zh"
        if self._wanted and self._charts.get("charts"):
            self._thread = threading.Thread(
                target=self._run, args=(folder, session), name="repodigest-pngs", daemon=True
            )
            self._thread.start()

    def _run(self, folder: Path, session) -> None:
        self._result = write_pngs(self._charts["charts"], folder, session=session)

    def section(self) -> str | None:
        if self._charts is None:
            return None
        if self._thread is not None:
            self._thread.join()
        written, error = self._result
        return charts_section(self._charts.get("charts") or [], written, self._lang, error, off=not self._wanted)


def _write_json(path: Path, data: dict) -> None:
    # keys sorted, as a notebook file holds them: the same bytes from papermill's notebook or its file
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True), encoding="utf-8")
