"""The whole ``repodigest report`` (rules only) on real days, against the framework floor, in one paired run;
then where its time goes.

    python bench/report_e2e.py [--clone PATH] [--date YYYY-MM-DD] [--rounds K] [--no-images] [--no-breakdown]
                               [--compare OTHER_CHECKOUT/lib]

Each round measures, in turn (each ratio against the floor of its own round):

- **floor**: the ``papermill`` CLI on an empty parameterised notebook, then two ``jupyter nbconvert
  --no-input`` CLI exports of it (HTML and Markdown), in the same environment;
- **real day**: ``repodigest report --repo CLONE --date DAY --tz UTC`` on pytest's real clone
  (``../shared/data/pytest-since-2021.git.tar.gz``, unpacked to a temporary folder; or ``--clone``), DAY
  its busiest day of the clone's last year (or ``--date``); **cold** (an empty cache and outputs folder)
  then **warm** (the same again: the cache filled, the day's report and the site in place);
- **default**: ``repodigest report`` with no option but ``--out-dir``, run in this checkout (its own
  latest day, the machine's zone and language), cold then warm.

Each run prints its wall time and CPU (all its processes: kernel, browser, git), their ratios, peak memory (the largest process: the kernel) and its split, read
from the executed notebook's cell times: until the kernel runs the first cell (command start, kernel
start, papermill), the notebook's call (the library's imports, begun as the kernel starts, and the
pipeline), the display (charts and Markdown), and after the last cell (papermill's end, publishing: HTML, PNGs, Markdown; the site; exit).

``--compare LIB`` runs every case a second time, in turn, with the library of another checkout (its
``lib/`` folder first on ``PYTHONPATH``, the kernel's too): before and after a change, in one paired run.
``--no-images`` sets ``REPODIGEST_CHART_IMAGES=0`` (no browser). The breakdown that follows measures
the parts one by one in fresh processes: a kernel's start, the imports, each pipeline stage cold and warm
(``repodigest.pipeline``'s stage functions, timed around each call), the report's outputs, and, on the
warm run's executed notebook, nbconvert's exporters, the HTML and Markdown exports, the browser's start
and the PNGs, and the site rebuilt after one report changed and from nothing.

The library's bytecode is compiled first when ``PYTHONDONTWRITEBYTECODE`` is set (an installed package has it).
"""

from __future__ import annotations

import argparse
import compileall
import inspect
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path

from clones import unpack

BENCH = Path(__file__).resolve().parent
CHECKOUT = BENCH.parent
BIN = Path(sys.executable).parent
# Runs a command; prints its exit code, the peak RSS (KiB) of its largest descendant (the kernel), and the
# CPU seconds of all its descendants (kernel, browser, git): on a shared machine CPU moves less than wall time.
_PEAK = (
    "import resource, subprocess, sys; r = subprocess.run(sys.argv[1:], capture_output=True); "
    "sys.stderr.write(r.stderr.decode(errors='replace')[-3000:]); u = resource.getrusage(resource.RUSAGE_CHILDREN); "
    "print(r.returncode, u.ru_maxrss, u.ru_utime + u.ru_stime)"
)


