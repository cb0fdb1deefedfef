"""Run the daily notebook with papermill and export it with nbconvert, in this process.

Everything is written into a temporary folder beside the final one and moved into place only
when complete, so a failed run never leaves half a report and never touches the last good one.
"""

from __future__ import annotations

import copy
import fcntl
import json
import os
import re
import shutil
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import PartialReportError, RepodigestError, SourceError, UserError

TEMPLATES = Path(__file__).resolve().parent / "nbconvert"
NOTEBOOK = Path(__file__).resolve().parents[3] / "notebooks" / "daily_report.ipynb"
# Papermill would write secrets into the output notebook: such parameters are refused outright.
_SECRET_WORDS = ("token", "key", "secret", "password", "webhook")


@dataclass
class RenderResult:
    """Where the report went and how long each stage took."""

    out_dir: Path
    files: list[Path]
    seconds: dict[str, float]
    partial: bool
    warnings: list[str] = field(default_factory=list)  # from status.json: for the user's terminal


def check_parameters(parameters: dict) -> None:
    """Refuse parameters that look like secrets: they would be stored in the notebook."""
    for name in parameters:
        if any(word in name.lower() for word in _SECRET_WORDS):
            raise UserError(f"parameter {name!r} looks like a secret: secrets come from the environment only")


@contextmanager
def _lock(path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def publish(tmp: Path, final: Path) -> None:
    """Move the complete ``tmp`` folder to ``final``, replacing what was there only at the end."""
    with _lock(final.parent / f".{final.name}.lock"):
        old = None
        if final.exists():
            old = final.parent / f".old-{final.name}-{os.getpid()}-{time.monotonic_ns()}"
            os.replace(final, old)
        os.replace(tmp, final)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)


@contextmanager
def _stderr_to(path: Path):
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


def _kernel_error(exc) -> RepodigestError:
    """Map an error raised inside the notebook to the same error class, with its one-line message."""
    ename, evalue = getattr(exc, "ename", ""), getattr(exc, "evalue", str(exc))
    for cls in (UserError, SourceError, PartialReportError):
        if ename == cls.__name__:
            return cls(evalue)
    first = (evalue or "").strip().splitlines()
    return SourceError(f"the report notebook failed: {ename}: {first[0] if first else ''}".rstrip(": "))


def shown(notebook):
    """A copy of the executed notebook without its stream outputs: progress bars and warnings are
    the run's log, not the report, and stay in report.ipynb only."""
    notebook = copy.deepcopy(notebook)
    for cell in notebook.cells:
        cell["outputs"] = [o for o in cell.get("outputs", []) if o.get("output_type") != "stream"]
    return notebook


class Exporters:
    """nbconvert's HTML and Markdown exporters of the report, made ready (nbconvert imported, its
    templates compiled and its lazy imports done, 0.5-1 s) in a thread while the kernel runs."""

    def __init__(self):
        self._made: dict = {}
        self._thread = threading.Thread(target=self._make, name="nbconvert-warm-up", daemon=True)
        self._thread.start()

    def _make(self) -> None:
        from nbconvert import HTMLExporter, MarkdownExporter
        from nbformat.v4 import new_notebook
        from traitlets.config import Config

        self._made["html"] = HTMLExporter(template_name="repodigest", extra_template_basedirs=[str(TEMPLATES)],
                                          exclude_input=True, exclude_markdown=True, exclude_input_prompt=True,
                                          exclude_output_prompt=True, embed_images=True)
        # Markdown outputs first: the report cells carry text/markdown beside any HTML.
        config = Config({"NbConvertBase": {"display_data_priority": ["text/markdown", "image/png", "text/plain"]}})
        self._made["markdown"] = MarkdownExporter(config=config, exclude_input=True, exclude_markdown=True)
        for exporter in self._made.values():
            exporter.from_notebook_node(new_notebook())  # the first export loads what the others reuse

    def get(self, kind: str):
        """The exporter ``kind`` ("html" or "markdown"), waiting for the thread if need be."""
        self._thread.join()
        if kind not in self._made:  # the thread failed: the same call here raises its error
            self._make()
        return self._made[kind]


def export_html(notebook, out_dir: Path, title: str, exporters: Exporters) -> Path:
    """Write report.html (interactive, self-contained) from the :func:`shown` notebook."""
    html, _ = exporters.get("html").from_notebook_node(notebook, resources={"metadata": {"name": title}})
    path = out_dir / "report.html"
    path.write_text(html, encoding="utf-8")
    return path


def export_markdown(notebook, out_dir: Path, title: str, exporters: Exporters) -> Path:
    """Write report.md from the :func:`shown` notebook."""
    md, _ = exporters.get("markdown").from_notebook_node(notebook, resources={"metadata": {"name": title}})
    path = out_dir / "report.md"
    # Outputs are joined with blank lines; the report's own spacing is one blank line at most.
    path.write_text(re.sub(r"\n{3,}", "\n\n", md).strip() + "\n", encoding="utf-8")
    return path


