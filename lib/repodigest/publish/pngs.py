"""The charts as PNG files beside report.md, drawn by kaleido from the figures the notebook left in its
charts output, and the charts section of report.md that links them (or says why it cannot).

A browser can be started before the notebook runs (:class:`~repodigest.publish.browser.BrowserSession`),
so that its start-up overlaps the kernel's work; without one, a session is opened for the export.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from pathlib import Path

from ..i18n import strings

log = logging.getLogger(__name__)


def png_name(chart: str) -> str:
    """The file name of a chart's PNG."""
    return f"chart-{chart}.png"


def _specs(charts: Sequence[dict], out: Path, scale: float) -> list[dict]:
    """kaleido's batch input: the figure, the PNG's path, its size from the figure."""
    specs = []
    for chart in charts:
        layout = chart["figure"].get("layout", {})
        specs.append(
            dict(
                fig=chart["figure"],
                path=out / png_name(chart["name"]),
                opts=dict(
                    format="png",
                    width=int(layout.get("width") or 900),
                    height=int(layout.get("height") or 500),
                    scale=scale,
                ),
            )
        )
    return specs


def write_pngs(
    charts: Sequence[dict],
    out_dir: str | Path,
    *,
    session=None,
    browser_path: str | None = None,
    timeout: float = 90,
    scale: float = 1,
) -> tuple[list[Path], str | None]:
    """Write ``chart-<name>.png`` for every chart (``{name, figure}``, the figure as plotly JSON) in ONE
    browser session (``session``, else one opened here). Returns (paths written, None), or (paths written,
    reason) when kaleido, Chrome/Chromium or a render failed. Kaleido finds Chrome/Chromium on PATH;
    ``browser_path`` or $BROWSER_PATH names one."""
    if not charts:
        return [], None
    try:
        from kaleido.errors import ChromeNotFoundError
    except ImportError:
        return [], "kaleido is not installed (pip install 'kaleido>=1')"
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    specs = _specs(charts, out, scale)
    paths = [spec["path"] for spec in specs]
    for path in paths:
        path.unlink(missing_ok=True)
    started = time.perf_counter()
    try:
        if session is not None:
            errors = session.write(specs)  # waits for its start if still under way
        else:
            from .browser import BrowserSession

            own = BrowserSession(timeout, browser_path)
            try:
                errors = own.write(specs)
            finally:
                own.close()
    except ChromeNotFoundError:
        return [], (
            "no Chrome/Chromium browser found for kaleido (install chromium, run "
            "`plotly_get_chrome`, or set BROWSER_PATH)"
        )
    except Exception as exc:  # a browser that crashes or hangs must not stop the report
        return [p for p in paths if is_png(p)], f"image export failed: {type(exc).__name__}: {exc}"
    log.info("exported %d chart images in %.2fs", len(specs), time.perf_counter() - started)
    written = [p for p in paths if is_png(p)]
    if errors or len(written) < len(paths):
        first = next(iter(errors), None) if errors else None
        why = f"{type(first).__name__}: {first}" if first else "no image written"
        return written, f"{len(paths) - len(written)} of {len(paths)} chart images failed ({why})"
    return written, None


def is_png(path: Path) -> bool:
    """``path`` holds a PNG image (its signature)."""
    try:
        with open(path, "rb") as fh:
            return fh.read(8) == b"\x89PNG\r\n\x1a\n"
    except OSError:
        return False


def charts_section(
    charts: Sequence[dict], written: Sequence[Path], lang: str = "zh", error: str | None = None, off: bool = False
) -> str:
    """The body of the report's charts section: one relative image link per chart whose PNG was
    ``written`` (the images sit next to report.md); when export failed or images are off (``off``),
    a line pointing at report.html; without charts, a line saying there is nothing to chart."""
    words = strings(lang)
    done = {Path(p).name for p in written}
    lines = [f"![{c['title']}]({png_name(c['name'])})" for c in charts if png_name(c["name"]) in done]
    if error:
        lines.append(words["charts_unavailable"].format(why=error))
    elif off and charts:
        lines.append(words["charts_off"])
    if not lines:
        lines.append(words["charts_none"])
    return "\n\n".join(lines) + "\n"
