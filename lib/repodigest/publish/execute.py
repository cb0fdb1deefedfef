"""Run a notebook with papermill on a kernel started here; a failure comes back as the error the
notebook recorded (repodigest.publish.glue), with its exit code and one-line message."""

from __future__ import annotations

import os
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

from ..errors import RepodigestError, SourceError, UserError
from .glue import read_outputs

# Papermill writes parameters into the output notebook: parameters that look like secrets are refused.
_SECRET_WORDS = ("token", "key", "secret", "password", "webhook")


class ReportFailed(RepodigestError):
    """The notebook stopped on an error it recorded; ``exit_code`` is the one that error carries."""

    def __init__(self, message: str, exit_code: int):
        super().__init__(message)
        self.exit_code = exit_code


def check_parameters(parameters: dict) -> None:
    """Refuse parameters that look like secrets: they would be stored in the notebook."""
    for name in parameters:
        if any(word in name.lower() for word in _SECRET_WORDS):
            raise UserError(f"parameter {name!r} looks like a secret: secrets come from the environment only")


@contextmanager
def stderr_to(path: Path):
    """Send file descriptor 2 to ``path`` while the kernel runs: the kernel inherits it, so its
    warnings and shutdown tracebacks go to a log instead of the user's terminal. Yields a file on
    the original stderr, for what the user should see (progress bars)."""
    saved = os.dup(2)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    terminal = os.fdopen(os.dup(saved), "w", buffering=1, encoding="utf-8", errors="replace")
    try:
        os.dup2(fd, 2)
        yield terminal
    finally:
        os.dup2(saved, 2)
        os.close(fd)
        os.close(saved)
        terminal.close()


def run_notebook(
    notebook: Path,
    executed_path: Path,
    parameters: dict,
    kernel,
    *,
    log: Path,
    progress=None,
    on_ready: Callable[[], None] | None = None,
):
    """Execute ``notebook`` with ``parameters`` on ``kernel`` (a :class:`~repodigest.publish.kernel.Kernel`,
    stopped in the background when done) into ``executed_path``, and return the executed notebook (what
    the file holds). ``progress``: a file to show the kernel's progress bars on, or None; ``on_ready``:
    called once the kernel answers, before the first cell. Raises the recorded failure, or SourceError
    naming the log."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    check_parameters(parameters)
    try:
        return papermill.execute_notebook(
            str(notebook),
            str(executed_path),
            parameters=parameters,
            progress_bar=False,
            log_output=progress is not None,
            stderr_file=progress,
            cwd=os.getcwd(),
            kernel_name="python3",
            km=kernel.manager,
            # Written once, when the run ends (or fails): a save after every cell serialises the whole
            # notebook, plotly.js and figures included, while the command waits for the kernel's last output.
            request_save_on_cell_execute=False,
            # nbclient's hook, which papermill passes on to its client
            on_notebook_start=(lambda notebook: on_ready()) if on_ready is not None else None,
        )
    except PapermillExecutionError as exc:
        raise failure_of(executed_path, exc) from None
    except KeyboardInterrupt:  # Ctrl-C or SIGTERM: the run stops, its kernel too, at once
        kernel.stop(now=True)
        raise
    except RepodigestError:
        raise
    except Exception as exc:  # the kernel died or timed out: papermill/nbclient raise their own types
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else "no detail"
        raise SourceError(
            f"the report notebook did not finish: {type(exc).__name__}: {first} (kernel log: {log})"
        ) from None
    finally:
        kernel.stop()


def failure_of(executed_path: Path, exc) -> RepodigestError:
    """The error a failed notebook recorded (a ``failure`` record), else one line from papermill's error."""
    import nbformat

    try:
        recorded = read_outputs(nbformat.read(executed_path, as_version=4)).failure
    except (OSError, ValueError):
        recorded = None
    if recorded and isinstance(recorded.get("exit_code"), int):
        return ReportFailed(str(recorded.get("message") or ""), recorded["exit_code"])
    first = (getattr(exc, "evalue", "") or "").strip().splitlines()
    ename = getattr(exc, "ename", "error")
    return SourceError(f"the report notebook failed: {ename}: {first[0] if first else ''}".rstrip(": "))
