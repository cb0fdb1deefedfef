"""The output side of :mod:`repodigest.charts.figures`: figures as an HTML fragment, as PNG files
(kaleido), and the report's Markdown section linking the images.

The only module of the charts that writes files (``export_images``).
"""

from __future__ import annotations

import html
import json
import logging
import os
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


def figure_html(fig: go.Figure, include_plotlyjs: bool, div_id: str | None = None) -> str:
    """One figure as an HTML fragment that draws offline (plotly.js inlined when ``include_plotlyjs``)."""
    return fig.to_html(full_html=False, include_plotlyjs=include_plotlyjs, include_mathjax=False, div_id=div_id,
                       config={"displaylogo": False, "responsive": True})


def figures_html(figures: Sequence[go.Figure] | Sequence[tuple[str, go.Figure]]) -> str:
    """An HTML fragment with every figure, each in its own div; plotly.js is inlined once (with
    the first figure), so the fragment works offline, e.g. as a notebook output exported to HTML."""
    parts = []
    for i, (name, fig) in enumerate(_named(figures)):
        div_id = f"chart-{name}-{uuid.uuid4().hex[:8]}"
        body = figure_html(fig, include_plotlyjs=(i == 0), div_id=div_id)
        parts.append(f'<div class="repodigest-chart" data-chart="{html.escape(name)}">{body}</div>')
    return '<div class="repodigest-charts">\n' + "\n".join(parts) + "\n</div>" if parts else ""


_browser: dict = {"session": None}  # the one start_browser opened, for export_images to use


def start_browser(out_dir: str | os.PathLike | None = None, images: bool | str | None = None,
                  timeout: float = 90) -> None:
    """Start kaleido's browser in the background when images may be written (``out_dir``), so its
    seconds of start-up overlap loading and scoring the commits; a no-op otherwise, when done, or
    when ``images`` is False or "caller" (the caller exports them: :func:`write_image_specs`)."""
    if not out_dir or images is False or images == "caller" or _browser["session"] is not None:
        return
    try:
        import kaleido  # noqa: F401 - without it export_images says so; nothing to start
    except ImportError:
        return
    from .browser import BrowserSession

    _browser["session"] = BrowserSession(timeout)


def stop_browser() -> None:
    """Close the browser :func:`start_browser` started (it would close at exit); a no-op otherwise."""
    session, _browser["session"] = _browser["session"], None
    if session is not None:
        session.close()


def _specs(figures: Sequence[tuple[str, go.Figure]], out: Path, scale: float) -> list[dict]:
    """kaleido's batch input: the figure as a dict, the PNG's path, its size from the figure."""
    specs = []
    for name, fig in figures:
        layout = fig.layout
        specs.append(dict(fig=fig.to_dict(), path=out / f"chart-{name}.png",
                          opts=dict(format="png", width=int(layout.width or 900), height=int(layout.height or 500),
                                    scale=scale)))
    return specs


def export_images(figures: Sequence[tuple[str, go.Figure]], out_dir: str | Path, scale: float = 1,
                  *, browser_path: str | None = None, timeout: float = 90) -> tuple[list[Path], str | None]:
    """Write ``chart-<name>.png`` for every (name, figure) into ``out_dir`` in ONE browser
    session (kaleido's batch API). Returns (paths written, None), or (paths written, reason)
    when kaleido, Chrome/Chromium or a render failed: the report then points at report.html.
    Kaleido finds Chrome/Chromium on PATH; ``browser_path`` or $BROWSER_PATH names one."""
    named = _named(figures)
    if not named:
        return [], None
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    return _write_pngs(_specs(named, out, scale), browser_path=browser_path, timeout=timeout)


def _write_pngs(specs: list[dict], *, browser_path: str | None = None,
                timeout: float = 90) -> tuple[list[Path], str | None]:
    try:
        from kaleido.errors import ChromeNotFoundError
    except ImportError:
        return [], "kaleido is not installed (pip install 'kaleido>=1')"
    paths = [spec["path"] for spec in specs]
    for path in paths:
        path.unlink(missing_ok=True)
    started = time.perf_counter()
    try:
        early = _browser["session"] if browser_path is None else None
        if early is not None:
            errors = early.write(specs)  # waits for the early start (start_browser) if still under way
        else:
            from .browser import BrowserSession

            session = BrowserSession(timeout, browser_path)
            try:
                errors = session.write(specs)
            finally:
                session.close()
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


def charts_markdown(names_paths: Sequence[tuple[str, str | Path]], lang: str = "zh", error: str | None = None,
                    off: bool = False) -> str:
    """The body of the report's charts section: one relative image link per exported chart
    (the images sit next to report.md); when export failed or images are off (``off``), a line
    pointing at report.html."""
    L = labels(lang)
    lines = [f"![{chart_title(name, lang)}]({Path(path).name})" for name, path in names_paths]
    if error:
        lines.append(L["unavailable"].format(why=error))
    elif off:
        lines.append(L["images_off"])
    if not lines:
        lines.append(L["none"])
    return "\n\n".join(lines) + "\n"


def images_markdown(names: Sequence[str], written: Sequence[Path], lang: str = "zh", error: str | None = None,
                    off: bool = False) -> str:
    """The charts section for the charts ``names``: a link to each of them whose PNG was ``written``."""
    done = {Path(p).name for p in written}
    return charts_markdown([(n, f"chart-{n}.png") for n in names if f"chart-{n}.png" in done], lang, error,
                           off=off and bool(names))


# The figures the kernel leaves for its caller to export (``repodigest report`` does, with a
# browser it started before the kernel). Not an output: removed once the PNGs are written.
IMAGE_SPECS = ".chart-images.json"


def write_image_specs(figures: Sequence[tuple[str, go.Figure]], out_dir: str | Path, lang: str = "zh",
                      scale: float = 1) -> list[Path]:
    """Write what :func:`export_image_specs` needs into ``out_dir`` and return the PNG paths to come."""
    from plotly.utils import PlotlyJSONEncoder  # the encoder kaleido sends figures with: the same JSON

    out = Path(out_dir)
    named = _named(figures)
    specs = _specs(named, out, scale)
    payload = {"lang": lang, "charts": [dict(name=name, fig=spec["fig"], opts=spec["opts"])
                                        for (name, _), spec in zip(named, specs)]}
    partial = out / f"{IMAGE_SPECS}.part"
    partial.write_text(json.dumps(payload, cls=PlotlyJSONEncoder), encoding="utf-8")
    os.replace(partial, out / IMAGE_SPECS)  # whole or absent for a caller watching the folder
    return [spec["path"] for spec in specs]


def export_image_specs(out_dir: str | Path) -> tuple[str, str] | None:
    """Export the PNGs :func:`write_image_specs` described (one browser session, the one
    :func:`start_browser` started if any) and remove the description. Returns the charts
    section the notebook showed and the one the report must show (they differ when an image
    failed), or None when ``out_dir`` holds no description."""
    out = Path(out_dir)
    try:
        payload = json.loads((out / IMAGE_SPECS).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    (out / IMAGE_SPECS).unlink()
    charts = payload["charts"]
    written, error = _write_pngs([dict(fig=c["fig"], path=out / f"chart-{c['name']}.png", opts=c["opts"])
                                  for c in charts])
    names, lang = [c["name"] for c in charts], payload["lang"]
    return images_markdown(names, [out / f"chart-{n}.png" for n in names], lang), \
        images_markdown(names, written, lang, error)
