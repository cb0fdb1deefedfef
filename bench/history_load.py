"""Long histories on real clones: repodigest's load against raw ``git log``, and its hotspots + coupling +
ownership against gitfault, over the last year and over the whole clone, measured side by side in one run.

    python bench/history_load.py                  # the pytest and pydantic clones (../shared/data, unpacked to /tmp)
    python bench/history_load.py PATH [PATH ...]  # any clones
    python bench/history_load.py --replay         # and ruff's real metadata replayed into a repository, for scale

The clones are real histories (contents, merges, renames): pytest lands pull requests with merge commits
(the source reads each merge's landed commits too), pydantic squashes them (and once brought in
pydantic-core's history with ``git subtree add``: one change, landing nothing). For each range (the last
365 days, and every day the clone holds), interleaved, best of ``--repeat``:

- **raw git log**: ``git log --first-parent --raw --numstat -M`` of the range's first-parent commits,
  with the source's own output flags (``gitlog.range_args`` plus ``--first-parent``): issue 29's floor;
- **raw git log, same commits**: the same without ``--first-parent`` (``gitlog.range_args`` as it is): every
  commit of the range, the line and what its merges landed, which the source reads too (a merge is
  credited to the authors of what it landed): the floor of the same work where merges land branches;
- **source read**: ``LocalGitSource.commits`` of the range (git, parsing, Commit records), with one
  reader (one ``git log``) and with one per core (the range cut along the line, ``readers``);
- **load_range**: ``explore.load_range`` in a fresh process, timed from the call (what it imports on
  the way counts; it also reads the 90 days before the range, for their paths only, which the raw sides
  do not); goal load / raw <= 1.30 (stretch 1.0), printed against both floors;
- **hotspots + coupling + ownership**, each tool in its own process on the same work tree: repodigest is
  ``load_range`` then ``analytics.hotspots``, ``coupling`` and ``ownership`` of ``digest.file_frame``;
  gitfault is what ``gitfault markdown -C REPO --since START --until END`` computes (its git read,
  default excludes, live line counts, then ``hotspots``, ``coupling`` and ``knowledge``), without the
  Markdown (``history_sides.py``). Printed: end to end (load + analyses), the analyses alone, the whole
  process (interpreter start and imports too), CPU (with git), the process's peak RSS (``VmHWM``; the
  ``git log`` each runs is apart) and the analyses' rise above what the loaded history holds. Goal:
  repodigest's wall time and peak memory <= gitfault's.

The load average is printed with each clone's figures: on a shared machine, read the ratios (both
sides of each are measured in turn) and repeat when it is high.
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
from datetime import datetime, timedelta
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from clones import DATA, unpack, work_tree  # noqa: E402
from repodigest.explore import load_range  # noqa: E402
from repodigest.sources.git_process import run_git  # noqa: E402
from repodigest.sources.gitlog import range_args  # noqa: E402
from repodigest.sources.local_git import LocalGitSource, usable_cores  # noqa: E402
from repodigest.window import Window, resolve_tz  # noqa: E402

RUFF = DATA / "ruff-2023-08-to-2026-07.jsonl.gz"
REPLAY_STAMP = "repodigest-replay-v1"  # bump when corpus.from_jsonl writes a different history


def replay(data: Path, target: Path) -> Path:
    """The replay of ``data`` in ``target``, built unless a complete one of the same data is there."""
    from corpus import from_jsonl

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


# ------------------------------------------------------------- the ranges ---


def ranges(path: Path, zone) -> dict[str, Window]:
    """The last 365 days, and every day of the first-parent line (calendar days in ``zone``)."""
    stamps = [int(s) for s in run_git(path, "log", "--first-parent", "--format=%ct", "HEAD", "--").split()]
    last_day = datetime.fromtimestamp(max(stamps), zone).date()
    first_day = datetime.fromtimestamp(min(stamps), zone).date()
    return {"1 y": Window(last_day, 365, zone), "all": Window(last_day, (last_day - first_day).days + 1, zone)}


def line_range(path: Path, window: Window) -> tuple[str, tuple[str, ...], int]:
    """The range the source reads for ``window``: its newest first-parent commit, the first parent of its
    oldest (none past a shallow clone's boundary), and how many first-parent commits it holds."""
    rows = run_git(path, "rev-list", "--first-parent", "--timestamp", "--parents", "HEAD", "--").decode().splitlines()
    start, end = window.start.timestamp(), window.end.timestamp()
    inside = [row.split() for row in rows if start <= int(row.split()[0]) < end]
    parent = inside[-1][2:3]
    here = (
        parent and subprocess.run(["git", "-C", str(path), "cat-file", "-e", f"{parent[0]}^{{commit}}"]).returncode == 0
    )
    return inside[0][1], tuple(parent) if here else (), len(inside)


# ------------------------------------------------------------- the sides ---


def _cpu_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _cpu_all() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime + _cpu_children()


def raw_git(path: Path, tip: str, exclude: tuple[str, ...], first_parent: bool = True) -> dict:
    """The raw ``git log`` of the range with the source's output flags: wall, CPU, records. ``first_parent``:
    the first-parent line only (issue 29's floor); else every commit of the range, the line and what its merges
    landed (the commits the source reads)."""
    args = range_args(tip, exclude)
    if first_parent:
        args.insert(args.index("log") + 1, "--first-parent")
    start, cpu = time.perf_counter(), _cpu_children()
    out = subprocess.run(["git", "-C", str(path), *args], capture_output=True, check=True).stdout
    return {"wall": time.perf_counter() - start, "cpu": _cpu_children() - cpu, "records": out.count(b"\x1eREPODIGEST")}


def source_read(path: Path, window: Window, readers: int) -> dict:
    """``LocalGitSource.commits`` of the window (git + parsing + Commit records): wall, CPU, rows, commits read."""
    source = LocalGitSource(path, readers=readers)
    start, cpu = time.perf_counter(), _cpu_all()
    commits = source.commits(window)
    return {
        "wall": time.perf_counter() - start,
        "cpu": _cpu_all() - cpu,
        "rows": len(commits),
        "read": sum(1 + len(c.merged) for c in commits),
    }


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
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"the {kind} side failed; gitfault comes with pip install -e '.[bench]'")
    result = json.loads(out.decode().strip().splitlines()[-1])
    # ru_maxrss is left aside: a forked child's counts this process's RSS at the fork.
    result.update(process=time.perf_counter() - started, cpu=usage.ru_utime + usage.ru_stime)
    return result


