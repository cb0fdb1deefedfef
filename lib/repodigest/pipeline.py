"""The pipeline, stage by stage, top to bottom; :func:`build_digest` runs it and returns a :class:`Digest`.

    parameters -> load (sources; each commit measured as it is read)
               -> pull-request context (GitHub, the report's days)
               -> history signals (hotspots and knowledge islands of the window's file changes)
               -> score (the rules' points, level, reasons, risks and advice: once per commit)
               -> related commits (reverts, series)
               -> frames (the commit frame and the file frame)
               -> evidence (gather_evidence: outcomes of past commits, the levels' track record, a learned risk)
               -> follow-ups (follow_up: what the days' fixes repair, the earlier days as judged then)
               -> model analysis (run_analysis), blended into the levels; its claims checked (check_claims)
               -> overview (day_overview: the day at a glance, worded by the model when it ran)
               -> rollup (period_rollup, a week or a month only: the same stages over the period's days and
                  the period before, then what the period amounted to, worded by the model once per repository)

Each stage is a plain function of the previous stage's value and returns its own; nothing is
changed in place. ``build_digest`` is what the daily notebook and the exploration notebook call.
"""

from __future__ import annotations

import functools
import gc
import logging
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date as Date
from datetime import datetime, time, timedelta
from operator import itemgetter
from typing import TYPE_CHECKING

import pandas as pd

from .cache import Cache
from .config import RepoConfig, Settings, github_token, load_settings, repo_kind
from .errors import UserError
from .frame import (
    file_frame_of,
    in_frame_order,
    report_rows,
    to_frame,
    with_analyses,
    with_grounding,
    with_outcomes,
    with_repairs,
    with_risk,
)
from .i18n import strings
from .levels import LEVELS
from .models import Commit
from .report import build_context, render_markdown
from .report.notes import cut_short_notes, gap_notes, heuristic_note, pull_request_notes
from .report.overview import Overview, build_overview, worded
from .report.rollup import build_rollup
from .report.rollup_data import Rollup
from .scoring import Assessment, History, Measured, RepoRules, judge, measure
from .scoring.fix_history import RECENT_DAYS, recent_fixes
from .scoring.relations import Relations, relate
from .sources import CloneBacked, Source, open_sources, resolve_day
from .window import MAX_WINDOW_DAYS, Window, check_days, check_period, period_window, previous_window, resolve_tz

if TYPE_CHECKING:  # the analysis stage is imported when a run asks for it (it loads openai)
    from .analysis.records import AnalysisRun

log = logging.getLogger(__name__)


# ---------------------------------------------------------------------------------------------------
# What the stages hand on


@dataclass(frozen=True)
class Loaded:
    """The commits of the loaded window (the report's days and the trend days before them), each with
    the facts measured while it was read, in the frame's row order; what else the sources said."""

    settings: Settings
    window: Window
    shown: Window  # the report's days
    sources: Mapping[str, Source]  # display name -> source, in config order
    rules: Mapping[str, RepoRules]  # display name -> the repository's rules
    commits: tuple[tuple[Commit, Measured], ...]
    notes: tuple[str, ...] = ()  # one line each for the report's top
    pull_requests: Mapping[str, dict] = field(default_factory=dict)  # repo -> lookup figures
    # The commits of the RECENT_DAYS before the window, of the repositories read from a clone or mirror:
    # the rules' recent fixes read them (history_signals); no row of the frame. Their files carry paths and
    # no line counts, a merge no landed commits (CloneBacked.iter_commits): only the fix flag of their
    # Measured holds.
    before: tuple[tuple[Commit, Measured], ...] = ()


@dataclass(frozen=True)
class Signals:
    """What the window's history says before scoring: its file frame, and per repository the files
    flagged as hotspots or knowledge islands."""

    file_frame: pd.DataFrame
    history: Mapping[str, History]


@dataclass(frozen=True)
class Analysed:
    """The model's step: the run (None when no analysis was shown), and what the report says of it."""

    run: AnalysisRun | None = None
    plan: str | None = None  # the step in one line: cached analyses, requests made or to make
    usage: Mapping | None = None
    partial: bool = False
    diffs: Mapping[str, str] = field(
        default_factory=dict
    )  # sha -> the diff read for a request (check_claims reuses it)


