"""The pipeline in one call: parameters -> sources -> scoring -> frame -> report Markdown.

``build_digest`` is what the daily notebook and the exploration notebook call; everything the
report knows is on the :class:`Digest` it returns.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from dataclasses import dataclass, field
from datetime import date as Date
from pathlib import Path

import pandas as pd

from .config import RepoConfig, Settings, load_settings, repo_kind
from .errors import UserError
from .frame import rescore, to_file_frame, to_frame, write_frame
from .report import build_context, render_markdown
from .report.labels import load_labels
from .report.overview import Overview, build_overview
from .scoring import assess
from .scoring.heuristic import History
from .scoring.relations import link_related
from .sources import Source, open_source
from .sources.local_git import repository_root
from .window import MAX_WINDOW_DAYS, Window, check_days, parse_date, resolve_tz

log = logging.getLogger(__name__)


@dataclass
class Digest:
    """Everything one report knows: the settings, the days, the frame, and what was left out."""

    settings: Settings
    days: list[str]  # the report's days, YYYY-MM-DD, oldest first
    window: Window  # the loaded history (report days plus trend days)
    repos: list[str]  # display names, in config order
    frame: pd.DataFrame
    sources: dict[str, Source] = field(default_factory=dict, repr=False)
    notes: list[str] = field(default_factory=list)
    analyses: dict[str, dict] = field(default_factory=dict)
    usage: dict | None = None
    partial: bool = False
    warnings: list[str] = field(default_factory=list)  # run problems that did not stop it (the cache's), one line each
    pull_requests: dict[str, dict] = field(default_factory=dict)  # repo -> lookup figures (requests, points)
    llm_plan: str | None = None  # the LLM step in one line: cached analyses, requests made or to make
    _files: pd.DataFrame | None = field(default=None, repr=False)
    overview: Overview | None = None  # the day at a glance (report.overview), worded by the model when it ran

    @property
    def report_frame(self) -> pd.DataFrame:
        """The rows of the report's days."""
        return self.frame[self.frame["in_report"]]

    @property
    def files(self) -> pd.DataFrame:
        """The file-level frame (repodigest.frame.FILE_COLUMNS): one row per commit and file of ``frame``."""
        if self._files is None:
            self._files = to_file_frame(self.frame)
        return self._files

    def _data_overview(self) -> Overview:
        """The day at a glance from the data alone (the trend window before the report's days is its baseline)."""
        return build_overview(self.frame, self.repos, self.days, self.settings.lang,
                              baseline_days=self.window.days - len(self.days))

    def context(self, charts_markdown: str | None = None) -> dict:
        """The documented report context (see repodigest.report.context)."""
        if self.overview is None:  # left out while loading (exploration): built once, when a report is asked for
            self.overview = self._data_overview()
        return build_context(self.frame, self.repos, self.days, self.settings.lang, analyses=self.analyses,
                             notes=self.notes, usage=self.usage, charts_markdown=charts_markdown,
                             overview=self.overview)

    def markdown(self, charts_markdown: str | None = None) -> str:
        """The report as Markdown, in the format of report-format.md."""
        return render_markdown(self.context(charts_markdown))

    def save_data(self, out_dir: str | os.PathLike) -> list[Path]:
        """Write commits.{csv,parquet}, files.{csv,parquet} (the file frame) and status.json into ``out_dir``."""
        written = write_frame(self.frame, out_dir) + write_frame(self.files, out_dir, kind="files")
        status = {"days": self.days, "repos": self.repos, "commits": int(len(self.report_frame)),
                  "levels": self.report_frame["level"].value_counts().to_dict(), "partial": self.partial,
                  "notes": self.notes, "usage": self.usage, "warnings": self.warnings,
                  "pull_requests": self.pull_requests}
        path = Path(out_dir) / "status.json"
        path.write_text(json.dumps(status, ensure_ascii=False, indent=2), encoding="utf-8")
        written.append(path)
        if self.overview is not None:  # what delivery posts: the headline and the highlights
            path = Path(out_dir) / "overview.json"
            path.write_text(json.dumps(self.overview.to_dict(), ensure_ascii=False, indent=2), encoding="utf-8")
            written.append(path)
        return written

    def charts(self) -> list:
        """The report's plotly figures as (name, figure), in report order."""
        from .charts import report_charts

        return report_charts(self.frame, self.settings.charts, self.settings.lang)

    def report_displays(self, out_dir: str | os.PathLike | None = None, images: bool | str | None = None) -> list:
        """What the daily notebook displays: the title and the overview first, then the report with its
        charts in the middle.

        With ``out_dir``, the data files and the chart images are written there first. ``images``:
        None as the config says, False none, "caller" the figures are left for the caller to export
        (the report links the PNGs to come; see :func:`repodigest.charts.export_image_specs`). The
        charts output carries interactive HTML (for the HTML report) and image links (for report.md).
        """
        from IPython.display import Markdown

        from .charts import export_images, figures_html, images_markdown, write_image_specs

        figures = self.charts()
        written, error, wanted = [], None, True
        if out_dir:
            wanted = self.settings.charts.images if images is None else images is not False
            if figures and wanted and images == "caller":  # first: the caller exports while this goes on
                written = write_image_specs(figures, out_dir, self.settings.lang)
            self.save_data(out_dir)
            if figures and wanted and images != "caller":
                written, error = export_images(figures, out_dir)
        if not out_dir and figures:
            error = "no output folder"
        section = images_markdown([name for name, _ in figures], written, self.settings.lang, error if figures else None,
                                  off=not wanted)
        context = self.context(charts_markdown=_CHARTS_MARK)
        head, _, tail = render_markdown(context).partition(_CHARTS_MARK)
        # The first output is the title and the overview: what a reader sees first in the notebook.
        cut = head.find(f'<a id="{context["repos"][0]["anchor"]}"></a>') if context["repos"] else -1
        first = [Markdown(head[:cut]), Markdown(head[cut:])] if cut > 0 else [Markdown(head)]
        return [*first, _Charts(figures_html(figures) if figures else "", section), Markdown(tail)]