def profile_load(path: Path, window: Window, top: int = 25) -> str:
    """cProfile's top ``top`` functions by cumulative time of one load_range over ``window`` (its overhead
    weighs on the many small calls: read shares, not seconds)."""
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


def _load() -> str:
    return "load average " + " ".join(f"{v:.1f}" for v in os.getloadavg())


def measure(path: Path, zone, repeat: int) -> dict:
    """Every side of every range of one clone, interleaved ``repeat`` times."""
    results = {}
    for name, window in ranges(path, zone).items():
        tip, exclude, line = line_range(path, window)
        runs: dict[str, list] = {"raw": [], "same": [], "one": [], "cores": [], "repodigest": [], "gitfault": []}
        for _ in range(repeat):  # interleaved: a busy moment of the machine hits every side alike
            runs["raw"].append(raw_git(path, tip, exclude))
            runs["same"].append(raw_git(path, tip, exclude, first_parent=False))
            runs["one"].append(source_read(path, window, readers=1))
            runs["cores"].append(source_read(path, window, readers=usable_cores()))
            runs["repodigest"].append(run_child("repodigest", path, window))
            runs["gitfault"].append(run_child("gitfault", path, window))
        assert runs["raw"][-1]["records"] == line == runs["one"][-1]["rows"] == runs["cores"][-1]["rows"], (
            runs["raw"][-1],
            line,
            runs["one"][-1],
        )
        assert runs["repodigest"][-1]["commits"] == line
        assert runs["same"][-1]["records"] >= runs["one"][-1]["read"], (runs["same"][-1], runs["one"][-1])
        results[name] = (window, runs)
    return results


