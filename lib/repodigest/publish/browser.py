"""One kaleido browser (headless Chromium with plotly.js loaded) on an event loop of its own thread.

It opens in the background, so its start-up (seconds, most of it loading plotly.js into the page)
overlaps other work; exports wait for it. Unlike kaleido's own sync server, a browser
that cannot start (no Chrome/Chromium) raises its error to the export instead of leaving it waiting,
and every wait is bounded: kaleido times out a figure's render but not the browser's start, a
page load or its close, and a Chromium that stops answering (seen under heavy load) must cost
the report its PNGs, never the report.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import os
import signal
import sys
import threading
from concurrent.futures import Future
from typing import Any

CLOSE_SECONDS = 15  # kaleido asks Chromium to close, then terminates it after 3 s and kills it after 6 s


class _ByeIsNotAnError(logging.Filter):
    """Drops choreographer's traceback for the ``{bye}`` its Chromium wrapper prints when Chromium
    exits. choreographer (1.4) takes it for the end only when a read holds nothing else; read
    together with Chromium's last message, it is decoded as JSON and logged with a traceback on
    the user's terminal, though it is only the browser closing as asked."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        return str(getattr(getattr(error, "__cause__", None), "doc", "")).strip() != "{bye}"


_BYE_FILTER = _ByeIsNotAnError()


def quiet_browser_exit() -> None:
    """Keep the browser's normal exit off stderr (see :class:`_ByeIsNotAnError`); other errors
    of its pipe are still logged. Needs kaleido imported: choreographer's loggers are its own class."""
    logging.getLogger("choreographer.channels.pipe").addFilter(_BYE_FILTER)  # once: addFilter skips a repeat


def _page_reusing_kaleido():
    """kaleido's browser, its page kept from one figure to the next. kaleido reloads the page after every
    figure, which parses plotly.js again (most of a figure's time); Plotly.toImage draws each figure in
    an element of its own that it removes, so a page that drew a figure draws the next one the same.
    After a figure that failed or timed out the page may still be busy: it is reloaded, as kaleido does."""
    import kaleido

    class PageReusingKaleido(kaleido.Kaleido):
        async def _return_kaleido_tab(self, tab) -> None:
            # kaleido calls this in the `finally` of a figure's render: an exception under way is the figure's
            if sys.exc_info()[1] is not None:
                await super()._return_kaleido_tab(tab)
            else:
                await self.tabs_ready.put(tab)

    return PageReusingKaleido


class BrowserSession:
    """A kaleido browser opening in the background; :meth:`write` renders, :meth:`close` ends it. Its one
    page draws every figure of every batch (:func:`_page_reusing_kaleido`).

    ``timeout`` bounds the browser's start and each batch of renders (seconds). ``once``: the browser draws
    one batch, then closes in the background while the caller goes on; :meth:`close` waits for that."""

    def __init__(self, timeout: float = 90, path: str | None = None, *, once: bool = False):
        self._timeout = timeout
        self._once = once
        self._closing: threading.Thread | None = None
        self._browser: Any = None  # the kaleido.Kaleido (untyped), once made: what close() kills if it hangs
        self._hung = False  # a wait timed out: close() kills at once
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="kaleido", daemon=True)
        self._thread.start()
        self._opened: Future = asyncio.run_coroutine_threadsafe(self._open(timeout, path), self._loop)
        atexit.register(self.close)  # a browser left open would outlive the process

    async def _open(self, timeout: float, path: str | None):
        browser_class = _page_reusing_kaleido()
        quiet_browser_exit()
        # mathjax=False: no script fetched from a CDN (the page uses the plotly.js bundled with
        # plotly.py); plotly.io.write_images cannot turn MathJax off.
        self._browser = browser_class(mathjax=False, timeout=timeout, **({"path": path} if path else {}))
        await self._browser.open()
        return self._browser

    def write(self, specs: list[dict]):
        """Render kaleido's batch ``specs`` (fig, path, opts), once the browser is open; returns
        kaleido's per-figure errors, raises what kept the browser from opening, or TimeoutError."""
        try:
            browser = self._wait(self._opened, "start")
            return self._wait(
                asyncio.run_coroutine_threadsafe(browser.write_fig_from_object(specs), self._loop),
                f"render {len(specs)} chart(s)",
            )
        finally:
            if self._once and self._closing is None:
                self._closing = threading.Thread(target=self._close, name="kaleido-close", daemon=True)
                self._closing.start()

    def _wait(self, future: Future, what: str, seconds: float | None = None):
        try:  # not cancelled on timeout: the kill in close() ends it, and its error is read there
            return future.result(timeout=seconds or self._timeout)
        except TimeoutError:
            self._hung = True
            raise TimeoutError(f"the browser did not {what} within {seconds or self._timeout:g} s") from None

    def close(self) -> None:
        """Close the browser (waiting a bounded time for it to have opened) and stop the loop;
        a browser that does not close in time is killed. Idempotent."""
        if self._closing is not None:  # closing already, after its one batch
            self._closing.join()
        self._close()

    def _close(self) -> None:
        if not self._thread.is_alive():
            return
        atexit.unregister(self.close)
        try:
            if self._hung:
                raise TimeoutError
            browser = self._wait(self._opened, "start", CLOSE_SECONDS)  # still starting: no use waiting long
            self._wait(asyncio.run_coroutine_threadsafe(browser.close(), self._loop), "close", CLOSE_SECONDS)
        except Exception:  # noqa: BLE001 - it never opened, is gone already, or hangs: killed below
            pass
        finally:
            self._kill()  # a no-op when it closed
        try:  # what the kill left waiting ends on the loop, not as "Task was destroyed but it is pending"
            asyncio.run_coroutine_threadsafe(_cancel_pending(), self._loop).result(timeout=CLOSE_SECONDS)
        except Exception:  # noqa: BLE001 - a task that does not end: the daemon thread goes with the process
            pass
        self._kill()  # a launch still under way when it was given up on has its process by now
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(CLOSE_SECONDS)
        if not self._thread.is_alive():
            self._loop.close()

    def _kill(self) -> None:
        """Kill the Chromium process group kaleido started (choreographer starts it in a session of its own)."""
        process = getattr(self._browser, "subprocess", None)
        if process is None or process.poll() is not None:
            return
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            process.kill()


async def _cancel_pending() -> None:
    tasks = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
    for task in tasks:
        task.cancel()
    if tasks:
        done, _ = await asyncio.wait(tasks, timeout=CLOSE_SECONDS / 3)
        for task in done:  # read, so that asyncio does not print what the browser said on its way out
            if not task.cancelled():
                task.exception()
