"""Related commits: what a revert undoes, and series of commits that belong together.

A function of the scored commits (:func:`relate`) plus the lookups of the commits that the reverts of the
report's days name and the loaded commits do not hold (all of them at once);
it returns :class:`Relations`, which the frame keeps in its relation columns (``reverts``,
``reverted_by``, ``revert_lived_hours``, ``series``, ``series_index``, ``series_size``, ``series_rule``).

**Reverts.** A commit of the report's days that names what it reverts (the rule is
:mod:`.reverts`, shared with the outcomes of past commits): the reverted commit is taken from the
loaded commits below it (same repository), else looked up in the source's whole history by the same
rule (by sha: one ``git log --no-walk`` for all of a clone's reverts, one REST request each or the commit
cache; else by title: one ``git log -F --grep`` for all, or GitHub's commit search each), so a revert of a
commit from before the trend window is found too.
``reverts`` holds the reverted commit ``[{sha, title, committed_at, committed_local, url,
found_by}]`` (``committed_local`` in the report's time zone; the list is empty when not found),
``reverted_by`` on the reverted commit's row (when it is in the frame) the shas that revert it, and
``revert_lived_hours`` how long the reverted change lived: the revert's committer date minus the
reverted commit's.

**Series.** Commits that belong together, numbered in order (``series`` is the sha of the first
member in the frame, ``series_index`` the member's place, ``series_size`` the count when known):

1. *Marked* (``series_rule = "marker"``): a title with a part marker ``[k/N]``, ``(…, k/N)``,
   ``[k/N Refactor]`` or a leading ``k/N:`` (N a number, or ``N``). Members share the repository,
   the N as written and the stem: the title before its first ``:`` without the marker, else the
   title's bracket tags, else the author; so one refactor's parts by several authors are one
   series. The place is k as written, the size N when it is a number.
2. *A run* (``series_rule = "run"``): at least ``RUN_MIN`` (3) successive commits of one author
   (others may commit in between) in one repository, each within ``RUN_GAP`` (4 hours) of the
   previous one, all sharing a feature area: an area of every member other than ``tests``, ``ci``
   and ``root``, which say nothing about the feature. Bots, merges and marked commits are left out.
   The place is the order by committer date.

Series are found among all the loaded commits (report and trend days), so a series that began yesterday
keeps its numbers today.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ..models import Commit, CommitQuery, CommitRef
from ..sources.message import revert_target
from .heuristic import Assessment
from .reverts import reverted_commit

RUN_GAP = timedelta(hours=4)
RUN_MIN = 3
SUPPORT_AREAS = frozenset({"tests", "ci", "root"})  # shared by unrelated work: never what ties a run
_MARKER = re.compile(
    r"[\[(][^\[\]()]*?\b(\d{1,3})\s*/\s*(\d{1,3}|n)\b[^\[\]()]*[\])]|^\s*(\d{1,3})\s*/\s*(\d{1,3}|n)\s*[:.\-]",
    re.IGNORECASE,
)
_TAGS = re.compile(r"^\s*((?:[\[(][^\[\]()]*[\])]\s*)+)")

# find(repo, queries): each query's commit in the repository's whole history, in order (Source.find_commits)
Find = Callable[[str, Sequence[CommitQuery]], Sequence["CommitRef | None"]]


@dataclass(frozen=True)
class SeriesPlace:
    """A commit's place in a series: the series (the sha of its first member), its place, its size
    (None when the marker says N), and the rule that made it (marker or run)."""

    series: str
    index: int
    size: int | None
    rule: str


@dataclass(frozen=True)
class Relations:
    """What the loaded commits say of each other, by sha (see the module docstring)."""

    reverts: Mapping[str, dict] = field(
        default_factory=dict
    )  # revert -> the commit it reverts (a frame ``reverts`` item)
    reverted_by: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # reverted commit -> its reverts
    lived_hours: Mapping[str, float] = field(default_factory=dict)  # revert -> hours the reverted change lived
    series: Mapping[str, SeriesPlace] = field(default_factory=dict)


def part_marker(title: str) -> tuple[int, str, str] | None:
    """``(k, N as written, title without the marker)`` of a series part marker in ``title``, or None."""
    match = _MARKER.search(title or "")
    if match is None:
        return None
    k, total = (match.group(1), match.group(2)) if match.group(1) else (match.group(3), match.group(4))
    total = "N" if total.lower() == "n" else total
    if int(k) < 1 or (total != "N" and int(k) > int(total)):
        return None
    span = match.span(1) if match.group(1) else match.span(3)
    end = (match.span(2) if match.group(1) else match.span(4))[1]
    rest = re.sub(r"[\[(]\s*[\])]", "", title[: span[0]] + title[end:])  # "[2/N] x" leaves "[] x"
    return int(k), total, " ".join(rest.split())


def _stem(rest: str, author: str) -> str:
    head = rest.split(":", 1)[0] if ":" in rest else (tag.group(1) if (tag := _TAGS.match(rest)) else "")
    words = re.sub(r"[^\w]+", " ", head.lower()).split()
    return " ".join(words) or f"author:{author}"


def _local(moment: datetime, tz) -> str:
    return (moment.astimezone(tz) if tz is not None else moment).strftime("%Y-%m-%d %H:%M:%S")


def _target(sha: str, title: str, committed_at: datetime, url: str | None, found_by: str, tz) -> dict:
    return {
        "sha": sha,
        "title": title,
        "committed_at": committed_at.isoformat(),
        "committed_local": _local(committed_at, tz),
        "url": url,
        "found_by": found_by,
    }


def _looked_up(repo: str, waiting: Sequence[tuple[Commit, str | None, str | None]], find: Find, tz) -> dict:
    """revert sha -> the commit it reverts, for reverts whose target is not loaded: ``waiting`` holds each with
    the sha and the title it names; by sha first, else by title, before the revert (two lookups at most, each
    of every revert at once)."""
    found: dict[str, dict] = {}
    named = [(commit, sha) for commit, sha, _ in waiting if sha]
    refs = dict(zip((c.sha for c, _ in named), find(repo, [CommitQuery(sha=sha) for _, sha in named]))) if named else {}
    for commit, _ in named:
        ref = refs[commit.sha]
        if ref is not None:
            found[commit.sha] = _target(ref.sha, ref.title, ref.committed_at, ref.url, "sha", tz)
    quoted = [(commit, title) for commit, _, title in waiting if title and commit.sha not in found]
    if quoted:
        queries = [CommitQuery(title=title, before=commit.committer_date) for commit, title in quoted]
        for (commit, _), ref in zip(quoted, find(repo, queries)):
            if ref is not None:
                found[commit.sha] = _target(ref.sha, ref.title, ref.committed_at, ref.url, "title", tz)
    return found


def _reverts(
    commits: Sequence[tuple[Commit, Assessment]], shown: set[str], find: Find | None, tz
) -> tuple[dict, dict, dict]:
    """sha -> reverted commit, sha -> reverting shas, sha -> hours lived. The reverted commit is taken from
    the loaded commits below the revert first (scoring.reverts), else looked up by the same rule in the
    source's whole history (:func:`_looked_up`)."""
    lines: dict[str, list[Commit]] = {}  # repo -> its commits in frame order (newest first)
    for commit, _ in commits:
        lines.setdefault(commit.repo, []).append(commit)
    place = {c.sha: i for line in lines.values() for i, c in enumerate(line)}
    reverting: list[Commit] = []
    targets: dict[str, dict] = {}
    waiting: dict[str, list[tuple[Commit, str | None, str | None]]] = {}  # repo -> reverts to look up
    for commit, _ in commits:
        named = revert_target(commit.message, commit.title) if commit.sha in shown else (None, None)
        if named == (None, None):
            continue
        reverting.append(commit)
        loaded = reverted_commit(commit.message, lines[commit.repo][place[commit.sha] + 1 :], title=commit.title)
        if loaded is not None:
            hit, how = loaded
            targets[commit.sha] = _target(hit.sha, hit.title, hit.committer_date, hit.url, how, tz)
        elif find is not None:
            waiting.setdefault(commit.repo, []).append((commit, *named))
    for repo, reverts_here in waiting.items():
        targets.update(_looked_up(repo, reverts_here, find, tz) if find is not None else {})
    reverts: dict[str, dict] = {}
    reverted_by: dict[str, list[str]] = {}
    lived: dict[str, float] = {}
    for commit in reverting:
        target = targets.get(commit.sha)
        if target is None:
            continue
        reverts[commit.sha] = target
        reverted_by.setdefault(target["sha"], []).append(commit.sha)
        seconds = (commit.committer_date - datetime.fromisoformat(target["committed_at"])).total_seconds()
        lived[commit.sha] = round(seconds / 3600, 2)
    return reverts, {sha: tuple(by) for sha, by in reverted_by.items()}, lived


