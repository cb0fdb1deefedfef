"""One kaleido browser (headless Chromium with plotly.js loaded) on an event loop of its own thread.

It opens in the background, so its start-up (about 2 s here, most of it loading plotly.js into
the page) overlaps other work; exports wait for it. Unlike kaleido's own sync server, a browser
that cannot start (no Chrome/Chromium) raises its error to the export instead of leaving it waiting.
"""

from __future__ import annotations

import asyncio
import atexit
import threading
from concurrent.futures import Future


class BrowserSession:
    """A kaleido browser opening in the background; :meth:`write` renders, :meth:`close` ends it."""

    def __init__(self, timeout: float = 90, path: str | None = None):
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="kaleido", daemon=True)
        self._thread.start()
        self._opened: Future = asyncio.run_coroutine_threadsafe(self._open(timeout, path), self._loop)
        atexit.register(self.close)  # a browser left open would outlive the process

    @staticmethod
    async def _open(timeout: float, path: str | None):
        import kaleido

        # mathjax=False: no script fetched from a CDN (the page uses the plotly.js bundled with
        # plotly.py); plotly.io.write_images cannot turn MathJax off.
        browser = kaleido.Kaleido(mathjax=False, timeout=timeout, **({"path": path} if path else {}))
        await browser.open()
        return browser

    def write(self, specs: list[dict]):
        """Render kaleido's batch ``specs`` (fig, path, opts), once the browser is open; returns
        kaleido's per-figure errors, raises what kept the browser from opening."""
        browser = self._opened.result()
        return asyncio.run_coroutine_threadsafe(browser.write_fig_from_object(specs), self._loop).result()

    def close(self) -> None:
        """Close the browser (waiting for it to have opened) and stop the loop; idempotent."""
        if not self._thread.is_alive():
            return
        atexit.unregister(self.close)
        try:
            browser = self._opened.result()
            asyncio.run_coroutine_threadsafe(browser.close(), self._loop).result()
        except Exception:  # noqa: BLE001 - it never opened, or is gone already: nothing left to close
            pass
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop.close()
