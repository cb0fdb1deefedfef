"""``repodigest report``'s work: run the daily notebook, then publish it, with nothing half-written.

Everything is written into a temporary folder beside the final one and moved into place only
when complete (:mod:`.staging`), so a failed or stopped run never leaves half a report and never
touches the last good one. While the kernel runs, a browser for the chart PNGs starts and nbconvert's
exporters get ready; the kernel shuts down while the notebook is published.

The browser starts once the kernel answers (nbclient's ``on_notebook_start``), not with the command: a
Chromium's start-up takes about as much CPU as the kernel's start and the library's import, and beside
them on two cores it delays the first cell; beside the notebook's call, which leaves a core to spare
while it reads git and runs Python on one thread, it is ready before the notebook ends.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import SourceError, UserError
from .execute import check_parameters, run_notebook, stderr_to
from .export import Exporters, Published, publish_notebook
from .packaged import packaged_notebook
from .staging import claim, move_into_place

if TYPE_CHECKING:
    from .browser import BrowserSession


def daily_notebook() -> Path:
    """The daily report notebook shipped inside the package."""
    return packaged_notebook("daily_report")


@dataclass
class RenderResult(Published):
    """What was published, and how long each step took (seconds: execute, export)."""

    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def out_dir(self) -> Path:
        return self.folder


def render_report(
    parameters: dict,
    out_root: str | os.PathLike = "outputs",
    *,
    folder: str,
    notebook: str | os.PathLike | None = None,
    title: str = "repodigest",
    progress: bool | None = None,
    images: bool = True,
) -> RenderResult:
    """Execute the daily notebook with ``parameters`` and publish it as ``out_root/<folder>/``.

    ``progress``: show the kernel's progress bars on stderr (default: when stderr is a terminal).
    ``images``: the config wants chart PNGs, so a browser starts once the kernel answers (its start-up
    overlaps the run; the notebook's own record decides whether PNGs are drawn)."""
    check_parameters(parameters)
    notebook = Path(notebook or daily_notebook())
    if not notebook.is_file():
        raise UserError(f"report notebook not found: {notebook}")
    root = Path(out_root)
    staging = claim(root, folder)
    tmp = staging.path
    seconds: dict[str, float] = {}
    browser, kernel = _Browser(images), None
    log = Path(tempfile.gettempdir()) / f"repodigest-kernel-{os.getpid()}.log"
    show = progress if progress is not None else sys.stderr.isatty()
    try:
        started = time.perf_counter()
        executed = tmp / "report.ipynb"
        with stderr_to(log) as terminal:  # the kernel's stderr goes to a log; progress bars to the terminal
            from .kernel import Kernel

            try:
                # before papermill is imported: the two overlap, and so does the library's import in the kernel
                kernel = Kernel(os.getcwd(), preload=("repodigest.daily",) if notebook == daily_notebook() else ())
            except Exception as exc:  # noqa: BLE001 - no python3 kernel spec, or it cannot be launched
                raise SourceError(f"the report kernel did not start: {type(exc).__name__}: {exc}") from None
            import papermill  # noqa: F401 - first: nbconvert's warm-up then does not wait on its imports

            exporters = Exporters()
            node = run_notebook(
                notebook,
                executed,
                {**parameters, "out_dir": str(tmp.absolute())},
                kernel,
                log=log,
                progress=terminal if show else None,
                on_ready=browser.start,
            )
        seconds["execute"] = time.perf_counter() - started
        started = time.perf_counter()
        # the notebook papermill returns is the file it wrote: not read back
        published = publish_notebook(node, tmp, title=title, session=browser.session, exporters=exporters)
        seconds["export"] = time.perf_counter() - started
        final = root / folder
        _close(browser.session, kernel)
        log.unlink(missing_ok=True)
        move_into_place(tmp, final)
        staging.release()
    except BaseException as exc:
        # Before the folder goes (an export under way writes into it); a stopped run stops its kernel at once.
        _close(browser.session, kernel, now=isinstance(exc, KeyboardInterrupt))
        staging.discard()
        if str(log) not in str(exc):  # kept only where the error message points at it
            log.unlink(missing_ok=True)
        raise
    files = sorted(p for p in final.iterdir() if p.is_file())
    return RenderResult(
        folder=final, files=files, partial=published.partial, warnings=published.warnings, seconds=seconds
    )


class _Browser:
    """The kaleido browser for the chart PNGs: :attr:`session` once :meth:`start` ran (None before, when
    PNGs are not wanted, or without kaleido: publishing then says why)."""

    def __init__(self, wanted: bool):
        self.wanted = wanted
        self.session: BrowserSession | None = None

    def start(self) -> None:
        """Start it, once. Kaleido is imported in the browser's own thread: this runs in nbclient's loop."""
        if not self.wanted or self.session is not None or importlib.util.find_spec("kaleido") is None:
            return
        from .browser import BrowserSession

        self.session = BrowserSession(once=True)  # closing once the PNGs are drawn, while the Markdown is written


def _close(session, kernel, now: bool = False) -> None:
    if session is not None:
        session.close()
    if kernel is not None:
        kernel.join(now=now)
