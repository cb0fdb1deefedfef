"""Explainable importance of a commit: signals, a 0-100 score, a level and the reasons.

Scoring has two steps. :func:`measure` reads the commit's facts (change type, areas, the signals)
and needs nothing but the commit, so it runs while git is still reading; :func:`judge` turns
them into points, once, when the pull request's labels and the loaded history are known.

Signals follow just-in-time defect prediction (Kamei et al., 2013): lines added (LA) and deleted
(LD), files (NF), directories (ND), subsystems (NS), change entropy, and the fix keyword; plus
risky paths, reverts, breaking-change markers and bots.

The score is a sum of points, each documented where it is defined (``POINTS``):
- the change type sets a base (a security fix matters more than a typo);
- size adds 7 points per doubling of the lines changed in source files above 8, up to 35 (tests,
  docs, CI, build, lockfiles, generated and vendored files weigh nothing: a later fix cannot be traced
  to them, so a change that touches no source file is never high on its size; a ``no_source`` reason
  worth 0 points says so);
- diffusion adds points for files, areas beyond the first and entropy (changes spread evenly
  over many files are harder to review than one big file);
- risky paths (public API, security-sensitive, build, CI) and breaking markers add points;
- labels of the commit's pull request that signal importance add points (``LABEL_POINTS``:
  breaking 20, security 20, high priority 15, bug 6; any case, "-" and "_" read as spaces; at
  most 30 in all; a breaking label counts nothing more when the message already has a
  breaking-change marker). A repository's ``label_points`` in the config is merged over these
  (``{ "p0" = 25, "bug" = 0 }``); the labels are data on the Commit, looked up by the source;
- recent fixes of its source files (:mod:`.fix_history`: fix commits of the 90 days before the change
  that changed one of them, from the loaded history, ``History.recent_fixes``) add 5 points each, up
  to 15: a file fixed lately is fixed again;
- bots are capped at low; docs/test/CI-only changes are capped below high;
- a commit touching a hotspot or a knowledge island of the loaded history (``History``, computed
  from the window's file changes before scoring) gets a ``hotspot`` / ``knowledge_island`` reason
  worth 0 points: they say where a change lands, not how much it weighs, and on the reference day
  below even 1 point each would turn more commits high.
Level: high at ``HIGH_AT`` (64) and above, medium at ``MEDIUM_AT`` (25) and above, low below. The
thresholds were set so that the reference day of the first users (sgl-project/sglang, 2026-02-16)
splits about as its human-reviewed report did (6 high, 20 medium, 15 low).
The risks and the advice that the signals call for are decided here too, as codes
(:mod:`.findings`); the report's strings word them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from ..config import AreaRule
from ..levels import Level
from ..models import Commit, author_key
from . import paths
from .areas import area_weights, file_area, order_areas
from .change_type import classify
from .findings import Finding, findings

HIGH_AT = 64
MEDIUM_AT = 25

# Base points by change type: how much a reader of the daily report needs to know about it.
TYPE_POINTS = {
    "security": 30,
    "feat": 14,
    "perf": 14,
    "fix": 12,
    "revert": 12,
    "refactor": 10,
    "other": 8,
    "build": 6,
    "deps": 6,
    "ci": 4,
    "chore": 3,
    "test": 2,
    "docs": 1,
}
POINTS = {
    "size_per_doubling": 7,
    "size_floor_lines": 8,
    "size_cap": 35,  # 8 lines -> 0, 1k lines -> ~35
    "files_per_doubling": 4,
    "files_cap": 12,
    "area_each": 4,
    "areas_cap": 12,  # per area beyond the first
    "entropy": 6,  # at perfectly even spread over >= 2 files
    "public_api": 8,
    "security_path": 12,
    "build_path": 4,
    "ci_path": 3,
    "breaking": 20,
    "recent_fix_each": 5,
    "recent_fixes_cap": 15,
    # Files the loaded history flags (History): named in the reasons, weighed 0 (see the docstring).
    "hotspot": 0,
    "knowledge_island": 0,
    "bot_cap": 15,
    "support_only_cap": MEDIUM_AT + 10,
}
# Pull-request labels a maintainer sets when a change matters; keys are normalized (see _label_key).
LABEL_POINTS = {"breaking": 20, "breaking change": 20, "security": 20, "high priority": 15, "bug": 6}
LABELS_CAP = 30
_BREAKING_LABELS = {"breaking", "breaking change"}
_BREAKING = re.compile(
    r"(^\s*\w+(\([^)]*\))?!:|BREAKING[ -]CHANGE|\[breaking\]|\bbackward[s]?[- ]incompatible\b)",
    re.IGNORECASE | re.MULTILINE,
)
# The non-ASCII letters that re.IGNORECASE matches to ASCII ones (İ ı ſ K): a text without them holds a
# case-insensitive match of an ASCII word only where its lower() holds the word.
_FOLDS_TO_ASCII = ("\u0130", "\u0131", "\u017f", "\u212a")
_BOT_NAMES = re.compile(r"(\[bot\]$|^dependabot|^renovate|^github-actions|^pre-commit-ci|^mergify|^copilot$)", re.I)


@dataclass(frozen=True)
class RepoRules:
    """What a repository's config adds to the rules: area globs, its short name (``python/<it>/`` is no
    area) and extra points for pull-request labels."""

    areas: tuple[AreaRule, ...] = ()
    short_name: str = ""
    label_points: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Reason:
    """One signal that moved the score: a code, its points, and language-neutral detail from the data."""

    code: str
    points: float
    detail: str = ""


@dataclass(frozen=True)
class Signals:
    lines_added: int
    lines_deleted: int
    files: int
    binary_files: int
    directories: int
    subsystems: int  # distinct top-level directories (Kamei's NS)
    entropy: float  # normalized change entropy, 0 (one file) .. 1 (even spread)
    fix: bool
    revert: bool
    breaking: bool
    bot: bool
    tests_touched: bool
    public_api_paths: tuple[str, ...] = ()
    security_paths: tuple[str, ...] = ()
    build_paths: tuple[str, ...] = ()
    ci_paths: tuple[str, ...] = ()
    # The same in source files only (scoring.paths.is_source: the files a later fix can be traced to)
    source_lines_added: int = 0
    source_lines_deleted: int = 0
    source_files: int = 0


@dataclass(frozen=True)
class Measured:
    """The facts :func:`measure` reads off a commit, before any point is given."""

    change_type: str
    type_rule: str
    signals: Signals
    areas: tuple[str, ...]  # most significant first
    file_areas: tuple[str, ...]  # the area of each of the commit's files, in its order
    area_count: int  # distinct path areas (title tags aside)
    # the areas of the files of each commit whose author wrote the change (Commit.authored): a merge's
    # landed commits, else the commit itself
    authored_areas: tuple[tuple[str, ...], ...] = ()


@dataclass(frozen=True)
class Assessment:
    """The rules' verdict on one commit."""

    areas: tuple[str, ...]
    change_type: str
    type_rule: str
    signals: Signals
    score: int
    level: Level
    reasons: tuple[Reason, ...] = field(default=())
    file_areas: tuple[str, ...] = ()  # the area of each of the commit's files, in its order
    risks: tuple[Finding, ...] = ()  # what the signals say could go wrong (codes: scoring.findings)
    advice: tuple[Finding, ...] = ()  # what reviewers should do about it
    authored_areas: tuple[tuple[str, ...], ...] = ()  # Measured.authored_areas


