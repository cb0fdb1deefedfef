"""The report notebook's kernel, started and stopped here rather than inside papermill.

Started before papermill is imported, the kernel's start-up (a Python process importing IPython)
overlaps that import; stopped in a thread of its own, its shutdown (the interpreter tearing down
pandas, pyarrow and plotly) overlaps publishing. papermill runs the notebook on it unchanged (``km=``), as it would on its own kernel.
"""

from __future__ import annotations

import re
import threading

from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync

# What nbclient passes to the kernels it starts itself: no IPython history file on disk. And the
# current folder kept off the kernel's import path: run inside a checkout of numpy (or of anything
# with a top-level folder named like a dependency), the checkout's folder would shadow the installed
# package. The kernel still starts in the current folder, so relative paths keep their meaning.
_ARGUMENTS = ["--HistoryManager.hist_file=:memory:", "--IPKernelApp.ignore_cwd=True"]


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


class Kernel:
    """A python3 kernel starting in ``cwd``; pass :attr:`manager` to papermill as ``km``.

    ``preload``: modules the kernel imports in a thread from its start, while papermill gets ready (it
    imports for a second or so before the first cell runs); a cell importing one of them waits for that
    import instead of starting its own, and sees its error if it failed."""

    def __init__(self, cwd: str, kernel_name: str = "python3", *, preload: tuple[str, ...] = ()):
        self.manager = _Manager(kernel_name=kernel_name)
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
        except RuntimeError:  # the kernel died already (nbclient reported it): only resources are left
            run_sync(self.manager.cleanup_resources)()

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
