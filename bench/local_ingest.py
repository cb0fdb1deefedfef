"""Local ingest on real clones: the local git source (``LocalGitSource.commits``, what ``load_range`` reads
with) against raw ``git log`` (the floor) and PyDriller, over the newest 500 and 2,000 first-parent
commits and the whole clone.

    python bench/local_ingest.py                  # the pytest and pydantic clones (../shared/data, unpacked to /tmp)
    python bench/local_ingest.py PATH [PATH ...]  # any clones

For each, best of ``--repeat``:

- **raw git log**: ``git log --first-parent --raw --numstat -M`` of the same first-parent commits, with the
  source's output flags (``gitlog.range_args`` plus ``--first-parent``): the floor; and without
  ``--first-parent`` (every commit of the range, the line and what its merges landed, which the source
  reads too): the floor of the same commits;
- **the source**: ``LocalGitSource.commits`` of the window that starts on the day of the N-th newest
  first-parent commit (whole days: the count is printed), with one ``git log`` and with one per core:
  git, parsing and Commit records, each merge with the commits it landed (those are read too);
- **PyDriller**: beside the newest 500, as many commits newest first (``order="reverse"``: it has no
  first-parent walk), each with its files' line counts, up to ``--pydriller-max`` (it reads a few dozen
  commits a second, whatever their number).

Printed: commits per second, the source's time over raw ``git log``'s, first-parent and same commits (goal <= 1.3) and the source's
commits per second over PyDriller's (goal >= 10). The load average is printed with each clone.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from clones import unpack, work_tree  # noqa: E402
from repodigest.sources.git_process import run_git  # noqa: E402
from repodigest.sources.gitlog import range_args  # noqa: E402
from repodigest.sources.local_git import LocalGitSource, usable_cores  # noqa: E402
from repodigest.window import Window, resolve_tz  # noqa: E402

SIZES = (500, 2000)


def window_of(path: Path, n: int, zone) -> tuple[Window, str, tuple[str, ...], int]:
    """The window from the day of the ``n``-th newest first-parent commit to the newest's, the range of its
    first-parent commits (newest, the first parent of the oldest when the clone has it) and their count."""
    rows = [
        r.split()
        for r in run_git(path, "rev-list", "--first-parent", "--parents", "--timestamp", "HEAD").decode().splitlines()
    ]
    last = datetime.fromtimestamp(int(rows[0][0]), zone).date()
    first = datetime.fromtimestamp(int(rows[min(n, len(rows)) - 1][0]), zone).date()
    window = Window(last, (last - first).days + 1, zone)
    inside = [r for r in rows if window.start.timestamp() <= int(r[0]) < window.end.timestamp()]
    parent = inside[-1][2:3]
    here = (
        parent and subprocess.run(["git", "-C", str(path), "cat-file", "-e", f"{parent[0]}^{{commit}}"]).returncode == 0
    )
    return window, inside[0][1], tuple(parent) if here else (), len(inside)


def raw_git(path: Path, tip: str, exclude: tuple[str, ...], first_parent: bool = True) -> int:
    """Records of the raw ``git log`` of the range: the first-parent line, or (``first_parent=False``) every
    commit of the range, the line and what its merges landed."""
    args = range_args(tip, exclude)
    if first_parent:
        args.insert(args.index("log") + 1, "--first-parent")
    out = subprocess.run(["git", "-C", str(path), *args], capture_output=True, check=True).stdout
    return out.count(b"\x1eREPODIGEST")


def source(path: Path, window: Window, readers: int) -> int:
    """Commits read: each row, and the commits its merge landed."""
    return sum(1 + len(c.merged) for c in LocalGitSource(path, readers=readers).commits(window))


def pydriller(path: Path, n: int) -> int:
    from pydriller import Repository

    count = 0
    for commit in Repository(str(path), order="reverse").traverse_commits():
        _ = [(m.new_path, m.added_lines, m.deleted_lines) for m in commit.modified_files]
        count += 1
        if count >= n:
            break
    return count


def timed(fn, *args, repeat: int) -> tuple[float, int]:
    best, result = float("inf"), 0
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn(*args)
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("clones", nargs="*", help="clones to read instead of the pytest and pydantic ones")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measurement, the best kept")
    parser.add_argument("--pydriller-max", type=int, default=200, help="the most commits PyDriller reads")
    args = parser.parse_args()
    try:
        import pydriller as _  # noqa: F401

        with_pydriller = True
    except ImportError:
        with_pydriller = False
    zone = resolve_tz("UTC")
    cores = usable_cores()
    for path in [Path(p) for p in args.clones] or [unpack("pytest"), unpack("pydantic")]:
        tree = work_tree(path)  # PyDriller reads a work tree; every side reads this one
        total = int(run_git(tree, "rev-list", "--first-parent", "--count", "HEAD").decode())
        load = " ".join(f"{v:.1f}" for v in os.getloadavg())
        print(f"\n{path.name}: {total:,} first-parent commits, load average {load}, best of {args.repeat}")
        print(
            f"{'newest':>7} | {'line':>5} | {'read':>5} | {'raw, line':>11} | {'raw, same':>11} | {'source, 1 git':>13} | "
            f"{f'source, {cores} git':>13} | {'PyDriller':>11} | {'source/raw':>10} | {'source/same':>11} | "
            f"{'vs PyDriller':>12}"
        )
        print("-" * 140)
        for n in (*(s for s in SIZES if s < total), total):
            window, tip, exclude, line = window_of(tree, n, zone)
            t_raw, records = timed(raw_git, tree, tip, exclude, repeat=args.repeat)
            t_same, _ = timed(raw_git, tree, tip, exclude, False, repeat=args.repeat)
            t_one, read = timed(source, tree, window, 1, repeat=args.repeat)
            t_many, _ = timed(source, tree, window, cores, repeat=args.repeat)
            assert records == line, (records, line)
            cells = ["-", "-"]
            if with_pydriller and n == SIZES[0]:  # its rate does not depend on how far it reads
                t_pyd, got = timed(pydriller, tree, min(line, args.pydriller_max), repeat=1)
                cells = [f"{got / t_pyd:7.0f} c/s", f"{(read / t_many) / (got / t_pyd):11.1f}x"]
            print(
                f"{n if n < total else 'all':>7} | {line:>5,} | {read:>5,} | {line / t_raw:7.0f} c/s | "
                f"{t_same:9.2f} s | {read / t_one:9.0f} c/s | {read / t_many:9.0f} c/s | {cells[0]:>11} | "
                f"{t_many / t_raw:>10.2f} | {t_many / t_same:>11.2f} | {cells[1]:>12}"
            )
    print(
        "\n(c/s: commits a second; raw, line reads the line, raw, same every commit of the range (its time), the "
        "source the line and what its merges landed)"
    )
    print("goals: source/raw <= 1.3 (same range); the source >= 10x PyDriller's commits a second")


if __name__ == "__main__":
    main()
