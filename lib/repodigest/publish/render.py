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


def export(notebook, out_dir: Path, title: str) -> list[Path]:
    """Write report.html (interactive, self-contained) and report.md from the executed notebook."""
    from nbconvert import HTMLExporter, MarkdownExporter
    from traitlets.config import Config

    resources = {"metadata": {"name": title}}
    # Progress bars and warnings are the run's log, not the report: keep them in report.ipynb only.
    notebook = copy.deepcopy(notebook)
    for cell in notebook.cells:
        cell["outputs"] = [o for o in cell.get("outputs", []) if o.get("output_type") != "stream"]
    html, _ = HTMLExporter(template_name="repodigest", extra_template_basedirs=[str(TEMPLATES)],
                           exclude_input=True, exclude_markdown=True, exclude_input_prompt=True,
                           exclude_output_prompt=True, embed_images=True).from_notebook_node(notebook, resources=dict(resources))
    # Markdown outputs first: the report cells carry text/markdown beside any HTML.
    config = Config({"NbConvertBase": {"display_data_priority": ["text/markdown", "image/png", "text/plain"]}})
    md, _ = MarkdownExporter(config=config, exclude_input=True, exclude_markdown=True).from_notebook_node(notebook, resources=dict(resources))
    html_path, md_path = out_dir / "report.html", out_dir / "report.md"
    html_path.write_text(html, encoding="utf-8")
    # Outputs are joined with blank lines; the report's own spacing is one blank line at most.
    md_path.write_text(re.sub(r"\n{3,}", "\n\n", md).strip() + "\n", encoding="utf-8")
    return [html_path, md_path]


def render_report(parameters: dict, out_root: str | os.PathLike = "outputs", folder: str | None = None,
                  notebook: str | os.PathLike | None = None, title: str = "repodigest",
                  progress: bool | None = None) -> RenderResult:
    """Execute the daily notebook with ``parameters`` and publish ``out_root/<folder>/report.*``.

    ``progress``: show the kernel's progress bars on stderr (default: when stderr is a terminal)."""
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

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
    try:
        started = time.perf_counter()
        executed_path = tmp / "report.ipynb"
        log = Path(tempfile.gettempdir()) / f"repodigest-kernel-{os.getpid()}.log"
        try:
            # On a terminal, the kernel's progress bars (stderr stream output) are shown as they come.
            show = progress if progress is not None else sys.stderr.isatty()
            with _stderr_to(log) as terminal:
                executed = papermill.execute_notebook(
                    str(notebook), str(executed_path), parameters={**parameters, "out_dir": str(tmp)},
                    progress_bar=False, log_output=show, stderr_file=terminal if show else None,
                    cwd=os.getcwd(), kernel_name="python3")
            log.unlink(missing_ok=True)
        except PapermillExecutionError as exc:
            raise _kernel_error(exc) from None
        except (RepodigestError, KeyboardInterrupt):
            raise
        except Exception as exc:  # the kernel died or timed out: papermill/nbclient raise their own types
            raise SourceError(f"the report notebook did not finish: {type(exc).__name__}: "
                              f"{str(exc).strip().splitlines()[0] if str(exc).strip() else 'no detail'} "
                              f"(kernel log: {log})") from None
        seconds["execute"] = time.perf_counter() - started
        started = time.perf_counter()
        node = nbformat.from_dict(executed)
        files = [executed_path, *export(node, tmp, title)]
        seconds["export"] = time.perf_counter() - started
        status_path = tmp / "status.json"
        status = json.loads(status_path.read_text()) if status_path.exists() else {}
        partial, warnings = bool(status.get("partial")), list(status.get("warnings") or [])
        final = root / folder
        publish(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    files = sorted(p for p in final.iterdir() if p.is_file())
    return RenderResult(out_dir=final, files=files, seconds=seconds, partial=partial, warnings=warnings)
