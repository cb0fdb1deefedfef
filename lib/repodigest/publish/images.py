"""The report's chart PNGs, exported by ``repodigest report`` itself instead of by the kernel.

The browser's start-up (about 2 s, most of it loading plotly.js into the page) then overlaps the
kernel's start and the commits' loading, and the PNGs are written while the kernel shuts down and
the HTML is exported. The notebook leaves the figures in the report folder
(``images="caller"``, :func:`repodigest.charts.write_image_specs`); a thread here waits for them.
"""

from __future__ import annotations

import threading
from pathlib import Path

from ..charts.export import IMAGE_SPECS, export_image_specs, start_browser, stop_browser


class ImagesBeside:
    """Starts the browser now and exports the figures as soon as the kernel has written them."""

    def __init__(self, folder: Path, poll: float = 0.05):
        start_browser(folder)
        self._folder, self._poll = folder, poll
        self._stop, self._exported, self._cancelled = threading.Event(), threading.Event(), False
        self._sections: tuple[str, str] | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="repodigest-images", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            while not (self._folder / IMAGE_SPECS).exists() and not self._stop.wait(self._poll):
                pass
            if not self._cancelled:
                self._sections = export_image_specs(self._folder)
        except BaseException as exc:  # noqa: BLE001 - raised again in the caller's thread by finish()
            self._error = exc
        finally:
            self._exported.set()
            stop_browser()  # while the caller exports the HTML, not after

    def finish(self, *notebooks) -> bool:
        """Wait for the PNGs. When one failed, put the charts section the kernel would have shown
        (the links that work and why the others do not) into ``notebooks``; True if it did."""
        self._stop.set()
        self._exported.wait()
        if self._error is not None:
            raise self._error
        if self._sections is None or self._sections[0] == self._sections[1]:
            return False
        shown, final = self._sections
        for notebook in notebooks:
            for cell in notebook.cells:
                for output in cell.get("outputs", []):
                    data = output.get("data", {})
                    if "".join(data.get("text/markdown", "")) == shown:
                        data["text/markdown"] = final
        return True

    def join(self) -> None:
        """Stop watching (a failed run exports nothing) and wait until the browser has closed."""
        self._cancelled = not self._exported.is_set()
        self._stop.set()
        self._thread.join()
