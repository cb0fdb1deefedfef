"""The output side of :mod:`repodigest.charts.figures`: figures as an HTML fragment, as PNG files
(kaleido), and the report's Markdown section linking the images.

The only module of the charts that writes files (``export_images``).
"""

from __future__ import annotations

import html
import logging
import os
import threading
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .labels import labels

if TYPE_CHECKING:  # plotly is imported by the figure code; starting the browser must not wait for it
    import plotly.graph_objects as go

_log = logging.getLogger(__name__)


def _named(figures) -> list[tuple[str, go.Figure]]:
    out = []
    for i, item in enumerate(figures):
        name, fig = item if isinstance(item, tuple) else (f"{i + 1}", item)
        out.append((str(name), fig))
    return out


def figures_html(figures: Sequence[go.Figure] | Sequence[tuple[str, go.Figure]]) -> str:
    """An HTML fragment with every figure, each in its own div; plotly.js is inlined once (with
    the first figure), so the fragment works offline, e.g. as a notebook output exported to HTML."""
    parts = []
    for i, (name, fig) in enumerate(_named(figures)):
        div_id = f"chart-{name}-{uuid.uuid4().hex[:8]}"
        body = fig.to_html(full_html=False, include_plotlyjs=(i == 0), include_mathjax=False, div_id=div_id,
                           config={"displaylogo": False, "responsive": True})
        parts.append(f'<div class="repodigest-chart" data-chart="{html.escape(name)}">{body}</div>')
    return '<div class="repodigest-charts">\n' + "\n".join(parts) + "\n</div>" if parts else ""


_browser: dict = {"started": None}


def start_browser(out_dir: str | os.PathLike | None = None, timeout: float = 90) -> None:
    """Start kaleido's browser in the background when images will be written (``out_dir``), so its
    seconds of start-up overlap loading and scoring the commits; a no-op otherwise or when done."""
    if not out_dir or _browser["started"] is not None:
        return
    try:
        import kaleido
    except ImportError:
        return

    def start() -> None:
        try:
            kaleido.start_sync_server(mathjax=False, timeout=timeout, silence_warnings=True)
        except Exception:  # noqa: BLE001 - no browser: export_images reports it later, once
            _browser["started"] = None

    thread = threading.Thread(target=start, name="kaleido-start", daemon=True)
    _browser["started"] = thread
    thread.start()


def export_images(figures: Sequence[tuple[str, go.Figure]], out_dir: str | Path, scale: float = 1,
                  *, browser_path: str | None = None, timeout: float = 90) -> tuple[list[Path], str | None]:
    """Write ``chart-<name>.png`` for every (name, figure) into ``out_dir`` in ONE browser
    session (kaleido's batch API). Returns (paths written, None), or (paths written, reason)
    when kaleido, Chrome/Chromium or a render failed: the report then points at report.html.
    Kaleido finds Chrome/Chromium on PATH; ``browser_path`` or $BROWSER_PATH names one."""
    named = _named(figures)
    if not named:
        return [], None
    try:
        import kaleido
        from kaleido.errors import ChromeNotFoundError
    except ImportError:
        return [], "kaleido is not installed (pip install 'kaleido>=1')"
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / f"chart-{name}.png" for name, _ in named]
    specs = []
    for (_, fig), path in zip(named, paths):
        path.unlink(missing_ok=True)
        layout = fig.layout
        specs.append(dict(fig=fig.to_dict(), path=path,
                          opts=dict(format="png", width=int(layout.width or 900), height=int(layout.height or 500),
                                    scale=scale)))
    # mathjax=False: no script fetched from a CDN (the page kaleido renders in uses the
    # plotly.js bundled with plotly.py); plotly.io.write_images cannot turn MathJax off.
    kopts: dict = {"mathjax": False, "timeout": timeout}
    if browser_path:
        kopts["path"] = browser_path
    started = time.perf_counter()
    try:
        early = _browser["started"] if browser_path is None else None
        if early is not None:
            early.join()  # the early start (start_browser) may still be under way
        if early is not None and _browser["started"] is early:
            errors = kaleido.write_fig_from_object_sync(specs)  # the running server has its own options
        else:
            errors = kaleido.write_fig_from_object_sync(specs, kopts=kopts)
    except ChromeNotFoundError:
        return [], ("no Chrome/Chromium browser found for kaleido (install chromium, run "
                    "`plotly_get_chrome`, or set BROWSER_PATH)")
    except Exception as exc:  # a browser that crashes or hangs must not stop the report
        return [p for p in paths if _is_png(p)], f"image export failed: {type(exc).__name__}: {exc}"
    _log.info("exported %d chart images in %.2fs", len(specs), time.perf_counter() - started)
    written = [p for p in paths if _is_png(p)]
    if errors or len(written) < len(paths):
        first = next(iter(errors), None) if errors else None
        why = f"{type(first).__name__}: {first}" if first else "no image written"
        return written, f"{len(paths) - len(written)} of {len(paths)} chart images failed ({why})"
    return written, None


def _is_png(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(8) == b"\x89PNG\r\n\x1a\n"
    except OSError:
        return False


def chart_title(name: str, lang: str = "zh") -> str:
    """The display title of the chart ``name`` (one of ``CHART_NAMES``)."""
    return labels(lang).get(name, name)


def charts_markdown(names_paths: Sequence[tuple[str, str | Path]], lang: str = "zh", error: str | None = None) -> str:
    """The body of the report's charts section: one relative image link per exported chart
    (the images sit next to report.md); when export failed, a line pointing at report.html."""
    L = labels(lang)
    lines = [f"![{chart_title(name, lang)}]({Path(path).name})" for name, path in names_paths]
    if error:
        lines.append(L["unavailable"].format(why=error))
    if not lines:
        lines.append(L["none"])
    return "\n\n".join(lines) + "\n"