@dataclass(frozen=True)
class History:
    """What the loaded history says about one repository's files (hotspots and knowledge islands of the
    window, from repodigest.analytics before scoring)."""

    hotspots: Mapping[str, int] = field(default_factory=dict)  # path -> revisions, the top hotspots
    islands: Mapping[str, str] = field(default_factory=dict)  # path -> its only author
    # sha -> fix commits of the RECENT_DAYS before it that changed its source files (fix_history)
    recent_fixes: Mapping[str, int] = field(default_factory=dict)


def is_bot(name: str, login: str | None = None) -> bool:
    """Bots by the usual names: ``*[bot]``, dependabot, renovate, github-actions, pre-commit-ci."""
    return bool(_BOT_NAMES.search(name.strip()) or (login and _BOT_NAMES.search(login)))


def change_entropy(churns: Sequence[int]) -> float:
    """Shannon entropy of the lines changed per file, normalized by log2(files) (Hassan 2009)."""
    total = sum(churns)
    if len(churns) < 2 or total == 0:
        return 0.0
    h = -sum(c / total * math.log2(c / total) for c in churns if c)
    return h / math.log2(len(churns))


def _has_breaking_marker(message: str) -> bool:
    """The message has a breaking-change marker (``_BREAKING``) in its first 20,000 characters."""
    text = message[:20000]
    # Most messages hold none of the literals a marker needs: the regex runs on the others only.
    if text.isascii() or not any(c in text for c in _FOLDS_TO_ASCII):
        lowered = text.lower()
        if "!:" not in text and "breaking" not in lowered and "backward" not in lowered:
            return False
    return bool(_BREAKING.search(text))