def measure(*cmd: str, cwd: Path, env: dict | None = None) -> dict:
    """Wall time and CPU (s), peak RSS (MB), the command's stderr, and its start and end (epoch seconds)."""
    began, start = time.time(), time.perf_counter()
    out = subprocess.run([sys.executable, "-c", _PEAK, *cmd], cwd=cwd, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - start
    code, peak_kib, cpu = out.stdout.split()
    if code != "0":
        raise SystemExit(f"{' '.join(cmd)} failed ({code}): {out.stderr}")
    return {
        "wall": wall,
        "cpu": float(cpu),
        "peak": int(peak_kib) / 1024,
        "stderr": out.stderr,
        "began": began,
        "ended": began + wall,
    }


def floor(work: Path, env: dict) -> dict:
    cell = {"cell_type": "code", "execution_count": None, "id": "p", "metadata": {"tags": ["parameters"]}}
    nb = {
        "cells": [{**cell, "outputs": [], "source": "date = None"}],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (work / "empty.ipynb").write_text(json.dumps(nb))
    runs = [
        measure(
            str(BIN / "papermill"),
            "empty.ipynb",
            "out.ipynb",
            "-p",
            "date",
            "2026-02-16",
            "--no-progress-bar",
            cwd=work,
            env=env,
        ),
        measure(str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", "out.ipynb", cwd=work, env=env),
        measure(str(BIN / "jupyter"), "nbconvert", "--to", "markdown", "--no-input", "out.ipynb", cwd=work, env=env),
    ]
    return {key: sum(r[key] for r in runs) for key in ("wall", "cpu")} | {"peak": max(r["peak"] for r in runs)}


def busiest_day(clone: Path) -> tuple[str, int]:
    """The day (UTC) with the most first-parent commits in the clone's last year, the latest of equals."""
    days = subprocess.run(
        ["git", "-C", str(clone), "log", "--first-parent", "--format=%cd", "--date=format-local:%Y-%m-%d"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "TZ": "UTC"},
    ).stdout.split()
    since = (date.fromisoformat(days[0]) - timedelta(days=365)).isoformat()
    counts = Counter(d for d in days if d > since)
    day = max(counts, key=lambda d: (counts[d], d))
    return day, counts[day]


def _utc(stamp: str) -> float:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def split(report_folder: Path, run: dict) -> dict:
    """The run's time by part, from the executed notebook's cell times (jupyter's execution metadata)."""
    nb = json.loads((report_folder / "report.ipynb").read_text(encoding="utf-8"))
    cells = [c for c in nb["cells"] if c["cell_type"] == "code" and c["metadata"].get("execution")]
    spans = [
        (
            _utc(c["metadata"]["execution"]["iopub.status.busy"]),
            _utc(c["metadata"]["execution"]["shell.execute_reply"]),
            "".join(c["source"]),
        )
        for c in cells
    ]

    def part(word: str) -> float:
        return sum(end - start for start, end, source in spans if word in source)

    return {
        "first cell": spans[0][0] - run["began"],
        "pipeline": part("daily_report("),
        "display": part("display(report)"),
        "after": run["ended"] - spans[-1][1],
    }


def report_case(args: list[str], cwd: Path, out: Path, cache: Path, env: dict) -> dict:
    run = measure(
        str(BIN / "repodigest"),
        "report",
        *args,
        "--out-dir",
        str(out),
        cwd=cwd,
        env={**env, "REPODIGEST_CACHE_DIR": str(cache)},
    )
    folder = Path(run["stderr"].split("report written", 1)[0].strip().splitlines()[-1]).parent
    status = json.loads((folder / "status.json").read_text())
    return {
        **run,
        "folder": folder,
        "split": split(folder, run),
        "commits": status["commits"],
        "day": status["days"][-1],
    }


def show(name: str, run: dict, base: dict) -> None:
    parts = "  ".join(f"{k} {v:4.2f}" for k, v in run.get("split", {}).items())
    print(
        f"{name:<14} {run['wall']:6.2f}s {run['wall'] / base['wall']:6.2f}x {run['cpu']:6.2f}s "
        f"{run['cpu'] / base['cpu']:5.2f}x {run['peak']:6.0f} MB   {parts}"
    )


# --- the breakdown, each part in a child process (this script run with --child) ------------------------


def child_stages(clone: str, day: str, cache: str, data: str) -> dict:
    """Import time, then each pipeline stage of one daily_report call (nested calls indented), then outputs."""
    os.environ["REPODIGEST_CACHE_DIR"] = cache
    wall, cpu = time.perf_counter(), time.process_time()
    import repodigest.daily as daily
    from repodigest import evidence, pipeline

    found = {"imports": (time.perf_counter() - wall, time.process_time() - cpu)}
    calls: list[list] = []
    depth = [0]

    def timed(module, name):
        function = getattr(module, name)

        def wrapper(*a, **k):
            row = [depth[0], name, 0.0, 0.0]
            calls.append(row)
            depth[0] += 1
            started, cpu0 = time.perf_counter(), time.process_time()
            try:
                return function(*a, **k)
            finally:
                depth[0] -= 1
                row[2:] = [time.perf_counter() - started, time.process_time() - cpu0]

        setattr(module, name, wrapper)

    for name, value in vars(pipeline).items():
        if inspect.isfunction(value) and value.__module__ == pipeline.__name__ and not name.startswith("_"):
            if name != "build_digest":
                timed(pipeline, name)
    for name in ("label_outcomes", "blamed_commits"):
        timed(evidence, name)
    wall, cpu = time.perf_counter(), time.process_time()
    report = daily.daily_report(date=day, repos=[clone], tz="UTC", lang="en", progress=False, data_dir=data)
    found["daily_report"] = (time.perf_counter() - wall, time.process_time() - cpu)
    wall, cpu = time.perf_counter(), time.process_time()
    report.outputs()
    found["outputs (charts, Markdown)"] = (time.perf_counter() - wall, time.process_time() - cpu)
    return {"totals": found, "stages": calls}


def child_publish(executed: str, work: str, images: bool) -> dict:
    """nbconvert's exporters, the exports, the browser and the PNGs, on an executed report notebook."""
    import nbformat

    from repodigest.publish.export import Exporters, report_view
    from repodigest.publish.glue import read_outputs

    found = {}
    started = time.perf_counter()
    exporters = Exporters()
    exporters.get("html"), exporters.get("markdown")
    found["nbconvert imported, exporters ready"] = time.perf_counter() - started
    node = nbformat.read(executed, as_version=4)
    started = time.perf_counter()
    exporters.get("html").from_notebook_node(report_view(node))
    found["HTML export"] = time.perf_counter() - started
    started = time.perf_counter()
    exporters.get("markdown").from_notebook_node(report_view(node, drop=("text/html",)))
    found["Markdown export"] = time.perf_counter() - started
    charts = read_outputs(node).charts or {}
    if images and charts.get("charts"):
        from repodigest.publish.browser import BrowserSession
        from repodigest.publish.pngs import write_pngs

        started = time.perf_counter()
        session = BrowserSession()
        session.write([])  # waits for the browser to open
        found["browser start (overlaps the kernel)"] = time.perf_counter() - started
        started = time.perf_counter()
        _, error = write_pngs(charts["charts"], Path(work) / "pngs", session=session)
        found[f"PNGs ({len(charts['charts'])} charts, one page)"] = time.perf_counter() - started
        started = time.perf_counter()
        session.close()
        found["browser close"] = time.perf_counter() - started
        if error:
            found["PNG error: " + error[:80]] = 0.0
    return found


def child_site(outputs: str) -> dict:
    import papermill  # noqa: F401 - loaded in the command when the site is built (pyarrow with it)

    from repodigest.publish.site_build import build_site

    root, found = Path(outputs), {}
    newest = max((p for p in root.iterdir() if (p / "report.html").is_file()), key=lambda p: p.name)
    (newest / "status.json").touch()
    started = time.perf_counter()
    build_site(root)
    found["site: one report changed"] = time.perf_counter() - started
    shutil.rmtree(root / "assets", ignore_errors=True)
    started = time.perf_counter()
    build_site(root)
    found["site: from nothing"] = time.perf_counter() - started
    return found


def child_kernel() -> dict:
    from jupyter_client.manager import start_new_kernel

    started = time.perf_counter()
    manager, client = start_new_kernel(kernel_name="python3", extra_arguments=["--HistoryManager.hist_file=:memory:"])
    ready = time.perf_counter() - started
    client.stop_channels()
    started = time.perf_counter()
    manager.shutdown_kernel()
    return {"kernel start (until it answers)": ready, "kernel shutdown": time.perf_counter() - started}


def in_child(kind: str, *values: str, env: dict) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, *values], capture_output=True, text=True, env=env, check=False
    )
    if out.returncode:
        raise SystemExit(f"breakdown {kind} failed: {out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def breakdown(clone: Path, day: str, warm_run: dict, work: Path, env: dict, images: bool) -> None:
    print("\nwhere the time goes (each part alone, in a fresh process):")
    for name, seconds in in_child("kernel", env=env).items():
        print(f"  {name:<40} {seconds:6.2f}s")
    for label, cache in (("cold", work / "cache-breakdown"), ("warm", work / "cache-breakdown")):
        found = in_child("stages", str(clone), day, str(cache), str(work / f"data-{label}"), env=env)
        print(f"  pipeline, {label} cache (wall / CPU of this process; git's own CPU apart):")
        for name, (wall, cpu) in found["totals"].items():
            print(f"    {name:<38} {wall:6.2f}s {cpu:6.2f}s")
            if name == "daily_report":
                for depth, stage, wall_s, cpu_s in found["stages"]:
                    print(f"    {'  ' * (depth + 1)}{stage:<{36 - 2 * depth}} {wall_s:6.2f}s {cpu_s:6.2f}s")
    for name, seconds in in_child(
        "publish", str(warm_run["folder"] / "report.ipynb"), str(work), "1" if images else "0", env=env
    ).items():
        print(f"  {name:<40} {seconds:6.2f}s")
    for name, seconds in in_child("site", str(warm_run["folder"].parent), env=env).items():
        print(f"  {name:<40} {seconds:6.2f}s")


def main() -> None:
    parser = argparse.ArgumentParser(description="The daily report against the framework floor, in one run.")
    parser.add_argument("--clone", help="a clone to report on (default: pytest's, unpacked from ../shared/data)")
    parser.add_argument("--date", help="the real day (default: the clone's busiest day of its last year, UTC)")
    parser.add_argument("--rounds", type=int, default=1, help="measure every case this many times, in turn")
    parser.add_argument("--no-images", action="store_true", help="no chart PNGs (REPODIGEST_CHART_IMAGES=0)")
    parser.add_argument("--no-breakdown", action="store_true", help="only the paired runs")
    parser.add_argument("--no-default", action="store_true", help="leave out the checkout's own latest day")
    parser.add_argument(
        "--compare", metavar="LIB", help="also run each case with the library in LIB (another checkout's lib/), in turn"
    )
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, *values = args.child
        run = {
            "stages": child_stages,
            "publish": lambda e, w, i: child_publish(e, w, i == "1"),
            "site": child_site,
            "kernel": child_kernel,
        }[kind]
        print(json.dumps(run(*values)))
        return
    work = Path(tempfile.mkdtemp(prefix="repodigest-e2e-"))
    env = {**os.environ, "REPODIGEST_CHART_IMAGES": "0" if args.no_images else "1"}
    variants = {"": env}
    if args.compare:
        variants["base"] = {**env, "PYTHONPATH": str(Path(args.compare).resolve())}
    if sys.flags.dont_write_bytecode:  # an installed package has its bytecode; each process would compile it
        import repodigest

        compileall.compile_dir(repodigest.__path__[0], quiet=1)
        if args.compare:
            compileall.compile_dir(str(Path(args.compare) / "repodigest"), quiet=1)
    clone = Path(args.clone) if args.clone else unpack("pytest")
    day, count = (args.date, None) if args.date else busiest_day(clone)
    load = os.getloadavg()[0]
    print(
        f"real day: {clone.name} {day} (UTC){f', {count} first-parent commits' if count else ''}; "
        f"load average at start {load:.2f} on {os.cpu_count()} cores"
    )
    cases = {"real": ["--repo", str(clone), "--date", day, "--tz", "UTC"]}
    if not args.no_default:
        cases["default"] = []
    ratios: dict[str, list[float]] = {}
    warm_real = None
    for round_ in range(args.rounds):
        base = floor(work, env)
        round_name = f"round {round_ + 1}, " if args.rounds > 1 else ""
        print(f"\n{round_name}load average {os.getloadavg()[0]:.2f}; floor: papermill CLI + 2 nbconvert CLI exports")
        print(f"{'case':<18} {'wall':>7} {'x floor':>7} {'CPU':>7} {'x floor':>6} {'peak':>9}   split (s)")
        show("floor", base, base)
        for case, options in cases.items():
            for variant, variant_env in variants.items():
                tag = f"-{variant}" if variant else ""
                out, cache = work / f"out-{case}{tag}-{round_}", work / f"cache-{case}{tag}-{round_}"
                for state in ("cold", "warm"):
                    run = report_case(options, CHECKOUT, out, cache, variant_env)
                    name = f"{case} {state}{' ' + variant if variant else ''}"
                    ratios.setdefault(name, []).append(run["wall"] / base["wall"])
                    show(name, run, base)
                    if case == "real" and state == "warm" and not variant:
                        warm_real = run
        print(f"(real: {warm_real['day']}, {warm_real['commits']} commits in the report)")
    if args.rounds > 1:
        for name, values in ratios.items():
            r = sorted(values)
            print(f"{name}: x floor over {len(r)} rounds: min {r[0]:.2f}, median {r[len(r) // 2]:.2f}, max {r[-1]:.2f}")
    print("goal: every case at most 1.0x the floor")
    if not args.no_breakdown and warm_real is not None:
        breakdown(clone, day, warm_real, work, env, not args.no_images)


if __name__ == "__main__":
    main()
