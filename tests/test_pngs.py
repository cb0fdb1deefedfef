"""Chart PNGs (publish/pngs.py, publish/browser.py): drawn from the figures' JSON in one browser session,
the charts section that links them, and every way the browser can fail without failing the report."""

from __future__ import annotations

import array
import fcntl
import json
import logging
import os
import shutil
import termios
import threading
import time
from pathlib import Path

import pytest

from repodigest import charts
from repodigest.publish.browser import BrowserSession, quiet_browser_exit
from repodigest.publish.pngs import charts_section, write_pngs
from test_charts import make_frame

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def small():
    return make_frame(
        [
            dict(author="alice", areas=["core", "docs"], level="high", lines_added=100, lines_deleted=20),
            dict(author="bob", areas=["docs"], level="low", repo="o/other"),
            dict(author="carol", areas=["core"], day="2026-02-13", in_report=False),
        ]
    )


def specs(figures, lang: str = "en") -> list[dict]:
    """The charts as the notebook leaves them for publishing: name, title, figure as JSON."""
    words = charts.chart_words(lang)
    return [{"name": n, "title": words[n], "figure": json.loads(f.to_json())} for n, f in figures]


def test_charts_section_links_what_was_written_and_says_why_the_rest_is_missing(tmp_path, small):
    shown = specs(charts.report_charts(small, None, "en"))
    written = [tmp_path / "chart-authors.png", tmp_path / "chart-area-trend.png"]
    md = charts_section(shown, written, "en")
    assert "![Authors: commits and lines changed](chart-authors.png)" in md
    assert "![Commits per day by area](chart-area-trend.png)" in md and "chart-areas.png" not in md
    assert str(tmp_path) not in md  # links are relative: the images sit next to report.md
    failed = charts_section(shown, [], "zh", "no Chrome")
    assert "no Chrome" in failed and "report.html" in failed and "![" not in failed
    off = charts_section(shown, [], "en", off=True)
    assert "images = false" in off and "report.html" in off and "Nothing to chart" not in off
    assert charts_section([], [], "en") == "(Nothing to chart for this period.)\n"


def test_a_missing_browser_is_a_reason_not_an_error(tmp_path, small):
    paths, error = write_pngs(
        specs(charts.report_charts(small, None, "en")[:1]), tmp_path, browser_path=str(tmp_path / "no-such-chrome")
    )
    assert paths == [] and error and "Chrome" in error


def _has_browser() -> bool:
    try:
        from choreographer.browsers.chromium import Chromium

        return Chromium.find_browser(skip_local=False) is not None
    except Exception:
        return shutil.which("chromium") is not None or shutil.which("google-chrome") is not None


def _kaleidos_own(shown: list[dict], out) -> list[bytes]:
    """The PNGs as kaleido draws them on its own: its page reloaded after every figure, each at its size."""
    import asyncio

    import kaleido

    from repodigest.publish.pngs import png_name

    def spec(chart: dict) -> dict:
        layout = chart["figure"]["layout"]
        size = dict(width=int(layout.get("width") or 900), height=int(layout.get("height") or 500))
        return dict(fig=chart["figure"], path=out / png_name(chart["name"]), opts=dict(format="png", **size))

    async def draw():
        browser = kaleido.Kaleido(mathjax=False)
        await browser.open()
        try:
            return await browser.write_fig_from_object([spec(c) for c in shown])
        finally:
            await browser.close()

    out.mkdir(parents=True)
    assert asyncio.run(draw()) == ()
    return [(out / png_name(c["name"])).read_bytes() for c in shown]


@pytest.mark.skipif(not _has_browser(), reason="no Chrome/Chromium for kaleido (apt-get install chromium)")
def test_one_page_draws_every_chart_as_kaleido_alone_would_then_the_browser_closes(tmp_path, small):
    # A session started before the figures exist draws them all in one page (kaleido reloads its page
    # after every figure; here only after one that failed): each PNG byte for byte kaleido's own, at its
    # figure's size. Made for one batch, the browser then closes by itself.
    figures = charts.report_charts(small, None, "zh")
    shown = specs(figures, "zh")
    early = BrowserSession(once=True)
    fresh = _kaleidos_own(shown, tmp_path / "fresh")  # while the session's browser starts
    broken = {"name": "broken", "title": "broken", "figure": {"data": "not a list", "layout": {}}}
    try:
        paths, error = write_pngs([*shown[:2], broken, *shown[2:]], tmp_path / "out", session=early)
        browsers = _browsers()
        deadline = time.monotonic() + 15
        while any(_alive(pid) for pid in browsers) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert browsers and not any(_alive(pid) for pid in browsers)
    finally:
        early.close()
    assert error and error.startswith("1 of 6 chart images failed")
    assert [p.name for p in paths] == [f"chart-{n}.png" for n, _ in figures] and len(paths) >= 3
    assert all(p.read_bytes()[:8] == PNG for p in paths) and [p.read_bytes() for p in paths] == fresh
    height = int.from_bytes(paths[0].read_bytes()[20:24], "big")  # the PNG's IHDR
    assert height == figures[0][1].layout.height


