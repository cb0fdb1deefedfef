"""Code survival: the lines alive over time by cohort (Hercules' burndown, git-of-theseus' stack plot),
from one replay of the first-parent diffs (:mod:`.line_replay`), cached so that a later call reads
only the commits added since."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from ..cache import Cache, Table
from ..config import AreaRule
from ..errors import SourceError, UserError
from ..scoring.areas import file_area
from ..sources import CloneBacked
from ..sources.git_process import repository_root, run_git, shallow_boundary
from ..window import parse_date, resolve_tz
from .common import check_by
from .line_replay import Delta, LineState, Replayer

COHORTS = ("year", "quarter")
BREAKDOWNS = (None, "author", "area")
VERSION = "1"  # bump when the replay's deltas or state change meaning
DELTAS, STATE = Table("survival_deltas", VERSION), Table("survival_state", VERSION)
BATCH = 500  # commits per cache read or write


@dataclass(frozen=True)
class Line:
    """The first-parent line of a revision, oldest first: each commit's sha, committer time (epoch
    seconds) and author (a merge: its merged branch's tip's author; names after ``.mailmap``)."""

    shas: list[str]
    times: np.ndarray
    authors: list[str]


def first_parent_line(path: Path, revision: str) -> Line:
    """The :class:`Line` of ``revision`` in the clone at ``path``."""
    if not run_git(path, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}", check=False).strip():
        raise UserError(f"revision {revision!r} does not exist in {path}")
    out = run_git(path, "log", "--first-parent", "--reverse", "--format=%H%x00%P%x00%ct%x00%aN", revision, "--")
    rows = [r.split("\0") for r in out.decode("utf-8", "replace").splitlines()]
    merged = {r[0]: r[1].split()[1] for r in rows if len(r[1].split()) > 1}
    names: dict[str, str] = {}
    if merged:  # a merge's lines are its branch's: credited to the author of the branch's tip
        tips = "\n".join(dict.fromkeys(merged.values())).encode()
        out = run_git(path, "log", "--no-walk=unsorted", "--stdin", "--format=%H%x00%aN", check=False, stdin=tips)
        names = dict(r.split("\0", 1) for r in out.decode("utf-8", "replace").splitlines() if "\0" in r)
    return Line(
        shas=[r[0] for r in rows],
        times=np.array([int(r[2]) for r in rows], dtype=np.int64),
        authors=[names.get(merged.get(r[0], ""), r[3]) for r in rows],
    )


def _deltas(path: Path, line: Line, last: int, cache: Cache | None, stats: dict) -> Iterator[tuple[int, Delta]]:
    """(origin, delta) of the commits 0 .. ``last`` of ``line``: from the cache up to where its saved
    state stands, then replayed from that state (or, when the cache has a gap, from the first commit)."""
    key = line.shas[0]
    saved = cache.get(STATE, key) if cache is not None else None
    known = -1  # the last commit whose delta the cache holds with the state after it
    if saved and 0 <= saved["index"] < len(line.shas) and line.shas[saved["index"]] == saved["at"]:
        known = saved["index"]
    done = 0  # the next origin to yield
    for lo in range(0, min(known, last) + 1, BATCH):
        hi = min(lo + BATCH, min(known, last) + 1)
        found = cache.get_many(DELTAS, [f"{key}:{s}" for s in line.shas[lo:hi]]) if cache is not None else {}
        for i in range(lo, hi):
            stored = found.get(f"{key}:{line.shas[i]}")
            if stored is None:
                break
            yield i, {p: dict(zip(flat[0::2], flat[1::2])) for p, flat in stored.items()}
            done = i + 1
        if done < hi:
            break
    if done > last:
        return
    resume = saved is not None and done == known + 1
    state = LineState.from_json(saved["files"]) if saved is not None and resume else LineState()
    first = done if resume else 0
    revisions = f"{line.shas[first - 1]}..{line.shas[last]}" if first else line.shas[last]
    pending: dict[str, object] = {}
    origin = first - 1
    for origin, (sha, delta) in enumerate(Replayer(path, state).run(revisions, first), start=first):
        if origin > last or sha != line.shas[origin]:
            raise SourceError(f"the first-parent line of {path} changed while it was read (at {sha})")
        stats["replayed"] += 1
        if cache is not None:
            pending[f"{key}:{sha}"] = {p: [v for pair in c.items() for v in pair] for p, c in delta.items()}
            if len(pending) >= BATCH:
                cache.put_many(DELTAS, pending)
                pending = {}
        if origin >= done:
            yield origin, delta
    if origin != last:
        raise SourceError(f"git log gave {origin + 1 - first} of the {last + 1 - first} commits to replay in {path}")
    if cache is not None:
        cache.put_many(DELTAS, pending)
        cache.put(STATE, key, {"at": line.shas[last], "index": last, "files": state.to_json()})


def _sample_days(line: Line, zone, start, end, every: str) -> pd.DatetimeIndex:
    local = pd.to_datetime(line.times, unit="s", utc=True).tz_convert(zone)
    first = parse_date(start, zone) or local.min().date()
    last = parse_date(end, zone) or local.max().date()
    if first > last:
        raise UserError(f"start {first} must be on or before end {last}")
    try:
        days = pd.date_range(first, last, freq=every)
    except ValueError as exc:
        raise UserError(f"every must be a pandas frequency such as '30D', 'W' or 'MS', not {every!r}") from exc
    return days.union(pd.DatetimeIndex([pd.Timestamp(last)])).rename("date")


def _sample_commits(line: Line, days: pd.DatetimeIndex, zone) -> np.ndarray:
    """For each day, the last commit of the line committed before the day ended (-1: none)."""
    ends = [datetime.combine(d.date() + timedelta(days=1), time(), zone).timestamp() for d in days]
    order = np.argsort(line.times, kind="stable")
    newest = np.maximum.accumulate(order)  # the latest place on the line among the n earliest commits
    at = np.searchsorted(line.times[order], np.array(ends), side="left")  # commits strictly before the end
    return np.where(at > 0, newest[np.maximum(at - 1, 0)], -1)


def _cohorts(line: Line, zone, by: str) -> np.ndarray:
    local = pd.to_datetime(line.times, unit="s", utc=True).tz_convert(zone).tz_localize(None)
    labels = local.year.astype(str) if by == "year" else local.to_period("Q").astype(str)
    return np.asarray(labels, dtype=object)


def survival(
    repo: str | os.PathLike | CloneBacked,
    start: str | date | None = None,
    end: str | date | None = None,
    every: str = "30D",
    by: str = "year",
    breakdown: str | None = None,
    *,
    tz: str | None = None,
    revision: str = "HEAD",
    area_rules: Sequence[AreaRule] = (),
    cache: Cache | bool = True,
) -> pd.DataFrame:
    """Lines alive per cohort at sample dates (code survival; Hercules' burndown, git-of-theseus).

    Definition: every text file counts (as ``git grep -I`` sees them: no NUL byte in the first 8,000
    bytes, no binary attribute; not symbolic links or submodules); a line's cohort is the year
    (``by="year"``: ``"2025"``) or quarter (``"quarter"``: ``"2025Q3"``), in ``tz``, of the committer
    date of the first-parent commit that last changed it, every changed line new (no whitespace
    folding), whole-file renames followed. So at each sampled commit the counts equal ``git blame
    --first-parent`` of its text files, bucketed by the blamed commit's committer date.

    ``repo``: a clone's path (or a local or mirror source); its first-parent line of ``revision``.
    Index: the sample days (``every`` pandas frequency from ``start``, default the first commit's day,
    to ``end``, default the last's, which is always sampled), each read at the line's last commit
    committed before that day ended in ``tz`` (default: the machine's zone); ``attrs["commits"]`` holds
    them. Columns: the cohorts, oldest first; with ``breakdown="author"`` or ``"area"`` a MultiIndex
    (cohort, author or area): an author is the cohort commit's author after ``.mailmap`` (a merge's:
    the author of the branch it merged), an area the file's (``area_rules``, else its path).
    A shallow clone's boundary commit holds every line written before it.

    Computed once along the line (the diffs of ``git log --first-parent -p -M``) and cached in
    ``cache`` (True: the default cache; False: none); ``attrs["replayed"]`` counts the commits read.
    """
    cohort_by = check_by(by, COHORTS) or "year"
    if breakdown not in BREAKDOWNS:
        raise ValueError(f"breakdown must be one of None, 'author', 'area', not {breakdown!r}")
    path = repository_root(Path(repo.path if isinstance(repo, CloneBacked) else repo))
    zone = resolve_tz(tz)
    store = Cache() if cache is True else (cache or None)
    try:
        return _survival(path, zone, store, start, end, every, cohort_by, breakdown, revision, area_rules)
    finally:
        if cache is True and store is not None:
            store.close()


def _survival(path, zone, store, start, end, every, cohort_by, breakdown, revision, area_rules) -> pd.DataFrame:
    line = first_parent_line(path, revision)
    days = _sample_days(line, zone, start, end, every)
    at = _sample_commits(line, days, zone)
    cohort = _cohorts(line, zone, cohort_by)
    short_name = path.name.removesuffix(".git")
    areas: dict[str, str] = {}

    def key(origin: int, file: str):
        if breakdown is None:
            return cohort[origin]
        if breakdown == "author":
            return cohort[origin], line.authors[origin]
        if file not in areas:
            areas[file] = file_area(file, area_rules, short_name)
        return cohort[origin], areas[file]

    stats = {"replayed": 0}
    alive: dict = {}
    snapshots: dict[int, dict] = {-1: {}}
    wanted = set(at.tolist())
    last = int(at.max())
    if last >= 0:
        for origin, delta in _deltas(path, line, last, store, stats):
            for file, counts in delta.items():
                for o, n in counts.items():
                    k = key(o, file)
                    alive[k] = alive.get(k, 0) + n
            if origin in wanted:
                snapshots[origin] = {k: n for k, n in alive.items() if n}
    table = pd.DataFrame([snapshots[i] for i in at.tolist()], index=days).fillna(0).astype("int64")
    table = table.reindex(columns=sorted(table.columns))
    if breakdown is not None:
        pairs = list(table.columns)
        table.columns = pd.MultiIndex.from_arrays(
            [[c for c, _ in pairs], [b for _, b in pairs]], names=["cohort", breakdown]
        )
    else:
        table.columns.name = "cohort"
    table.attrs["commits"] = [line.shas[i] if i >= 0 else None for i in at.tolist()]
    table.attrs["replayed"] = stats["replayed"]
    table.attrs["shallow"] = sorted(shallow_boundary(path) & {line.shas[0]})
    return table
