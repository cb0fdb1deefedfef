"""Local ingest speed: repodigest's git source vs PyDriller vs raw ``git log --numstat`` (the floor).

    python bench/local_ingest.py [PATH_TO_CLONE]

Without a path, builds a seeded synthetic repository (3,000 commits) with git fast-import.
Prints commits/second for the last 500, 2,000 and all commits, and the ratios measured in this run.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import synthetic  # noqa: E402
from repodigest.sources.gitlog import log_args, parse_log  # noqa: E402
from repodigest.sources.local_git import repository_root, run_git, to_commit  # noqa: E402


def ours(path: Path, n: int) -> int:
    raw = parse_log(run_git(path, *log_args("HEAD", max_count=n)))
    return len([to_commit(r, "bench", None) for r in raw])


def raw_git(path: Path, n: int) -> int:
    out = subprocess.run(
        ["git", "-C", str(path), "log", "--first-parent", "--numstat", "--format=%H", f"--max-count={n}", "HEAD"],
        capture_output=True,
        check=True,
    ).stdout
    return sum(1 for line in out.split(b"\n") if len(line) == 40)


def pydriller(path: Path, n: int) -> int | None:
    try:
        from pydriller import Repository
    except ImportError:
        return None
    count = 0
    for commit in Repository(str(path), only_in_branch="main", only_no_merge=False, order="reverse").traverse_commits():
        _ = (
            commit.insertions,
            commit.deletions,
            [(m.new_path, m.added_lines, m.deleted_lines) for m in commit.modified_files],
        )
        count += 1
        if count >= n:
            break
    return count


def timed(fn, *args, repeat: int = 3) -> tuple[float, int]:
    best, result = float("inf"), 0
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn(*args)
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> None:
    if len(sys.argv) > 1:
        path = repository_root(sys.argv[1])
    else:
        path = synthetic(3000, Path(tempfile.mkdtemp(prefix="repodigest-bench-")) / "repo")
    total = int(
        subprocess.run(
            ["git", "-C", str(path), "rev-list", "--first-parent", "--count", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    print(f"corpus: {path} ({total} first-parent commits)\n")
    print(
        f"{'commits':>8} | {'raw git log':>12} | {'repodigest':>12} | {'PyDriller':>12} | "
        f"{'ours/raw time':>13} | {'ours vs PyDriller':>17}"
    )
    print("-" * 92)
    for n in (500, 2000, total):
        n = min(n, total)
        t_raw, _ = timed(raw_git, path, n)
        t_ours, got = timed(ours, path, n)
        t_pyd, got_pyd = timed(pydriller, path, n, repeat=1) if n <= 3000 else (float("nan"), None)
        pyd = f"{got_pyd / t_pyd:9.0f} c/s" if got_pyd else "not installed"
        speedup = f"{t_pyd / t_ours:16.1f}x" if got_pyd else "-"
        print(
            f"{n:>8} | {n / t_raw:9.0f} c/s | {got / t_ours:9.0f} c/s | {pyd:>12} | {t_ours / t_raw:12.2f}x | {speedup:>17}"
        )
    print("\ngoals: ours/raw time <= 1.3x; ours vs PyDriller >= 10x")


if __name__ == "__main__":
    main()