@dataclass(frozen=True)
class Evidence:
    """What the repositories' own histories say of the levels (clones and mirrors): the outcomes of the
    frame's commits, the learned risk and levels, and per repository the report's track-record line."""

    outcomes: pd.DataFrame | None = None  # evidence.outcome_table of the frame's commits
    risk: pd.Series | None = None  # sha -> the learned model's risk
    levels: pd.Series | None = None  # sha -> the learned level, where the model beat the rules
    # repo -> the track-record line's figures: {days, count (commits whose outcome is known), went_wrong,
    # levels: {level: {commits, went_wrong}}}, with {model_auc, rules_auc, learned} when the model ran
    records: Mapping[str, dict] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    # repo -> the commits of the days before the report, judged by the report's stages (earlier_history),
    # when the track record or the learned model read them (with their outcomes)
    history: Mapping[str, pd.DataFrame] = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class FollowUps:
    """What the report's fixes repair, and the earlier work the report is read beside."""

    # fix sha -> the earlier commits it repairs, oldest first: the fixes of the report's days and of the
    # WATCH_DAYS before them (clones and mirrors)
    repairs: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    earlier: pd.DataFrame | None = None  # the days before the report as their reports judged them (with repairs)
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Digest:
    """Everything one report knows, frozen: the settings, the days, the frames, what the model said,
    the overview, and what was left out."""

    settings: Settings
    days: tuple[str, ...]  # the report's days, YYYY-MM-DD, oldest first
    window: Window  # the loaded history (report days plus trend days)
    repos: tuple[str, ...]  # display names, in config order
    frame: pd.DataFrame  # the commit frame (repodigest.frame.COLUMNS)
    file_frame: pd.DataFrame  # one row per commit and file (repodigest.frame.FILE_COLUMNS)
    sources: Mapping[str, Source] = field(default_factory=dict, repr=False)
    notes: tuple[str, ...] = ()
    analyses: Mapping[str, dict] = field(default_factory=dict)  # sha -> the model's analysis
    usage: Mapping | None = None
    partial: bool = False  # some analyses failed
    warnings: tuple[str, ...] = ()  # run problems that did not stop it (the cache's), one line each
    pull_requests: Mapping[str, dict] = field(default_factory=dict)  # repo -> lookup figures
    llm_plan: str | None = None
    overview: Overview | None = None  # the day at a glance; None when loading left it out (exploration)
    track_records: Mapping[str, dict] = field(default_factory=dict)  # repo -> how its past levels held
    # the commits of the days before the report as their own reports judged them (FollowUps.earlier): the
    # follow-ups' levels then and the watch items followed up; None: the frame's trend rows stand in
    earlier: pd.DataFrame | None = field(default=None, repr=False)
    period: str = "day"  # day, or the rollup's week or month
    rollup: Rollup | None = None  # what the week or the month amounted to (period_rollup)

    @property
    def report_frame(self) -> pd.DataFrame:
        """The rows of the report's days."""
        return report_rows(self.frame)

    def glance(self) -> Overview:
        """The overview: the one built while loading, else the data's, built now."""
        return self.overview or build_overview(
            self.frame,
            self.repos,
            self.days,
            self.settings.lang,
            baseline_days=self.window.days - len(self.days),
            earlier=self.earlier,
        )

    def context(self, charts_markdown: str | None = None) -> dict:
        """The documented report context (repodigest.report.context; a rollup's: report.rollup_context)."""
        if self.rollup is not None:
            from .report.rollup_context import rollup_context

            return rollup_context(
                self.rollup, notes=self.notes, usage=self.usage, plan=self.llm_plan, charts_markdown=charts_markdown
            )
        return build_context(
            self.frame,
            self.repos,
            self.days,
            self.settings.lang,
            analyses=self.analyses,
            notes=self.notes,
            usage=self.usage,
            charts_markdown=charts_markdown,
            overview=self.glance(),
            track_records=self.track_records,
            tz=self.settings.tz,
            earlier=self.earlier,
        )

    @property
    def template(self) -> str:
        """The report's template: the day's, or the rollup's."""
        return "report.md.j2" if self.rollup is None else "rollup.md.j2"

    def markdown(self, charts_markdown: str | None = None) -> str:
        """The report as Markdown."""
        return render_markdown(self.context(charts_markdown), template=self.template)

    def charts(self) -> list:
        """The report's plotly figures as (name, figure), in report order."""
        if self.rollup is not None:
            from .charts.rollup_charts import rollup_charts

            return rollup_charts(self.frame, self.days, self.settings.lang)
        from .charts import report_charts

        return report_charts(self.frame, self.settings.charts, self.settings.lang)


# ---------------------------------------------------------------------------------------------------
# The stages, in order


def load(
    settings: Settings, last_day: Date, report_days: int, sources: Mapping[str, Source], repos: Mapping[str, RepoConfig]
) -> Loaded:
    """Read every source's commits of the window (the trend days and ``report_days`` ending on
    ``last_day``), leaving out ignored authors; each commit is measured as it is read (a local clone
    streams, so the rules' facts are read while git still runs). A clone or mirror also gives the
    ``RECENT_DAYS`` before the window (``Loaded.before``: the rules' recent fixes), read beside the window
    for their files' paths only; a GitHub source is not read before the window (that would cost a request
    per commit): its recent fixes are the window's."""
    zone = resolve_tz(settings.tz)
    window = Window(last_day, max(settings.window_days, report_days), zone)
    lookback = Window(window.first_day - timedelta(days=1), RECENT_DAYS, zone)
    rules: dict[str, RepoRules] = {}
    read: list[tuple[Commit, Measured]] = []
    before: list[tuple[Commit, Measured]] = []
    for name, source in sources.items():
        repo = repos[name]
        rules[name] = rule = RepoRules(repo.areas, _short_name(repo, settings, source), repo.label_points)
        ignored = {a.lower() for a in repo.ignore_authors}
        commits = (
            source.iter_commits(window, before=lookback) if isinstance(source, CloneBacked) else source.commits(window)
        )
        for item in (
            (c, measure(c, rule))
            for c in commits
            if c.author_name.lower() not in ignored and (c.author_login or "").lower() not in ignored
        ):
            (read if window.contains(item[0].committer_date) else before).append(item)
    read = in_frame_order(read, itemgetter(0))
    return Loaded(
        settings=settings,
        window=window,
        shown=Window(last_day, report_days, zone),
        sources=sources,
        rules=rules,
        commits=tuple(read),
        notes=tuple(gap_notes(read, sources, settings.lang)),
        before=tuple(in_frame_order(before, itemgetter(0))),
    )


