"""The shipped notebooks: read from the package, copied for the user by ``repodigest explore --copy``."""

import sys
from pathlib import Path

import pytest

from repodigest.cli import main
from repodigest.errors import UserError
from repodigest.publish.packaged import copy_notebooks, lab_command, packaged_notebook
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
