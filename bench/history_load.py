"""Long histories: repodigest's load and its hotspots + coupling + ownership over one and three years
of a real history, against raw ``git log`` and against gitfault, measured side by side in one run.

    python bench/history_load.py                # replay ../shared/data/ruff-2023-08-to-2026-07.jsonl.gz
    python bench/history_load.py --synthetic    # a seeded 16,000-commit history (no ../shared needed)
    python bench/history_load.py PATH           # any clone

The real history is 12,123 first-parent commits of astral-sh/ruff (2023-08 to 2026-07, GitHub's REST
shape), replayed into a git repository by ``corpus.from_jsonl`` (built once, about 3 min, and kept
in ``--replay``). For the last year and the whole three years, interleaved, best of ``--repeat``:

- **load**: ``explore.load_range`` (in a fresh process, timed from the call: no warm cache of an
  earlier run) against the raw ``git log`` that reads the same range with exactly the source's
  flags (``gitlog.log_args``); the source's read alone (git + parse + Commit records) beside them.
  Goal: load <= 1.3x raw git log.
- **hotspots + coupling + ownership**, each tool in its own process: repodigest is ``load_range``,
  then ``analytics.hotspots``, ``coupling`` and ``ownership`` over ``digest.file_frame``; gitfault is
  what its CLI's ``gitfault markdown -C REPO --since START --until END`` runs (its git read, default
  excludes and live line counts, then ``hotspots``, ``coupling`` and ``knowledge``), without the
  overview and the Markdown. Printed: end to end (from the repository: load + analyses), the
  analyses alone, the whole process (interpreter start and imports too), CPU (with git), the
  process's peak RSS (``VmHWM``; the ``git log`` each side runs is apart, alike for both) and the
  analyses' own rise above what the loaded history holds (``VmHWM`` reset before them).
  Goal: repodigest's wall time and peak memory <= gitfault's.

Then where load_range's time goes: a cProfile top-20 by cumulative time of one 3-year load.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import math
import os
import pstats
import resource
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from corpus import from_jsonl, synthetic  # noqa: E402
from repodigest.explore import load_range  # noqa: E402
from repodigest.sources.gitlog import log_args  # noqa: E402
from repodigest.sources.local_git import LocalGitSource, repository_root  # noqa: E402
from repodigest.window import Window, resolve_tz  # noqa: E402

DATA = BENCH.parent.parent / "shared" / "data" / "ruff-2023-08-to-2026-07.jsonl.gz"
REPLAY_STAMP = "repodigest-replay-v1"  # bump when corpus.from_jsonl writes a different history
SYNTHETIC_COMMITS, SYNTHETIC_PER_DAY = 16_000, 14
SYNTHETIC_START = "2022-10-01T09:00:00+08:00"  # 3.1 years at 14 a day, ending before today
RANGES = {"1 y": 365, "3 y": 365 * 3 + 1}


# ---------------------------------------------------------------- the corpus ---


def replay(data: Path, target: Path) -> Path:
    """The replay of ``data`` in ``target``, built unless a complete one of the same data is there."""
    stamp = f"{REPLAY_STAMP} {data.name} {data.stat().st_size}"
    marker = target / ".git" / "repodigest-replay"
    if marker.exists() and marker.read_text() == stamp:
        return target
    if target.exists():
        subprocess.run(["rm", "-rf", str(target)], check=True)
    started = time.perf_counter()
    print(f"replaying {data.name} into {target} (once) ...", flush=True)
    from_jsonl(data, target)
    marker.write_text(stamp)
    print(f"built in {time.perf_counter() - started:.0f} s", flush=True)
    return target


# ------------------------------------------------------------- the two sides ---


def run_child(kind: str, path: Path, window: Window) -> dict:
    """One side (``history_sides.py``) in a fresh interpreter: its figures, with the wall time of the whole
    process and its CPU (with its git)."""
    started = time.perf_counter()
    since, until = window.start.isoformat(), (window.end - timedelta(seconds=1)).isoformat()
    proc = subprocess.Popen(
        [
            sys.executable,
            str(BENCH / "history_sides.py"),
            kind,
            str(path),
            window.first_day.isoformat(),
            window.last_day.isoformat(),
            window.tz.key,
            since,
            until,
        ],
        stdout=subprocess.PIPE,
    )
    out = proc.stdout.read()
    proc.stdout.close()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(
            f"the {kind} side failed (exit {proc.returncode}); gitfault comes with pip install -e '.[bench]'"
        )
    result = json.loads(out.decode().strip().splitlines()[-1])
    # ru_maxrss is left aside: a forked child's counts this process's RSS at the fork.
    result.update(process=time.perf_counter() - started, cpu=usage.ru_utime + usage.ru_stime)
    return result


# ------------------------------------------------------------- in this process ---


def _cpu_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _cpu_all() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime + _cpu_children()


def raw_git(path: Path, window: Window) -> tuple[float, float, int]:
    """The raw ``git log`` of the range with the source's flags: wall, CPU, records."""
    start, cpu = time.perf_counter(), _cpu_children()
    out = subprocess.run(
        ["git", "-C", str(path), *log_args("HEAD", since=window.start, until=window.end - timedelta(seconds=1))],
        capture_output=True,
        check=True,
    ).stdout
    return time.perf_counter() - start, _cpu_children() - cpu, out.count(b"\x1eREPODIGEST")


