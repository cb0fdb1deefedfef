"""The shipped notebooks: read from the package, copied for the user by ``repodigest explore --copy``."""

import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from repodigest.cli import main
from repodigest.errors import UserError
from repodigest.publish.packaged import (
    copy_notebooks,
    copy_parameters,
    lab_command,
    lab_install_hint,
    packaged_notebook,
)
from repodigest.publish.render import daily_notebook

SHIPPED = Path(__file__).resolve().parents[1] / "lib" / "repodigest" / "notebooks"


def test_the_notebooks_come_from_the_package():
    import repodigest

    package = Path(repodigest.__file__).parent
    assert packaged_notebook("explore") == package / "notebooks" / "explore.ipynb"
    assert daily_notebook() == package / "notebooks" / "daily_report.ipynb" and daily_notebook().is_file()
    with pytest.raises(UserError, match="no notebook named 'weekly'"):
        packaged_notebook("weekly")


def test_copy_makes_the_folder(tmp_path):
    copies = copy_notebooks(tmp_path / "a" / "b", ("explore", "daily_report"))
    assert copies == [tmp_path / "a" / "b" / "explore.ipynb", tmp_path / "a" / "b" / "daily_report.ipynb"]
    for copy in copies:
        assert copy.read_bytes() == (SHIPPED / copy.name).read_bytes()


def test_copy_refuses_to_overwrite_and_then_writes_nothing(tmp_path):
    (tmp_path / "daily_report.ipynb").write_text("mine")
    with pytest.raises(UserError, match="daily_report.ipynb already exists"):
        copy_notebooks(tmp_path, ("explore", "daily_report"))
    assert (tmp_path / "daily_report.ipynb").read_text() == "mine" and not (tmp_path / "explore.ipynb").exists()
    copy_notebooks(tmp_path, ("explore", "daily_report"), force=True)
    assert (tmp_path / "daily_report.ipynb").read_bytes() == (SHIPPED / "daily_report.ipynb").read_bytes()


def test_copy_into_a_file_is_a_user_error(tmp_path):
    (tmp_path / "taken").write_text("x")
    with pytest.raises(UserError, match="not a folder"):
        copy_notebooks(tmp_path / "taken")