def render_report(parameters: dict, out_root: str | os.PathLike = "outputs", folder: str | None = None,
                  notebook: str | os.PathLike | None = None, title: str = "repodigest",
                  progress: bool | None = None, images: bool | None = None) -> RenderResult:
    """Execute the daily notebook with ``parameters`` and publish ``out_root/<folder>/report.*``.

    ``progress``: show the kernel's progress bars on stderr (default: when stderr is a terminal).
    ``images``: True: the chart PNGs are exported in this process, by a browser started before the
    kernel; False: no PNGs; None: as the notebook and its config say."""
    check_parameters(parameters)
    notebook = Path(notebook or NOTEBOOK)
    if not notebook.is_file():
        raise UserError(f"report notebook not found: {notebook}")
    root = Path(out_root)
    try:
        root.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{folder}-", dir=root))
    except OSError as exc:
        raise UserError(f"cannot write to {root}: {exc.strerror}") from None
    seconds: dict[str, float] = {}
    beside = kernel = None
    log = Path(tempfile.gettempdir()) / f"repodigest-kernel-{os.getpid()}.log"
    try:
        if images:  # first: the browser starts while papermill loads and the kernel starts
            from .images import ImagesBeside

            beside = ImagesBeside(tmp)
        if images is not None:
            parameters = {**parameters, "images": "caller" if images else False}
        started = time.perf_counter()
        executed_path = tmp / "report.ipynb"
        # On a terminal, the kernel's progress bars (stderr stream output) are shown as they come.
        show = progress if progress is not None else sys.stderr.isatty()
        with _stderr_to(log) as terminal:
            from .kernel import Kernel

            try:
                kernel = Kernel(os.getcwd())  # next: it starts while papermill is imported
            except Exception as exc:  # noqa: BLE001 - no python3 kernel spec, or it cannot be launched
                raise SourceError(f"the report kernel did not start: {type(exc).__name__}: {exc}") from None
            executed, exporters = _execute(notebook, executed_path, {**parameters, "out_dir": str(tmp)}, kernel,
                                           terminal if show else None, log)
        seconds["execute"] = time.perf_counter() - started
        started = time.perf_counter()
        import nbformat

        node = nbformat.from_dict(executed)
        report = shown(node)
        export_html(report, tmp, title, exporters)  # while the kernel exits and the PNGs are written
        if beside is not None and beside.finish(node, report):  # an image failed: the report says so
            nbformat.write(node, executed_path)
        export_markdown(report, tmp, title, exporters)
        seconds["export"] = time.perf_counter() - started
        status_path = tmp / "status.json"
        status = json.loads(status_path.read_text()) if status_path.exists() else {}
        partial, warnings = bool(status.get("partial")), list(status.get("warnings") or [])
        final = root / folder
        for part in (beside, kernel):
            if part is not None:
                part.join()
        log.unlink(missing_ok=True)
        publish(tmp, final)
    except BaseException as exc:
        for part in (beside, kernel):  # before the folder goes: an export under way writes into it
            if part is not None:
                part.join()
        shutil.rmtree(tmp, ignore_errors=True)
        if str(log) not in str(exc):  # kept only where the error message points at it
            log.unlink(missing_ok=True)
        raise
    files = sorted(p for p in final.iterdir() if p.is_file())
    return RenderResult(out_dir=final, files=files, seconds=seconds, partial=partial, warnings=warnings)


def _execute(notebook: Path, executed_path: Path, parameters: dict, kernel, stderr_file,
             log: Path) -> tuple[dict, Exporters]:
    """Run the notebook with papermill on ``kernel``, which is stopped (in the background) when
    done, while the exporters get ready; errors raised in the notebook come back as our own,
    with their one-line message."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    exporters = Exporters()  # after papermill's import: the two do not wait on each other's imports
    try:
        executed = papermill.execute_notebook(str(notebook), str(executed_path), parameters=parameters,
                                              progress_bar=False, log_output=stderr_file is not None,
                                              stderr_file=stderr_file, cwd=os.getcwd(), kernel_name="python3",
                                              km=kernel.manager)
        return executed, exporters
    except PapermillExecutionError as exc:
        raise _kernel_error(exc) from None
    except (RepodigestError, KeyboardInterrupt):
        raise
    except Exception as exc:  # the kernel died or timed out: papermill/nbclient raise their own types
        raise SourceError(f"the report notebook did not finish: {type(exc).__name__}: "
                          f"{str(exc).strip().splitlines()[0] if str(exc).strip() else 'no detail'} "
                          f"(kernel log: {log})") from None
    finally:
        kernel.stop()