def print_load(label: str, results: dict) -> None:
    cores = usable_cores()
    print(f"\n{label}: load, wall / CPU s (CPU with git's; goal load_range / raw <= 1.30, stretch 1.0)")
    print(
        f"{'range':>5} | {'line':>5} | {'read':>5} | {'raw, line':>13} | {'raw, same':>13} | {'source, 1 git':>13} | "
        f"{f'source, {cores} git':>13} | {'load_range':>13} | {'source/raw':>10} | {'load/raw':>8} | {'load/same':>9}"
    )
    print("-" * 142)
    for name, (_, runs) in results.items():
        raw = _best(runs["raw"], "wall"), _best(runs["raw"], "cpu")
        same = _best(runs["same"], "wall"), _best(runs["same"], "cpu")
        one = _best(runs["one"], "wall"), _best(runs["one"], "cpu")
        many = _best(runs["cores"], "wall"), _best(runs["cores"], "cpu")
        load = _best(runs["repodigest"], "load"), _best(runs["repodigest"], "load_cpu")
        print(
            f"{name:>5} | {runs['one'][-1]['rows']:>5,} | {runs['one'][-1]['read']:>5,} | "
            f"{raw[0]:>5.2f} / {raw[1]:>5.2f} | {same[0]:>5.2f} / {same[1]:>5.2f} | {one[0]:>5.2f} / {one[1]:>5.2f} | "
            f"{many[0]:>5.2f} / {many[1]:>5.2f} | {load[0]:>5.2f} / {load[1]:>5.2f} | {many[0] / raw[0]:>10.2f} | "
            f"{load[0] / raw[0]:>8.2f} | {load[0] / same[0]:>9.2f}"
        )
    print(
        "(line: first-parent commits, the rows; read: those and what their merges landed; raw, line: git log "
        "--first-parent; raw, same: git log of every commit of the range, one process)"
    )


def print_analyses(label: str, results: dict) -> None:
    print(
        f"\n{label}: hotspots + coupling + ownership, each tool in its own process (goal: repodigest/gitfault <= 1.00)"
    )
    print(
        f"{'range':>5} | {'tool':>10} | {'end to end s':>12} | {'analyses s':>10} | {'process s':>9} | "
        f"{'CPU s':>7} | {'peak RSS MB':>11} | {'analyses rise MB':>16}"
    )
    print("-" * 104)
    for name, (_, runs) in results.items():
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
        ours, theirs = runs["repodigest"][-1], runs["gitfault"][-1]
        print(
            f"{'':>5} | answers: repodigest {ours['answers']} from {ours['file_changes']:,} file changes, gitfault "
            f"{theirs['answers']} from {theirs['file_changes']:,} of {theirs['commits']:,} commits (hotspots, "
            "coupled pairs, owned files)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("clones", nargs="*", help="clones to read instead of the pytest and pydantic ones")
    parser.add_argument("--replay", action="store_true", help="also ruff's metadata replayed (for scale)")
    parser.add_argument(
        "--replay-dir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "repodigest-bench-ruff-replay",
        help="where the replay is built and kept for the next run",
    )
    parser.add_argument("--tz", default="UTC", help="the ranges' time zone")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measurement, the best kept")
    parser.add_argument("--profile", action="store_true", help="a cProfile of one whole-range load of each clone")
    args = parser.parse_args()

    paths = [Path(p) for p in args.clones] or [unpack("pytest"), unpack("pydantic")]
    if args.replay:
        if not RUFF.exists():
            sys.exit(f"{RUFF} is missing")
        paths.append(replay(RUFF, args.replay_dir))
    os.environ.setdefault("REPODIGEST_CACHE_DIR", tempfile.mkdtemp(prefix="repodigest-bench-cache-"))
    os.environ.pop("OPENAI_API_KEY", None)
    os.environ.pop("GITHUB_TOKEN", None)
    zone = resolve_tz(args.tz)
    print(f"{usable_cores()} cores, best of {args.repeat}, interleaved, times in {args.tz}", flush=True)
    for path in paths:
        tree = work_tree(path)  # gitfault reads a work tree; both tools read this one
        before = _load()
        results = measure(tree, zone, args.repeat)
        label = f"{path.name} ({before}; after: {_load().removeprefix('load average ')})"
        print_load(label, results)
        print_analyses(path.name, results)
        if args.profile:
            print(f"\nwhere load_range's time goes ({path.name}, every day, cProfile, top 25 by cumulative time):")
            print(profile_load(tree, results["all"][0]))


if __name__ == "__main__":
    main()