_CHARTS_MARK = "\x00charts\x00"


class _Charts:
    """A notebook output with interactive charts (HTML) and their image links (Markdown)."""

    def __init__(self, html: str, markdown: str):
        self.html, self.markdown = html, markdown

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = {"text/markdown": self.markdown}
        if self.html:
            bundle["text/html"] = self.html
        return bundle


def default_repo() -> RepoConfig:
    """The git repository the run is started in."""
    return RepoConfig(spec=str(repository_root(Path.cwd())))


def _short_name(repo: RepoConfig, settings: Settings, source: Source) -> str:
    """The repository's own name (``python/<it>/`` is no area): GitHub's when known, else the folder's."""
    kind, location = repo_kind(repo.spec, settings.base_dir)
    return (getattr(source, "github_repo", None) or location).rsplit("/", 1)[-1].removesuffix(".git")


def pull_request_notes(lookup, repo: str, lang: str) -> list[str]:
    """One line per kind of gap in the pull-request context of ``repo``."""
    wording = load_labels(lang)["pr_notes"]
    return [wording[gap.reason].format(repo=repo, count=len(gap.shas), detail=gap.detail) for gap in lookup.gaps]


def _with_pull_requests(repo: RepoConfig, source: Source, commits: list, shown: Window, settings: Settings,
                        digest_parts: dict, **options) -> list:
    """The commits with the pull requests of the report's days attached (trend days keep none:
    the cost goal is per report day); no request at all without a token or with pr_context off."""
    full_name = getattr(source, "github_repo", None)
    enabled = repo.pr_context if repo.pr_context is not None else settings.github.pr_context
    shas = [c.sha for c in commits if shown.contains(c.committer_date)]
    if not full_name or not enabled or not shas:
        return commits
    from .sources.pull_requests import can_look_up, look_up_pull_requests  # imports PyGithub
    from .sources.pull_shape import attach_pull_requests

    if not can_look_up():
        if source.kind == "github":
            digest_parts["notes"].append(load_labels(settings.lang)["pr_notes"]["no_token"].format(repo=source.name))
        return commits
    lookup = look_up_pull_requests(full_name, shas, settings, label=source.name, **options)
    digest_parts["notes"] += pull_request_notes(lookup, source.name, settings.lang)
    digest_parts["pull_requests"][source.name] = lookup.figures()
    return attach_pull_requests(commits, lookup.found)


def latest_day(sources: list[Source], tz) -> Date:
    """The most recent day (in ``tz``) on which any of the sources has a commit."""
    times = [t for t in (s.latest_commit_time() for s in sources) if t is not None]
    if not times:
        raise UserError("none of the repositories has any commit")
    return max(times).astimezone(tz).date()


def heuristic_note(settings: Settings, lang: str) -> str | None:
    """One line saying the report has no LLM analysis, and why; None when one will run."""
    from .analysis.client import llm_available  # openai itself is imported only when a client is made

    if llm_available(settings.llm)[0]:
        return None
    labels = load_labels(lang)
    why = labels["llm_disabled"] if not settings.llm.enabled else labels["no_key"]
    return labels["heuristic_only"].format(why=why)


