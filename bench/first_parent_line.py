"""The local source's first step: the branch's whole first-parent line (``git rev-list --first-parent
--timestamp``, no diffs), against the ``--since`` walk it replaces (which stops at the first older
commit and so can miss rows) and against the window's own ``git log`` read that follows it.

    python bench/first_parent_line.py                # the two real clones of ../shared/data, unpacked to /tmp
    python bench/first_parent_line.py PATH [PATH...] # any clones
    python bench/first_parent_line.py --synthetic N  # also a linear N-commit history (fast-import)

For each clone and a trend window of ``--days`` ending on its newest commit's day, interleaved, best
of ``--repeat``: the whole line, the ``--since`` walk, the window's ``git log`` (``range_args``: every
commit of the window's range) and the whole ``LocalGitSource.commits`` call. Printed: milliseconds, the
line's length, the cost per line commit and the ratios measured in this run (whole line / since walk,
whole line / the source's whole read). The figures move with the machine's load; the ratios less.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from clones import CLONES, DATA, unpacked  # noqa: E402
from repodigest.sources.gitlog import range_args  # noqa: E402
from repodigest.sources.local_git import LocalGitSource, run_git  # noqa: E402
from repodigest.window import Window, resolve_tz  # noqa: E402


def linear(count: int, target: Path) -> Path:
    """A history of ``count`` small commits, one an hour, written by ``git fast-import`` (the walk reads
    commits only, never their trees, so their size does not matter here)."""
    subprocess.run(["git", "init", "-q", "-b", "main", str(target)], check=True)
    proc = subprocess.Popen(["git", "-C", str(target), "fast-import", "--quiet"], stdin=subprocess.PIPE)
    assert proc.stdin is not None
    start = 1_600_000_000
    for i in range(count):
        ident = f"Dev {i % 50} <dev{i % 50}@example.com> {start + 3600 * i} +0000"
        data, body = f"commit {i}".encode(), f"{i}\n".encode()
        lines = [b"commit refs/heads/main", f"author {ident}".encode(), f"committer {ident}".encode()]
        lines += [b"data %d" % len(data), data, f"M 100644 inline f{i % 100}.txt".encode()]
        lines += [b"data %d" % len(body), body, b""]
        proc.stdin.write(b"\n".join(lines))
    proc.stdin.close()
    if proc.wait() != 0:
        raise RuntimeError("git fast-import failed")
    return target


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def measure(path: Path, days: int, repeat: int) -> None:
    source = LocalGitSource(path)
    newest = source.latest_commit_time()
    zone = resolve_tz("UTC")
    window = Window(newest.astimezone(zone).date(), days, zone)
    line = run_git(path, "rev-list", "--first-parent", "--timestamp", "HEAD", "--").splitlines()
    since = ("rev-list", "--first-parent", "--parents", "--timestamp", f"--since={window.start.isoformat()}", "HEAD")
    walked = run_git(path, *since, "--").splitlines()
    oldest = walked[-1].split()[1].decode() if walked else "HEAD"
    parent = run_git(path, "rev-parse", "--verify", "--quiet", f"{oldest}^", check=False).decode().split()
    cases = {
        "whole line": lambda: run_git(path, "rev-list", "--first-parent", "--parents", "--timestamp", "HEAD", "--"),
        "since walk": lambda: run_git(path, *since, "--"),
        "window log": lambda: run_git(path, *range_args("HEAD", tuple(parent[:1]))),
        "source": lambda: source.commits(window),
    }
    times = {name: float("inf") for name in cases}
    for _ in range(repeat):  # interleaved: a load change hits every case alike
        for name, fn in cases.items():
            times[name] = min(times[name], timed(fn))
    print(f"\n{path.name}: {len(line)} first-parent commits, window of {days} days: {len(walked)} of them")
    for name, seconds in times.items():
        print(f"  {name:<11} {seconds * 1000:8.1f} ms")
    print(f"  whole line per commit: {times['whole line'] / max(1, len(line)) * 1e6:.1f} us")
    print(f"  whole line / since walk: {times['whole line'] / times['since walk']:.1f}x")
    print(f"  whole line / source's whole read: {times['whole line'] / times['source']:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("paths", nargs="*", type=Path)
    parser.add_argument("--days", type=int, default=14, help="the trend window (the default window_days)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--synthetic", type=int, default=0, help="also a seeded history of this many commits")
    parser.add_argument("--unpack", type=Path, default=Path(tempfile.gettempdir()) / "repodigest-bench-clones")
    args = parser.parse_args()
    paths = list(args.paths)
    if not paths:
        args.unpack.mkdir(parents=True, exist_ok=True)
        paths = [unpacked(DATA / name, args.unpack) for name in CLONES.values() if (DATA / name).is_file()]
    if args.synthetic:
        target = args.unpack / f"linear-{args.synthetic}"
        if not target.exists():
            linear(args.synthetic, target)
        paths.append(target)
    if not paths:
        sys.exit("no clone given and none in ../shared/data: pass a PATH or --synthetic N")
    git = subprocess.run(["git", "--version"], capture_output=True, text=True).stdout.strip()
    print(f"{git}; best of {args.repeat}, interleaved; commit-graph files make every walk faster")
    for path in paths:
        measure(path, args.days, args.repeat)


if __name__ == "__main__":
    main()
