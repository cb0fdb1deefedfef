"""environment.yml and pyproject.toml must list the same dependencies."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# conda-forge names that differ from PyPI's
CONDA_TO_PYPI = {"python-kaleido": "kaleido", "pygithub": "pygithub"}


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
    assert set(conda) == set(wanted), (set(conda) ^ set(wanted))
    for name, spec in conda.items():  # same lower bounds
        assert re.findall(r">=\S+", spec) == re.findall(r">=\S+", wanted[name]), name