def _marked(by_date: Sequence[tuple[Commit, Assessment]]) -> list[list[tuple[str, int, int | None]]]:
    groups: dict[tuple, list] = {}
    for commit, _ in by_date:
        marker = part_marker(commit.title)
        if marker is None:
            continue
        k, total, rest = marker
        groups.setdefault((commit.repo, total, _stem(rest, commit.main_author.author_name)), []).append(
            (commit.sha, k, None if total == "N" else int(total))
        )
    return list(groups.values())


def _runs(by_date: Sequence[tuple[Commit, Assessment]], taken: set[str]) -> list[list[str]]:
    by_author: dict[tuple[str, str], list[tuple[Commit, Assessment]]] = {}
    for commit, assessment in by_date:
        if not assessment.signals.bot and not commit.is_merge and commit.sha not in taken:
            by_author.setdefault((commit.repo, commit.main_author.author_name), []).append((commit, assessment))
    runs = []
    for members in by_author.values():
        run: list[str] = []
        shared: set[str] = set()
        last: datetime | None = None
        for commit, assessment in members:
            areas = set(assessment.areas) - SUPPORT_AREAS
            if run and last is not None and commit.committer_date - last <= RUN_GAP and shared & areas:
                run.append(commit.sha)
                shared &= areas
            else:
                if len(run) >= RUN_MIN:
                    runs.append(run)
                run, shared = [commit.sha], areas
            last = commit.committer_date
        if len(run) >= RUN_MIN:
            runs.append(run)
    return runs


