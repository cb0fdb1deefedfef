"""The report's kernel (repodigest.publish.kernel): how it listens, and that it is stopped cleanly
however its run ends."""

import json
import os
import shutil
import signal
import sys
import tempfile
import threading
from pathlib import Path

import nbformat
import papermill
import pytest

from repodigest.publish.kernel import Kernel


@pytest.fixture
def scratch(monkeypatch):
    """The temporary folder the kernel's files go to (in the system's, as a user's are: pytest's own
    folders are too deep for a Unix socket's path), and the exceptions its threads die of."""
    folder = Path(tempfile.mkdtemp(prefix="rdk"))
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    died = []
    monkeypatch.setattr(threading, "excepthook", lambda info: died.append(repr(info.exc_value)))
    yield folder, died
    shutil.rmtree(folder, ignore_errors=True)


def _notebook(path: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import os\nos.getpid()")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.skipif(sys.platform == "win32", reason="Unix sockets")
def test_the_kernel_listens_on_unix_sockets_that_go_with_it(scratch, tmp_path):
    folder, died = scratch
    kernel = Kernel(str(tmp_path))
    info = json.loads(Path(kernel.manager.connection_file).read_text())
    assert info["transport"] == "ipc" and info["ip"].startswith(str(folder / "repodigest-"))
    done = papermill.execute_notebook(
        str(_notebook(tmp_path / "pid.ipynb")), str(tmp_path / "out.ipynb"), km=kernel.manager, progress_bar=False
    )
    pid = int(done.cells[0].outputs[0]["data"]["text/plain"])
    sockets = sorted(p.name for p in folder.iterdir() if not p.name.endswith(".json"))
    channels = ("shell_port", "iopub_port", "stdin_port", "control_port", "hb_port")
    assert sockets == sorted(f"{Path(info['ip']).name}-{info[name]}" for name in channels)  # one file per channel
    kernel.join()
    assert not _alive(pid) and not list(folder.iterdir()) and not died


def test_a_kernel_that_never_answers_is_stopped_without_a_stray_traceback(scratch, tmp_path):
    folder, died = scratch
    kernel = Kernel(str(tmp_path))
    kernel.manager.shutdown_wait_time = 0.5  # it cannot answer a shutdown request either
    pid = kernel.manager.provisioner.pid
    os.kill(pid, signal.SIGSTOP)  # alive, silent: as a kernel whose client cannot reach it
    with pytest.raises(RuntimeError, match="didn't respond"):
        papermill.execute_notebook(
            str(_notebook(tmp_path / "pid.ipynb")),
            str(tmp_path / "out.ipynb"),
            km=kernel.manager,
            start_timeout=1,
            progress_bar=False,
        )
    kernel.join()
    assert not died  # the shutdown thread did not die with a traceback on the user's terminal
    assert not _alive(pid) and not list(folder.iterdir())  # killed; its connection file removed
