"""The notebooks shipped inside the package (``repodigest/notebooks/``): where the installed copy is,
and a copy of them where a user wants to open them in JupyterLab."""

from __future__ import annotations

import importlib.util
import os
import shlex
import shutil
import sys
from importlib import resources
from pathlib import Path

from ..errors import UserError

NOTEBOOKS = ("explore", "daily_report")


def packaged_notebook(name: str) -> Path:
    """The installed notebook ``name`` (``explore`` or ``daily_report``), read from the package itself."""
    return Path(str(_shipped(name)))


def _shipped(name: str):
    if name not in NOTEBOOKS:
        raise UserError(f"no notebook named {name!r} (known: {', '.join(NOTEBOOKS)})")
    return resources.files("repodigest") / "notebooks" / f"{name}.ipynb"


def copy_notebooks(folder: str | os.PathLike, names: tuple[str, ...] = ("explore",), force: bool = False) -> list[Path]:
    """Copy the shipped notebooks ``names`` into ``folder`` (made if missing) and return the copies' paths.

    An existing file is replaced only with ``force``; otherwise nothing is written."""
    sources = {name: _shipped(name) for name in names}
    folder = Path(folder).expanduser().absolute()
    if folder.exists() and not folder.is_dir():
        raise UserError(f"not a folder: {folder}")
    targets = {name: folder / f"{name}.ipynb" for name in sources}
    taken = [str(target) for target in targets.values() if target.exists()]
    if taken and not force:
        raise UserError(f"{', '.join(taken)} already exists (--force replaces it)")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for name, target in targets.items():
            # The bytes, not the file: an installed copy may be read-only, the user's copy is theirs to edit.
            target.write_bytes(sources[name].read_bytes())
    except OSError as exc:
        raise UserError(f"cannot write to {folder}: {exc.strerror}") from None
    return list(targets.values())


def lab_command(notebook: str | os.PathLike) -> str:
    """The command that opens ``notebook`` in this environment's JupyterLab, whose kernel imports this
    repodigest: ``jupyter lab`` when the ``jupyter`` on PATH is this environment's (a venv, conda), else
    this interpreter's ``-m jupyterlab`` (pipx does not put ``jupyter`` on PATH)."""
    found = shutil.which("jupyter")
    if found and Path(found).parent == Path(sys.executable).parent:
        return f"jupyter lab {shlex.quote(str(notebook))}"
    return f"{shlex.quote(sys.executable)} -m jupyterlab {shlex.quote(str(notebook))}"


def has_jupyterlab() -> bool:
    """Whether JupyterLab is installed beside repodigest (it comes with the ``lab`` extra)."""
    return importlib.util.find_spec("jupyterlab") is not None
