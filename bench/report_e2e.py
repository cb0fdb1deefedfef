"""The whole report, heuristics only, at N = 40, 400 and 4,000 commits in the window, against the
framework floor: the papermill CLI on an empty parameterised notebook plus two
``jupyter nbconvert --no-input`` CLI exports (HTML and Markdown).

    python bench/report_e2e.py [--no-images] [--sizes 40,400,4000] [--rounds 1]

``--no-images`` sets ``[charts] images = false``: the same report without the PNG export (one
Chromium session, about 2 s of fixed cost here). ``--rounds K`` measures the floor and every size
K times in turn, each ratio against the floor of its own round: the spread on a busy machine.

Prints wall time and peak memory (largest process) per run and the ratios to the floor.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import synthetic  # noqa: E402

BIN = Path(sys.executable).parent
WINDOW_DAYS = 14
# Runs a command and prints the peak RSS (KiB) of its largest descendant, which covers the kernel.
_PEAK = (
    "import resource, subprocess, sys; r = subprocess.run(sys.argv[1:], capture_output=True); "
    "sys.stderr.write(r.stderr.decode()[-2000:] if r.returncode else ''); "
    "print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def measure(*cmd: str, cwd: Path) -> tuple[float, float]:
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", _PEAK, *cmd], cwd=cwd, capture_output=True, text=True, check=True)
    wall = time.perf_counter() - start
    code, peak_kib = out.stdout.split()
    if code != "0":
        raise SystemExit(f"{cmd[0]} failed: {out.stderr}")
    return wall, int(peak_kib) / 1024


def floor(work: Path) -> tuple[float, float]:
    nb = {
        "cells": [
            {
                "cell_type": "code",
                "execution_count": None,
                "id": "p",
                "metadata": {"tags": ["parameters"]},
                "outputs": [],
                "source": "date = None",
            }
        ],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (work / "empty.ipynb").write_text(json.dumps(nb))
    t1, m1 = measure(
        str(BIN / "papermill"), "empty.ipynb", "out.ipynb", "-p", "date", "2026-02-16", "--no-progress-bar", cwd=work
    )
    t2, m2 = measure(str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", "out.ipynb", cwd=work)
    t3, m3 = measure(str(BIN / "jupyter"), "nbconvert", "--to", "markdown", "--no-input", "out.ipynb", cwd=work)
    return t1 + t2 + t3, max(m1, m2, m3)


def main() -> None:
    parser = argparse.ArgumentParser(description="The whole report against the framework floor, in one run.")
    parser.add_argument("--no-images", action="store_true", help="[charts] images = false")
    parser.add_argument("--sizes", default="40,400,4000", help="commits in the window, comma-separated")
    parser.add_argument("--rounds", type=int, default=1, help="measure floor and sizes this many times")
    args = parser.parse_args()
    sizes = [int(n) for n in args.sizes.split(",")]
    work = Path(tempfile.mkdtemp(prefix="repodigest-e2e-"))
    extra = []
    if args.no_images:
        (work / "noimages.toml").write_text("[charts]\nimages = false\n")
        extra = ["--config", str(work / "noimages.toml")]
    repos = {}
    for n in sizes:
        repo = synthetic(n, work / f"repo{n}", per_day=max(1, n // WINDOW_DAYS), start="2025-03-01T00:30:00+08:00")
        last = subprocess.run(
            ["git", "-C", str(repo), "log", "-1", "--format=%cd", "--date=format:%Y-%m-%d"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        repos[n] = repo, last
    ratios: dict[int, list[float]] = {n: [] for n in sizes}
    for round_ in range(args.rounds):
        floor_s, floor_mb = floor(work)
        print(
            f"{'round ' + str(round_ + 1) + ': ' if args.rounds > 1 else ''}framework floor (papermill CLI + "
            f"2 nbconvert CLI exports): {floor_s:.2f} s, peak {floor_mb:.0f} MB\n"
        )
        print(f"{'N in window':>11} | {'wall':>7} | {'x floor':>7} | {'peak MB':>7} | {'per 1k commits':>14}")
        print("-" * 60)
        base = None
        for n in sizes:
            repo, last = repos[n]
            wall, peak = measure(
                str(BIN / "repodigest"),
                "report",
                "--repo",
                str(repo),
                "--date",
                last,
                "--window-days",
                str(WINDOW_DAYS),
                "--out-dir",
                str(work / f"out{n}"),
                *extra,
                cwd=work,
            )
            base = base or wall
            ratios[n].append(wall / floor_s)
            print(f"{n:>11} | {wall:6.2f}s | {wall / floor_s:6.2f}x | {peak:7.0f} | {(wall - base) / n * 1000:12.2f}s")
        print()
    if args.rounds > 1:
        for n in sizes:
            r = sorted(ratios[n])
            print(
                f"N = {n}: x floor over {len(r)} rounds: min {r[0]:.2f}, median {r[len(r) // 2]:.2f}, max {r[-1]:.2f}"
            )
    print("goal: N=40 at most 1x the floor; growth close to linear (last column: extra seconds per 1k commits)")


if __name__ == "__main__":
    main()