def test_a_browser_that_cannot_start_early_is_reported_not_waited_for(tmp_path, small, monkeypatch):
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "no-such-chrome"))
    early = BrowserSession()
    try:
        paths, error = write_pngs(specs(charts.report_charts(small, None, "en")[:1]), tmp_path, session=early)
    finally:
        early.close()
    assert paths == [] and "Chrome" in error


def _browsers() -> list[int]:
    """The browser's processes: kaleido's wrapper of Chromium (a child of this process, in a session of its
    own) and every process of that session (Chromium and its helpers)."""
    stats = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmdline = (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue
        stats[int(stat.parent.name)] = (int(fields[1]), int(fields[3]), cmdline)  # ppid, session, command
    sessions = {pid for pid, (ppid, _, cmd) in stats.items() if ppid == os.getpid() and b"chrom" in cmd}
    return [pid for pid, (_, session, _) in stats.items() if session in sessions]


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has exited
    except FileNotFoundError:
        return False


@pytest.mark.parametrize("early", [False, True], ids=["own-session", "early-start"])
def test_a_browser_that_never_answers_costs_the_pngs_not_the_report(tmp_path, small, monkeypatch, early):
    # A "Chromium" that starts and then says nothing on the devtools pipe: how a hung browser looks to kaleido.
    pids = tmp_path / "pids"
    fake = tmp_path / "chromium"
    fake.write_text(f"#!/bin/sh\necho $$ >> {pids}\nexec sleep 600\n")
    fake.chmod(0o755)
    shown = specs(charts.report_charts(small, None, "en")[:1])
    if early:
        session = BrowserSession(timeout=2, path=str(fake))
        try:
            paths, error = write_pngs(shown, tmp_path / "out", session=session)
        finally:
            session.close()
    else:
        paths, error = write_pngs(shown, tmp_path / "out", browser_path=str(fake), timeout=2)
    assert paths == [] and "did not start within 2 s" in error
    started = [int(line) for line in pids.read_text().split()]
    deadline = time.monotonic() + 10  # a SIGKILL takes effect when the process is next scheduled
    while any(_alive(pid) for pid in started) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert started and not any(_alive(pid) for pid in started)  # killed, not left behind


def _bytes_waiting(fd: int) -> int:
    buf = array.array("i", [0])
    fcntl.ioctl(fd, termios.FIONREAD, buf)
    return buf[0]


@pytest.mark.parametrize(
    "after_last_message, logged", [(b"{bye}\n", False), (b"{not json}\n", True)], ids=["bye", "garbage"]
)
def test_the_browser_exiting_is_not_logged_as_an_error(caplog, after_last_message, logged):
    # How it happened in CI: Chromium's last message and the "{bye}" its wrapper prints on exit
    # arrive in one read; choreographer waits for the rest until kaleido closes the pipe, then
    # decodes what it has, and logged "{bye}" with a traceback on the user's terminal.
    import kaleido  # noqa: F401 - imports choreographer, whose loggers are logistro's class
    from choreographer.channels.pipe import Pipe

    quiet_browser_exit()
    pipe = Pipe()
    pipe.open()
    os.write(pipe.from_external_to_choreo, b'{"id": 7, "result": {}}\0' + after_last_message)
    read: list = []
    with caplog.at_level(logging.DEBUG, logger="choreographer"):
        reader = threading.Thread(target=lambda: read.append(pipe.read_jsons(blocking=True)[0]))
        reader.start()
        for _ in range(1000):  # until the reader holds the bytes and waits for more
            if not _bytes_waiting(pipe._read_from_browser):
                break
            time.sleep(0.01)
        pipe.close()
        reader.join(10)
    assert not reader.is_alive() and read == [[{"id": 7, "result": {}}]]
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == (["JSONError decoding message. Ignoring"] if logged else [])