def with_pull_requests(loaded: Loaded, repos: Mapping[str, RepoConfig], *, cache: Cache, progress: bool) -> Loaded:
    """The commits of the report's days with their pull requests attached (trend days keep none: the
    cost goal is per report day); no request at all without a token or with pr_context off."""
    notes, figures, found = list(loaded.notes), dict(loaded.pull_requests), {}
    settings = loaded.settings
    for name, source in loaded.sources.items():
        full_name, repo = source.github_repo, repos[name]
        enabled = repo.pr_context if repo.pr_context is not None else settings.github.pr_context
        shas = [c.sha for c, _ in loaded.commits if c.repo == name and loaded.shown.contains(c.committer_date)]
        if not full_name or not enabled or not shas:
            continue
        if not github_token():  # GitHub's GraphQL API needs one; PyGithub is imported only with one
            if source.kind == "github":
                notes.append(strings(settings.lang)["pr_notes"]["no_token"].format(repo=name))
            continue
        from .sources.pull_requests import look_up_pull_requests  # imports PyGithub

        lookup = look_up_pull_requests(full_name, shas, settings, label=name, cache=cache, progress=progress)
        notes += pull_request_notes(lookup, name, settings.lang)
        figures[name] = lookup.figures()
        found.update({(name, sha): pr for sha, pr in lookup.found.items()})
    if not found:
        return replace(loaded, notes=tuple(notes), pull_requests=figures)
    from .sources.pull_shape import with_pull_request

    commits: list[tuple[Commit, Measured]] = []
    for commit, measured in loaded.commits:
        attached = (
            with_pull_request(commit, found[(commit.repo, commit.sha)])
            if (commit.repo, commit.sha) in found
            else commit
        )
        if attached.merged != commit.merged:  # the pull request told what the merge landed: measure that too
            measured = measure(attached, loaded.rules[commit.repo])
        commits.append((attached, measured))
    return replace(loaded, commits=tuple(commits), notes=tuple(notes), pull_requests=figures)


def history_signals(loaded: Loaded) -> Signals:
    """The window's file changes, and per repository its hotspots and knowledge islands
    (repodigest.analytics.flagged_files), which the rules name in the reasons of the commits touching them,
    and each commit's recent fixes (scoring.fix_history, over the window and ``Loaded.before``)."""
    from .analytics import flagged_files

    rows = file_frame_of(loaded.commits, loaded.window.tz, loaded.shown.day_list())
    flags = flagged_files(rows)
    history = {}
    for repo in loaded.sources:
        part = flags[flags["repo"] == repo]
        hot, islands = part[part["flag"] == "hotspot"], part[part["flag"] == "knowledge_island"]
        commits = in_frame_order(
            [item for item in (*loaded.commits, *loaded.before) if item[0].repo == repo], itemgetter(0)
        )
        history[repo] = History(
            hotspots=dict(zip(hot["path"], hot["revisions"])),
            islands=dict(zip(islands["path"], islands["author"])),
            recent_fixes=recent_fixes([c for c, _ in commits], [m.signals.fix for _, m in commits]),
        )
    return Signals(file_frame=rows, history=history)


def score(loaded: Loaded, signals: Signals) -> tuple[tuple[Commit, Assessment], ...]:
    """Every commit judged once by the rules, with its pull request and the window's history: the hotspot
    and knowledge-island reasons go to the report's commits (a trend day's commit is never shown with
    them); recent fixes weigh on every commit (they read only the commits before it)."""
    trend = {repo: History(recent_fixes=h.recent_fixes) for repo, h in signals.history.items()}
    return tuple(
        (
            c,
            judge(
                c,
                m,
                loaded.rules[c.repo],
                (signals.history if loaded.shown.contains(c.committer_date) else trend).get(c.repo),
            ),
        )
        for c, m in loaded.commits
    )


def earlier_history(
    loaded: Loaded, name: str, repos: Mapping[str, RepoConfig], days: int, *, cache: Cache, progress: bool
) -> pd.DataFrame:
    """The commit frame of repository ``name`` over the ``days`` before the report's first day, judged by
    the report's own stages over that span as one window (load, with_pull_requests, history_signals,
    score), so its levels are the ones the report showed: the trend days the report's window already
    read are reused, only older days are read. (Its hotspots and islands are the span's, not each day's
    window's; they weigh no points.)"""
    span = Window(loaded.shown.first_day - timedelta(days=1), days, loaded.window.tz)
    source, start = loaded.sources[name], loaded.window.first_day
    commits = [(c, m) for c, m in loaded.commits if c.repo == name and span.contains(c.committer_date)]
    # What came before the span, for the rules' recent fixes: the older read's lookback, else the window's.
    before = [(c, m) for c, m in (*loaded.commits, *loaded.before) if c.repo == name and c.committer_date < span.start]
    if span.first_day < start:
        older = (start - span.first_day).days
        settings = loaded.settings.model_copy(update={"window_days": older})
        read = load(settings, start - timedelta(days=1), older, {name: source}, {name: repos[name]})
        commits += read.commits
        before = list(read.before)
    history = Loaded(
        settings=loaded.settings,
        window=span,
        shown=span,
        sources={name: source},
        rules={name: loaded.rules[name]},
        commits=tuple(in_frame_order(commits, itemgetter(0))),
        before=tuple(in_frame_order(before, itemgetter(0))),
    )
    history = with_pull_requests(history, repos, cache=cache, progress=progress)
    signals = history_signals(history)
    scored = score(history, signals)
    # reverts and series among the span's own commits (no lookup beyond it)
    relations = relate(scored, {c.sha for c, _ in scored}, None, loaded.window.tz)
    return frames(history, scored, relations, signals)[0]


