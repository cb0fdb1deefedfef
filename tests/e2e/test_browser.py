"""The HTML report in headless Chromium, offline: every chart draws and no commit text runs code. The hostile day's
report is published in-process (tests/published.py, chart PNGs on). The two notebooks run on this checkout, each
once: the daily report by papermill (then published and drawn), the workbench by nbconvert (exported and drawn);
each run also checks that its notebook runs all its cells without a browser (nbval runs them as shipped too)."""

import os
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from gitrepo import GitRepo
from isolation import isolated
from published import save
from repodigest import build_digest
from repodigest.cli import main

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(not CHROMIUM, reason="Debian's chromium is not installed (make browser)")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CANARY = "rd-canary-7731"
PWN = "document.documentElement.setAttribute('data-pwned','1')"  # visible in the DOM if any of it runs
HOSTILE = [
    f"<script>{PWN}</script> {CANARY}",
    f'<img src=x onerror="{PWN}"> {CANARY}',
    f"[click](javascript:{PWN}) {CANARY}",
    f"| broken | table ` {CANARY}",
    f"# heading {CANARY} ##",
]
# A directory (an area: 12 files) and a title whose handlers would set the body's id if they ran.
BODY_DIR = "<img src=x onerror=\"document.body.id='pwn'\">"
TITLE_AREA = '<img src=x onerror="document.body.id=1">'
BODY_TITLE = f"[{TITLE_AREA}] add core"


def chromium(*args: str, user_dir: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            f"--user-data-dir={user_dir}",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )


def rendered_and_shot(page: Path, shot: Path, *, user_dir: Path, budget: int = 10000, height: int = 3000) -> "Dom":
    """The DOM of ``page`` once its scripts ran, and its screenshot in ``shot``: one browser run for both."""
    ARTIFACTS.mkdir(exist_ok=True)
    result = chromium(
        f"--virtual-time-budget={budget}",
        f"--window-size=1280,{height}",
        f"--screenshot={shot}",
        "--dump-dom",
        page.as_uri(),
        user_dir=user_dir,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    dom = Dom()
    dom.feed(result.stdout)
    return dom


class Dom(HTMLParser):
    """Collects what the assertions need from the rendered DOM."""

    def __init__(self):
        super().__init__()
        self.stack, self.plots, self.svgs_in_plot = [], [], {}
        self.handlers, self.js_links, self.scripts, self.script_srcs = [], [], [], []
        self._in_script = False
        self.pwned = False
        self.body: dict = {}
        self.text: list[str] = []  # the page's text, as a reader sees it (scripts left out)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.pwned = self.pwned or "data-pwned" in attrs
        if tag == "body":
            self.body = attrs
        classes = (attrs.get("class") or "").split()
        current_plot = next((p for p in reversed(self.stack) if p), None)
        if tag == "div" and "plotly-graph-div" in classes:
            self.plots.append(attrs.get("id"))
            self.svgs_in_plot[attrs.get("id")] = 0
            current_plot = attrs.get("id")
        if tag == "svg" and "main-svg" in classes and current_plot:
            self.svgs_in_plot[current_plot] += 1
        self.handlers += [name for name in attrs if name.startswith("on")]
        for name in ("href", "src", "action", "formaction"):
            if (attrs.get(name) or "").strip().lower().startswith("javascript:"):
                self.js_links.append(attrs[name])
        if tag == "script":
            self._in_script = True
            self.scripts.append("")
            if attrs.get("src"):
                self.script_srcs.append(attrs["src"])
        if tag not in ("img", "br", "hr", "meta", "link", "input", "path", "rect", "line", "circle", "stop"):
            self.stack.append(current_plot if (tag == "div" and "plotly-graph-div" in classes) else None)

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False
        if (
            tag not in ("img", "br", "hr", "meta", "link", "input", "path", "rect", "line", "circle", "stop")
            and self.stack
        ):
            self.stack.pop()

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1] += data
        else:
            self.text.append(data)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    work = tmp_path_factory.mktemp("browser")
    repo = GitRepo(work / "hostile")
    for i, text in enumerate(HOSTILE):
        repo.commit(
            f"{text} (#{i + 1})\n\n{text}\n",
            f"2026-02-16T{9 + i:02d}:00:00+08:00",
            {f"src/pkg/area{i}/{text[:12].replace('/', '_')} {i}.py": "x\n" * (10 + i * 40), f"docs/{i}.md": "d\n"},
        )
    repo.commit("earlier work", "2026-02-10T09:00:00+08:00", {"src/pkg/area0/old.py": "o\n"})
    # An author name lands in the charts' JSON inside <script>: it must not close the script.
    repo.commit(
        "[</script><script>x] tagged",
        "2026-02-16T20:00:00+08:00",
        {"src/pkg/z.py": "z\n"},
        author=(f"</script><script>{PWN}</script>", "evil@example.com"),
    )
    repo.commit(BODY_TITLE, "2026-02-16T21:00:00+08:00", {f"{BODY_DIR}/core{i}.py": "x = 1\n" * 30 for i in range(12)})
    folder = work / "out" / "2026-02-16"
    with isolated(work / "cache", images=True):
        save(build_digest(date="2026-02-16", repos=[str(repo.path)], progress=False), folder, images=True)
    shot = ARTIFACTS / "report-offline.png"
    shot.unlink(missing_ok=True)
    return folder, rendered_and_shot(folder / "report.html", shot, user_dir=work / "profile"), shot


@needs_chromium
def test_every_chart_draws_offline(rendered):
    folder, dom, shot = rendered
    pngs = sorted(p.name for p in folder.glob("chart-*.png"))
    assert len(dom.plots) == 5 and len(pngs) == 5
    assert all(count >= 1 for count in dom.svgs_in_plot.values()), dom.svgs_in_plot
    assert not [src for src in dom.script_srcs if not src.startswith("data:")]  # everything inline
    assert shot.stat().st_size > 10_000


