"""Long ranges: loading 1 and 3 years of a 16,000-commit history vs raw ``git log`` (the floor).

    python bench/history_load.py [PATH_TO_CLONE]

Without a path, builds a seeded synthetic history (16,000 commits, about 14 a day: 3.1 years) with
git fast-import. For the last 1 and 3 years it prints, measured side by side in this run (best of
3, first runs warm git's caches):

- raw ``git log``: the git process alone, with exactly the source's flags (``gitlog.log_args``);
- source: the local git source's read (git + parse + Commit records);
- load_range: the whole exploration load (source, scoring, frames, history reasons, cache lookup);
- analytics: the file frame plus every analysis of ``repodigest.analytics`` over the range;

and where load_range's time goes.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import synthetic  # noqa: E402

from repodigest import analytics  # noqa: E402
from repodigest.explore import load_range  # noqa: E402
from repodigest.frame import to_file_frame, to_frame  # noqa: E402
from repodigest.scoring import assess  # noqa: E402
from repodigest.sources.gitlog import log_args, parse_log  # noqa: E402
from repodigest.sources.local_git import LocalGitSource, repository_root, run_git, to_commit  # noqa: E402
from repodigest.window import Window, resolve_tz  # noqa: E402

COMMITS = 16_000
PER_DAY = 14
TZ = "Asia/Shanghai"
START = "2022-10-01T09:00:00+08:00"  # 3.1 years at 14 a day end before today


def _cpu() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(fn, *args, repeat: int = 3) -> tuple[float, float, int]:
    """Best wall time and best CPU time (this process and its git children) of ``repeat`` runs."""
    wall, cpu, result = float("inf"), float("inf"), 0
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), _cpu()
        result = fn(*args)
        wall, cpu = min(wall, time.perf_counter() - start), min(cpu, _cpu() - start_cpu)
    return wall, cpu, result


def raw_git(path: Path, window: Window) -> int:
    until = window.end - timedelta(seconds=1)
    out = subprocess.run(["git", "-C", str(path), *log_args("HEAD", since=window.start, until=until)],
                         capture_output=True, check=True).stdout
    return out.count(b"\x1eREPODIGEST")


def source_read(source: LocalGitSource, window: Window) -> int:
    return len(source.commits(window))


def explore(path: Path, window: Window) -> int:
    digest = load_range(window.first_day, window.last_day, repos=[str(path)], tz=TZ, progress=False)
    return len(digest.frame)


def every_analysis(path: Path, window: Window) -> tuple[float, int]:
    digest = load_range(window.first_day, window.last_day, repos=[str(path)], tz=TZ, progress=False)
    start = time.perf_counter()
    frame, files = digest.frame, to_file_frame(digest.frame)
    for table in (analytics.hotspots(files), analytics.hotspots(files, by="area"), analytics.coupling(files),
                  analytics.coupling(files, by="area"), analytics.ownership(files), analytics.churn(files),
                  analytics.churn(files, by="author"), analytics.new_contributors(frame),
                  analytics.absence_factor(frame), analytics.activity(frame), analytics.fix_revert_rates(frame)):
        assert table is not None
    return time.perf_counter() - start, len(files)


def stages(path: Path, window: Window) -> dict[str, float]:
    """Where load_range's time goes, stage by stage (one run)."""
    out, tick = {}, time.perf_counter()

    def lap(name: str) -> None:
        nonlocal tick
        now = time.perf_counter()
        out[name] = now - tick
        tick = now

    until = window.end - timedelta(seconds=1)
    text = run_git(path, *log_args("HEAD", since=window.start, until=until))
    lap("git log")
    raw = parse_log(text)
    commits = [to_commit(r, "bench", None) for r in raw]
    lap("parse")
    scored = [(c, assess(c, (), "bench")) for c in commits]
    lap("scoring")
    frame = to_frame(scored, window.tz, window.day_list())
    lap("commit frame")
    files = to_file_frame(frame)
    lap("file frame")
    analytics.flagged_files(files)
    lap("history flags")
    return out


def main() -> None:
    if len(sys.argv) > 1:
        path = repository_root(sys.argv[1])
    else:
        target = Path(tempfile.mkdtemp(prefix="repodigest-bench-")) / "repo"
        started = time.perf_counter()
        path = synthetic(COMMITS, target, per_day=PER_DAY, start=START)
        print(f"built {COMMITS:,} commits in {time.perf_counter() - started:.1f} s")
    os.environ.setdefault("REPODIGEST_CACHE_DIR", tempfile.mkdtemp(prefix="repodigest-bench-cache-"))
    os.environ.pop("OPENAI_API_KEY", None)
    source = LocalGitSource(path)
    zone = resolve_tz(TZ)
    last = source.latest_commit_time().astimezone(zone).date()
    print(f"corpus: {path}, latest day {last}\n")
    print(f"{'range':>7} | {'commits':>7} | {'raw git log':>15} | {'source':>15} | {'load_range':>15} | "
          f"{'source/raw':>11} | {'load/raw':>11} | {'analytics':>9}")
    print(f"{'':>7} | {'':>7} | {'wall / CPU s':>15} | {'wall / CPU s':>15} | {'wall / CPU s':>15} | "
          f"{'wall / CPU':>11} | {'wall / CPU':>11} | {'wall s':>9}")
    print("-" * 116)
    for years in (1, 3):
        window = Window(last, 365 * years + (1 if years == 3 else 0), zone)
        raw, src, whole = [float("inf")] * 2, [float("inf")] * 2, [float("inf")] * 2
        counts = {}
        for _ in range(3):  # interleaved, so that a busy moment of the machine hits all three alike
            for best, fn, arg in ((raw, raw_git, path), (src, source_read, source), (whole, explore, path)):
                wall, cpu, count = timed(fn, arg, window, repeat=1)
                best[:] = [min(best[0], wall), min(best[1], cpu)]
                counts[fn.__name__] = count
        t_ana, n_files = every_analysis(path, window)
        assert counts["raw_git"] >= counts["source_read"] == counts["explore"], counts
        print(f"{years:>5} y | {counts['explore']:>7,} | {raw[0]:>6.2f} / {raw[1]:>6.2f} | {src[0]:>6.2f} / {src[1]:>6.2f} | "
              f"{whole[0]:>6.2f} / {whole[1]:>6.2f} | {src[0] / raw[0]:>4.2f} / {src[1] / raw[1]:>4.2f} | "
              f"{whole[0] / raw[0]:>4.2f} / {whole[1] / raw[1]:>4.2f} | {t_ana:>7.2f} s")
    print("\nwhere load_range's time goes (3 years, one run):")
    for name, seconds in stages(path, Window(last, 365 * 3 + 1, zone)).items():
        print(f"  {name:<14} {seconds:6.2f} s")
    print("\ngoal: load within 1.3x of raw git log time, one git process per range")


if __name__ == "__main__":
    main()