def source_read(path: Path, window: Window) -> tuple[float, float, int]:
    """The local git source's read of the range (git + parse + Commit records): wall, CPU, commits."""
    start, cpu = time.perf_counter(), _cpu_all()
    count = len(LocalGitSource(path).commits(window))
    return time.perf_counter() - start, _cpu_all() - cpu, count


def profile_load(path: Path, window: Window, top: int = 20) -> str:
    """cProfile's top ``top`` functions by cumulative time of one load_range over ``window``."""
    # A one-day load first imports what a first call imports, so that the profile shows the load alone.
    load_range(window.last_day, window.last_day, repos=[str(path)], tz=window.tz.key, progress=False)
    profiler = cProfile.Profile()
    profiler.enable()
    load_range(window.first_day, window.last_day, repos=[str(path)], tz=window.tz.key, progress=False)
    profiler.disable()
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).strip_dirs().sort_stats("cumulative").print_stats(top)
    lines = text.getvalue().splitlines()
    head = next(i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls"))
    return "\n".join(lines[head:])


# ---------------------------------------------------------------------- main ---


def _best(runs: list[dict], key: str) -> float:
    values = [r[key] for r in runs if r.get(key) is not None]
    return min(values) if values else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("clone", nargs="?", help="an existing clone to read instead of the replay")
    parser.add_argument("--synthetic", action="store_true", help="a seeded synthetic history instead of the replay")
    parser.add_argument("--data", type=Path, default=DATA, help="the JSONL(.gz) of GitHub REST commits to replay")
    parser.add_argument(
        "--replay",
        type=Path,
        default=Path(tempfile.gettempdir()) / "repodigest-bench-ruff-replay",
        help="where the replay is built and kept for the next run",
    )
    parser.add_argument("--tz", default=None, help="the ranges' time zone (UTC for the replay, GitHub's dates)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measurement, the best kept")
    parser.add_argument("--no-profile", action="store_true", help="leave out the cProfile of one 3-year load")
    args = parser.parse_args()

    if args.clone:
        path, tz = repository_root(args.clone), args.tz or "UTC"
    elif args.synthetic:
        target = Path(tempfile.mkdtemp(prefix="repodigest-bench-")) / "repo"
        started = time.perf_counter()
        path, tz = (
            synthetic(SYNTHETIC_COMMITS, target, per_day=SYNTHETIC_PER_DAY, start=SYNTHETIC_START),
            args.tz or "Asia/Shanghai",
        )
        print(f"built {SYNTHETIC_COMMITS:,} synthetic commits in {time.perf_counter() - started:.0f} s")
    else:
        if not args.data.exists():
            sys.exit(f"{args.data} is missing: run with --synthetic, or give --data or a clone")
        path, tz = replay(args.data, args.replay), args.tz or "UTC"
    os.environ.setdefault("REPODIGEST_CACHE_DIR", tempfile.mkdtemp(prefix="repodigest-bench-cache-"))
    os.environ.pop("OPENAI_API_KEY", None)
    zone = resolve_tz(tz)
    last = LocalGitSource(path).latest_commit_time().astimezone(zone).date()
    windows = {name: Window(last, days, zone) for name, days in RANGES.items()}
    print(f"corpus: {path}, ranges ending {last} ({tz}), best of {args.repeat}, interleaved\n", flush=True)

    results = {}
    for name, window in windows.items():
        runs: dict[str, list] = {"raw": [], "source": [], "repodigest": [], "gitfault": []}
        for _ in range(args.repeat):  # interleaved: a busy moment of the machine hits every side alike
            runs["raw"].append(raw_git(path, window))
            runs["source"].append(source_read(path, window))
            runs["repodigest"].append(run_child("repodigest", path, window))
            runs["gitfault"].append(run_child("gitfault", path, window))
        results[name] = runs
        ours, theirs = runs["repodigest"][-1], runs["gitfault"][-1]
        print(
            f"  {name}: {ours['commits']:,} commits, {ours['file_changes']:,} file changes (gitfault reads "
            f"{theirs['commits']:,} and {theirs['file_changes']:,} after its default excludes); answers: "
            f"repodigest {ours['answers']}, gitfault {theirs['answers']} (hotspots, coupled pairs, owned files)",
            flush=True,
        )

    print("\nload: load_range vs raw git log of the same range (wall / CPU s; goal load/raw <= 1.30)")
    print(
        f"{'range':>5} | {'commits':>7} | {'raw git log':>15} | {'source read':>15} | {'load_range':>15} | "
        f"{'source/raw':>10} | {'load/raw':>8}"
    )
    print("-" * 95)
    for name, runs in results.items():
        raw = min(r[0] for r in runs["raw"]), min(r[1] for r in runs["raw"])
        src = min(r[0] for r in runs["source"]), min(r[1] for r in runs["source"])
        load = _best(runs["repodigest"], "load"), _best(runs["repodigest"], "load_cpu")
        commits = runs["repodigest"][-1]["commits"]
        assert runs["raw"][-1][2] >= runs["source"][-1][2] == commits, (runs["raw"][-1], runs["source"][-1], commits)
        print(
            f"{name:>5} | {commits:>7,} | {raw[0]:>6.2f} / {raw[1]:>6.2f} | {src[0]:>6.2f} / {src[1]:>6.2f} | "
            f"{load[0]:>6.2f} / {load[1]:>6.2f} | {src[0] / raw[0]:>10.2f} | {load[0] / raw[0]:>8.2f}"
        )

    print("\nhotspots + coupling + ownership, each tool in its own process (goal: repodigest/gitfault <= 1.00)")
    print(
        f"{'range':>5} | {'tool':>10} | {'end to end s':>12} | {'analyses s':>10} | {'process s':>9} | "
        f"{'CPU s':>7} | {'peak RSS MB':>11} | {'analyses rise MB':>16}"
    )
    print("-" * 104)
    for name, runs in results.items():
        best = {}
        for tool in ("repodigest", "gitfault"):
            own, rise = _best(runs[tool], "own_peak_kb") / 1024, max(0.0, _best(runs[tool], "analyses_rise_kb") / 1024)
            best[tool] = [_best(runs[tool], k) for k in ("e2e", "analyses", "process", "cpu")] + [own, rise]
            e2e, ana, process, cpu, own, rise = best[tool]
            print(
                f"{name:>5} | {tool:>10} | {e2e:>12.2f} | {ana:>10.2f} | {process:>9.2f} | {cpu:>7.1f} | "
                f"{own:>11.0f} | {rise:>16.0f}"
            )
        # A rise under 1 MB is no base for a ratio.
        ratio = [
            a / b if b and (k < 5 or b >= 1) else float("nan")
            for k, (a, b) in enumerate(zip(best["repodigest"], best["gitfault"]))
        ]
        cells = ["-" if math.isnan(r) else f"{r:.2f}x" for r in ratio]
        print(
            f"{name:>5} | {'ratio':>10} | {cells[0]:>12} | {cells[1]:>10} | {cells[2]:>9} | {cells[3]:>7} | "
            f"{cells[4]:>11} | {cells[5]:>16}"
        )

    if not args.no_profile:
        print("\nwhere load_range's time goes (3 y, one run under cProfile, top 20 by cumulative time):", flush=True)
        print(profile_load(path, windows["3 y"]))


if __name__ == "__main__":
    main()