def open_sources(settings: Settings, **source_options) -> tuple[list[RepoConfig], list[Source]]:
    """The configured repositories (default: the checkout the run is started in) and their sources."""
    repo_configs = list(settings.repos) or [default_repo()]
    sources = [open_source(r, settings, **source_options) for r in repo_configs]
    names = [s.name for s in sources]
    for name in {n for n in names if names.count(n) > 1}:
        specs = [r.spec for r, s in zip(repo_configs, sources) if s.name == name]
        raise UserError(f"two repositories share the display name {name!r} ({', '.join(specs)}): "
                        f"set 'name' for one of them in the config")
    return repo_configs, sources


def resolve_day(settings: Settings, date: str | Date | None, sources: list[Source] | None = None) -> Date:
    """The report's (last) day: ``date`` parsed in the settings' time zone, else the latest day with commits."""
    zone = resolve_tz(settings.tz)
    day = parse_date(date, zone)
    if day is None:
        day = latest_day(sources if sources is not None else open_sources(settings)[1], zone)
    return day


def build_digest(date: str | Date | None = None, repos: list[str] | str | None = None, tz: str | None = None,
                 lang: str | None = None, window_days: int | None = None, days: int = 1,
                 config: str | os.PathLike | None = None, settings: Settings | None = None,
                 refresh: bool = False, progress: bool = True, analyze: bool | None = None,
                 max_days: int = MAX_WINDOW_DAYS, overview: bool = True, **source_options) -> Digest:
    """Load, score and frame the commits of the report's days (and the trend window before them).

    ``analyze``: None runs the LLM analysis when a key is set (the daily report); False only shows
    analyses the cache holds (no request, key or not); True states how many requests it will make
    (``Digest.llm_plan``, printed to stderr), then makes them. ``max_days`` bounds ``days``;
    ``overview=False`` leaves the day at a glance out (exploration: 1.4 s on 15,000 commits).
    """
    settings = settings or load_settings(config, repos=repos, tz=tz, lang=lang, window_days=window_days)
    zone = resolve_tz(settings.tz)
    report_days = check_days(days, "days", max_days)
    from .cache import Cache

    cache = Cache(settings.cache_dir, refresh=refresh)
    repo_configs, sources = open_sources(settings, cache=cache, refresh=refresh, progress=progress, **source_options)
    names = [s.name for s in sources]
    last_day = resolve_day(settings, date, sources)
    window = Window(last_day, max(settings.window_days, report_days), zone)
    shown = Window(last_day, report_days, zone)
    scored = []
    rules: dict = {}
    parts: dict = {"notes": [], "pull_requests": {}}
    for repo, source in zip(repo_configs, sources):
        ignored = {a.lower() for a in repo.ignore_authors}
        rules[source.name] = rule = (repo.areas, _short_name(repo, settings, source), repo.label_points)
        # A source that streams its commits (local git) is scored while git is still reading; the few
        # commits that get a pull request (report days, GitHub) are scored again with its labels.
        read = [(c, assess(c, *rule)) for c in getattr(source, "iter_commits", source.commits)(window)
                if c.author_name.lower() not in ignored and (c.author_login or "").lower() not in ignored]
        commits = _with_pull_requests(repo, source, [c for c, _ in read], shown, settings, parts, cache=cache,
                                      progress=progress)
        scored += [(c, a if c is old else assess(c, *rule)) for (old, a), c in zip(read, commits)]
    frame = link_related(to_frame(scored, zone, shown.day_list()), _finder(sources), zone)
    digest = Digest(settings=settings, days=[d.isoformat() for d in shown.day_list()], window=window,
                    repos=names, frame=frame, sources=dict(zip(names, sources)), notes=parts["notes"],
                    pull_requests=parts["pull_requests"], warnings=cache.warnings)
    _weigh_history(digest, scored, rules)
    note, run = heuristic_note(settings, settings.lang), None
    if analyze is False:
        _show_cached(digest, scored, cache)
    elif analyze or note is None:
        run = _analyze(digest, scored, cache=cache, progress=progress, announce=bool(analyze))
    if note:
        digest.notes.insert(0, note)
    if overview:
        digest.overview = digest._data_overview()
    # Exploration's analyze=True makes exactly the requests it announced: no overview wording.
    if overview and run is not None and analyze is None and settings.llm.overview and digest.overview.total:
        _word_overview(digest, run, cache=cache)
    return digest


def _finder(sources: list[Source]):
    """``find(repo, sha=, title=, before=)`` over the sources' ``find_commit`` (scoring.relations)."""
    by_name = {s.name: s for s in sources}

    def find(repo: str, **what):
        source = by_name.get(repo)
        return source.find_commit(**what) if source is not None and hasattr(source, "find_commit") else None

    return find


