"""Faults while writing and running: the previous report survives, the message is one line."""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import nbformat
import papermill
import pytest

import published
from gitrepo import GitRepo
from repodigest import build_digest
from repodigest.cli import main
from repodigest.errors import SourceError, UserError
from repodigest.publish.execute import run_notebook
from repodigest.publish.kernel import Kernel
from repodigest.publish.render import render_report
from servers.github_api import GitHubServer, make_commit

BIN = Path(sys.executable).with_name("repodigest")
ZH = ["--tz", "Asia/Shanghai", "--lang", "zh"]  # the days and the words these tests expect


def cli(*args, cwd, env=None, **kw):
    return subprocess.run(
        [str(BIN), "report", *ZH, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=300,
        **kw,
    )


@pytest.fixture
def small_repo(make_repo):
    repo = make_repo("small")
    repo.commit("feat: one (#1)", "2026-02-16T09:00:00+08:00", {"src/s/a.py": "a\n" * 30})
    return repo


def previous_report(out: Path) -> Path:
    folder = out / "2026-02-16"
    folder.mkdir(parents=True)
    (folder / "report.md").write_text("yesterday's good report\n")
    return folder


@pytest.fixture
def tiny_fs(tmp_path):
    mount = tmp_path / "tiny"
    mount.mkdir()
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], capture_output=True)
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {proc.stderr.decode().strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def test_disk_full_keeps_the_previous_report(small_repo, tmp_path, tiny_fs):
    out = tiny_fs / "outputs"
    previous = previous_report(out)
    proc = cli("--repo", str(small_repo.path), "--date", "2026-02-16", "--out-dir", str(out), cwd=tmp_path)
    assert proc.returncode == 3, proc.stderr
    assert "No space left on device" in proc.stderr and "Traceback" not in proc.stderr
    assert (previous / "report.md").read_text() == "yesterday's good report\n"
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".2026")) == ["2026-02-16"]


def test_read_only_outputs_fail_cleanly(small_repo, tmp_path, tiny_fs):
    out = tiny_fs / "outputs"
    previous = previous_report(out)
    subprocess.run(["mount", "-o", "remount,ro", str(tiny_fs)], check=True)
    proc = cli("--repo", str(small_repo.path), "--date", "2026-02-16", "--out-dir", str(out), cwd=tmp_path)
    assert proc.returncode in (2, 3) and "Read-only file system" in proc.stderr, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and (previous / "report.md").exists()


def test_out_dir_that_is_a_file(small_repo, tmp_path):
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    proc = cli("--repo", str(small_repo.path), "--date", "2026-02-16", "--out-dir", str(blocker / "out"), cwd=tmp_path)
    assert proc.returncode == 2 and "cannot write to" in proc.stderr


