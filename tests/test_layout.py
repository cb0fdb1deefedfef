"""The library's folders read as its data flow: no module imports a later stage, and no import loops;
no private name crosses modules; module names are unique; the shared vocabulary is defined once.

Stages, in flow order: sources -> scoring -> evidence -> analysis -> frame -> analytics -> charts / report
-> publish -> pipeline -> daily / cli / explore / reference. The shared utilities (config, cache, window, models,
errors, lazy, levels, i18n, textcut, templating) may be imported from anywhere.
"""

import ast
import re
from pathlib import Path
from typing import get_args

import pytest

from repodigest.levels import LEVELS, LevelName

PACKAGE = Path(__file__).resolve().parents[1] / "lib" / "repodigest"
STAGES = {
    "sources": 0,
    "scoring": 1,
    "evidence": 2,
    "analysis": 3,
    "frame": 4,
    "analytics": 5,
    "charts": 6,
    "report": 6,
    "publish": 7,
    "pipeline": 8,
    "daily": 9,
    "cli": 9,
    "explore": 9,
    "reference": 9,
}
UTILITIES = {"config", "cache", "window", "models", "errors", "lazy", "levels", "i18n", "textcut", "templating", ""}


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        out[".".join(p for p in parts if p != "__init__")] = path
    return out


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """Every repodigest module ``name`` imports (module level or inside functions), package-relative."""
    package = [p for p in (name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]) if p]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[: len(package) - (node.level - 1)] if node.level > 1 else package
            prefix = ".".join(base + ([node.module] if node.module else []))
            assert prefix in modules, f"{name}: 'from {'.' * node.level}{node.module or ''} import' names no module"
            candidates = [prefix] + [f"{prefix}.{a.name}".lstrip(".") for a in node.names]
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            candidates = [n.removeprefix("repodigest").lstrip(".") for n in names if n.startswith("repodigest")]
        else:
            continue
        for candidate in candidates:
            while candidate and candidate not in modules:
                candidate = candidate.rpartition(".")[0]
            if candidate != name and not name.startswith(candidate + ".") and candidate:
                found.add(candidate)
    return found


def _stage(module: str) -> int | None:
    top = module.split(".")[0]
    return None if top in UTILITIES else STAGES[top]


def test_every_top_level_name_has_a_stage():
    tops = {name.split(".")[0] for name in _modules()}
    assert tops <= set(STAGES) | UTILITIES, tops - set(STAGES) - UTILITIES


@pytest.mark.parametrize("name", sorted(_modules()))
def test_no_module_imports_a_later_stage(name):
    modules = _modules()
    mine = _stage(name)
    later = [m for m in _imports(name, modules[name], modules) if mine is not None and (_stage(m) or 0) > mine]
    assert not later, f"{name} (stage {mine}) imports later stages: {later}"
    if mine is None:  # a utility imports only utilities
        assert all(_stage(m) is None for m in _imports(name, modules[name], modules)), name


def _private_imports(path: Path) -> list[str]:
    """The ``_name`` imported from another module (``from x import _name``), at any depth."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith("repodigest")):
            found += [
                f"{node.module}.{a.name}" for a in node.names if a.name.startswith("_") and a.name != "__version__"
            ]
    return found


@pytest.mark.parametrize("name", sorted(_modules()))
def test_no_private_name_crosses_modules(name):
    assert not _private_imports(_modules()[name]), name


def test_module_names_say_one_thing_each():
    """No two modules (or a module and a package) share a name: a name says where a thing lives."""
    names = [n.rsplit(".", 1)[-1] for n in _modules() if n]
    assert sorted({n for n in names if names.count(n) > 1}) == []


def test_the_level_order_is_written_once():
    """Only repodigest.levels spells the three levels out in a row (LevelName, for the type checkers, in
    LEVELS' order); everything else uses LEVELS, Level or LevelName."""
    pattern = re.compile(
        r"""["']high["'],\s*["']medium["'],\s*["']low["']|["']low["'],\s*["']medium["'],\s*["']high["']"""
    )
    spelled = [p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("*.py") if pattern.search(p.read_text())]
    assert spelled == ["levels.py"], spelled
    assert get_args(LevelName) == LEVELS  # the type checkers' spelling of the order is the order