def test_cli_prints_the_copy_and_how_to_open_it(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["explore", "--copy", "nb"]) == 0
    out, err = capsys.readouterr()
    assert out == f"{tmp_path / 'nb' / 'explore.ipynb'}\n"
    assert f"open it with JupyterLab: {lab_command(tmp_path / 'nb' / 'explore.ipynb')}" in err
    assert sorted(p.name for p in (tmp_path / "nb").iterdir()) == ["explore.ipynb"]

    assert main(["explore", "--copy", "nb", "--daily"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.startswith("error: ") and "already exists (--force replaces it)" in err
    assert len(err.splitlines()) == 1

    assert main(["explore", "--copy", "nb", "--daily", "--force"]) == 0
    copies = [str(tmp_path / "nb" / name) for name in ("explore.ipynb", "daily_report.ipynb")]
    assert capsys.readouterr().out.split() == copies


def test_lab_command_uses_jupyter_only_when_it_is_this_environment_s(tmp_path, monkeypatch):
    bin_dir = tmp_path / "env" / "bin"
    bin_dir.mkdir(parents=True)
    jupyter = bin_dir / "jupyter"
    jupyter.write_text("#!/bin/sh\n")
    jupyter.chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.setattr(sys, "executable", str(bin_dir / "python"))
    assert lab_command(Path("my notebooks/explore.ipynb")) == "jupyter lab 'my notebooks/explore.ipynb'"
    monkeypatch.setattr(sys, "executable", str(tmp_path / "pipx" / "bin" / "python"))  # jupyter not on PATH
    assert lab_command("explore.ipynb") == f"{tmp_path / 'pipx' / 'bin' / 'python'} -m jupyterlab explore.ipynb"


def _parameters(notebook: Path) -> str:
    return next(
        c for c in nbformat.read(notebook, as_version=4).cells if "parameters" in c.metadata.get("tags", [])
    ).source


def test_the_copy_s_parameters_cell_holds_the_options_given(make_repo, tmp_path, monkeypatch):
    repo = make_repo("history")
    repo.commit("feat: one", "2026-02-10T09:00:00+08:00", {"src/a.py": "1\n"})
    monkeypatch.chdir(tmp_path)  # not a checkout
    params = copy_parameters(
        repos=[str(repo.path), "o/r"], start="2026-02-01", end="yesterday", tz="Europe/Berlin", lang="en"
    )
    assert params == {
        "repos": [str(repo.path.resolve()), "o/r"],
        "start": "2026-02-01",
        "end": "yesterday",
        "tz": "Europe/Berlin",
        "lang": "en",
    }
    [explore, daily] = copy_notebooks(tmp_path / "nb", ("explore", "daily_report"), parameters=params)
    cell = _parameters(explore)
    assert f"repos = {[str(repo.path.resolve()), 'o/r']!r}  # list of owner/name or paths" in cell
    assert "start = '2026-02-01'  #" in cell and "end = 'yesterday'  #" in cell and "lang = 'en'  #" in cell
    assert "config = None  # path to repodigest.toml" in cell  # what was not given keeps its default
    assert "tz = 'Europe/Berlin'  #" in _parameters(daily) and "start" not in _parameters(daily)
    assert copy_parameters() == {}  # outside a checkout nothing is chosen: the notebook's default stays
    monkeypatch.chdir(repo.path / "src")
    assert copy_parameters() == {"repos": [str(repo.path.resolve())]}  # inside one, that checkout


@pytest.mark.parametrize(
    "options,message",
    [
        ({"tz": "Mars/Base"}, "unknown time zone"),
        ({"tz": ""}, "unknown time zone ''"),
        ({"lang": "fr"}, "unknown language 'fr'"),
        ({"start": "02/01/2026"}, "invalid date"),
        ({"start": "2026-02-10", "end": "2026-02-01"}, "must be a day on or before"),
        ({"repos": ["{plain}"]}, "not a git repository"),
        ({"repos": [""]}, "is empty"),
        ({"repos": ["not a repo"]}, "neither an existing path nor"),
    ],
)
def test_bad_options_are_refused_before_anything_is_copied(tmp_path, monkeypatch, capsys, options, message):
    (tmp_path / "plain").mkdir()
    monkeypatch.chdir(tmp_path)
    args = ["explore", "--copy", "nb"]
    for name, value in options.items():
        for item in value if isinstance(value, list) else [value]:
            args += [f"--{name.removesuffix('s')}", item.format(plain=tmp_path / "plain")]
    assert main(args) == 2
    assert message in capsys.readouterr().err and not (tmp_path / "nb").exists()


def test_pipx_users_are_told_to_inject_jupyterlab(tmp_path, monkeypatch):
    assert lab_install_hint().startswith("pip install 'repodigest[lab]'")
    venv = tmp_path / "pipx" / "venvs" / "repodigest"
    venv.mkdir(parents=True)
    (venv / "pipx_metadata.json").write_text("{}")
    monkeypatch.setattr(sys, "prefix", str(venv))
    assert lab_install_hint() == "pipx inject repodigest jupyterlab"


def test_the_first_run_all_of_a_copy_works_in_its_folder(make_repo, tmp_path, monkeypatch, capsys):
    """``explore --copy DIR --repo R --lang en``, then papermill with no parameters, in DIR (no checkout):
    the range loads, the charts draw in English, and no progress bar leaves a box on stderr."""
    repo = make_repo("history")
    repo.commit(
        "feat: add core", "2026-02-10T09:00:00+08:00", {"src/core.py": "".join(f"x{i} = {i}\n" for i in range(40))}
    )
    fixed = "".join(f"x{i} = {i + (i == 7)}\n" for i in range(40))
    repo.commit("fix: a wrong value in core", "2026-02-12T09:00:00+08:00", {"src/core.py": fixed})  # SZZ blames
    repo.commit("docs: a readme", "2026-02-14T09:00:00+08:00", {"README.md": "hello\n"})
    monkeypatch.chdir(tmp_path)
    options = ["--repo", str(repo.path), "--lang", "en", "--tz", "Asia/Shanghai", "--start", "2026-02-01"]
    assert main(["explore", "--copy", "nb", *options]) == 0
    assert f"its first code cell reads {repo.path.resolve()}" in capsys.readouterr().err
    # Saved once at the end: a save after each cell rewrites the notebook (plotly.js and all) some 25 times.
    papermill = [str(Path(sys.executable).with_name("papermill")), "explore.ipynb", "ran.ipynb"]
    proc = subprocess.run(
        [*papermill, "--no-progress-bar", "--no-request-save-on-cell-execute"],
        cwd=tmp_path / "nb",
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    outputs = [
        o for c in nbformat.read(tmp_path / "nb" / "ran.ipynb", as_version=4).cells for o in c.get("outputs", [])
    ]
    shown = "".join(o.get("text", "") for o in outputs if o.get("name") == "stdout")
    assert shown.startswith("3 commits, 3 file changes, 2026-02-01 to 2026-02-14")  # no progress bar's text
    assert not [o for o in outputs if o.get("name") == "stderr"]
    layouts = [
        json.dumps(o.data["application/vnd.plotly.v1+json"]["layout"], ensure_ascii=False)
        for o in outputs
        if "application/vnd.plotly.v1+json" in o.get("data", {})
    ]
    assert len(layouts) >= 10 and not [t for t in layouts if re.search("[\u4e00-\u9fff]", t)]