@lru_cache(maxsize=1 << 16)  # a history changes the same files again and again
def _path_kinds(path: str) -> tuple[bool, bool, bool, bool, bool]:
    """(test, public API, security-sensitive, build, CI) of one path (scoring.paths)."""
    return (
        paths.is_test(path),
        paths.is_public_api(path),
        paths.is_security_sensitive(path),
        paths.is_build(path),
        paths.is_ci(path),
    )


def signals_of(commit: Commit, change_type: str) -> Signals:
    """The JIT-style signals of a commit from its files, message and change type."""
    files = commit.files
    names = [f.path for f in files]
    kinds = [_path_kinds(n) for n in names]
    added = deleted = binary = source_added = source_deleted = sources = 0
    churns = []
    for f in files:
        a, d = f.added_lines or 0, f.deleted_lines or 0
        added, deleted, binary = added + a, deleted + d, binary + (1 if f.binary else 0)
        churns.append(a + d)
        if paths.is_source(f.path):
            source_added, source_deleted, sources = source_added + a, source_deleted + d, sources + 1
    return Signals(
        lines_added=added,
        lines_deleted=deleted,
        files=len(files),
        binary_files=binary,
        directories=len({n.rsplit("/", 1)[0] if "/" in n else "" for n in names}),
        subsystems=len({n.split("/", 1)[0] if "/" in n else "" for n in names}),
        entropy=round(change_entropy(churns), 3),
        fix=change_type == "fix",
        revert=change_type == "revert",
        breaking=_has_breaking_marker(commit.message),
        bot=all(is_bot(c.author_name, c.author_login) for c in commit.authored),
        tests_touched=any(k[0] for k in kinds),
        public_api_paths=tuple(n for n, k in zip(names, kinds) if k[1])[:20],
        security_paths=tuple(n for n, k in zip(names, kinds) if k[2])[:20],
        build_paths=tuple(n for n, k in zip(names, kinds) if k[3])[:20],
        ci_paths=tuple(n for n, k in zip(names, kinds) if k[4])[:20],
        source_lines_added=source_added,
        source_lines_deleted=source_deleted,
        source_files=sources,
    )


def _label_key(label: str) -> str:
    return re.sub(r"[\s_-]+", " ", label.strip().lower())


def is_breaking_label(label: str) -> bool:
    """A pull-request label that marks a breaking change ("breaking", "Breaking-Change", ...)."""
    return _label_key(label) in _BREAKING_LABELS


def label_reasons(
    labels: Sequence[str], extra: Mapping[str, float] | None = None, breaking_marker: bool = False
) -> list[Reason]:
    """One ``pr_label`` reason per label worth points (``LABEL_POINTS`` merged with ``extra``),
    the positive ones capped at ``LABELS_CAP`` in all."""
    table = {**LABEL_POINTS, **{_label_key(k): float(v) for k, v in (extra or {}).items()}}
    found: dict[str, tuple[str, float]] = {}
    for label in labels:
        key = _label_key(label)
        if table.get(key) and key not in found and not (breaking_marker and key in _BREAKING_LABELS):
            found[key] = (label, table[key])
    reasons, room = [], float(LABELS_CAP)
    for label, points in sorted(found.values(), key=lambda item: -item[1]):
        if points > 0:
            points = min(points, room)
            room -= points
        if points:
            reasons.append(Reason("pr_label", points, label))
    return reasons


def level_of_score(score: float) -> Level:
    """The level a score reaches under ``HIGH_AT`` and ``MEDIUM_AT``."""
    return Level.HIGH if score >= HIGH_AT else Level.MEDIUM if score >= MEDIUM_AT else Level.LOW


def measure(commit: Commit, rules: RepoRules = RepoRules()) -> Measured:
    """The commit's change type, signals and areas: its facts, before any point is given."""
    names = [f.path for f in commit.files]
    change_type, type_rule = classify(commit.title, names, commit.subject or None)
    file_areas = tuple(file_area(f.path, rules.areas, rules.short_name) for f in commit.files)
    weights = area_weights(zip(file_areas, (f.churn for f in commit.files)))
    # a fix's primary area is where the fix is: its source files before the tests and docs that come with it
    lead = (
        area_weights((area, f.churn) for area, f in zip(file_areas, commit.files) if paths.is_source(f.path))
        if change_type == "fix"
        else None
    )
    authored = commit.authored
    authored_areas = (
        (file_areas,)
        if authored == (commit,)
        else tuple(tuple(file_area(f.path, rules.areas, rules.short_name) for f in c.files) for c in authored)
    )
    return Measured(
        change_type=change_type,
        type_rule=type_rule,
        signals=signals_of(commit, change_type),
        areas=tuple(order_areas(commit.title, weights, lead)),
        file_areas=file_areas,
        area_count=len(weights),
        authored_areas=authored_areas,
    )