def gather_evidence(
    loaded: Loaded,
    repos: Mapping[str, RepoConfig],
    commit_frame: pd.DataFrame,
    *,
    outcomes: bool,
    horizon_days: float | None,
    as_of: str | Date | datetime | None,
    risk_model: str,
    track_record: bool,
    cache: Cache,
    progress: bool,
) -> Evidence:
    """The evidence behind the levels, from each clone's or mirror's own history (evidence.outcomes: SZZ),
    seen from the point of observation ``as_of`` (evidence.observation_point; None: the end of the
    report's last day, so the report knows nothing later): with ``outcomes``, the outcomes of the frame's
    commits (up to that point, or ``horizon_days`` after each; a note names the commits whose period it
    cuts short); with ``track_record``, how the rules' levels of the ``observation_days`` before the
    report held (the report's line), those commits judged by the report's own stages (earlier_history,
    kept in ``Evidence.history`` for the follow-ups);
    with ``risk_model="learned"``, a model fitted on the ``evidence_days`` before the report (only
    outcomes known before its first day), its risk for the frame's commits, and its levels when it beats
    the rules on the last closed months. The line's figures end with which judgement the levels come
    from and how it ranked on the last closed months (``judged``: the rules' ranking, or the model's
    evaluation when it ran)."""
    from .analytics import ranking
    from .analytics import track_record as record_of
    from .evidence import label_outcomes, outcome_table  # the learned model's modules load only when it is asked for
    from .evidence.labels import month_span
    from .evidence.risk_model import MIN_TEST_POSITIVES

    scoring, words = loaded.settings.scoring, strings(loaded.settings.lang)
    learned = risk_model == "learned"
    if not (outcomes or track_record or learned):
        return Evidence()
    clones = {name: s for name, s in loaded.sources.items() if isinstance(s, CloneBacked)}
    notes = [
        words["evidence_needs_clone"].format(repo=name)
        for name in loaded.sources
        if name not in clones and (outcomes or learned)
    ]
    first = loaded.shown.first_day
    days = scoring.observation_days
    point = loaded.shown.last_day if as_of is None else as_of
    tables, risks, levels, records, histories = [], [], [], {}, {}
    for name, source in clones.items():
        frame = commit_frame[commit_frame["repo"] == name]
        older = None
        if track_record or learned:  # the history whose outcomes were known by the report's first day
            span = days + (scoring.evidence_days if learned else days)
            older = earlier_history(loaded, name, repos, span, cache=cache, progress=progress)
        shas = [*frame["sha"]] if outcomes or learned else []
        shas += list(older["sha"]) if older is not None else []
        found = (
            label_outcomes(
                source,
                shas,
                as_of=point,
                tz=loaded.window.tz,
                horizon_days=horizon_days,
                cache=cache,
                progress=progress,
            )
            if shas
            else None
        )
        labelled = outcome_table(found) if found is not None else None
        if outcomes and found is not None and labelled is not None:
            tables.append(labelled[labelled.index.isin(frame["sha"])])
            notes += cut_short_notes(
                found, name, list(frame["sha"]), horizon_days or days, loaded.settings.lang, loaded.window.tz
            )
        if older is None:
            continue
        older = with_outcomes(older, labelled) if labelled is not None else older
        histories[name] = older
        if track_record:
            table = record_of(older, by="rules_level", days=days, last_days=days).set_index("rules_level")
            records[name] = {
                "days": days,
                "count": int(table["commits"].sum()),
                "went_wrong": int(table["went_wrong"].sum()),
                "levels": {
                    lvl.value: {
                        key: int(table.at[lvl.value, key]) if lvl.value in table.index else 0
                        for key in ("commits", "went_wrong")
                    }
                    for lvl in LEVELS
                },
            }
            rules = ranking(older, as_of=pd.Timestamp(loaded.shown.start), days=days).iloc[0]
            records[name]["judged"] = {
                "months": rules["months"],
                "commits": int(rules["commits"]),
                "went_wrong": int(rules["went_wrong"]),
                "rules_auc": float(rules["roc_auc"]),
                "learned": False,
            }
        if learned and labelled is not None:
            both = pd.concat(
                [older, with_outcomes(frame[~frame["sha"].isin(older["sha"])], labelled)], ignore_index=True
            )
            from .evidence import InsufficientHistory, change_metrics, fit_risk_model

            metrics = change_metrics(both)  # once: the fit, the risk and the levels all read them
            try:
                model = fit_risk_model(both, first, tz=loaded.settings.tz, days=days, metrics=metrics)
            except InsufficientHistory as exc:
                notes.append(words["evidence_no_model"].format(repo=name, why=str(exc)))
                continue
            shown = both["sha"].isin(frame["sha"]).to_numpy()
            risk = model.predict(both, metrics)
            risks.append(pd.Series(risk[shown].to_numpy(), index=both.loc[shown, "sha"]))
            if model.beats_rules:
                levels.append(
                    pd.Series(model.levels(both, metrics, risk=risk)[shown].to_numpy(), index=both.loc[shown, "sha"])
                )
            judged = model.evaluation
            records.setdefault(name, {})["judged"] = {
                "months": month_span(m["month"] for m in judged["months"]),
                "commits": int(judged["test"]),
                "went_wrong": int(judged["test_went_wrong"]),
                "rules_auc": float(judged["rules_auc"]),
                "model_auc": float(judged["model_auc"]),
                "learned": bool(model.beats_rules),
                "least": MIN_TEST_POSITIVES,
            }
    return Evidence(
        outcomes=pd.concat(tables) if tables else None,
        risk=pd.concat(risks) if risks else None,
        levels=pd.concat(levels) if levels else None,
        records=records,
        notes=tuple(notes),
        history=histories,
    )


