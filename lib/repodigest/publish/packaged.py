"""The notebooks shipped inside the package (``repodigest/notebooks/``): where the installed copy is,
and a copy of them where a user wants to open them in JupyterLab."""

from __future__ import annotations

import importlib.util
import os
import re
import shlex
import shutil
import sys
from importlib import resources
from pathlib import Path

from ..config import LANGS, repo_kind
from ..errors import UserError
from ..sources.git_process import repository_root
from ..window import parse_date, resolve_tz

NOTEBOOKS = ("explore", "daily_report")


def packaged_notebook(name: str) -> Path:
    """The installed notebook ``name`` (``explore`` or ``daily_report``), read from the package itself."""
    return Path(str(_shipped(name)))


def _shipped(name: str):
    if name not in NOTEBOOKS:
        raise UserError(f"no notebook named {name!r} (known: {', '.join(NOTEBOOKS)})")
    return resources.files("repodigest") / "notebooks" / f"{name}.ipynb"


def copy_notebooks(
    folder: str | os.PathLike,
    names: tuple[str, ...] = ("explore",),
    force: bool = False,
    parameters: dict | None = None,
) -> list[Path]:
    """Copy the shipped notebooks ``names`` into ``folder`` (made if missing) and return the copies' paths.

    ``parameters`` (see :func:`copy_parameters`) replace the defaults of the names each notebook's
    parameters cell has. An existing file is replaced only with ``force``; otherwise nothing is written."""
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
            data = sources[name].read_bytes()
            target.write_bytes(with_parameters(data, parameters) if parameters else data)
    except OSError as exc:
        raise UserError(f"cannot write to {folder}: {exc.strerror}") from None
    return list(targets.values())


def copy_parameters(
    repos: list[str] | None = None,
    start: str | None = None,
    end: str | None = None,
    tz: str | None = None,
    lang: str | None = None,
) -> dict:
    """The values ``explore --copy`` writes into a copy's parameters cell, each checked now: a local
    repository as its absolute path (default: the checkout of the current folder, when there is one), a
    GitHub ``owner/name``, the range's days, the time zone and the language. What is not given is left
    out, and the notebook's own default holds."""
    found: dict = {}
    if tz is not None:
        resolve_tz(tz)
        found["tz"] = tz
    if lang is not None:
        if lang not in LANGS:
            raise UserError(f"unknown language {lang!r}: use one of {', '.join(LANGS)}")
        found["lang"] = lang
    zone = resolve_tz(tz)
    first, last = parse_date(start, zone), parse_date(end, zone)
    if first is not None and last is not None and first > last:
        raise UserError(f"start {start!r} must be a day on or before end {end!r}")
    found.update({name: value for name, value in (("start", start), ("end", end)) if value is not None})
    if repos:
        found["repos"] = [_checked_repo(spec) for spec in repos]
    else:
        try:
            found["repos"] = [str(repository_root(Path.cwd()))]
        except UserError:  # not in a checkout: the notebook's default (the checkout it runs in) stays
            pass
    return found


def _checked_repo(spec: str) -> str:
    kind, location = repo_kind(spec)
    return str(repository_root(location)) if kind == "local" else location


# A line of a parameters cell: ``name = value  # comment``.
_ASSIGNMENT = re.compile(r"^(?P<name>[A-Za-z_]\w*) = (?P<value>[^#]*?)(?P<comment>\s+#.*)?$")


def with_parameters(notebook: bytes, parameters: dict) -> bytes:
    """``notebook`` (its JSON) with ``parameters`` as the values of its parameters cell's assignments of
    those names; names the cell does not assign are left out."""
    import nbformat

    nb = nbformat.reads(notebook.decode("utf-8"), as_version=4)
    for cell in nb.cells:
        if "parameters" not in cell.get("metadata", {}).get("tags", []):
            continue
        lines = []
        for line in cell.source.splitlines():
            match = _ASSIGNMENT.match(line)
            if match and match["name"] in parameters:
                line = f"{match['name']} = {parameters[match['name']]!r}{match['comment'] or ''}"
            lines.append(line)
        cell.source = "\n".join(lines)
    return nbformat.writes(nb).encode("utf-8") + b"\n"


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


def lab_install_hint() -> str:
    """How to add JupyterLab to this environment: ``pipx inject`` in a pipx environment (pipx keeps a
    ``pipx_metadata.json`` in each of its virtual environments), else the ``lab`` extra with pip."""
    prefix = Path(sys.prefix)
    if (prefix / "pipx_metadata.json").is_file():
        return f"pipx inject {shlex.quote(prefix.name)} jupyterlab"
    return "pip install 'repodigest[lab]' (or '.[lab]' from a checkout)"