def test_a_dying_kernel_is_an_error_and_nothing_moves(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where the kernel's log goes
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("out_dir = None")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell("import os\nos._exit(1)")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / "dies.ipynb"
    nbformat.write(nb, path)
    previous = previous_report(tmp_path / "out")
    with pytest.raises(SourceError, match="did not finish") as raised:
        render_report({}, out_root=tmp_path / "out", folder="2026-02-16", notebook=path)
    logs = list(tmp_path.glob("repodigest-kernel-*.log"))
    assert len(logs) == 1 and str(logs[0]) in str(raised.value)  # kept: the message points at it
    assert (previous / "report.md").read_text() == "yesterday's good report\n"
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["2026-02-16"]


def test_secret_parameters_are_refused_before_anything_runs(tmp_path):
    with pytest.raises(UserError, match="secrets come from the environment"):
        render_report({"github_token": "ghp_x"}, out_root=tmp_path / "out", folder="d")
    assert not (tmp_path / "out").exists()


def _kernels_of(folder: Path) -> list[int]:
    """Process ids whose command line names a file in ``folder`` (kernels whose connection file is there)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if entry.name.isdigit() and str(folder).encode() in command:
            found.append(int(entry.name))
    return found


@pytest.fixture
def short_tmp():
    """A folder in the system's temporary folder, removed afterwards. As a run's TMPDIR: pytest's own folders
    are too deep for a Unix socket's path, and there the kernel would listen on TCP, as no user's kernel does."""
    folder = Path(tempfile.mkdtemp(prefix="rdk"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.parametrize(
    "signum,code,said",
    [(signal.SIGINT, 130, "error: interrupted;"), (signal.SIGTERM, 143, "error: terminated (SIGTERM);")],
    ids=["ctrl-c", "sigterm"],
)
def test_a_stopped_run_leaves_the_previous_report_and_nothing_else(tmp_path, short_tmp, signum, code, said):
    scratch = short_tmp  # TMPDIR: the kernel's connection file, its sockets and its log go there
    commits = [make_commit(i, f"2026-02-16T{1 + i % 20:02d}:{i:02d}:00Z") for i in range(20)]
    with GitHubServer(commits, full_name="o/r", latency=0.4) as server:
        cfg = tmp_path / "c.toml"
        cfg.write_text(f'repos = ["o/r"]\nwindow_days = 1\n[github]\napi_url = "{server.url}"\nconcurrency = 1\n')
        out = tmp_path / "out"
        previous = previous_report(out)
        proc = subprocess.Popen(
            [str(BIN), "report", *ZH, "--config", str(cfg), "--date", "2026-02-16", "--out-dir", str(out)],
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "GITHUB_TOKEN": "t", "TMPDIR": str(scratch)},
        )
        deadline = time.monotonic() + 60
        while server.counts.get("detail", 0) < 2 and time.monotonic() < deadline:  # the run is under way
            time.sleep(0.1)
        assert _kernels_of(scratch) and list(scratch.glob("*.json")) and list(scratch.glob("repodigest-kernel-*.log"))
        proc.send_signal(signum)
        _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == code, stderr
    assert stderr.startswith(said) and len(stderr.strip().splitlines()) == 1, stderr
    assert (previous / "report.md").read_text() == "yesterday's good report\n"
    assert sorted(p.name for p in out.iterdir()) == ["2026-02-16"]  # no temporary folder
    assert not _kernels_of(scratch)  # the kernel stopped (a zombie has no command line)
    assert not list(scratch.iterdir())  # neither its connection file nor its log is left


def test_two_runs_for_the_same_date_at_once(small_repo, tmp_path, short_tmp):
    out = tmp_path / "out"
    scratch = short_tmp  # the kernels' connection files, sockets and logs: a failed run's log is kept there
    args = [str(BIN), "report", *ZH, "--repo", str(small_repo.path), "--date", "2026-02-16", "--out-dir", str(out)]
    procs = [
        subprocess.Popen(
            args,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "TMPDIR": str(scratch)},
        )
        for _ in range(2)
    ]
    outcomes = [p.communicate(timeout=300) for p in procs]
    logs = {path.name: path.read_text(errors="replace")[-4000:] for path in scratch.glob("repodigest-kernel-*.log")}
    assert [p.returncode for p in procs] == [0, 0], ([stderr[-4000:] for _, stderr in outcomes], logs)
    assert not logs and not list(scratch.iterdir())  # nothing of either kernel is left
    folder = out / "2026-02-16"
    assert {"report.md", "report.html", "report.ipynb", "commits.parquet"} <= {p.name for p in folder.iterdir()}
    assert "本日共 1 个提交" in (folder / "report.md").read_text()
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".2026-02-16.lock")) == [
        ".nojekyll",
        "2026-02-16",
        "assets",
        "feed.xml",
        "index.html",
        "search.html",
    ]


def _github_config(tmp_path, server) -> Path:
    cfg = tmp_path / "github.toml"
    cfg.write_text(f'repos = ["o/r"]\nwindow_days = 1\n[github]\napi_url = "{server.url}"\n')
    return cfg


def _github_run(tmp_path, server):
    return cli(
        "--config",
        str(_github_config(tmp_path, server)),
        "--date",
        "2026-02-16",
        "--out-dir",
        str(tmp_path / "out"),
        cwd=tmp_path,
        env={"GITHUB_TOKEN": "t"},
    )


def _warnings(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("warning:")]


def test_a_damaged_cache_is_set_aside_and_the_report_completes(tmp_path, monkeypatch):
    cache_dir = Path(os.environ["REPODIGEST_CACHE_DIR"])
    cache_dir.mkdir(parents=True)
    (cache_dir / "cache.sqlite3").write_bytes(b"written by another program\n" * 100)
    commits = [make_commit(i, f"2026-02-16T{1 + i:02d}:00:00Z") for i in range(5)]
    with GitHubServer(commits, full_name="o/r") as server:
        first = _github_run(tmp_path, server)
        assert first.returncode == 0, first.stderr
        [aside] = cache_dir.glob("cache.sqlite3.corrupt-*")
        assert aside.read_bytes() == b"written by another program\n" * 100
        # One line on the user's terminal, though the cache was opened inside the notebook's kernel.
        assert _warnings(first.stderr) == [
            f"warning: cache file {cache_dir / 'cache.sqlite3'} is damaged (file is not a "
            f"database): moved aside to {aside}; starting a fresh cache"
        ]
        assert "本日共 5 个提交" in (tmp_path / "out" / "2026-02-16" / "report.md").read_text()
        assert server.counts["detail"] == 5
        server.reset_counts()
        monkeypatch.setenv("GITHUB_TOKEN", "t")  # the fresh cache answers everything (in-process: no kernel needed)
        second = build_digest(
            date="2026-02-16", config=str(tmp_path / "github.toml"), progress=False, tz="Asia/Shanghai", lang="zh"
        )
        assert len(second.report_frame) == 5 and not second.warnings
        assert server.total == 0 and len(list(cache_dir.glob("cache.sqlite3.corrupt-*"))) == 1


@pytest.mark.parametrize("fault", ["disk full", "read-only"])
def test_a_cache_that_cannot_be_written_never_stops_the_report(tmp_path, tiny_fs, fault, monkeypatch, capsys):
    # The command in-process, the notebook's call made without a kernel (tests/published.py): how a warning of
    # the kernel reaches the terminal is the damaged cache's test; this one is the cache's own handling.
    monkeypatch.setattr("repodigest.publish.render.render_report", published.render_report)
    cache_dir = tiny_fs / "cache"
    cache_dir.mkdir()
    if fault == "read-only":
        subprocess.run(["mount", "-o", "remount,ro", str(tiny_fs)], check=True)
    # 40 commits of about 60 kB of patch each: more than the 1 MB disk holds.
    commits = [
        make_commit(
            i, f"2026-02-16T{1 + i % 12:02d}:{i:02d}:00Z", files=[{"filename": f"src/big_{i}.py", "additions": 2000}]
        )
        for i in range(40)
    ]
    monkeypatch.setenv("REPODIGEST_CACHE_DIR", str(cache_dir))
    monkeypatch.setenv("GITHUB_TOKEN", "t")
    monkeypatch.chdir(tmp_path)
    with GitHubServer(commits, full_name="o/r") as server:
        cfg = _github_config(tmp_path, server)
        code = main(["report", *ZH, "--config", str(cfg), "--date", "2026-02-16", "--out-dir", str(tmp_path / "out")])
    said = capsys.readouterr()
    assert code == 0, said.err
    path = cache_dir / "cache.sqlite3"
    expected = {
        "disk full": f"warning: cannot write to the cache {path} (database or disk is full): "
        "continuing without caching",
        "read-only": f"warning: cannot use the cache {path} (Read-only file system): continuing without a cache",
    }
    assert _warnings(said.err) == [expected[fault]] and "Traceback" not in said.err
    assert "本日共 40 个提交" in (tmp_path / "out" / "2026-02-16" / "report.md").read_text()


def _pid_notebook(path: Path, then: str) -> Path:
    """A notebook whose kernel writes its process id into ``out_dir``, then runs ``then``."""
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("out_dir = None")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [
        params,
        nbformat.v4.new_code_cell(
            f"import os, pathlib\npathlib.Path(out_dir, 'pid').write_text(str(os.getpid()))\n"
            f"pathlib.Path('{path.parent}', 'pid').write_text(str(os.getpid()))\n{then}"
        ),
    ]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.mark.parametrize("then,error", [("1", None), ("raise ValueError('bad day')", SourceError)])
def test_the_kernel_has_exited_when_the_report_returns(tmp_path, monkeypatch, then, error):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where the kernel's log goes
    notebook = _pid_notebook(tmp_path / "pid.ipynb", then)
    if error:
        with pytest.raises(error, match="bad day"):
            render_report({}, out_root=tmp_path / "out", folder="d", notebook=notebook, images=True)
        assert not (tmp_path / "out" / "d").exists() and not list((tmp_path / "out").iterdir())
    else:
        result = render_report({}, out_root=tmp_path / "out", folder="d", notebook=notebook, images=True)
        assert (result.out_dir / "pid").read_text() == (tmp_path / "pid").read_text()
        assert {"report.md", "report.html", "report.ipynb"} <= {p.name for p in result.files}
    assert _gone(int((tmp_path / "pid").read_text()))  # shut down and reaped, not left running
    assert not list(tmp_path.glob("repodigest-kernel-*.log"))  # a log nothing points at is not left behind


def _unprivileged(command: list[str]) -> list[str]:
    """``command`` run as a user whom permissions stop: as is when the tests do not run as root, else as
    nobody through ``setpriv`` (root reads every folder, so only another user meets a permission)."""
    if os.geteuid() != 0:
        return command
    if not shutil.which("setpriv"):
        pytest.skip("the tests run as root and setpriv (util-linux) is missing: no user whom permissions stop")
    nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"]
    probe = subprocess.run([*nobody, sys.executable, "-c", "import repodigest.cli"], capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip(f"nobody cannot run this environment's Python: {probe.stderr.strip()[-200:]}")
    return [*nobody, *command]


@pytest.fixture
def shared_tmp(short_tmp):
    """A folder every user may traverse (pytest's own is private to its user)."""
    short_tmp.chmod(0o755)
    return short_tmp


def test_repositories_this_user_may_not_read_are_named(shared_tmp):
    closed = GitRepo(shared_tmp / "closed")  # its folder unreadable
    closed.commit("feat: one", "2026-02-16T09:00:00+08:00", {"a.py": "1\n"})
    closed.path.chmod(0o700)
    (shared_tmp / "locked").mkdir()
    inside = GitRepo(shared_tmp / "locked" / "repo")  # in a folder that cannot be traversed
    inside.commit("feat: one", "2026-02-16T09:00:00+08:00", {"a.py": "1\n"})
    (shared_tmp / "locked").chmod(0o700)
    env = {**os.environ, "HOME": str(shared_tmp), "REPODIGEST_CACHE_DIR": str(shared_tmp / "cache")}
    for repo in (closed.path, inside.path):
        proc = subprocess.run(
            _unprivileged([str(BIN), "report", "--repo", str(repo), "--out-dir", str(shared_tmp / "out")]),
            cwd=shared_tmp,
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        assert proc.returncode == 2 and proc.stderr == f"error: permission denied: {repo}\n", proc.stderr


def test_a_preloaded_module_is_imported_once_and_a_failed_preload_is_the_cell_s_error(tmp_path, monkeypatch):
    # The report's kernel imports the library from its start, while papermill gets ready: a cell importing
    # a preloaded module gets the module imported then (not a second import), and one that failed says why.
    from jupyter_core.utils import run_sync

    (tmp_path / "mods").mkdir()
    imports = tmp_path / "imports"
    (tmp_path / "mods" / "rd_preloaded.py").write_text(f"open({str(imports)!r}, 'a').write('imported\\n')\n")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path / "mods"))
    kernel = Kernel(str(tmp_path), preload=("rd_preloaded", "rd_not_there"))
    client = kernel.manager.client()
    try:
        client.start_channels()
        run_sync(client.wait_for_ready)(timeout=120)
        deadline = time.monotonic() + 60  # imported without any cell asking
        while not imports.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert imports.read_text() == "imported\n"
        outputs = []
        for code in ("import rd_preloaded", "import rd_not_there"):
            reply = run_sync(client.execute_interactive)(code, timeout=60, output_hook=outputs.append)
            outputs.append(reply)
        assert imports.read_text() == "imported\n"  # the cell reused the kernel's import
        errors = [m["content"] for m in outputs if m["header"]["msg_type"] in ("error", "execute_reply")]
        assert errors[0]["status"] == "ok"
        assert any(e.get("ename") == "ModuleNotFoundError" and "rd_not_there" in e.get("evalue", "") for e in errors)
    finally:
        kernel.join(now=True)
    with pytest.raises(ValueError, match="not module names"):
        Kernel(str(tmp_path), preload=("os; import shutil",))


# The report's kernel itself (repodigest.publish.kernel): how it listens, and that it is stopped cleanly.


@pytest.fixture
def kernel_scratch(short_tmp, monkeypatch):
    """The temporary folder the kernel's files go to (:func:`short_tmp`), and the exceptions its threads die of."""
    monkeypatch.setattr(tempfile, "tempdir", str(short_tmp))
    died = []
    monkeypatch.setattr(threading, "excepthook", lambda info: died.append(repr(info.exc_value)))
    return short_tmp, died


def _pid_cell_notebook(path: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import os\nos.getpid()")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


@pytest.mark.skipif(sys.platform == "win32", reason="Unix sockets")
def test_the_kernel_listens_on_unix_sockets_that_go_with_it(kernel_scratch, tmp_path):
    folder, died = kernel_scratch
    kernel = Kernel(str(tmp_path))
    info = json.loads(Path(kernel.manager.connection_file).read_text())
    assert info["transport"] == "ipc" and info["ip"].startswith(str(folder / "repodigest-"))
    done = papermill.execute_notebook(
        str(_pid_cell_notebook(tmp_path / "pid.ipynb")),
        str(tmp_path / "out.ipynb"),
        km=kernel.manager,
        progress_bar=False,
    )
    pid = int(done.cells[0].outputs[0]["data"]["text/plain"])
    sockets = sorted(p.name for p in folder.iterdir() if not p.name.endswith(".json"))
    channels = ("shell_port", "iopub_port", "stdin_port", "control_port", "hb_port")
    assert sockets == sorted(f"{Path(info['ip']).name}-{info[name]}" for name in channels)  # one file per channel
    kernel.join()
    assert _gone(pid) and not list(folder.iterdir()) and not died


def test_a_temporary_folder_too_deep_for_a_socket_path_gets_a_kernel_on_tcp(tmp_path, monkeypatch):
    deep = tmp_path.joinpath(*["a-long-folder-name"] * 6)  # well past a Unix socket's 104-byte path
    deep.mkdir(parents=True)
    monkeypatch.setattr(tempfile, "tempdir", str(deep))
    kernel = Kernel(str(tmp_path))
    info = json.loads(Path(kernel.manager.connection_file).read_text())
    assert info["transport"] == "tcp" and info["ip"] == "127.0.0.1"
    done = papermill.execute_notebook(
        str(_pid_cell_notebook(tmp_path / "pid.ipynb")),
        str(tmp_path / "out.ipynb"),
        km=kernel.manager,
        progress_bar=False,
    )
    kernel.join()
    assert _gone(int(done.cells[0].outputs[0]["data"]["text/plain"])) and not list(deep.iterdir())


def test_a_kernel_that_never_answers_is_stopped_without_a_stray_traceback(kernel_scratch, tmp_path):
    folder, died = kernel_scratch
    kernel = Kernel(str(tmp_path))
    kernel.manager.shutdown_wait_time = 0.5  # it cannot answer a shutdown request either
    pid = kernel.manager.provisioner.pid
    os.kill(pid, signal.SIGSTOP)  # alive, silent: as a kernel whose client cannot reach it
    with pytest.raises(RuntimeError, match="didn't respond"):
        papermill.execute_notebook(
            str(_pid_cell_notebook(tmp_path / "pid.ipynb")),
            str(tmp_path / "out.ipynb"),
            km=kernel.manager,
            start_timeout=1,
            progress_bar=False,
        )
    kernel.join()
    assert not died  # the shutdown thread did not die with a traceback on the user's terminal
    assert _gone(pid) and not list(folder.iterdir())  # killed; its connection file removed


def test_the_browser_starts_once_the_kernel_answers(kernel_scratch, tmp_path):
    """``run_notebook(on_ready=...)``, which starts the chart browser (nbclient's ``on_notebook_start``): called
    once, after the kernel answered and before the first cell runs."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import time\ntime.time()"), nbformat.v4.new_code_cell("2")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, tmp_path / "t.ipynb")
    called: list[float] = []
    log = tmp_path / "kernel.log"
    kernel = Kernel(str(tmp_path))
    done = run_notebook(
        tmp_path / "t.ipynb", tmp_path / "out.ipynb", {}, kernel, log=log, on_ready=lambda: called.append(time.time())
    )
    kernel.join()
    first_cell = float(done.cells[0].outputs[0]["data"]["text/plain"])
    assert len(called) == 1 and called[0] < first_cell
