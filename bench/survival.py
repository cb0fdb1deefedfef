"""Code survival: ``analytics.survival`` against ``git-of-theseus-analyze`` on a real clone, paired in
one run; and, with ``--check``, survival held to ``git blame --first-parent`` at three sampled commits.

    python bench/survival.py                 # the pydantic clone (../shared/data, unpacked to /tmp)
    python bench/survival.py PATH            # any clone
    python bench/survival.py --check         # the pytest clone: equal to blame at three sampled commits

Each side runs in a process of its own, on the clone's whole first-parent line, sampled every 30
days (git-of-theseus: ``--interval 2592000``, ``--all-filetypes`` so that it reads every file as
survival does, its default 2 processes), cohorts by year, times in UTC:

- **survival, cold**: an empty cache, so the whole line is replayed (one ``git log -p``);
- **survival, a day later**: the cache filled up to the line's last commit a day or more before the
  tip, then the call at the tip (reads only the commits of that last day);
- **git-of-theseus**: its analyze command, outputs to a temporary folder.

Printed: wall time of each (the process, imports included), the ratio git-of-theseus / survival
(goal: >= 10), and peak memory: the whole process tree's resident memory (each process's RSS summed,
sampled every 50 ms: git-of-theseus runs several processes, survival one and its git), and the
survival process's own peak (``ru_maxrss``). The machine may be shared: the figures say so when it is busy
(load average printed).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

from clones import unpack

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
# ../shared/data beside the checkout (or beside the folder of worktrees that holds it)
EVERY_DAYS = 30

OURS = f"""
import json, resource, sys, time
from repodigest.analytics import survival
from repodigest.cache import Cache
path, cache, revision = sys.argv[1:4]
started = time.perf_counter()
table = survival(path, every="{EVERY_DAYS}D", tz="UTC", revision=revision, cache=Cache(cache))
print(json.dumps({{"call": time.perf_counter() - started, "replayed": table.attrs["replayed"],
                  "samples": len(table), "last": {{k: int(v) for k, v in table.iloc[-1].items()}},
                  "maxrss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def _tree_rss(root: int) -> int:
    """Resident bytes of ``root`` and its descendants, from /proc."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry)] = int(fields[1])
        rss[int(entry)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
    tree, grown = {root}, True
    while grown:
        more = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= more
        grown = bool(more)
    return sum(rss.get(pid, 0) for pid in tree)


def measured(args: list[str], cwd: Path | None = None) -> dict:
    """Run ``args``; wall seconds, peak summed RSS of its process tree (MiB), its stdout."""
    started = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd, text=True)
    peak = [0]

    def watch() -> None:
        while proc.poll() is None:
            peak[0] = max(peak[0], _tree_rss(proc.pid))
            time.sleep(0.05)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    out, err = proc.communicate()
    wall = time.perf_counter() - started
    watcher.join()
    if proc.returncode != 0:
        sys.exit(f"{args[0]} failed: {err[-2000:]}")
    return {"wall": wall, "tree_mib": peak[0] / 2**20, "out": out}


def _git(path: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(path), *args], capture_output=True, text=True, check=True).stdout


def graft_boundary(path: Path) -> list[str]:
    """Give a shallow clone's boundary commits no parents with ``git replace --graft``: GitPython (so
    git-of-theseus) reads a commit's parents from the object and fails on the missing ones. git's own
    commands see the same line either way (the boundary already has no parents for them)."""
    shallow = Path(_git(path, "rev-parse", "--git-path", "shallow").strip())
    shallow = shallow if shallow.is_absolute() else path / shallow
    boundary = shallow.read_text().split() if shallow.is_file() else []
    replaced = set(_git(path, "replace", "-l").split())
    for sha in boundary:
        if sha not in replaced:
            _git(path, "replace", "--graft", sha)
    return boundary


def compare(path: Path) -> None:
    python = sys.executable
    if graft_boundary(path):
        print("a shallow clone: its boundary commits grafted to no parents for git-of-theseus (git replace --graft)")
    tip = _git(path, "rev-parse", "HEAD").strip()
    branch = _git(path, "rev-parse", "--abbrev-ref", "HEAD").strip()
    tip_time = int(_git(path, "log", "-1", "--format=%ct", tip))
    day_before = _git(path, "rev-list", "--first-parent", "-1", f"--before={tip_time - 86400}", tip).strip()
    newer = len(_git(path, "rev-list", "--first-parent", f"{day_before}..{tip}").split())
    line = len(_git(path, "rev-list", "--first-parent", tip).split())
    print(f"{path}: {line} first-parent commits, {newer} in the last day; load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as scratch:
        cold = measured([python, "-c", OURS, str(path), f"{scratch}/cold", tip])
        measured([python, "-c", OURS, str(path), f"{scratch}/warm", day_before])
        warm = measured([python, "-c", OURS, str(path), f"{scratch}/warm", tip])
        theirs = measured(
            [
                str(Path(python).parent / "git-of-theseus-analyze"),
                "--all-filetypes",
                "--interval",
                str(EVERY_DAYS * 86400),
                "--branch",
                branch,
                "--quiet",
                "--outdir",
                f"{scratch}/theseus",
                str(path),
            ]
        )
        cohorts = json.loads(Path(f"{scratch}/theseus/cohorts.json").read_text())
    ours = json.loads(cold["out"])
    later = json.loads(warm["out"])
    print(
        f"survival, cold:        {cold['wall']:7.1f} s (the call {ours['call']:.1f} s, {ours['replayed']} commits replayed, {ours['samples']} samples)"
    )
    print(
        f"survival, a day later: {warm['wall']:7.1f} s (the call {later['call']:.1f} s, {later['replayed']} commits replayed)"
    )
    print(f"git-of-theseus:        {theirs['wall']:7.1f} s ({len(cohorts['ts'])} samples)")
    print(
        f"ratio git-of-theseus / survival: cold {theirs['wall'] / cold['wall']:.1f}x, a day later {theirs['wall'] / warm['wall']:.1f}x (goal >= 10x)"
    )
    print(
        f"peak memory (process tree): survival {cold['tree_mib']:.0f} MiB (its Python process {ours['maxrss_mib']:.0f} MiB), "
        f"git-of-theseus {theirs['tree_mib']:.0f} MiB; ratio {theirs['tree_mib'] / cold['tree_mib']:.1f}x"
    )
    last = {label.removeprefix("Code added in "): y[-1] for label, y in zip(cohorts["labels"], cohorts["y"])}
    print(
        f"lines at the tip by cohort: survival {ours['last']}; git-of-theseus (all blobs, blame without --first-parent) {last}"
    )


def check(path: Path) -> None:
    """survival against git blame --first-parent at three sampled commits (a third, two thirds, the end)."""
    sys.path.insert(0, str(ROOT / "tests"))
    import pandas as pd

    from blame_oracle import blamed_lines
    from repodigest.analytics import survival

    with tempfile.TemporaryDirectory() as scratch:
        from repodigest.cache import Cache

        started = time.perf_counter()
        table = survival(path, every="365D", tz="UTC", cache=Cache(scratch))
        print(f"{path}: survival in {time.perf_counter() - started:.1f} s, {len(table)} samples")
    for i in (len(table) // 3, 2 * len(table) // 3, len(table) - 1):
        commit = table.attrs["commits"][i]
        started = time.perf_counter()
        counts, when = blamed_lines(path, commit, workers=2)
        expected: Counter = Counter()
        for (sha, _), n in counts.items():
            expected[str(pd.Timestamp(when[sha], unit="s").year)] += n
        got = {k: int(v) for k, v in table.iloc[i].items() if v}
        verdict = "equal" if got == dict(expected) else f"DIFFERENT (blame: {dict(sorted(expected.items()))})"
        print(
            f"{table.index[i].date()} at {commit[:12]}: {verdict}: {got} (blame {time.perf_counter() - started:.0f} s)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("clone", nargs="?", help="a clone (default: the pydantic clone, or pytest's with --check)")
    parser.add_argument("--check", action="store_true", help="hold survival to git blame --first-parent")
    args = parser.parse_args()
    path = Path(args.clone) if args.clone else unpack("pytest" if args.check else "pydantic")
    (check if args.check else compare)(path)


if __name__ == "__main__":
    main()
