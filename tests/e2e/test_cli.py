"""Whole runs of ``repodigest report``: papermill executes the notebook, nbconvert exports it. Where the
content is the point and not the process, the report is built and published in-process (tests/published.py)."""

import fcntl
import json
import os
import re
import shutil
import stat
import subprocess
import sys
from datetime import datetime, time, timedelta
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from bs4 import BeautifulSoup

import published
import shapes
from published import save
from repodigest import build_digest
from repodigest.cli import main

BIN = Path(sys.executable).with_name("repodigest")
IMAGES = {"REPODIGEST_CHART_IMAGES": "1"}  # the tests about chart PNGs ask for them (conftest turns them off)
ZH = ("--tz", "Asia/Shanghai", "--lang", "zh")  # the days and the words these tests expect
SHADOWED = ("numpy", "pandas", "jinja2")  # dependencies of the report's kernel


def run(*args, cwd, env=None):
    return subprocess.run(
        [str(BIN), *args], cwd=cwd, capture_output=True, text=True, env={**os.environ, **(env or {})}, timeout=300
    )


class Ids(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self.hrefs, self.scripts = set(), [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "a" and (attrs.get("href") or "").startswith("#"):
            self.hrefs.append(attrs["href"][1:])
        if tag == "script":
            self.scripts.append(attrs.get("src"))


@pytest.fixture
def busy_repo(make_repo):
    repo = make_repo("busy")
    repo.commit(
        "[Perf] speed up core 3x (#101)\n\nCaches the core lookups.",
        "2026-02-16T09:00:00+08:00",
        {"src/busy/core/a.py": "a\n" * 300, "src/busy/__init__.py": "x = 1\n"},
    )
    repo.commit(
        "docs: explain <b>bold</b> [x](javascript:alert(1))", "2026-02-16T23:59:00+08:00", {"docs/guide.md": "g\n"}
    )
    repo.commit("next day", "2026-02-17T00:01:00+08:00", {"src/busy/core/b.py": "b\n"})
    return repo


def test_report_writes_html_md_data_and_notebook(busy_repo, tmp_path):
    out = tmp_path / "outputs"
    proc = run(
        "report", *ZH, "--repo", str(busy_repo.path), "--date", "2026-02-16", "--out-dir", str(out), cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    folder = out / "2026-02-16"
    assert proc.stdout.strip() == str(folder / "report.md")
    assert {"report.ipynb", "report.html", "report.md", "commits.csv", "commits.parquet", "status.json"} <= {
        p.name for p in folder.iterdir()
    }
    md = (folder / "report.md").read_text()
    assert md.startswith("# 每日更新报告（2026-02-16）\n") and "本日共 2 个提交" in md
    assert "next day" not in md
    html = (folder / "report.html").read_text()
    parser = Ids()
    parser.feed(html)
    links = set(re.findall(r"\]\(#([^)]+)\)", md))
    assert links and links <= parser.ids and set(parser.hrefs) <= parser.ids | {""}
    assert "<b>bold</b>" not in html and 'href="javascript:' not in html
    assert not any(src and src.startswith("http") for src in parser.scripts if src)  # nothing from a CDN... yet
    assert json.loads((folder / "status.json").read_text())["commits"] == 2
    assert not [p for p in out.iterdir() if p.name.startswith(".tmp-")]
    # the in-process publication that the content tests use writes what the command writes
    alone = tmp_path / "in-process"
    save(
        build_digest(date="2026-02-16", repos=[str(busy_repo.path)], tz="Asia/Shanghai", progress=False, lang="zh"),
        alone,
    )
    assert {p.name for p in alone.iterdir()} == {p.name for p in folder.iterdir()}
    for name in ("report.md", "status.json", "overview.json", "commits.csv", "files.csv"):
        assert (alone / name).read_bytes() == (folder / name).read_bytes(), name
    # the kernel's page holds the charts of the in-process one, which tests/e2e/test_browser.py draws
    plots = 'class="plotly-graph-div"'
    assert html.count(plots) == (alone / "report.html").read_text().count(plots) == 5


def test_default_is_the_latest_day_of_the_checkout(busy_repo, tmp_path, monkeypatch, capsys):
    # the command's choice of day, in-process; the notebook's call made without a kernel
    monkeypatch.setattr("repodigest.publish.render.render_report", published.render_report)
    monkeypatch.chdir(busy_repo.path)
    code = main(["report", "--out-dir", str(tmp_path / "o"), "--lang", "en", "--tz", "Asia/Shanghai"])
    said = capsys.readouterr()
    assert code == 0, said.err
    md = Path(said.out.strip()).read_text()
    assert md.startswith("# Daily Update Report (2026-02-17)") and "next day" in md


@pytest.mark.parametrize(
    "args,message",
    [
        (["--date", "16.02.2026"], "invalid date"),
        (["--tz", "Nowhere/City"], "unknown time zone"),
        (["--lang", "fr"], "unknown language"),
        (["--repo", "/definitely/not/here"], "neither an existing path nor"),
        (["--window-days", "0"], "window_days"),
    ],
)
def test_user_errors_are_one_line_and_exit_2(busy_repo, tmp_path, monkeypatch, capsys, args, message):
    # the command's handling of bad input, in-process (tests/e2e/test_faults.py runs the command itself)
    monkeypatch.chdir(busy_repo.path)
    code = main(["report", "--out-dir", str(tmp_path / "o"), *args])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_not_a_repository_and_missing_branch(tmp_path, make_repo, monkeypatch, capsys):
    plain = tmp_path / "plain"
    plain.mkdir()
    monkeypatch.chdir(tmp_path)
    code = main(["report", "--repo", str(plain)])
    assert code == 2 and "not a git repository" in capsys.readouterr().err
    repo = make_repo()
    repo.commit("x", "2026-02-16T09:00:00+08:00", {"a": "1\n"})
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'repos = [{{spec = "{repo.path}", branch = "nope"}}]\n')
    code = main(["report", "--config", str(cfg)])
    assert code == 2 and "branch 'nope' does not exist" in capsys.readouterr().err


def test_failed_run_keeps_the_previous_report(busy_repo, tmp_path):
    out = tmp_path / "outputs"
    (out / "2026-02-16").mkdir(parents=True)  # the previous run's report
    before = "yesterday's good report\n"
    (out / "2026-02-16" / "report.md").write_text(before)
    # A config whose language the notebook rejects fails the run after the folder was planned.
    proc = run(
        "report",
        "--repo",
        str(busy_repo.path),
        "--date",
        "2026-02-16",
        "--out-dir",
        str(out),
        "--window-days",
        "9999",
        cwd=tmp_path,
    )
    assert proc.returncode == 2
    assert (out / "2026-02-16" / "report.md").read_text() == before
    assert not [p for p in out.iterdir() if p.name.startswith(".tmp-")]


def test_seven_day_digest_counts_every_day(make_repo, tmp_path, monkeypatch, capsys):
    repo = make_repo("week")
    per_day = [2, 0, 1, 3, 1, 0, 2]
    for offset, count in enumerate(per_day):
        for k in range(count):
            repo.commit(
                f"fix: day {offset} item {k}",
                f"2026-02-{10 + offset:02d}T{9 + k:02d}:00:00+08:00",
                {f"src/w/m{offset}_{k}.py": "x\n" * (5 + k)},
            )
    # the command's own arguments and folder, the notebook's call made in-process (no kernel)
    monkeypatch.setattr("repodigest.publish.render.render_report", published.render_report)
    code = main(
        [
            "report",
            *ZH,
            "--repo",
            str(repo.path),
            "--date",
            "2026-02-16",
            "--days",
            "7",
            "--out-dir",
            str(tmp_path / "o"),
        ]
    )
    said = capsys.readouterr()
    assert code == 0, said.err
    folder = tmp_path / "o" / "2026-02-10_2026-02-16"
    assert said.out.strip() == str(folder / "report.md")
    md = (folder / "report.md").read_text()
    assert md.startswith("# 更新报告（2026-02-10 至 2026-02-16）")
    assert f"> 共 {sum(per_day)} 个提交" in md
    days = next(ln for ln in md.splitlines() if ln.startswith("| 日期 |"))
    counts = next(ln for ln in md.splitlines() if ln.startswith("| 提交数 |"))
    assert re.findall(r"2026-02-\d\d", days) == [f"2026-02-{d}" for d in range(10, 17)]
    assert [int(c) for c in re.findall(r"\| (\d+)", counts)] == per_day
    assert "## 📈 活动图表" in md and ("chart-area-trend.png" in md or "report.html" in md)
    assert json.loads((folder / "status.json").read_text())["days"][0] == "2026-02-10"
    glance = md[md.index("## 🧭 本期概览") : md.index("## week")]  # the overview covers the week
    assert f"> 本期 {sum(per_day)} 个提交" in glance
    assert json.loads((folder / "overview.json").read_text())["days"] == [f"2026-02-{d}" for d in range(10, 17)]


def _charts_section(md: str) -> str:
    return md.split('<a id="charts"></a>', 1)[1].split("\n<a id=", 1)[0]


def test_report_without_a_browser_says_where_the_charts_are(busy_repo, tmp_path, monkeypatch):
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "no-such-chrome"))
    monkeypatch.setenv("REPODIGEST_CHART_IMAGES", "1")
    folder = tmp_path / "o" / "2026-02-16"
    save(
        build_digest(date="2026-02-16", repos=[str(busy_repo.path)], progress=False, tz="Asia/Shanghai", lang="zh"),
        folder,
        images=True,
    )
    section = _charts_section((folder / "report.md").read_text())
    assert "![" not in section and "Chrome" in section and "report.html" in section
    assert not list(folder.glob("chart-*")) and not list(folder.glob(".chart-images*"))
    executed = json.loads((folder / "report.ipynb").read_text())  # the notebook says the same as report.md
    shown = "".join(
        "".join(o.get("data", {}).get("text/markdown", "")) for c in executed["cells"] for o in c.get("outputs", [])
    )
    assert "![" not in shown and "no Chrome/Chromium browser found" in shown


