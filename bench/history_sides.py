"""One side of ``history_load.py``'s comparison, in a fresh interpreter that imports only that side:

    python bench/history_sides.py repodigest|gitfault REPO FIRST_DAY LAST_DAY TZ SINCE UNTIL

Loads the range, answers hotspots, coupling and ownership, and prints one JSON line: seconds of the
load, of the analyses and of both (timed from the first call, imports apart), CPU seconds of the
load (this process and its git), what was read and answered, the process's own peak RSS (git
apart), and how far the analyses raise it above what the process holds before them (Linux
``VmHWM``, reset before the analyses).
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _reset_peak() -> bool:
    """Reset this process's VmHWM to its current RSS (Linux: ``5`` into clear_refs)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def _cpu() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _peaks(load_peak: int, before: int, reset: bool) -> dict:
    """This process's own peak RSS (git apart) and the analyses' rise above what it held before them."""
    after = _status_kb("VmHWM")
    return {"own_peak_kb": max(load_peak, after), "analyses_rise_kb": after - before if reset else None}


def repodigest(repo: str, first: str, last: str, tz: str, since: str, until: str) -> dict:
    """``load_range``, then hotspots, coupling and ownership over ``digest.file_frame`` (the file frame)."""
    from repodigest import analytics
    from repodigest.explore import load_range

    start, cpu = time.perf_counter(), _cpu()
    digest = load_range(first, last, repos=[repo], tz=tz, progress=False)
    loaded, load_cpu = time.perf_counter(), _cpu() - cpu
    load_peak, before, reset = _status_kb("VmHWM"), _status_kb("VmRSS"), _reset_peak()
    files = digest.file_frame
    answers = [len(analytics.hotspots(files)), len(analytics.coupling(files)), len(analytics.ownership(files))]
    done = time.perf_counter()
    return {
        "load": loaded - start,
        "load_cpu": load_cpu,
        "analyses": done - loaded,
        "e2e": done - start,
        "commits": len(digest.frame),
        "file_changes": len(files),
        "answers": answers,
        **_peaks(load_peak, before, reset),
    }


def gitfault(repo: str, first: str, last: str, tz: str, since: str, until: str) -> dict:
    """What ``gitfault markdown -C REPO --since SINCE --until UNTIL`` computes, without the overview and the
    Markdown: its CLI's load (git log, default excludes, line counts of the live files), then its
    ``hotspots``, ``coupling`` (the CLI's defaults) and ``knowledge``."""
    from gitfault import analysis, gitlog

    start, cpu = time.perf_counter(), _cpu()
    root, commits = gitlog.collect_commits(repo, since=since, until=until)
    commits = analysis.filter_commits(commits, list(analysis.DEFAULT_EXCLUDES), None)
    counts = gitlog.current_line_counts(repo, root)
    keep = {f.path for c in commits for f in c.files}
    counts = {p: n for p, n in counts.items() if p in keep}
    loaded, load_cpu = time.perf_counter(), _cpu() - cpu
    load_peak, before, reset = _status_kb("VmHWM"), _status_kb("VmRSS"), _reset_peak()
    owned = analysis.knowledge(commits, counts)
    answers = [
        len(analysis.hotspots(commits, counts)),
        len(analysis.coupling(commits, counts, min_shared=4, min_revs=5)),
        len(owned.files),
    ]
    done = time.perf_counter()
    return {
        "load": loaded - start,
        "load_cpu": load_cpu,
        "analyses": done - loaded,
        "e2e": done - start,
        "commits": len(commits),
        "file_changes": sum(len(c.files) for c in commits),
        "answers": answers,
        **_peaks(load_peak, before, reset),
    }


if __name__ == "__main__":
    side, *arguments = sys.argv[1:]
    print(json.dumps({"repodigest": repodigest, "gitfault": gitfault}[side](*arguments)))