def _series(by_date: Sequence[tuple[Commit, Assessment]]) -> dict[str, SeriesPlace]:
    found: dict[str, SeriesPlace] = {}
    for members in _marked(by_date):
        for sha, k, size in members:
            found[sha] = SeriesPlace(members[0][0], k, size, "marker")
    for run in _runs(by_date, set(found)):
        for place, sha in enumerate(run, start=1):
            found[sha] = SeriesPlace(run[0], place, len(run), "run")
    return found


def relate(
    scored: Sequence[tuple[Commit, Assessment]], shown: set[str], find: Find | None = None, tz=None
) -> Relations:
    """The relations among ``scored`` (every loaded commit, newest first within a repository) by the
    module's rules; reverts are looked for among the commits whose shas are in ``shown`` (the report's).

    ``find(repo, queries)`` looks commits up outside the loaded ones (a source's ``find_commits``: every
    revert of a repository at once); without it only they are searched. ``tz`` (the report's time zone)
    gives each reverted commit's ``committed_local``."""
    if not scored:
        return Relations()
    reverts, reverted_by, lived = _reverts(scored, shown, find, tz)
    by_date = sorted(scored, key=lambda item: item[0].committer_date)
    return Relations(reverts=reverts, reverted_by=reverted_by, lived_hours=lived, series=_series(by_date))