def follow_up(
    loaded: Loaded,
    repos: Mapping[str, RepoConfig],
    commit_frame: pd.DataFrame,
    evidence: Evidence,
    *,
    cache: Cache,
    progress: bool,
) -> FollowUps:
    """What the report's days repair, and the earlier days it is read beside (report.watch reads both):
    per repository, the commits of the ``observation_days`` before the report (without a clone, the
    ``WATCH_DAYS`` the window holds) as the reports of their days judged them (earlier_history, the evidence's when it read them,
    with the model's level where the cache holds its analysis); for each fix of the report's days and of the
    ``WATCH_DAYS`` before them, the earlier commits it repairs (evidence.blamed_commits: its lines blamed in its
    first parent, kept within the observation period; clones and mirrors; one blame per fix, cached by sha).
    Blame reads the first-parent line as of the end of the report's last day: nothing later is known."""
    from .analysis import stored_analyses
    from .analytics.followups import WATCH_DAYS
    from .evidence import blamed_commits, observation_point

    settings, tz = loaded.settings, loaded.window.tz
    period = settings.scoring.observation_days
    first = loaded.shown.first_day
    watched_from = (first - timedelta(days=WATCH_DAYS)).isoformat()
    since = datetime.combine(first - timedelta(days=WATCH_DAYS + period), time(0), tz)
    notes: list[str] = []
    repairs: dict[str, tuple[str, ...]] = {}
    earlier = []
    trend_days = (first - loaded.window.first_day).days
    for name, source in loaded.sources.items():
        clone = isinstance(source, CloneBacked)
        # without a clone, only the watch days the window already read: no request for older days
        days = period if clone else min(WATCH_DAYS, trend_days)
        older = evidence.history.get(name)
        if older is None and days > 0:
            older = earlier_history(loaded, name, repos, days, cache=cache, progress=progress)
        if older is None:
            older = commit_frame.iloc[:0]
        if settings.llm.enabled:  # the model's levels the reports of those days showed
            older = with_analyses(older, stored_analyses(name, list(older["sha"]), settings.llm, settings.lang, cache))
        earlier.append(older)
        if not clone:
            notes.append(strings(settings.lang)["followups_need_clone"].format(repo=name))
            continue
        point = observation_point(source, loaded.shown.last_day, tz=tz)
        recent = [
            part.loc[(part["repo"] == name) & (part["day"] >= watched_from), "sha"] for part in (commit_frame, older)
        ]
        fixes = list(dict.fromkeys(sha for part in recent for sha in part))
        if point is None or not fixes:
            continue
        blamed = blamed_commits(
            source,
            fixes,
            since=since,
            within=timedelta(days=period),
            revision=point.sha,
            cache=cache,
            progress=progress,
        )
        repairs.update({fix: tuple(found) for fix, found in blamed.items() if found})
    joined = pd.concat(earlier, ignore_index=True) if earlier else None
    return FollowUps(
        repairs=repairs,
        earlier=with_repairs(joined, repairs) if joined is not None else None,
        notes=tuple(notes),
    )


def relate_commits(loaded: Loaded, scored) -> Relations:
    """Reverts (with one lookup in the source's whole history when the window does not hold the reverted
    commit) and series (scoring.relations)."""
    shown = {c.sha for c, _ in scored if loaded.shown.contains(c.committer_date)}
    return relate(scored, shown, _finder(loaded.sources), loaded.window.tz)


