"""The report notebook's kernel, started and stopped here rather than inside papermill.

Started before papermill is imported, the kernel's start-up (a Python process importing IPython)
overlaps that import; stopped in a thread of its own, its shutdown (the interpreter tearing down
pandas, pyarrow and plotly) overlaps publishing. papermill runs the notebook on it unchanged (``km=``), as it would on its own kernel.

Where the system has them, the kernel listens on Unix sockets in the temporary folder rather than on
TCP ports of 127.0.0.1. A TCP port is chosen by binding it and letting it go before the kernel binds it
again, and meanwhile another process can take it; a client that connects before the kernel listens can
even connect to itself (libzmq#4588). Either way the kernel runs but never answers, and the run fails
after the start-up timeout. A socket file named for this run has no such race.
"""

from __future__ import annotations

import os
import re
import secrets
import socket
import sys
import tempfile
import threading
from contextlib import suppress

from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync

# What nbclient passes to the kernels it starts itself: no IPython history file on disk. And the
# current folder kept off the kernel's import path: run inside a checkout of numpy (or of anything
# with a top-level folder named like a dependency), the checkout's folder would shadow the installed
# package. The kernel still starts in the current folder, so relative paths keep their meaning.
_ARGUMENTS = ["--HistoryManager.hist_file=:memory:", "--IPKernelApp.ignore_cwd=True"]


# A Unix socket's path holds at most 104 bytes on macOS, 108 on Linux (the terminating NUL included).
_SOCKET_PATH_MAX = 103


def _socket_prefix() -> str | None:
    """The path of the kernel's Unix sockets less their "-N" suffix (one per channel), in the temporary
    folder; None where TCP must do: no Unix sockets (Windows), or a temporary folder whose path is too long."""
    if sys.platform == "win32" or not hasattr(socket, "AF_UNIX"):
        return None
    prefix = os.path.join(tempfile.gettempdir(), f"repodigest-{secrets.token_hex(4)}")
    return prefix if len(os.fsencode(prefix)) + len("-99") <= _SOCKET_PATH_MAX else None


class _Manager(AsyncKernelManager):
    """Keeps the clients papermill makes, so that their channels close with the kernel."""

    def client(self, **kwargs):
        kc = super().client(**kwargs)
        self.clients = [*getattr(self, "clients", []), kc]
        return kc


def _preloading(modules: tuple[str, ...]) -> list[str]:
    """The kernel argument that imports ``modules`` in a thread as the kernel starts (IPython's exec_lines)."""
    if not modules:
        return []
    if not all(re.fullmatch(r"[A-Za-z_][\w.]*", name) for name in modules):
        raise ValueError(f"not module names: {modules!r}")
    code = (
        "import importlib, threading; threading.Thread(target=lambda: [importlib.import_module(m) for m in "
        f"{list(modules)!r}], name='preload', daemon=True).start()"
    )
    return [f"--IPKernelApp.exec_lines={code}"]


async def _force_stop(manager: AsyncKernelManager) -> None:
    """Kill the kernel's process, if any is left, and remove its connection file; each step whatever the other did."""
    if manager.provisioner is not None:
        with suppress(Exception):
            await manager.provisioner.kill()
    with suppress(Exception):
        await manager.cleanup_resources()


class Kernel:
    """A python3 kernel starting in ``cwd``; pass :attr:`manager` to papermill as ``km``.

    ``preload``: modules the kernel imports in a thread from its start, while papermill gets ready (it
    imports for a second or so before the first cell runs); a cell importing one of them waits for that
    import instead of starting its own, and sees its error if it failed."""

    def __init__(self, cwd: str, kernel_name: str = "python3", *, preload: tuple[str, ...] = ()):
        prefix = _socket_prefix()
        if prefix is None:
            self.manager = _Manager(kernel_name=kernel_name)
        else:
            self.manager = _Manager(kernel_name=kernel_name, transport="ipc", ip=prefix)
        # Returns once the process is launched; nbclient waits for it to answer.
        arguments = [*_ARGUMENTS, *_preloading(preload)]
        run_sync(self.manager.start_kernel)(cwd=cwd, extra_arguments=arguments)
        self._stopping: threading.Thread | None = None

    def _shutdown(self, now: bool) -> None:
        for kc in getattr(self.manager, "clients", []):
            kc.stop_channels()
        try:
            # A loop of this thread's own: jupyter_client re-binds the control socket to it.
            run_sync(self.manager.shutdown_kernel)(now=now)
        except Exception:  # noqa: BLE001 - it died already, or never answered: kill what is left, remove its files
            run_sync(_force_stop)(self.manager)

    def stop(self, now: bool = False) -> threading.Thread:
        """Start shutting the kernel down in the background: ask it to exit and wait for it, or with
        ``now`` (an interrupted run) kill it; either way its connection file is removed. The thread doing it."""
        if self._stopping is None:
            self._stopping = threading.Thread(target=self._shutdown, args=(now,), name="kernel-shutdown")
            self._stopping.start()
        return self._stopping

    def join(self, now: bool = False) -> None:
        """Wait until the kernel has exited (stopping it first, as :meth:`stop` does, if nobody did)."""
        self.stop(now=now).join()
