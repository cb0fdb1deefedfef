"""The built package works with no checkout in sight (issue 22).

``python -m build`` makes the sdist and, from it, the wheel (as a release would); both hold the notebooks
and every other file the package reads as real files. The wheel goes into a fresh virtual environment
outside the checkout, which writes a report and runs the explore notebook from a folder outside the
checkout. The venv reaches the dependencies already installed here through a ``.pth`` file (nothing is
downloaded), and the checkout's ``lib/`` is on none of its paths. ``pytest -m install`` runs these alone.
"""

import json
import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import nbformat
import pytest
from jupyter_core.paths import jupyter_path

pytestmark = pytest.mark.install

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "lib" / "repodigest"
# Every file the package reads at run time besides its modules (package data in pyproject.toml).
DATA = sorted(
    p.relative_to(PACKAGE.parent).as_posix()
    for p in PACKAGE.rglob("*")
    if p.is_file() and p.suffix not in (".py", ".pyc")
)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The sdist and the wheel, built from this checkout without fetching anything."""
    dist = tmp_path_factory.mktemp("dist")
    proc = subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(dist), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    (sdist,), (wheel,) = dist.glob("*.tar.gz"), dist.glob("*.whl")
    return sdist, wheel


@pytest.fixture(scope="module")
def venv(built, tmp_path_factory):
    """A fresh venv outside the checkout with the wheel installed (``--no-deps``); the dependencies come
    from this environment's site-packages, its ``.pth`` files (the editable install's among them) unread."""
    home = tmp_path_factory.mktemp("venv") / "v"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(home)], check=True, timeout=120)
    python = home / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        capture_output=True,
        text=True,
        check=True,
        env=_env(),
    ).stdout.strip()
    deps = [p for p in sys.path if Path(p).name in ("site-packages", "dist-packages")]
    Path(purelib, "repodigest-test-deps.pth").write_text("\n".join(deps) + "\n")
    proc = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-index", "--no-deps", "--ignore-installed", str(built[1])],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    return home


def _env(**extra) -> dict:
    """This environment without anything that points Python at the checkout."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    # nbconvert's templates and the kernel spec are data files of the dependencies, beside them here.
    env["JUPYTER_PATH"] = os.pathsep.join(jupyter_path())
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return {**env, **extra}


def _elsewhere(tmp_path) -> Path:
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    assert not folder.resolve().is_relative_to(ROOT.resolve())
    return folder


@pytest.fixture
def repo(make_repo):
    repo = make_repo("followed")
    repo.commit(
        "feat: add the parser (#7)",
        "2026-02-16T10:00:00+08:00",
        {"src/app/parser.py": "def parse(text):\n    return text.split()\n"},
    )
    repo.commit(
        "fix: keep empty lines in the parser",
        "2026-02-16T15:30:00+08:00",
        {"src/app/parser.py": "def parse(text):\n    return text.splitlines()\n"},
        author=("Ann Lee", "ann@example.com"),
    )
    return repo


def test_sdist_and_wheel_hold_every_data_file_as_a_real_file(built):
    sdist, wheel = built
    with tarfile.open(sdist) as tar:
        members = {m.name.partition("/")[2]: m for m in tar.getmembers()}
        assert not [name for name, m in members.items() if m.issym() or m.islnk()]
        for name in DATA:
            member = members[f"lib/{name}"]
            assert member.isfile() and tar.extractfile(member).read() == (PACKAGE.parent / name).read_bytes(), name
    with zipfile.ZipFile(wheel) as whl:
        symlinks = [i.filename for i in whl.infolist() if (i.external_attr >> 16) & 0o170000 == 0o120000]
        assert symlinks == []
        for name in DATA:
            assert whl.read(name) == (PACKAGE.parent / name).read_bytes(), name
    assert {"repodigest/notebooks/explore.ipynb", "repodigest/notebooks/daily_report.ipynb"} <= set(DATA)


def test_installed_wheel_writes_a_report_and_runs_the_explore_notebook_from_any_folder(venv, repo, tmp_path):
    here = _elsewhere(tmp_path)
    probe = subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-c",
            "import json, sys, repodigest; print(json.dumps([repodigest.__file__, sys.path]))",
        ],
        cwd=here,
        capture_output=True,
        text=True,
        check=True,
        env=_env(),
    )
    module, path = json.loads(probe.stdout)
    assert Path(module).is_relative_to(venv)
    # the checkout's sources stay off the path (its .venv's site-packages, lent for dependencies, may sit inside)
    assert not [p for p in path if p and Path(p).resolve() in {ROOT.resolve(), (ROOT / "lib").resolve()}]

    # The report runs while the explore notebook does (two processes, two cores).
    (here / "repodigest.toml").write_text("[charts]\nimages = false\n")  # no browser: this test is about files
    report = subprocess.Popen(
        [
            str(venv / "bin" / "repodigest"),
            "report",
            "--repo",
            str(repo.path),
            "--date",
            "2026-02-16",
            "--lang",
            "en",
            "--config",
            "repodigest.toml",
        ],
        cwd=here,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
    )
    try:
        proc = subprocess.run(
            [str(venv / "bin" / "repodigest"), "explore", "--copy", "notebooks"],
            cwd=here,
            capture_output=True,
            text=True,
            env=_env(),
            timeout=120,
        )
        assert proc.returncode == 0, proc.stderr
        copy = here / "notebooks" / "explore.ipynb"
        assert proc.stdout.strip() == str(copy) and "open it with JupyterLab: " in proc.stderr
        assert copy.read_bytes() == (PACKAGE / "notebooks" / "explore.ipynb").read_bytes()
        notebook = nbformat.read(copy, as_version=4)  # the user's copy is theirs: a cell says which repodigest runs
        notebook.cells.append(nbformat.v4.new_code_cell("import repodigest\nprint(repodigest.__file__)"))
        nbformat.write(notebook, copy)
        # A cache of its own, apart from the report running beside it.
        explore = subprocess.run(
            [
                str(venv / "bin" / "python"),
                "-m",
                "papermill",
                str(copy),
                "explored.ipynb",
                "-y",
                json.dumps({"repos": [str(repo.path)], "start": "2026-02-10", "end": "2026-02-16"}),
                "--no-progress-bar",
                "--no-request-save-on-cell-execute",  # saved once: not the whole notebook after each cell
            ],
            cwd=here,
            capture_output=True,
            text=True,
            timeout=300,
            env=_env(REPODIGEST_CACHE_DIR=str(tmp_path / "explore-cache")),
        )
        out, err = report.communicate(timeout=300)
    finally:
        report.kill()
        report.wait()

    assert explore.returncode == 0, explore.stderr[-3000:]
    cells = json.loads((here / "explored.ipynb").read_text())["cells"]
    text = ["".join(o.get("text", "")) for c in cells for o in c.get("outputs", []) if o.get("name") == "stdout"]
    assert any(t.startswith("2 commits, 2 file changes, 2026-02-10 to 2026-02-16") for t in text), text
    assert Path(text[-1].strip()).is_relative_to(venv)  # the kernel imported the installed copy

    assert report.returncode == 0, err
    folder = here / "outputs" / "2026-02-16"
    assert out.strip() == str(Path("outputs") / "2026-02-16" / "report.md")
    md = (folder / "report.md").read_text()
    assert md.startswith("# Daily Update Report (2026-02-16)")
    assert "add the parser" in md and "keep empty lines in the parser" in md
    assert "add the parser" in (folder / "report.html").read_text()
    executed = json.loads((folder / "report.ipynb").read_text())
    assert Path(executed["metadata"]["papermill"]["input_path"]).is_relative_to(venv)  # the installed notebook
