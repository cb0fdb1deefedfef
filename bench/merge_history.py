"""A merge-only history (git.git's way: every change on a topic branch, merged by one maintainer) loaded
against the raw ``git log`` that reads it, in one run.

    python bench/merge_history.py [--data ../shared/data/ruff-2023-08-to-2026-07.jsonl.gz] [--years 1]

The real ruff history (12,123 commits, GitHub's REST shape) is replayed with bench/corpus.py twice: as
it is (squash merges: a linear line) and rewritten as topic branches of one commit each, every one
merged into main by one maintainer at the commit's own time (24,246 commits, half of them merges).
Both replays are kept in $TMPDIR and reused. For the last ``--years`` of each it prints, best of three:

- raw git: the ``git log`` that reads every commit of the range (all parents, numstat, the source's output
  flags: ``gitlog.range_args``), and the first-parent ``git log`` of the line alone;
- load: ``explore.load_range`` over the range (the source, scoring, frames, history signals);
- git processes started by the load (a ``rev-list`` and one ``log`` per core, whatever the merges);
- what the merges read as: rows, the maintainer's rows (0: every merge is credited to the commit's
  author) and the maintainer's share of the lines added in the file frame (0: they wrote none).
"""

from __future__ import annotations

import argparse
import functools
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import from_jsonl  # noqa: E402
from repodigest.explore import load_range  # noqa: E402
from repodigest.sources.gitlog import range_args  # noqa: E402
from repodigest.sources.local_git import LocalGitSource  # noqa: E402
from repodigest.window import Window, resolve_tz  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "ruff-2023-08-to-2026-07.jsonl.gz"
MAINTAINER = ("Mia Maintainer", "mia@example.com")
TZ = "UTC"


def replay(data: Path, name: str, merged_by=None) -> Path:
    """The replay of ``data`` under $TMPDIR (made once; a marker file says it is complete)."""
    target = Path(tempfile.gettempdir()) / f"repodigest-bench-{name}"
    if not (target / ".replayed").exists():
        if target.exists():
            subprocess.run(["rm", "-rf", str(target)], check=True)
        started = time.perf_counter()
        from_jsonl(data, target, merged_by=merged_by)
        (target / ".replayed").write_text("done\n")
        print(f"replayed {name} in {time.perf_counter() - started:.0f} s", flush=True)
    return target


def best(fn, repeat: int = 3) -> tuple[float, object]:
    wall, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        wall = min(wall, time.perf_counter() - started)
    return wall, result


def raw_git(path: Path, window: Window, first_parent: bool) -> int:
    line = LocalGitSource(path)._first_parent_line()  # noqa: SLF001 - the bench reads the range the source reads
    shown = [
        (sha, parents) for sha, stamp, parents in line if window.start.timestamp() <= stamp < window.end.timestamp()
    ]
    args = range_args(shown[0][0], tuple(shown[-1][1][:1]))
    if first_parent:
        args.insert(args.index("log") + 1, "--first-parent")
    out = subprocess.run(["git", "-C", str(path), *args], capture_output=True, check=True).stdout
    return out.count(b"\x1eREPODIGEST")


class ProcessCount:
    """Counts the git processes started while it is active."""

    def __enter__(self):
        self.count, self._popen = 0, subprocess.Popen.__init__

        def counting(popen, args, *rest, **kw):
            if isinstance(args, (list, tuple)) and args and str(args[0]).endswith("git"):
                self.count += 1
            return self._popen(popen, args, *rest, **kw)

        subprocess.Popen.__init__ = counting
        return self

    def __exit__(self, *exc):
        subprocess.Popen.__init__ = self._popen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--years", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if not args.data.exists():
        sys.exit(f"skipped: {args.data} is not here (it lives in ../shared/data)")
    os.environ.setdefault("REPODIGEST_CACHE_DIR", tempfile.mkdtemp(prefix="repodigest-bench-cache-"))
    os.environ.pop("OPENAI_API_KEY", None)
    zone = resolve_tz(TZ)
    print(
        f"{'history':>11} | {'commits':>7} | {'raw, all':>8} | {'raw, line':>9} | {'load':>6} | "
        f"{'load/raw':>8} | {'git runs':>8} | {'rows':>5} | {'by Mia':>6} | {'Mia lines':>9}"
    )
    print("-" * 103)
    for name, merged_by in (("ruff-replay", None), ("ruff-topic-merges", MAINTAINER)):
        path = replay(args.data, name, merged_by)
        last = LocalGitSource(path).latest_commit_time().astimezone(zone).date()
        window = Window(last, 365 * args.years, zone)
        every, commits = best(functools.partial(raw_git, path, window, first_parent=False), args.repeat)
        line, _ = best(functools.partial(raw_git, path, window, first_parent=True), args.repeat)
        with ProcessCount() as counted:
            load, digest = best(
                functools.partial(load_range, window.first_day, last, repos=[str(path)], tz=TZ, progress=False),
                args.repeat,
            )
        frame, files = digest.frame, digest.file_frame
        mia_rows = int((frame["author"] == MAINTAINER[0]).sum())
        added = files["lines_added"].fillna(0)
        mia_share = float(added[files["author"] == MAINTAINER[0]].sum() / max(1, added.sum()))
        print(
            f"{name:>11} | {commits:>7,} | {every:>6.2f} s | {line:>7.2f} s | {load:>4.2f} s | {load / every:>8.2f} | "
            f"{counted.count // args.repeat:>8} | {len(frame):>5,} | {mia_rows:>6} | {mia_share:>9.1%}"
        )
    print(
        "\nraw, all: git log over every commit of the range (what the source runs); raw, line: git log "
        "--first-parent of the line alone; git runs: processes per load"
    )


if __name__ == "__main__":
    main()