def frames(loaded: Loaded, scored, relations: Relations, signals: Signals) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The commit frame and the file frame."""
    days = loaded.shown.day_list()
    return to_frame(scored, loaded.window.tz, days, relations), signals.file_frame


def run_analysis(loaded: Loaded, scored, *, mode: bool | None, cache: Cache, progress: bool) -> Analysed:
    """The model's analyses of the report's commits. ``mode``: None asks the model when a key is set
    (the daily report); False only shows what the cache holds (no request, key or not); True first
    states how many requests it will make, then makes them."""
    # the model's client, prompts and answer schema load only where a run uses them (a rules-only day does not)
    from .analysis import llm_available

    settings = loaded.settings
    if mode is None and not llm_available(settings.llm)[0]:
        return Analysed()
    diffs: dict[str, str] = {}
    items = _requests(loaded, [(c, a) for c, a in scored if loaded.shown.contains(c.committer_date)], diffs)
    from .analysis import analyze_commits, cached_analyses

    if mode is False:
        run, pending = cached_analyses(items, settings.llm, settings.lang, cache)
        for req, prior in pending:  # shown as it is, though the commit's level now asks for more of it
            if prior is not None:
                run.results[req.commit.sha] = prior
                run.cached += 1
        return Analysed(
            run=run,
            plan=f"LLM analysis: {run.cached} of {len(items)} commits cached; analyze=True would "
            f"make {len(pending)} requests (model {run.model})",
        )
    prepared, plan = None, None
    if mode:
        available, why = llm_available(settings.llm)
        if not available:
            raise UserError(f"cannot run the LLM analysis: {why}")
        prepared = cached, pending = cached_analyses(items, settings.llm, settings.lang, cache)
        plan = (
            f"LLM analysis: {len(pending)} requests to make for {len(pending)} of {len(items)} commits "
            f"({cached.cached} cached, model {cached.model}; a retry or a follow-up for a deeper entry adds one)"
        )
        log.info(plan)
        print(plan, file=sys.stderr, flush=True)
    run = analyze_commits(items, settings.llm, settings.lang, cache, progress=progress, prepared=prepared)
    plan = plan or f"LLM analysis: {run.requests} requests made, {run.cached} of {len(items)} commits cached"
    return Analysed(run=run, plan=plan, usage=run.usage(), partial=run.failed > 0, diffs=diffs)


def period_analysis(loaded: Loaded, scored, previous: Window, *, cache: Cache, progress: bool) -> Analysed:
    """A rollup's analyses, without a key none: the ones the cache holds for the period's commits and the
    previous period's (as the reports of their days showed them, whatever the commits' levels now ask
    for), and one request for each commit of the period the cache has none of, announced first (to
    stderr and in ``plan``, as exploration's ``analyze=True``): none when its days were reported."""
    from .analysis import analyze_commits, cached_analyses, llm_available

    settings = loaded.settings
    if not llm_available(settings.llm)[0]:
        return Analysed()
    diffs: dict[str, str] = {}
    wanted = [
        (c, a) for c, a in scored if loaded.shown.contains(c.committer_date) or previous.contains(c.committer_date)
    ]
    items = _requests(loaded, wanted, diffs)
    run, pending = cached_analyses(items, settings.llm, settings.lang, cache)
    missing = []
    for req, prior in pending:
        if prior is not None:
            run.results[req.commit.sha] = prior
            run.cached += 1
        elif loaded.shown.contains(req.commit.committer_date):
            missing.append((req, None))
    shown = sum(loaded.shown.contains(req.commit.committer_date) for req in items)
    plan = (
        f"LLM analysis: {len(missing)} requests to make for {len(missing)} of the period's {shown} commits "
        f"({run.cached} analyses cached, model {run.model}; a retry or a follow-up for a deeper entry adds one)"
    )
    log.info(plan)
    print(plan, file=sys.stderr, flush=True)
    run = analyze_commits(items, settings.llm, settings.lang, cache, progress=progress, prepared=(run, missing))
    return Analysed(run=run, plan=plan, usage=run.usage(), partial=run.failed > 0, diffs=diffs)


def check_claims(loaded: Loaded, scored, analysed: Analysed, *, cache: Cache) -> Mapping[str, dict]:
    """The names and numbers the model wrote, checked against each analysed commit's diff, its repository
    at the commit and its message (analysis.claims): sha -> the record."""
    run = analysed.run
    if run is None or not run.results:
        return {}
    from .analysis.claims import check_claims as check

    todo = [(c, analysis) for c, _ in scored if c.sha in run.results and (analysis := run.results[c.sha].analysis)]
    return check(todo, loaded.sources, model=run.model, lang=loaded.settings.lang, cache=cache, diffs=analysed.diffs)


def day_overview(
    loaded: Loaded,
    frame: pd.DataFrame,
    analysed: Analysed,
    *,
    earlier: pd.DataFrame | None,
    word: bool,
    cache: Cache,
) -> tuple[Overview, Mapping | None]:
    """The day at a glance from the data (``earlier``: the days before as judged then, for the follow-ups);
    when ``word`` (the daily report's analysis ran), one request (cached) for the model's wording of it.
    Returns it and the usage with that request added."""
    settings = loaded.settings
    days = [d.isoformat() for d in loaded.shown.day_list()]
    glance = build_overview(
        frame,
        list(loaded.sources),
        days,
        settings.lang,
        baseline_days=loaded.window.days - len(days),
        earlier=earlier,
    )
    if not (word and analysed.run is not None and settings.llm.overview and glance.total):
        return glance, analysed.usage
    from .analysis.overview_wording import add_usage, overview_facts, word_overview

    facts = overview_facts(glance.to_dict(), analysed.run.analyses)
    wording = word_overview(facts, settings.llm, settings.lang, cache, waited=analysed.run.waited)
    glance = worded(glance, wording.headline, wording.lines, failed=wording.error, rejected=len(wording.rejected))
    return glance, add_usage(analysed.run, wording, settings.llm)


def period_rollup(
    loaded: Loaded,
    frame: pd.DataFrame,
    analysed: Analysed,
    evidence: Evidence,
    period: str,
    *,
    earlier: pd.DataFrame | None,
    word: bool,
    cache: Cache,
) -> tuple[Rollup, Mapping | None]:
    """What the week or the month amounted to, from the frame (report.rollup: the period against the
    previous one, threads, 🔴 commits, fixes and reverts, contributors, the track record); when ``word``
    and the analysis ran, one request (cached) per repository for the model's wording of it. Returns it
    and the usage with those requests added."""
    settings = loaded.settings
    days = [d.isoformat() for d in loaded.shown.day_list()]
    before = [d.isoformat() for d in previous_window(period, loaded.shown).day_list()]
    analyses = analysed.run.analyses if analysed.run is not None else {}
    rollup = build_rollup(
        frame,
        list(loaded.sources),
        period,
        days,
        before,
        settings.lang,
        analyses=analyses,
        track_records=evidence.records,
        earlier=earlier,
    )
    if not (word and analysed.run is not None and settings.llm.overview):
        return rollup, analysed.usage
    from .analysis.overview_wording import OverviewWording, add_usage
    from .analysis.rollup_wording import rollup_facts, word_rollup
    from .report.rollup import worded as rollup_worded

    spent = OverviewWording(status="cached")
    for part in rollup.to_dict()["repos"]:
        if not part["current"]["commits"]:
            continue
        facts = rollup_facts(part, period, days, analyses)
        wording = word_rollup(facts, settings.llm, settings.lang, cache, waited=analysed.run.waited + spent.waited)
        rollup = rollup_worded(
            rollup, part["repo"], wording.headline, wording.lines, failed=wording.error, rejected=len(wording.rejected)
        )
        spent.add_spent(wording)
    return rollup, add_usage(analysed.run, spent, settings.llm)


# ---------------------------------------------------------------------------------------------------
# The whole run


def _collector_paused(run):
    """``run`` with Python's cyclic garbage collector paused, and restored after: the stages build hundreds
    of thousands of small objects that hold no reference cycles, and the collector's repeated full passes
    over them are a large share of a long load's time. What cycles a run leaves are collected after it."""

    @functools.wraps(run)
    def paused(*args, **kwargs):
        if not gc.isenabled():
            return run(*args, **kwargs)
        gc.disable()
        try:
            return run(*args, **kwargs)
        finally:
            gc.enable()

    return paused


@_collector_paused
def build_digest(
    date: str | Date | None = None,
    repos: list[str] | str | None = None,
    tz: str | None = None,
    lang: str | None = None,
    window_days: int | None = None,
    days: int = 1,
    config: str | os.PathLike | None = None,
    settings: Settings | None = None,
    refresh: bool = False,
    progress: bool = True,
    analyze: bool | None = None,
    max_days: int = MAX_WINDOW_DAYS,
    overview: bool = True,
    outcomes: bool = False,
    horizon_days: float | None = None,
    as_of: str | Date | datetime | None = None,
    risk_model: str | None = None,
    track_record: bool | None = None,
    follow_ups: bool | None = None,
    period: str = "day",
) -> Digest:
    """Load, score and frame the commits of the report's days (and the trend window before them).

    ``analyze``: None runs the LLM analysis when a key is set (the daily report); False only shows
    analyses the cache holds (no request, key or not); True states how many requests it will make
    (``Digest.llm_plan``, printed to stderr), then makes them. ``max_days`` bounds ``days``;
    ``overview=False`` leaves the day at a glance out (exploration of long ranges). ``outcomes``: label
    the frame's commits with what happened to them later (clones and mirrors: SZZ), up to the point of
    observation or ``horizon_days`` after each; ``as_of``: that point for the outcomes, the track record
    and the learned model (evidence.observation_point): None, the end of the report's last day (a
    report knows nothing later); ``"newest"``, the clone's newest commit; a date, a datetime or a
    revision; ``risk_model``: "rules" or "learned" (default: the config's ``[scoring] risk_model``);
    ``track_record``: the report's line on how past levels held (default: the config's, when the
    overview is built); ``follow_ups``: what the report's fixes repair and what became of the watch items
    of the days before (default: when the overview is built); ``period``: "day", or a rollup of the "week"
    (the 7 days ending on ``date``) or the "month" (its calendar month up to ``date``): the stages over
    the period's days and the previous period's, the days' cached analyses read (one request per commit
    of the period the cache lacks, announced first), then the rollup stage (``Digest.rollup``).
    """
    given = {"repos": repos, "tz": tz, "lang": lang, "window_days": window_days, "config": config}
    if settings is not None and any(value is not None for value in given.values()):
        named = ", ".join(name for name, value in given.items() if value is not None)
        raise TypeError(f"build_digest takes settings or {named}, not both: set them in the settings")
    settings = settings or load_settings(config, repos=repos, tz=tz, lang=lang, window_days=window_days)
    report_days = check_days(days, "days", max_days)
    if check_period(period) != "day" and days != 1:
        raise UserError(f"a {period}'s days are set by the period: leave days at 1")
    cache = Cache(settings.cache_dir, refresh=refresh)
    repo_configs, opened = open_sources(settings, cache=cache, refresh=refresh, progress=progress)
    sources = {s.name: s for s in opened}
    configs = {s.name: r for r, s in zip(repo_configs, opened)}
    day_notes: list[str] = []  # the newest commit dated in the future, when the day is chosen here
    last_day = resolve_day(settings, date, opened, notes=day_notes)
    rollup_of = period if period != "day" else None
    if rollup_of:  # the period and the one before it, loaded as one window
        shown = period_window(period, last_day, resolve_tz(settings.tz))
        report_days = shown.days
        span = report_days + previous_window(period, shown).days
        settings = settings.model_copy(update={"window_days": max(settings.window_days, span)})

    loaded = load(settings, last_day, report_days, sources, configs)
    loaded = with_pull_requests(loaded, configs, cache=cache, progress=progress)
    signals = history_signals(loaded)
    scored = score(loaded, signals)
    relations = relate_commits(loaded, scored)
    commit_frame, file_frame = frames(loaded, scored, relations, signals)
    evidence = gather_evidence(
        loaded,
        configs,
        commit_frame,
        outcomes=outcomes,
        horizon_days=horizon_days,
        as_of=as_of,
        risk_model=risk_model or settings.scoring.risk_model,
        cache=cache,
        progress=progress,
        track_record=settings.scoring.track_record and overview if track_record is None else track_record,
    )
    if evidence.outcomes is not None:
        commit_frame = with_outcomes(commit_frame, evidence.outcomes)
    if evidence.risk is not None:
        commit_frame = with_risk(commit_frame, evidence.risk, evidence.levels)
    followed = (
        follow_up(loaded, configs, commit_frame, evidence, cache=cache, progress=progress)
        if (overview if follow_ups is None else follow_ups)
        else FollowUps()
    )
    commit_frame = with_repairs(commit_frame, followed.repairs)
    analysed = (
        period_analysis(loaded, scored, previous_window(rollup_of, loaded.shown), cache=cache, progress=progress)
        if rollup_of and analyze is None
        else run_analysis(loaded, scored, mode=analyze, cache=cache, progress=progress)
    )
    if rollup_of and analysed.run is not None:  # the days' levels; no entry, so no claims to check
        commit_frame = with_analyses(commit_frame, analysed.run.results)
    elif analysed.run is not None and analysed.run.results:
        commit_frame = with_grounding(
            with_analyses(commit_frame, analysed.run.results), check_claims(loaded, scored, analysed, cache=cache)
        )
    # Exploration's analyze=True makes exactly the requests it announced: no overview wording.
    glance, usage = (
        day_overview(
            loaded,
            commit_frame,
            analysed,
            earlier=followed.earlier,
            word=analyze is None and not rollup_of,
            cache=cache,
        )
        if overview
        else (None, analysed.usage)
    )
    rollup = None
    if rollup_of:
        rollup, usage = period_rollup(
            loaded,
            commit_frame,
            analysed,
            evidence,
            rollup_of,
            earlier=followed.earlier,
            word=analyze is None,
            cache=cache,
        )
    note = heuristic_note(settings)
    return Digest(
        settings=settings,
        days=tuple(d.isoformat() for d in loaded.shown.day_list()),
        window=loaded.window,
        repos=tuple(sources),
        frame=commit_frame,
        file_frame=file_frame,
        sources=sources,
        notes=((note,) if note else ()) + tuple(day_notes) + loaded.notes + evidence.notes + followed.notes,
        analyses=analysed.run.analyses if analysed.run is not None else {},
        usage=usage,
        partial=analysed.partial,
        warnings=tuple(cache.warnings),
        pull_requests=loaded.pull_requests,
        llm_plan=analysed.plan,
        overview=glance,
        track_records=evidence.records,
        earlier=followed.earlier,
        period=period,
        rollup=rollup,
    )


# ---------------------------------------------------------------------------------------------------
# Helpers of the stages


def _requests(loaded: Loaded, scored, diffs: dict[str, str]) -> list:
    """The analysis requests of ``scored``; a diff is read only when its request is sent, and kept in ``diffs``."""
    from .analysis import request_for

    def diff_of(commit: Commit, source: Source) -> str:
        diffs[commit.sha] = source.diff(commit)
        return diffs[commit.sha]

    return [request_for(c, a, (lambda c=c, s=loaded.sources[c.repo]: diff_of(c, s))) for c, a in scored]


def _short_name(repo: RepoConfig, settings: Settings, source: Source) -> str:
    """The repository's own name (``python/<it>/`` is no area): GitHub's when known, else the folder's."""
    _, location = repo_kind(repo.spec, settings.base_dir)
    return (source.github_repo or location).rsplit("/", 1)[-1].removesuffix(".git")


def _finder(sources: Mapping[str, Source]):
    """``find(repo, queries)`` over the sources' ``find_commits`` (scoring.relations)."""

    def find(repo: str, queries):
        source = sources.get(repo)
        return source.find_commits(queries) if source is not None else [None] * len(queries)

    return find
