"""Outcomes of past commits (SZZ and reverts) on pytest's real history, and how the levels fared.

    python bench/outcomes.py [--no-replay]

Unpacks ``../shared/data/pytest-since-2021.git.tar.gz`` (a shallow bare clone of pytest since 2021)
to a temporary folder and, measured in this one run:

1. the busiest month whose commits all have three months of later history: commits labelled, fix
   commits scanned, blames run, cold and warm seconds (a fresh cache, then the same cache), and the
   share fixed / reverted / open;
2. for that month, for the last 12 months with closed outcomes, and for the whole closed history:
   per level (the rules' ``level`` from ``repodigest.explore.load_range``), the share later fixed or
   reverted within 90 days, and the ROC AUC against "later fixed or reverted" of the rules' ``score``
   and of lines changed alone (``lines_added + lines_deleted``);
3. the forward blame checked against ``git blame --first-parent --root -w`` (one per file of each
   fix) on the month's fixes: identical results, and both times;
4. scale: the whole pytest history labelled at once (blame bounded only by the shallow boundary),
   and a replayed busy history (ruff's two busiest closed months, about 900 commits, from
   ``../shared/data/ruff-2023-08-to-2026-07.jsonl.gz``: real paths, titles, dates and line counts,
   synthetic line contents; ``--no-replay`` leaves it out, building it takes about a minute), cold
   and warm seconds against the issue's goal (a busy month in under 60 s on 2 cores, 0 s warm).
"""

from __future__ import annotations

import gzip
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
from sklearn.metrics import roc_auc_score

sys.path.insert(0, str(Path(__file__).resolve().parent))

from clones import unpacked  # noqa: E402
from corpus import from_jsonl  # noqa: E402
from repodigest.cache import Cache  # noqa: E402
from repodigest.evidence import label_outcomes  # noqa: E402
from repodigest.evidence.annotate import line_origins  # noqa: E402
from repodigest.evidence.fixlines import is_fix_title, read_fixes  # noqa: E402
from repodigest.explore import load_range  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
TARBALL = DATA / "pytest-since-2021.git.tar.gz"
RUFF = DATA / "ruff-2023-08-to-2026-07.jsonl.gz"
_PORCELAIN = re.compile(r"^([0-9a-f]{40}) \d+ (\d+)(?: \d+)?$")
HORIZON = 90
GOAL_FIXES = 1200
LEVEL_MARK = {"high": "🔴", "medium": "🟡", "low": "🟢"}


def first_parent(clone: Path) -> pd.DataFrame:
    out = subprocess.run(
        ["git", "-C", str(clone), "log", "--first-parent", "--format=%H %cI", "HEAD"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\n")
    rows = [line.split(" ") for line in out if line]
    frame = pd.DataFrame(rows, columns=["sha", "when"])
    frame["when"] = pd.to_datetime(frame["when"], utc=True)
    return frame


def busiest_closed_month(line: pd.DataFrame) -> tuple[date, date]:
    """First and last day (UTC) of the month with the most commits whose end is HORIZON days before the tip."""
    tip = line["when"].max()
    months = line["when"].dt.tz_localize(None).dt.to_period("M")
    closed = [m for m in months.unique() if m.end_time + timedelta(days=HORIZON) <= tip.tz_localize(None)]
    best = max(closed, key=lambda m: (months == m).sum())
    return best.start_time.date(), best.end_time.date()


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def label(clone: Path, shas: list[str], cache: Cache):
    return label_outcomes(clone, shas, horizon_days=HORIZON, cache=cache, progress=False)


def shares(outcomes) -> str:
    n = len(outcomes)
    count = pd.Series([o.status for o in outcomes.values()]).value_counts()
    return ", ".join(f"{k} {count.get(k, 0) / n:.0%}" for k in ("fixed", "reverted", "open", "clean"))


def track_record(clone: Path, first: date, last: date, outcomes, title: str) -> None:
    """Per level, the share later fixed or reverted among closed commits; the two AUCs."""
    frame = load_range(first, last, repos=[str(clone)], tz="UTC", progress=False).frame
    frame = frame[frame["sha"].isin(list(outcomes))].copy()
    frame["status"] = frame["sha"].map(lambda s: outcomes[s].status)
    closed = frame[frame["status"] != "open"].copy()
    closed["bad"] = closed["status"].isin(["fixed", "reverted"])
    closed["lines"] = closed["lines_added"] + closed["lines_deleted"]
    print(f"  {title}: {len(frame)} commits, {len(closed)} closed, {int(closed['bad'].sum())} later fixed or reverted")
    for level in ("high", "medium", "low"):
        part = closed[closed["level"] == level]
        rate = f"{part['bad'].mean():.0%}" if len(part) else "-"
        print(f"    {LEVEL_MARK[level]} {level:6s} {rate:>4s} ({int(part['bad'].sum())}/{len(part)})")
    if closed["bad"].nunique() == 2:
        score_auc = roc_auc_score(closed["bad"], closed["score"])
        lines_auc = roc_auc_score(closed["bad"], closed["lines"])
        print(f"    ROC AUC: score {score_auc:.2f}, lines changed {lines_auc:.2f}")
    else:
        print("    ROC AUC: undefined (one class only)")


def line_ranges(numbers: list[int]) -> list[tuple[int, int]]:
    """Ascending line numbers as inclusive ``(first, last)`` runs, for blame's ``-L first,last``."""
    runs: list[tuple[int, int]] = []
    for n in numbers:
        if runs and n == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], n)
        else:
            runs.append((n, n))
    return runs