def judge(
    commit: Commit, measured: Measured, rules: RepoRules = RepoRules(), history: History | None = None
) -> Assessment:
    """Score one measured commit and say why, by the rule in this module's docstring."""
    s, change_type, type_rule = measured.signals, measured.change_type, measured.type_rule
    p = POINTS
    reasons: list[Reason] = [Reason("type", TYPE_POINTS[change_type], change_type)]
    churn = s.source_lines_added + s.source_lines_deleted
    if churn > p["size_floor_lines"]:
        size = min(p["size_cap"], p["size_per_doubling"] * math.log2(churn / p["size_floor_lines"]))
        reasons.append(Reason("size", size, f"+{s.source_lines_added}/-{s.source_lines_deleted}"))
    elif not s.source_files and s.files:
        reasons.append(Reason("no_source", 0, f"+{s.lines_added}/-{s.lines_deleted}"))
    if s.files > 1:
        reasons.append(Reason("files", min(p["files_cap"], p["files_per_doubling"] * math.log2(s.files)), str(s.files)))
    if measured.area_count > 1:
        reasons.append(
            Reason("areas", min(p["areas_cap"], p["area_each"] * (measured.area_count - 1)), str(measured.area_count))
        )
    if s.entropy > 0:
        reasons.append(Reason("entropy", p["entropy"] * s.entropy, f"{s.entropy:.2f}"))
    for code, found in (
        ("public_api", s.public_api_paths),
        ("security_path", s.security_paths),
        ("build_path", s.build_paths),
        ("ci_path", s.ci_paths),
    ):
        if (
            found
            and not (code == "build_path" and change_type in ("build", "deps"))
            and not (code == "ci_path" and change_type == "ci")
        ):
            reasons.append(Reason(code, p[code], found[0]))
    if s.breaking:
        reasons.append(Reason("breaking", p["breaking"]))
    if commit.pull_request is not None:
        reasons += label_reasons(commit.pull_request.labels, rules.label_points, s.breaking)
    if history is not None:
        reasons += history_reasons([f.path for f in commit.files], history)
        fixed = history.recent_fixes.get(commit.sha, 0)
        if fixed:
            reasons.append(Reason("recent_fixes", min(p["recent_fixes_cap"], p["recent_fix_each"] * fixed), str(fixed)))
    score = sum(r.points for r in reasons)
    if s.bot and score > p["bot_cap"]:
        reasons.append(Reason("bot", p["bot_cap"] - score, author_key(commit.main_author)))  # the bot, not the merger
        score = p["bot_cap"]
    elif (
        change_type in ("docs", "test", "ci", "chore")
        and (type_rule == "paths" or change_type == "chore")
        and score > p["support_only_cap"]
    ):
        reasons.append(Reason("support_only", p["support_only_cap"] - score, change_type))
        score = p["support_only_cap"]
    score = int(round(max(0.0, min(100.0, score))))
    ordered = sorted(reasons, key=lambda r: -abs(r.points))
    risks, advice = findings(commit, change_type, s, measured.areas)
    return Assessment(
        areas=measured.areas,
        change_type=change_type,
        type_rule=type_rule,
        signals=s,
        score=score,
        level=level_of_score(score),
        reasons=tuple(ordered),
        file_areas=measured.file_areas,
        risks=risks,
        advice=advice,
        authored_areas=measured.authored_areas,
    )


def assess(commit: Commit, rules: RepoRules = RepoRules(), history: History | None = None) -> Assessment:
    """:func:`measure` then :func:`judge`: the whole verdict on one commit."""
    return judge(commit, measure(commit, rules), rules, history)


def history_reasons(paths: Sequence[str], history: History) -> list[Reason]:
    """The hotspot (the most changed of them) and knowledge-island (the first) reasons of a commit's paths."""
    reasons = []
    hot = [path for path in paths if path in history.hotspots]
    if hot:
        reasons.append(Reason("hotspot", POINTS["hotspot"], max(hot, key=lambda path: history.hotspots[path])))
    island = next((path for path in paths if path in history.islands), None)
    if island:
        reasons.append(Reason("knowledge_island", POINTS["knowledge_island"], island))
    return reasons