def test_a_notebook_run_by_papermill_publishes_as_the_cli_does(busy_repo, tmp_path, monkeypatch, capsys):
    notebook = Path(__file__).resolve().parents[2] / "notebooks" / "daily_report.ipynb"
    alone = tmp_path / "alone"
    alone.mkdir()
    proc = subprocess.run(
        [
            str(BIN.with_name("papermill")),
            str(notebook),
            str(alone / "report.ipynb"),
            "-p",
            "date",
            "2026-02-16",
            "-p",
            "repos",
            str(busy_repo.path),
            "-p",
            "out_dir",
            str(alone),
            "-p",
            "tz",
            "Asia/Shanghai",
            "-p",
            "lang",
            "zh",
            "--no-progress-bar",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **IMAGES},
    )
    assert proc.returncode == 0, proc.stderr
    assert not list(alone.glob("chart-*")) and not (alone / "status.json").exists()  # the kernel only computes
    executed = json.loads((alone / "report.ipynb").read_text())
    outputs = [
        "".join(o.get("data", {}).get("text/markdown", "")) for c in executed["cells"] for o in c.get("outputs", [])
    ]
    shown = "".join(outputs)
    assert "# 每日更新报告（2026-02-16）" in shown and "本日共 2 个提交" in shown
    # the first output is the day at a glance, under the title
    assert outputs[0].startswith("# 每日更新报告（2026-02-16）") and "## 🧭 本日概览" in outputs[0]
    assert "本日 2 个提交" in outputs[0] and "| 提交时间 |" not in outputs[0]
    if not shutil.which("chromium"):
        pytest.skip("Debian's chromium is not installed (make browser): the PNGs are not compared")
    proc = run(
        "report",
        *ZH,
        "--repo",
        str(busy_repo.path),
        "--date",
        "2026-02-16",
        "--out-dir",
        str(tmp_path / "o"),
        cwd=tmp_path,
        env=IMAGES,
    )
    assert proc.returncode == 0, proc.stderr
    by_cli = tmp_path / "o" / "2026-02-16"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("REPODIGEST_CHART_IMAGES", "1")
    capsys.readouterr()
    code = main(["publish", str(alone / "report.ipynb")])  # the command's publishing, in-process
    out, err = capsys.readouterr()
    assert code == 0 and out.strip() == str(alone / "report.md"), err
    pngs = sorted(p.name for p in by_cli.glob("chart-*.png"))
    assert len(pngs) == 5 and sorted(p.name for p in alone.glob("chart-*.png")) == pngs
    assert all((alone / name).read_bytes() == (by_cli / name).read_bytes() for name in pngs)
    assert (alone / "report.md").read_text() == (by_cli / "report.md").read_text()
    assert json.loads((alone / "status.json").read_text()) == json.loads((by_cli / "status.json").read_text())
    assert {"commits.parquet", "files.csv", "overview.json", "report.html"} <= {p.name for p in alone.iterdir()}
    assert re.findall(r"\]\((chart-[^)]+)\)", _charts_section((by_cli / "report.md").read_text())) == [
        f"chart-{n}.png" for n in ("authors", "areas", "levels", "area-trend", "author-area")
    ]


