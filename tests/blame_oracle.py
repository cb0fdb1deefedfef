"""The reference that code survival is held to: ``git blame --first-parent`` of every text file of a
commit (text as ``git grep -I`` sees it), for the tests and for bench/survival.py's real-history check."""

from __future__ import annotations

import subprocess
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path


def _git(path: Path, *args: str) -> bytes:
    return subprocess.run(["git", "-C", str(path), *args], capture_output=True, check=True).stdout


def text_files(path: Path, commit: str) -> list[str]:
    """The files of ``commit`` that ``git grep -I`` reads as text and that hold at least one line."""
    out = subprocess.run(
        ["git", "-C", str(path), "grep", "-I", "-l", "-z", "-e", "", commit], capture_output=True, check=False
    )
    if out.returncode not in (0, 1):  # 1: nothing matched
        raise RuntimeError(out.stderr.decode())
    prefix = f"{commit}:"
    return [p.decode("utf-8", "surrogateescape").removeprefix(prefix) for p in out.stdout.split(b"\0") if p]


def blamed_lines(path: Path, commit: str, workers: int = 1) -> tuple[Counter, dict[str, int]]:
    """(lines per (blamed commit, file), committer time of each blamed commit) at ``commit``."""

    def blame(file: str) -> tuple[str, Counter, dict[str, int]]:
        out = _git(path, "blame", "--first-parent", "--line-porcelain", commit, "--", file)
        counts: Counter = Counter()
        times: dict[str, int] = {}
        sha = None
        for line in out.split(b"\n"):
            if line.startswith(b"\t"):  # the line itself, after its commit's headers
                counts[sha] += 1
                sha = None
            elif sha is None and line:
                sha = line[:40].decode()
            elif line.startswith(b"committer-time "):
                times[sha] = int(line[15:])
        return file, counts, times

    total: Counter = Counter()
    when: dict[str, int] = {}
    with ThreadPoolExecutor(workers) as pool:
        for file, counts, times in pool.map(blame, text_files(path, commit)):
            for sha, n in counts.items():
                total[sha, file] += n
            when.update(times)
    return total, when
