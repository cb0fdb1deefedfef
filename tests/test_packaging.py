"""environment.yml and pyproject.toml list the same dependencies, and environment.yml installs the checkout
as `make setup` does; every file the package reads is package data (tests/test_install.py builds and runs
the wheel)."""

import re
import tomllib
from pathlib import Path, PurePosixPath

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "lib" / "repodigest"
# conda-forge names that differ from PyPI's
CONDA_TO_PYPI = {"python-kaleido": "kaleido", "pygithub": "pygithub", "python-build": "build"}


def _name(spec: str) -> str:
    return re.split(r"[<>=!~ \[]", spec.strip(), maxsplit=1)[0].lower()


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    wanted = {_name(d): d for d in project["dependencies"] + extras["lab"] + extras["test"]}
    text = (ROOT / "environment.yml").read_text()
    block = text.split("dependencies:", 1)[1].split("  - pip:", 1)[0]
    conda = {}
    for line in block.splitlines():
        match = re.match(r"^  - ([A-Za-z0-9_.-]+[^#]*)$", line)
        if match and _name(match.group(1)) not in ("python", "pip"):
            spec = match.group(1).strip()
            conda[CONDA_TO_PYPI.get(_name(spec), _name(spec))] = spec
    assert set(conda) == set(wanted), set(conda) ^ set(wanted)
    for name, spec in conda.items():  # same lower bounds
        assert re.findall(r">=\S+", spec) == re.findall(r">=\S+", wanted[name]), name


def test_environment_yml_installs_the_checkout_as_make_setup_does():
    """The conda environment carries the test tools, so the package in it is the checkout's, editable: a
    copy would leave pytest testing stale code. It runs from any folder all the same (notebooks ship inside)."""
    pip = (ROOT / "environment.yml").read_text().split("  - pip:", 1)[1]
    assert re.findall(r"^\s+- (.+)$", pip, flags=re.M) == ["-e ."]


def test_every_data_file_of_the_package_is_package_data():
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["repodigest"]
    files = [
        PurePosixPath(p.relative_to(PACKAGE).as_posix())
        for p in PACKAGE.rglob("*")
        if p.is_file() and p.suffix not in (".py", ".pyc")
    ]
    missing = [
        str(f) for f in files if not any(len(f.parts) == len(PurePosixPath(g).parts) and f.match(g) for g in patterns)
    ]
    assert missing == []
    assert {"notebooks/explore.ipynb", "notebooks/daily_report.ipynb"} <= {str(f) for f in files}


def test_the_top_level_notebooks_folder_is_the_package_s():
    """One source of truth: notebooks/ (what JupyterLab opens in a checkout) is a link to the shipped folder."""
    link = ROOT / "notebooks"
    assert link.is_symlink() and link.resolve() == (PACKAGE / "notebooks").resolve()