def _word_overview(digest: Digest, run, *, cache) -> None:
    """One request (cached) for the model's wording of the overview; the data's wording stays where
    it fails or holds a number the data does not have."""
    from .analysis.overview import add_usage, overview_facts, word_overview
    from .report.overview import worded

    overview = digest.overview
    wording = word_overview(overview_facts(overview.to_dict(), digest.analyses), digest.settings.llm,
                            digest.settings.lang, cache)
    digest.overview = worded(overview, wording.headline, wording.lines, failed=wording.error,
                             rejected=len(wording.rejected))
    digest.usage = add_usage(run, wording, digest.settings.llm)


def _weigh_history(digest: Digest, scored: list, rules: dict) -> None:
    """Re-score the report's commits that touch a hotspot or a knowledge island of the loaded history
    (repodigest.analytics.flagged_files; scoring.heuristic.History says what it adds)."""
    from .analytics import flagged_files

    files = digest.files
    flags = flagged_files(files)
    if flags.empty:
        return
    history = {}
    for repo, part in flags.groupby("repo"):
        hot, islands = part[part["flag"] == "hotspot"], part[part["flag"] == "knowledge_island"]
        history[repo] = History(hotspots=dict(zip(hot["path"], hot["revisions"])),
                                islands=dict(zip(islands["path"], islands["author"])))
    hit = files[files["in_report"] & files["path"].isin(set(flags["path"]))]
    touched = set(zip(hit["repo"], hit["sha"]))
    rescored = {}
    for i, (commit, _) in enumerate(scored):
        if (commit.repo, commit.sha) in touched and commit.repo in history:
            scored[i] = (commit, assess(commit, *rules[commit.repo], history=history[commit.repo]))
            rescored[(commit.repo, commit.sha)] = scored[i][1]
    digest.frame = rescore(digest.frame, rescored)


def _requests(digest: Digest, scored: list) -> list:
    from .analysis import request_for

    shown = set(digest.frame.loc[digest.frame["in_report"], "sha"])
    # Diffs are read lazily in the workers, and not at all for cached analyses.
    return [request_for(c, a, (lambda c=c, s=digest.sources[c.repo]: s.diff(c))) for c, a in scored if c.sha in shown]


def _apply(digest: Digest, run) -> None:
    from .scoring.blend import apply_analyses

    if run.results:
        digest.frame = apply_analyses(digest.frame, run)
    digest.analyses = run.analyses


def _show_cached(digest: Digest, scored: list, cache) -> None:
    """Blend in the analyses the cache already holds for the report's commits; never a request."""
    from .analysis import cached_analyses

    items = _requests(digest, scored)  # looked up, never sent (the diffs are read only when sent)
    run, pending = cached_analyses(items, digest.settings.llm, digest.settings.lang, cache)
    for req, prior in pending:  # shown as it is, though the commit's level now asks for more of it
        if prior is not None:
            run.results[req.commit.sha] = prior
            run.cached += 1
    _apply(digest, run)
    digest.llm_plan = (f"LLM analysis: {run.cached} of {len(items)} commits cached; analyze=True would make "
                       f"{len(pending)} requests (model {run.model})")


def _analyze(digest: Digest, scored: list, *, cache, progress: bool, announce: bool = False):
    """Ask the LLM about the report's commits (cached), blend its levels into the frame. With
    ``announce``, first state how many requests it will make (one per commit the cache lacks)."""
    from .analysis import analyze_commits, cached_analyses, llm_available

    items = _requests(digest, scored)
    prepared = None
    if announce:
        available, why = llm_available(digest.settings.llm)
        if not available:
            raise UserError(f"cannot run the LLM analysis: {why}")
        prepared = cached, pending = cached_analyses(items, digest.settings.llm, digest.settings.lang, cache)
        digest.llm_plan = (f"LLM analysis: {len(pending)} requests to make for {len(pending)} of {len(items)} "
                           f"commits ({cached.cached} cached, model {cached.model}; a retry or a follow-up for a "
                           f"deeper entry adds one)")
        log.info(digest.llm_plan)
        print(digest.llm_plan, file=sys.stderr, flush=True)
    run = analyze_commits(items, digest.settings.llm, digest.settings.lang, cache, progress=progress,
                          prepared=prepared)
    _apply(digest, run)
    digest.usage = run.usage()
    digest.partial = run.failed > 0
    if not announce:
        digest.llm_plan = f"LLM analysis: {run.requests} requests made, {run.cached} of {len(items)} commits cached"
    return run