@needs_chromium
def test_markdown_shows_the_same_charts_as_images(rendered):
    folder, dom, _ = rendered
    md = (folder / "report.md").read_text()
    images = [line for line in md.splitlines() if line.startswith("![")]
    assert len(images) == len(dom.plots) == 5
    for line in images:
        assert (folder / line.rsplit("(", 1)[1].rstrip(")")).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@needs_chromium
def test_commit_text_never_becomes_script_handler_or_link(rendered):
    folder, dom, _ = rendered
    assert dom.handlers == [] and dom.js_links == [] and not dom.pwned
    assert not any(script.lstrip().startswith(PWN) for script in dom.scripts)
    html = (folder / "report.html").read_text()
    assert html.count(CANARY) >= len(HOSTILE)  # the text is there, as text


@needs_chromium
def test_names_from_the_repository_run_nothing_and_read_as_written(rendered):
    folder, dom, _ = rendered
    assert not dom.body.get("id")  # set by either handler, had it run
    text = "".join(dom.text)
    assert text.count(BODY_DIR) >= 3 and text.count(BODY_TITLE) >= 3  # the areas line, the files, the TOC...
    # The entry's "areas:" line names both areas (the directory, the title's [...]), escaped.
    md = (folder / "report.md").read_text()
    assert any(all(f"&lt;{name[1:]}" in line for name in (BODY_DIR, TITLE_AREA)) for line in md.splitlines())


@pytest.fixture(scope="module")
def default_run(tmp_path_factory):
    """notebooks/daily_report.ipynb as shipped, run all by papermill in its folder of this checkout with no
    parameter (the checkout's latest day, no keys): the notebook's Run All check, and the default report that
    the browser test publishes and draws. The executed notebook and papermill's result."""
    root = Path(__file__).resolve().parents[2]
    out = tmp_path_factory.mktemp("default-report")
    with isolated(out / "cache", images=True):  # the notebook's record asks publish for chart PNGs
        proc = subprocess.run(
            [
                str(Path(sys.executable).with_name("papermill")),
                str(root / "notebooks" / "daily_report.ipynb"),
                str(out / "report.ipynb"),
                "--no-progress-bar",
                "--no-request-save-on-cell-execute",
            ],
            cwd=root / "notebooks",
            capture_output=True,
            text=True,
            timeout=300,
            env=dict(os.environ),
        )
    return out / "report.ipynb", proc


def test_the_daily_notebook_runs_all_its_cells(default_run):
    executed, proc = default_run
    assert proc.returncode == 0, proc.stderr[-2000:]  # papermill stops at a cell's error
    assert executed.is_file()


@needs_chromium
def test_embedded_default_report_draws_every_chart(default_run, tmp_path, monkeypatch, capsys):
    """What `make report` writes on a fresh clone (this checkout, its latest day, no keys), as papermill and
    `repodigest publish` make it: the notebook's run above, published with chart PNGs, then drawn."""
    executed, proc = default_run
    assert proc.returncode == 0, proc.stderr[-2000:]
    monkeypatch.setenv("REPODIGEST_CHART_IMAGES", "1")
    folder = tmp_path / "report"
    code = main(["publish", str(executed), "--out-dir", str(folder)])  # the command's publishing, in-process
    assert code == 0, capsys.readouterr().err
    shot = ARTIFACTS / "embedded-default-report.png"
    shot.unlink(missing_ok=True)
    dom = rendered_and_shot(folder / "report.html", shot, user_dir=tmp_path / "profile", height=2400)
    images = [ln for ln in (folder / "report.md").read_text().splitlines() if ln.startswith("![")]
    assert dom.plots and all(n >= 1 for n in dom.svgs_in_plot.values()) and len(images) == len(dom.plots)
    assert shot.stat().st_size > 10_000


@pytest.fixture(scope="module")
def workbench(tmp_path_factory):
    """explore.ipynb on this checkout, executed and exported by nbconvert (as a user shares the workbench): its
    Run All, and the page the browser test draws."""
    root = Path(__file__).resolve().parents[2]
    out = tmp_path_factory.mktemp("workbench")
    with isolated(out / "cache"):
        proc = subprocess.run(
            [
                str(Path(sys.executable).with_name("jupyter")),
                "nbconvert",
                "--to",
                "html",
                "--execute",
                str(root / "notebooks" / "explore.ipynb"),
                "--output-dir",
                str(out),
            ],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=300,
            env=dict(os.environ),
        )
    return proc, out / "explore.html"


def test_the_workbench_runs_all_its_cells(workbench):
    proc, page = workbench
    assert proc.returncode == 0, proc.stderr[-2000:]  # nbconvert stops at a cell's error
    assert page.is_file()


@needs_chromium
def test_exported_workbench_draws_every_chart(workbench, tmp_path):
    """Every figure of the executed workbench draws offline, from the one plotly.js the first figure's output
    carries."""
    proc, page = workbench
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert page.read_text().count("plotly.js v") == 1
    dump = chromium("--virtual-time-budget=15000", "--dump-dom", page.as_uri(), user_dir=tmp_path / "profile")
    dom = Dom()
    dom.feed(dump.stdout)
    # 9 analyses (the track record among them) + code survival by cohort and by author + the report's 5 charts
    assert len(dom.plots) == 16
    assert all(count >= 1 for count in dom.svgs_in_plot.values()), dom.svgs_in_plot
    # nbconvert's own template links require.js and MathJax (unreachable here); plotly.js is inline
    assert not [src for src in dom.script_srcs if "plotly" in src]