def git_blame(clone: Path, bound: str | None, parent: str, file: str, numbers: list[int]) -> dict[str, int]:
    """What ``git blame`` itself says of those lines: {commit: lines}, the bound's left out."""
    ranges = [arg for first, last in line_ranges(numbers) for arg in ("-L", f"{first},{last}")]
    revs = f"{bound}..{parent}" if bound else parent
    out = subprocess.run(
        ["git", "-C", str(clone), "blame", "--first-parent", "--root", "-w", "--porcelain", *ranges, revs, "--", file],
        capture_output=True,
        check=True,
    ).stdout
    counts: dict[str, int] = {}
    boundary, current = set(), None
    for line in out.decode("utf-8", "replace").split("\n"):
        header = _PORCELAIN.match(line)
        if header:
            current = header.group(1)
            counts[current] = counts.get(current, 0) + 1
        elif line == "boundary":
            boundary.add(current)
    return {sha: n for sha, n in counts.items() if sha not in boundary}


def check_against_git_blame(clone: Path, labelled: list[str], horizon_end: date) -> None:
    """The month's fix commits blamed both ways: forward (one pass) and one ``git blame`` per file."""
    rows = subprocess.run(
        ["git", "-C", str(clone), "log", "--first-parent", "--format=%H %P%x00%B%x00%x1e", "HEAD"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\x1e")
    line = []
    for row in rows:
        if row.strip():
            head, message = row.strip("\n").split("\0")[:2]
            sha, *parents = head.split(" ")
            line.append((sha, parents, message))
    line.reverse()
    order = {sha: i for i, (sha, _, _) in enumerate(line)}
    first = min(order[sha] for sha in labelled)
    bound = line[first][1][0] if line[first][1] else None
    until = subprocess.run(
        [
            "git",
            "-C",
            str(clone),
            "log",
            "-1",
            "--first-parent",
            "--format=%H",
            f"--until={horizon_end.isoformat()}",
            "HEAD",
        ],
        capture_output=True,
        text=True,
    )
    until = until.stdout.strip()
    later = [(sha, parents, m) for sha, parents, m in line[first + 1 : order[until] + 1] if parents and is_fix_title(m)]
    fixes = read_fixes(clone, {sha: m for sha, _, m in later}, workers=2)
    wanted = {sha: fix.lines for sha, fix in fixes.items() if fix.fix and fix.lines}
    forward, forward_s = timed(lambda: line_origins(clone, bound, wanted, order, workers=2))
    parents = {sha: p[0] for sha, p, _ in later}
    tasks = [(sha, file, numbers) for sha, files in wanted.items() for file, numbers in files.items()]

    def blame(task):
        sha, file, numbers = task
        return sha, git_blame(clone, bound, parents[sha], file, numbers)

    with ThreadPoolExecutor(2) as pool:
        blamed, blame_s = timed(lambda: list(pool.map(blame, tasks)))
    by_git: dict[str, dict[str, int]] = {sha: {} for sha in wanted}
    for sha, counts in blamed:
        for who, n in counts.items():
            by_git[sha][who] = by_git[sha].get(who, 0) + n
    same = sum(1 for sha in wanted if forward.get(sha, {}) == by_git[sha])
    print(
        f"   {len(wanted)} fix commits, {len(tasks)} files: identical {same}/{len(wanted)}; forward blame "
        f"{forward_s:.2f} s (one pass), git blame {blame_s:.2f} s ({len(tasks)} processes, 2 at a time)"
    )


def replay_ruff(into: Path) -> tuple[Path, list[str], str]:
    """A replay of ruff's two busiest months that have 90 days after them, and those 90 days."""
    with gzip.open(RUFF, "rt", encoding="utf-8") as lines:
        commits = [json.loads(line) for line in lines if line.strip()]
    dates = [c["commit"]["committer"]["date"] for c in commits]
    month = pd.Series([d[:7] for d in dates]).value_counts()
    last = date.fromisoformat(max(dates)[:10])
    months = sorted(m for m in month.index if pd.Period(m, "M").end_time.date() + timedelta(days=HORIZON) <= last)
    pairs = [(a, b) for a, b in zip(months, months[1:]) if pd.Period(b, "M") == pd.Period(a, "M") + 1]
    first, second = max(pairs, key=lambda p: month[p[0]] + month[p[1]])
    end = (pd.Period(second, "M").end_time + timedelta(days=HORIZON)).date().isoformat()
    kept = [c for c, d in zip(commits, dates) if first <= d[:7] and d[:10] <= end]
    source = into / "ruff-slice.jsonl"
    source.write_text("".join(json.dumps(c) + "\n" for c in kept))
    built, build_s = timed(lambda: from_jsonl(source, into / "ruff-replay"))
    shas = subprocess.run(
        [
            "git",
            "-C",
            str(built),
            "log",
            "--first-parent",
            "--format=%H",
            "HEAD",
            f"--until={pd.Period(second, 'M').end_time.date().isoformat()}T23:59:59+00:00",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    labelled = shas[:-1]  # the replay's seed commit (the last) is not a change of those months
    return built, labelled, f"{first} .. {second} ({len(kept)} commits replayed in {build_s:.0f} s)"


def main(replay: bool = True) -> None:
    with tempfile.TemporaryDirectory(prefix="outcomes-bench-") as tmp:
        tmp = Path(tmp)
        os.environ["REPODIGEST_CACHE_DIR"] = str(tmp / "load-cache")  # load_range's own cache, thrown away
        clone = unpacked(TARBALL, tmp)
        line = first_parent(clone)
        tip = line["when"].max()
        print(
            f"pytest first-parent line: {len(line)} commits, {line['when'].min():%Y-%m-%d} .. {tip:%Y-%m-%d} "
            f"(shallow bare clone), {os.cpu_count()} cores, horizon {HORIZON} days"
        )

        first, last = busiest_closed_month(line)
        in_month = line[(line["when"].dt.date >= first) & (line["when"].dt.date <= last)]["sha"].tolist()
        cache = Cache(tmp / "cold")
        cold, cold_s = timed(lambda: label(clone, in_month, cache))
        warm, warm_s = timed(lambda: label(clone, in_month, cache))
        s = cold.stats
        print(
            f"\n1. busiest closed month {first:%Y-%m}: {s.labelled} commits labelled, {s.fix_commits} fix commits "
            f"scanned, {s.blamed_files} files blamed ({s.blamed_fixes} fixes); cold {cold_s:.2f} s, "
            f"warm {warm_s:.2f} s ({warm.stats.blamed_files} files blamed)"
        )
        print(f"   {shares(cold)}; skipped {s.skipped}, unreadable {s.unreadable}")

        print("\n2. did the levels hold? (closed commits: 90 days observed)")
        track_record(clone, first, last, cold, f"month {first:%Y-%m}")
        year_end = (tip - timedelta(days=HORIZON)).date()
        year_start = year_end - timedelta(days=364)
        in_year = line[(line["when"].dt.date >= year_start) & (line["when"].dt.date <= year_end)]["sha"].tolist()
        year, year_s = timed(lambda: label(clone, in_year, Cache(tmp / "year")))
        print(
            f"  (12 months {year_start} .. {year_end}: {year.stats.labelled} labelled, {year.stats.fix_commits} fix "
            f"commits, cold {year_s:.1f} s; {shares(year)})"
        )
        track_record(clone, year_start, year_end, year, "12 closed months")
        whole, whole_s = timed(lambda: label(clone, line["sha"].tolist(), Cache(tmp / "whole")))
        track_record(clone, line["when"].min().date(), tip.date(), whole, "whole history")

        print("\n3. forward blame against git blame, the month's fixes:")
        check_against_git_blame(clone, in_month, last + timedelta(days=HORIZON))

        w = whole.stats
        print(
            f"\n4. scale: pytest's whole history {w.labelled} labelled, {w.fix_commits} fix commits, "
            f"{w.blamed_files} files blamed: cold {whole_s:.1f} s (blame bounded only by the 2021 boundary)"
        )
        if replay:
            built, labelled, what = replay_ruff(tmp)
            ruff_cache = Cache(tmp / "ruff")
            cold, cold_s = timed(lambda: label(built, labelled, ruff_cache))
            warm, warm_s = timed(lambda: label(built, labelled, ruff_cache))
            r = cold.stats
            print(
                f"   ruff replay {what}: {r.labelled} labelled, {r.fix_commits} fix commits, {r.blamed_files} "
                f"files blamed; cold {cold_s:.1f} s, warm {warm_s:.2f} s (goal: under 60 s cold, 0 s warm)"
            )


if __name__ == "__main__":
    main(replay="--no-replay" not in sys.argv[1:])