def test_publishing_a_failed_notebook_says_why_with_its_exit_code(tmp_path, monkeypatch, capsys):
    notebook = Path(__file__).resolve().parents[2] / "notebooks" / "daily_report.ipynb"
    executed = tmp_path / "failed.ipynb"
    proc = subprocess.run(
        [
            str(BIN.with_name("papermill")),
            str(notebook),
            str(executed),
            "-p",
            "date",
            "2026-02-16",
            "-p",
            "repos",
            str(tmp_path / "nowhere"),
            "--no-progress-bar",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode != 0 and executed.exists()
    monkeypatch.chdir(tmp_path)
    code = main(["publish", str(executed)])  # the command's publishing, in-process
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error: repository") and "nowhere" in err
    assert not (tmp_path / "report.md").exists()


def test_a_first_run_inside_a_checkout_named_like_its_dependencies(make_repo, tmp_path):
    """A new user's first run, no option given: inside a checkout whose top-level folders are named numpy,
    pandas and jinja2, on a machine in Berlin with a German locale, the newest commit's clock a day ahead,
    and an out dir holding what a killed run left and what a live run holds."""
    berlin = ZoneInfo("Europe/Berlin")
    today = datetime.now(berlin).date()
    repo = make_repo("checkout")
    shadows = {f"{name}/__init__.py": "raise ImportError('the checkout was imported')\n" for name in SHADOWED}
    repo.commit("feat: work of the day", datetime.combine(today, time(0, 0, 1), berlin).isoformat(), shadows)
    tomorrow = datetime.combine(today + timedelta(days=1), time(12), berlin).isoformat()
    repo.commit("fix: a clock set a day ahead", tomorrow, {"src/app.py": "x = 2\n"})
    out = tmp_path / "out"
    dead = out / f".tmp-{today}-deadbeef"  # a killed run's temporary folder
    dead.mkdir(parents=True)
    (dead / "report.ipynb").write_text("half written")
    older = out / ".tmp-2026-01-01-0badf00d"
    older.mkdir()
    replaced = out / ".old-2026-01-02-77-1234"  # a report a killed run was replacing
    replaced.write_text("x")
    live = out / f".tmp-{today}-a11ve000"  # a concurrent run's: it holds the folder's lock
    live.mkdir()
    handle = os.open(live, os.O_RDONLY)
    fcntl.flock(handle, fcntl.LOCK_EX)
    try:
        proc = subprocess.run(
            [str(BIN), "report", "--out-dir", str(out)],
            cwd=repo.path,
            capture_output=True,
            text=True,
            env={**os.environ, "TZ": "Europe/Berlin", "LANG": "de_DE.UTF-8"},
            umask=0o022,
            timeout=300,
        )
    finally:
        os.close(handle)
    assert proc.returncode == 0, proc.stderr
    folder = out / today.isoformat()
    assert proc.stdout.strip() == str(folder / "report.md")
    assert f"note: checkout: the newest commit is dated {tomorrow[:10]} 12:00, in the future in Europe/Berlin" in (
        proc.stderr
    )
    md = (folder / "report.md").read_text()
    assert md.startswith(f"# Daily Update Report ({today})")  # the locale is not Chinese: English
    assert "| Time (Europe/Berlin) | Author | Commit |" in md and "work of the day" in md
    assert "a clock set a day ahead" not in md
    assert stat.S_IMODE(folder.stat().st_mode) == 0o755  # as the umask makes any new folder
    assert not dead.exists() and not older.exists() and not replaced.exists() and live.exists()


def test_sha_and_what_a_merge_landed_are_lines_of_their_own(make_repo, tmp_path):
    repo = make_repo("button")
    shapes.button(repo)
    digest = build_digest(date="2026-02-16", repos=[str(repo.path)], tz="Asia/Shanghai", lang="en", progress=False)
    save(digest, tmp_path / "o")
    paragraphs = [p.get_text() for p in BeautifulSoup((tmp_path / "o" / "report.html").read_text(), "html.parser")("p")]
    sha = next(p for p in paragraphs if p.startswith("SHA: "))
    assert "Landed" not in sha and any(p.startswith("🔀 Landed 2 commit(s) (merged by") for p in paragraphs)


@pytest.mark.parametrize(
    "args,message",
    [
        (["--repo", ""], "repository '' is empty"),
        (["--tz", ""], "unknown time zone ''"),
        (["--date", ""], "invalid date ''"),
        (["--date", "0001-01-01"], "date 0001-01-01 is out of range"),
        (["--repo", "{plain}"], "not a git repository: {plain}"),
        (["--repo", "a/b/c"], "neither an existing path nor a GitHub 'owner/name'"),
        (["--repo", "{busy}", "--repo", "{plain}"], "not a git repository: {plain}"),
    ],
)
def test_bad_input_is_refused_before_the_kernel_starts(busy_repo, tmp_path, monkeypatch, capsys, args, message):
    plain = tmp_path / "plain"
    plain.mkdir()
    monkeypatch.chdir(busy_repo.path)
    out = tmp_path / "o"
    values = {"plain": plain, "busy": busy_repo.path}
    code = main(["report", "--date", "2026-02-16", "--out-dir", str(out), *(a.format(**values) for a in args)])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error: ") and message.format(**values) in err, err
    assert len(err.strip().splitlines()) == 1
    assert not out.exists()  # refused before the report's folder (and its kernel) was set up


def test_a_file_where_the_report_goes_is_refused_and_left_alone(busy_repo, tmp_path, capsys):
    out = tmp_path / "o"
    out.mkdir()
    (out / "2026-02-16").write_text("mine")
    code = main(["report", *ZH, "--repo", str(busy_repo.path), "--date", "2026-02-16", "--out-dir", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and f"cannot write the report to {out / '2026-02-16'}: a file of that name is in the way" in err
    assert (out / "2026-02-16").read_text() == "mine" and sorted(p.name for p in out.iterdir()) == ["2026-02-16"]


def test_a_replaced_report_of_any_kind_leaves_nothing_behind(tmp_path):
    from repodigest.publish.staging import move_into_place

    for previous in ("file", "folder", "link"):
        root = tmp_path / previous
        root.mkdir()
        final = root / "2026-02-16"
        if previous == "file":
            final.write_text("x")
        elif previous == "folder":
            final.mkdir()
            (final / "report.md").write_text("old")
        else:
            final.symlink_to(tmp_path)
        new = root / ".tmp-2026-02-16-0000"
        new.mkdir()
        (new / "report.md").write_text("new")
        move_into_place(new, final)
        assert sorted(p.name for p in root.iterdir()) == ["2026-02-16"], previous
        assert (final / "report.md").read_text() == "new" and tmp_path.exists()
