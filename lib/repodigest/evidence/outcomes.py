"""Outcomes of past commits: was a commit later reverted, or later fixed (SZZ), and how soon.

Source: a local clone or bare mirror, on the first-parent line of a branch (a merge is the change
it lands, read as its diff against its first parent), seen from a **point of observation**
(``as_of``, :func:`observation_point`): the newest commit on the line at a moment (a date, a
datetime) or a revision; nothing after it is read. Exploration observes from the clone's newest
commit, the daily report from the end of its day (it knows nothing later). For each labelled commit
``c``, the *later* commits are those after it on that line, up to the point of observation, whose
committer date is at most ``c``'s outcome horizon.

- **Reverted**: a later commit reverts ``c`` by the report's own rule
  (:func:`~repodigest.scoring.reverts.reverted_commit`: ``This reverts commit <sha>`` naming ``c``,
  else ``Revert "<title>"`` quoting ``c``'s title, equal or equal but for GitHub's `` (#N)``, when
  ``c`` is the newest earlier labelled commit with that title), read in the change's own words
  (:func:`~repodigest.evidence.fixlines.change_message`: for a GitHub merge, the pull request's title).
- **Fixed** (SZZ: Śliwerski, Zimmermann and Zeller 2005): each later fix commit (the rule and the
  lines skipped are in :mod:`repodigest.evidence.fixlines`) has the lines it deletes or modifies
  blamed in its first parent; the commits blame names are fixed by it. The blame is
  ``git blame --first-parent --root -w <bound>..<fix>^ -- <path>`` for those lines, computed forward
  for all fixes at once (:mod:`repodigest.evidence.annotate`: each file's history read once, where
  blame would walk it again for every fix). ``--first-parent`` names the first-parent commit (a
  merge, not the branch commit inside it) that brought a line in; ``-w`` looks through
  whitespace-only changes; whole-file renames are followed; no ``-M``/``-C`` inside files: a line
  moved within or across files is blamed on the move (the move is the last change to the line the
  fix touched). ``<bound>`` is the first parent of the oldest labelled commit, so blame never reads
  older history (lines from before it name no one): that bound is what keeps the cost to a few
  months of each file. ``--root``: a repository's first commit is blamed like any other; in a
  shallow clone history stops at the grafted boundary commits (``.git/shallow``), which get every
  older line, so a boundary commit is never labelled fixed (those lines are counted in
  ``boundary_lines``).
- ``days_to_fix``: days from ``c``'s committer date to its first fix or revert.
- ``outcome_horizon``: the last moment an outcome could be seen: the point of observation's committer
  date, or ``c`` + ``horizon_days`` when given, whichever is earlier.
- ``status``: ``open`` while the observation period (``horizon_days``, default
  ``OBSERVATION_DAYS`` = 90: about three months) has not passed by the point of observation, whatever
  was seen so far (so a rate over the closed commits is not inflated by young commits that were fixed
  early while their young clean peers are left out); else ``reverted``, ``fixed`` or ``clean``. An
  open commit's horizon is *cut short* by the point of observation (:meth:`Outcomes.cut_short`).

What one fix repairs (:func:`blamed_commits`: fix -> the earlier commits its lines are blamed on) is
the same SZZ step on its own, for a day's fixes.

Cost and cache: one ``git log`` lists the first-parent line (messages only, stopping at the oldest
labelled commit); for the fix commits not cached, two ``git log --no-walk`` per batch of 200 read
their files and their source patches, one ``git log -p`` per group of files (``workers`` groups, in
parallel) blames them forward. A fix commit's blame result is immutable: it is cached per fix (table
``szz_fixes`` at ``RULES_VERSION``, keyed by the repository's path and the fix's sha; the horizon only
chooses which fixes count, so it is no part of the key) with the bound it was blamed from, and reused
whenever that bound is as old as the one needed or older; a fix git could not read is not cached.
Labels are composed in memory, so a warm run reads the line and the cache only.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import Any

from ..cache import Cache, Table
from ..errors import SourceError, UserError
from ..scoring.reverts import reverted_commit
from ..sources import CloneBacked
from ..sources.git_process import repository_root, run_git, shallow_boundary, stream_git
from ..sources.gitlog import git_time, git_tokens
from ..sources.message import revert_target, split_message
from .annotate import line_origins
from .fixlines import change_message, is_fix_title, read_fixes

OBSERVATION_DAYS = 90
RULES_VERSION = "2"  # bump when the fix rule, the skipped lines or the blame options change
TABLE = Table("szz_fixes", RULES_VERSION)
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Four NUL-terminated fields a commit (``-z`` ends each record with one more NUL): no field can hold a NUL,
# a message included, so no commit content can shift the count.
_LINE_FORMAT = "--format=%H%x00%P%x00%cI%x00%B"
_LINE_FIELDS = 4


@dataclass(frozen=True)
class Outcome:
    """What happened to one commit after it landed, as seen up to ``outcome_horizon``."""

    sha: str
    later_reverted: bool
    reverted_by: tuple[str, ...]
    later_fixed: bool
    fixed_by: tuple[str, ...]
    days_to_fix: float | None  # to the first fix or revert
    outcome_horizon: datetime
    status: str  # open | reverted | fixed | clean


@dataclass
class ScanStats:
    """What one labelling run did and what it could not read."""

    labelled: int = 0
    not_on_line: int = 0  # asked-for commits not on the revision's first-parent line
    fix_commits: int = 0  # later fix commits scanned
    cached_fixes: int = 0
    blamed_fixes: int = 0  # fix commits whose lines were blamed in this run (not cached)
    blamed_files: int = 0  # their files (what ``git blame`` would have run once each)
    skipped: dict[str, int] = field(default_factory=lambda: {"sweeps": 0, "files": 0, "hunks": 0, "lines": 0})
    unreadable: int = 0  # diffs or blames git could not produce (missing objects, shallow boundary)
    boundary_lines: int = 0  # lines blame gave to a shallow clone's boundary commit


@dataclass(frozen=True)
class Observed:
    """The point of observation: the newest commit on the branch's first-parent line at the moment
    asked for (``as_of``), and its committer date; nothing after it is seen."""

    sha: str
    when: datetime


class Outcomes(dict):
    """sha -> :class:`Outcome`, with the run's :class:`ScanStats` as ``stats`` and the point of
    observation as ``observed`` (None when the line held no commit at that point)."""

    stats: ScanStats
    observed: Observed | None = None

    def cut_short(self) -> list[str]:
        """The keys of the commits whose observation period the point of observation cuts short (``open``),
        oldest first."""
        return [key for key, o in self.items() if o.status == "open"]  # labelled oldest first


@dataclass
class _Entry:
    sha: str
    parents: tuple[str, ...]
    when: datetime
    message: str


NEWEST = "newest"  # as_of: the branch's newest commit


def _moment(value: datetime | date | str, tz: tzinfo) -> datetime | None:
    """``as_of`` as a moment (a date: the end of that day in ``tz``; a naive datetime: in ``tz``), or None
    when it is a revision."""
    if isinstance(value, str):
        text = value.strip()
        try:
            value = date.fromisoformat(text) if _ISO_DAY.match(text) else datetime.fromisoformat(text)
        except ValueError:
            return None
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=tz)
    return datetime.combine(value + timedelta(days=1), time(0), tz) - timedelta(seconds=1)


def observation_point(
    source, as_of: datetime | date | str | None = None, *, revision: str | None = None, tz: tzinfo | None = None
) -> Observed | None:
    """The point outcomes are observed from: on the first-parent line of ``revision`` (default: the
    source's branch, else ``HEAD``), the newest commit at ``as_of``: None or ``"newest"`` (:data:`NEWEST`)
    the line's newest commit; a ``date`` (or ``YYYY-MM-DD``) the end of that day in ``tz`` (default UTC);
    a ``datetime`` (or an ISO 8601 string) that moment; any other string a revision (a sha, a tag), which
    is the point itself. None when the line holds no commit by then; a UserError for an unknown revision."""
    path = _source_path(source)
    line = revision or (source.revision if isinstance(source, CloneBacked) else None) or "HEAD"
    moment = None if as_of is None or as_of == NEWEST else _moment(as_of, tz or UTC)
    if moment is None:  # the line's newest commit, or a revision
        point = line if as_of is None or as_of == NEWEST else str(as_of)
        sha = run_git(path, "rev-parse", "--verify", "--quiet", f"{point}^{{commit}}", check=False).decode().strip()
        if not sha:
            raise UserError(f"revision {point!r} does not exist in {path}")
    else:
        _check_revision(path, line)
        before = f"--before={moment.isoformat()}"
        sha = run_git(path, "rev-list", "-1", "--first-parent", before, line, "--", check=False).decode().strip()
        if not sha:
            return None
    when = run_git(path, "log", "-1", "--format=%cI", sha, "--").decode().strip()
    return Observed(sha, git_time(when)[0])


def _check_revision(path: Path, revision: str) -> None:
    if not run_git(path, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}", check=False).strip():
        raise UserError(f"revision {revision!r} does not exist in {path}")


def _source_path(source) -> Path:
    where = source.path if isinstance(source, CloneBacked) else source
    if not isinstance(where, (str, os.PathLike)):
        raise UserError("outcomes need a local clone or mirror (a GitHub repository: set mirror = true)")
    try:
        return repository_root(Path(where))
    except UserError as exc:
        raise UserError(
            f"outcomes need a local clone or mirror (a GitHub repository: set mirror = true): {exc}"
        ) from None


def _first_parent_line(path: Path, revision: str, wanted: set[str] | None) -> Iterator[_Entry]:
    """The first-parent line of ``revision``, newest first; stops once every ``wanted`` sha was seen
    (None: the whole line)."""
    missing = set(wanted or ())
    args = ("-c", "log.showSignature=false", "log", "-z", "--first-parent", "--no-color", _LINE_FORMAT, revision, "--")
    fields: list[bytes] = []
    for token in git_tokens(stream_git(path, *args)):
        if not fields and not token:
            continue  # the NUL that ends a record
        fields.append(token)
        if len(fields) == _LINE_FIELDS:
            entry = _entry(fields)
            fields = []
            yield entry
            missing.discard(entry.sha)
            if wanted is not None and not missing:
                return


def _entry(fields: list[bytes]) -> _Entry:
    sha, parents, when, message = (f.decode("utf-8", "replace") for f in fields)
    return _Entry(sha, tuple(parents.split()), git_time(when)[0], message)


def _scan_fixes(
    path: Path,
    fixes: list[_Entry],
    bound: str | None,
    order: dict[str, int],
    first: int,
    cache: Cache | None,
    workers: int,
    progress: bool,
    stats: ScanStats,
) -> dict[str, dict[str, int]]:
    """fix sha -> {commit that wrote a line the fix deletes: lines}, for the fix commits among ``fixes``
    (from the cache, else read and blamed forward from ``bound``; ``first`` is the oldest labelled
    commit's place on the line)."""
    keys = {e.sha: f"{path}|{e.sha}" for e in fixes}
    cached = cache.get_many(TABLE, list(keys.values())) if cache is not None else {}
    results: dict[str, dict] = {}
    for entry in fixes:
        value = cached.get(keys[entry.sha])
        # A result blamed from an older bound (or the root) holds every commit a newer bound would name.
        if value is not None and (value["bound"] is None or order.get(value["bound"], -1) < first):
            results[entry.sha] = value
    stats.cached_fixes = len(results)
    todo = [e for e in fixes if e.sha not in results]
    read = read_fixes(path, {e.sha: e.message for e in todo if e.parents}, workers) if todo else {}
    values: dict[str, dict[str, Any]] = {}
    for entry in todo:
        fix = read.get(entry.sha)
        if fix is None:  # git could not read it, or a shallow clone's boundary: no parent to blame in
            stats.unreadable += 1
            continue
        values[entry.sha] = {
            "fix": fix.fix,
            "bound": bound,
            "blamed": {},
            "skipped": fix.skipped,
            "lines": fix.lines if fix.fix else {},
        }
    wanted: dict[str, dict[str, list[int]]] = {sha: value.pop("lines") for sha, value in values.items()}
    wanted = {sha: lines for sha, lines in wanted.items() if lines}
    stats.blamed_fixes = len(wanted)
    stats.blamed_files = sum(len(lines) for lines in wanted.values())
    try:
        blamed = line_origins(path, bound, wanted, order, workers, progress=progress) if wanted else {}
    except SourceError:  # a missing object on the way: these fixes are not cached, and count as unreadable
        blamed = None
        stats.unreadable += len(wanted)
    fresh = {}
    for sha, value in values.items():
        if blamed is None and sha in wanted:
            continue
        value["blamed"] = (blamed or {}).get(sha, {})
        fresh[keys[sha]] = results[sha] = value
    if cache is not None:
        cache.put_many(TABLE, fresh)
    out = {}
    for sha, value in results.items():
        if value["fix"]:
            stats.fix_commits += 1
            for kind, n in value["skipped"].items():
                stats.skipped[kind] = stats.skipped.get(kind, 0) + n
            out[sha] = value["blamed"]
    return out


@dataclass(frozen=True)
class _Titled:
    sha: str
    title: str  # the change's title (change_message: a GitHub merge's pull request)


def _reverts(later: list[_Entry], labelled: list[_Entry], order: dict[str, int]) -> dict[str, list[_Entry]]:
    """labelled sha -> the ``later`` commits that revert it (scoring.reverts: the report's rule), oldest
    first; ``order`` is each commit's place on the first-parent line."""
    # Newest first as the frame orders a repository's rows: by committer date, ties in line order.
    ranked = sorted(labelled, key=lambda e: (e.when, order[e.sha]), reverse=True)
    titled = [(order[e.sha], _Titled(e.sha, split_message(change_message(e.message))[0])) for e in ranked]
    found: dict[str, list[_Entry]] = {}
    for entry in later:
        message = change_message(entry.message)
        if revert_target(message) == (None, None):
            continue
        place = order[entry.sha]
        hit = reverted_commit(message, [t for at, t in titled if at < place])
        if hit is not None:
            found.setdefault(hit[0].sha, []).append(entry)
    return found


def _on_line(wanted: set[str], index: dict[str, int]) -> dict[str, str]:
    """line sha -> the asked-for name (a full sha, or a prefix of at least 7 digits) of each ``wanted``
    commit that is on the line."""
    found = {}
    for name in wanted:
        if name in index:
            found[name] = name
        elif 7 <= len(name) < 40:
            full = next((sha for sha in index if sha.startswith(name)), None)
            if full:
                found[full] = name
    return found


def _outcome(entry: _Entry, horizon: datetime, closed: bool, fixers: list[_Entry], reverters: list[_Entry]) -> Outcome:
    first = min((e.when for e in fixers + reverters), default=None)
    status = "open" if not closed else "reverted" if reverters else "fixed" if fixers else "clean"
    return Outcome(
        sha=entry.sha,
        later_reverted=bool(reverters),
        reverted_by=tuple(r.sha for r in reverters),
        later_fixed=bool(fixers),
        fixed_by=tuple(f.sha for f in fixers),
        days_to_fix=(first - entry.when).total_seconds() / 86400 if first else None,
        outcome_horizon=horizon,
        status=status,
    )


def label_outcomes(
    source,
    commits: Iterable,
    *,
    as_of: datetime | date | str | None = None,
    revision: str | None = None,
    tz: tzinfo | None = None,
    horizon_days: float | None = None,
    cache: Cache | None = None,
    progress: bool = True,
    workers: int | None = None,
) -> Outcomes:
    """The :class:`Outcome` of each of ``commits`` (shas or objects with ``.sha``) on the first-parent
    line of ``revision`` (default: the source's branch, else ``HEAD``) in ``source`` (a local clone or
    mirror: a path, or a source with ``.path``), by the module's rules, as seen from the point of
    observation ``as_of`` (:func:`observation_point`; default: the line's newest commit); keyed as
    asked. Commits not on the line at that point are left out (``stats.not_on_line``)."""
    path = _source_path(source)
    observed = observation_point(source, as_of, revision=revision, tz=tz)
    wanted = {getattr(c, "sha", c) for c in commits}
    shallow = shallow_boundary(path)
    result = Outcomes()
    result.stats = stats = ScanStats()
    result.observed = observed
    line = list(_first_parent_line(path, observed.sha, wanted))[::-1] if observed else []  # oldest first
    index = {e.sha: i for i, e in enumerate(line)}
    found = _on_line(wanted, index)
    stats.not_on_line = len(wanted) - len(found)
    if not found:
        return result
    labelled = sorted((line[index[sha]] for sha in found), key=lambda e: index[e.sha])
    first = index[labelled[0].sha]
    newest = line[-1].when
    period = timedelta(days=horizon_days if horizon_days is not None else OBSERVATION_DAYS)
    horizons = {
        e.sha: newest if horizon_days is None else min(newest, e.when + timedelta(days=horizon_days)) for e in labelled
    }
    last_seen = max(horizons.values())
    later = [e for e in line[first + 1 :] if e.when <= last_seen]
    fixes = [e for e in later if is_fix_title(e.message)]
    bound = labelled[0].parents[0] if labelled[0].parents else None
    blamed = _scan_fixes(path, fixes, bound, index, first, cache, _workers(workers), progress, stats)
    fixed_by: dict[str, list[_Entry]] = {}
    for entry in fixes:
        for who, n in blamed.get(entry.sha, {}).items():
            if who in shallow:
                stats.boundary_lines += n
            elif who in index:
                fixed_by.setdefault(who, []).append(entry)
    reverted_by = _reverts(later, labelled, index)
    for entry in labelled:
        horizon = horizons[entry.sha]
        result[found[entry.sha]] = _outcome(
            entry,
            horizon,
            closed=entry.when + period <= newest,
            fixers=[f for f in fixed_by.get(entry.sha, []) if f.when <= horizon],
            reverters=[r for r in reverted_by.get(entry.sha, []) if r.when <= horizon],
        )
    stats.labelled = len(result)
    return result


def blamed_commits(
    source,
    fixes: Iterable,
    *,
    since: datetime,
    within: timedelta | None = None,
    revision: str | None = None,
    cache: Cache | None = None,
    progress: bool = False,
    workers: int | None = None,
) -> dict[str, dict[str, int]]:
    """What each of ``fixes`` (shas, or objects with ``.sha``, on the first-parent line of ``revision``,
    default the source's branch) repairs, by the module's SZZ rules: fix sha -> {earlier commit its
    deleted or modified lines are blamed on: lines}, oldest first on the line. Blame reads the line back
    to the newest commit before ``since`` only, so older commits are never named; ``within`` keeps the
    commits committed at most that long before the fix (the observation period). A commit the fix-commit
    rule does not take for a fix maps to {}. Each fix is blamed in its own first parent: the answer is
    as of the fix."""
    path = _source_path(source)
    line_tip = revision or (source.revision if isinstance(source, CloneBacked) else None) or "HEAD"
    _check_revision(path, line_tip)
    wanted = {getattr(f, "sha", f) for f in fixes}
    line: list[_Entry] = []
    seen = set()
    for entry in _first_parent_line(path, line_tip, None):
        line.append(entry)
        seen.add(entry.sha)
        if entry.when < since and wanted <= seen:
            break
    line.reverse()  # oldest first
    index = {e.sha: i for i, e in enumerate(line)}
    found = _on_line(wanted, index)
    bound_at = next((i for i in range(len(line) - 1, -1, -1) if line[i].when < since), None)
    bound = line[bound_at].sha if bound_at is not None else None
    first = bound_at + 1 if bound_at is not None else 0
    entries = [line[index[sha]] for sha in found]
    todo = [e for e in entries if index[e.sha] >= first and is_fix_title(e.message)]
    blamed = _scan_fixes(path, todo, bound, index, first, cache, _workers(workers), progress, ScanStats())
    shallow = shallow_boundary(path)

    def kept(who: str, fix: _Entry) -> bool:
        at = index.get(who, -1)
        return at >= first and who not in shallow and (within is None or line[at].when >= fix.when - within)

    return {
        found[e.sha]: {
            who: n
            for who, n in sorted(blamed.get(e.sha, {}).items(), key=lambda item: index.get(item[0], -1))
            if kept(who, e)
        }
        for e in entries
    }


def _workers(workers: int | None) -> int:
    return workers or min(8, os.cpu_count() or 2)
