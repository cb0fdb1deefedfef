"""Publish a daily report in-process: the outputs a kernel would record for ``display(report)``,
written as an executed notebook, then published by repodigest's own publish step. No kernel starts;
the notebook holds exactly what :class:`repodigest.daily.DailyReport` displays."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_notebook, new_output

from repodigest.daily import DailyReport, daily_report, write_data
from repodigest.publish.export import publish_notebook
from repodigest.publish.render import RenderResult


def executed_notebook(report, path: Path) -> Path:
    """Write the notebook a kernel would have executed for ``report`` (a DailyReport) to ``path``."""
    nb = new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    cell = new_code_cell("display(report)")
    cell.outputs = [new_output("display_data", data=bundle, metadata=metadata) for bundle, metadata in report.outputs()]
    nb.cells.append(cell)
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def publish(report, folder: Path, **options):
    """Publish ``report`` into ``folder`` as ``repodigest report`` would, without a kernel."""
    return publish_notebook(executed_notebook(report, folder / "report.ipynb"), folder, **options)


def save(digest, folder: Path, images: bool = False):
    """A digest's report folder as ``repodigest report`` leaves it (data files, status, overview, report
    files), published in-process; chart PNGs only when ``images``."""
    return publish(DailyReport(digest, write_data(digest, folder)), folder, images=None if images else False)


def render_report(parameters: dict, out_root, folder: str, images: bool = True, **_) -> RenderResult:
    """Stands in for ``repodigest.publish.render.render_report`` (monkeypatched in tests of the CLI): the
    notebook's one call with the CLI's ``parameters``, published into ``out_root/folder``, no kernel."""
    out = Path(out_root) / folder
    report = daily_report(**parameters, data_dir=out, progress=False)
    done = publish(report, out, images=None if images else False)
    return RenderResult(folder=done.folder, files=done.files, partial=done.partial, warnings=done.warnings)
