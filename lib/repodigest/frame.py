"""The one DataFrame: a row per commit, the single source for charts and the report; and the
file-level frame (a row per commit and file), which the analytics read.

``COLUMNS`` and ``FILE_COLUMNS`` declare every column once: its dtype and what it holds. This module
writes every column: :func:`to_frame` from the scored commits and their relations,
:func:`with_analyses` from the model's answers, :func:`with_repairs` from the follow-ups;
:func:`file_frame_of` builds the file frame from the measured commits.
``write_frame``/``read_frame`` keep them as ``commits.csv`` (list columns as JSON) and
``commits.parquet`` (``files.csv`` and ``files.parquet`` with ``kind="files"``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from operator import itemgetter
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from .evidence.labels import OUTCOME_COLUMNS
from .levels import is_level
from .models import Commit, author_key
from .scoring.blend import blend_levels
from .scoring.heuristic import Assessment, Measured, is_bot
from .scoring.relations import Relations
from .textcut import truncate

# name -> (pandas dtype, meaning). "object" columns hold Python lists (JSON in the CSV).
COLUMNS: dict[str, tuple[str, str]] = {
    "repo": ("string", "display name of the repository"),
    "sha": ("string", "full commit hash"),
    "short_sha": ("string", "first 7 characters of the hash"),
    "day": ("string", "calendar day (YYYY-MM-DD) of the committer date in the report's time zone"),
    "in_report": ("bool", "the day is one of the report's days (the rest is trend history)"),
    "committed_at": ("datetime64[ns, UTC]", "committer date (UTC)"),
    "committed_local": ("string", "committer date as YYYY-MM-DD HH:MM:SS in the report's time zone"),
    "authored_at": ("datetime64[ns, UTC]", "author date (UTC); a merge's: its main author's newest landed commit's"),
    "author": (
        "string",
        "author name (after .mailmap); a merge's: the main author of the commits it landed "
        "(most commits, then most lines)",
    ),
    "author_email": ("string", "the author's e-mail"),
    "author_login": ("string", "the author's GitHub login, when the source knows it"),
    "authors": ("object", "everyone who wrote the change: a merge's landed commits' authors, the main author first"),
    "committer": ("string", "committer name"),
    "co_authors": ("object", "Co-authored-by trailers, as written"),
    "parents": ("object", "parent hashes"),
    "is_merge": ("bool", "more than one parent"),
    "merged_commits": ("int64", "commits a merge landed (reachable only through its other parents); 0 otherwise"),
    "merged": (
        "object",
        "the commits a merge landed, newest first: sha, title, author, author_email, author_login, "
        "authored_at, authored_local (report's time zone), is_bot, lines_added, lines_deleted (None "
        "when the source gave no counts), files (as file_changes)",
    ),
    "incomplete": (
        "string",
        "what the clone could not give: parent (beyond a shallow clone: a boundary commit's "
        "files, a merge's landed commits) or blobs (line counts not counted); else missing",
    ),
    "title": ("string", "first line of the message; a merge's: what it landed (the pull request's title, the branch)"),
    "message": ("string", "full commit message"),
    "pr_number": ("Int64", "pull request number: GitHub's when looked up, else the title's (#1234), or missing"),
    "pr_url": ("string", "pull request page, for GitHub repositories"),
    "pr_source": ("string", "where pr_number comes from: graphql, rest (fallback), title, or missing"),
    "pr_title": ("string", "title of the pull request (GitHub), or missing"),
    "pr_labels": ("object", "labels of the pull request, as written"),
    "pr_body": ("string", "pull request description as written (untrusted), cut at 4,000 characters with a marker"),
    "pr_author": ("string", "login that opened the pull request"),
    "merged_by": ("string", "who merged it: the pull request's merger (GraphQL), else a merge commit's author"),
    "approvers": ("object", "logins whose review approved it (GraphQL only)"),
    "review_decision": ("string", "APPROVED, CHANGES_REQUESTED, REVIEW_REQUIRED, or missing"),
    "closes_issues": ("object", "issues it closes: number, url, title (GraphQL only)"),
    "url": ("string", "commit page, when the repository has one"),
    "file_count": ("int64", "files touched (NF)"),
    "lines_added": ("int64", "lines added (LA), binary files not counted"),
    "lines_deleted": ("int64", "lines deleted (LD), binary files not counted"),
    "binary_files": ("int64", "binary files touched"),
    "source_file_count": (
        "int64",
        "source files touched (scoring.paths.is_source: not tests, docs, CI, build, lockfiles, generated or vendored files)",
    ),
    "source_lines_added": ("int64", "lines added to source files"),
    "source_lines_deleted": ("int64", "lines deleted from source files"),
    "directories": ("int64", "distinct directories touched (ND)"),
    "subsystems": ("int64", "distinct top-level directories touched (NS)"),
    "entropy": ("float64", "normalized change entropy over files, 0..1"),
    "files_truncated": ("bool", "the source capped the file list (GitHub stops at 3,000)"),
    "file_changes": ("object", "per file: path, old_path, status, added, deleted, binary, area"),
    "areas": (
        "object",
        "areas touched, most significant first: title tags, then by lines changed (a fix: its source files first)",
    ),
    "primary_area": ("string", "first of areas: the one area in which every count by area counts the commit"),
    "change_type": ("string", "feat, fix, perf, refactor, security, revert, docs, test, ci, build, deps, chore, other"),
    "type_rule": ("string", "what decided the change type: revert, prefix, tag, paths, keyword, none"),
    "is_fix": ("bool", "the change type is fix (Kamei's FIX)"),
    "is_revert": ("bool", "the change type is revert: the commit reverts another"),
    "is_breaking": ("bool", "breaking-change marker in the message"),
    "is_bot": ("bool", "author is a bot"),
    "tests_touched": ("bool", "at least one test file changed"),
    "public_api_paths": ("object", "changed paths that look like public API"),
    "security_paths": ("object", "changed paths that look security-sensitive"),
    "score": ("int64", "the rules' importance, 0..100"),
    "rules_level": ("string", "high / medium / low from the rules' score"),
    "reasons": ("object", "signals that set the score: code, detail (from the data), points"),
    "rule_risks": ("object", "what the signals say could go wrong: code, paths, lines, files (scoring.findings)"),
    "rule_advice": ("object", "what the signals call for: code (scoring.findings)"),
    "model_level": ("string", "the model's importance, when an analysis exists"),
    "model_reason": ("string", "the model's one-line reason, or the error of a failed analysis"),
    "level": ("string", "final level: the rules' level, moved by the model's when it ran (scoring.blend)"),
    "level_disagreement": ("bool", "rules and model levels are two apart"),
    "analysis_status": ("string", "none, ok, cached or failed"),
    "diff_coverage": ("float64", "share of the diff's lines the model saw, 0..1"),
    "tokens_in": ("Int64", "prompt tokens spent on this commit"),
    "tokens_out": ("Int64", "completion tokens spent on this commit"),
    "ungrounded_names": (
        "object",
        "names the model wrote in backticks that are neither in the commit's diff nor in "
        "the repository at the commit (analysis.grounding); empty when all are found",
    ),
    "number_mismatches": (
        "object",
        "numbers the model stated about the change (lines, files) that the data contradicts, as written",
    ),
    # related commits (scoring.relations: its docstring states the rules)
    "reverts": (
        "object",
        "the commit this one reverts: [{sha, title, committed_at, committed_local, url, "
        "found_by}], empty when none or not found",
    ),
    "reverted_by": (
        "object",
        "shas of the commits that revert it: the loaded ones, and the later ones up to the "
        "outcome horizon when outcomes were labelled",
    ),
    "revert_lived_hours": (
        "float64",
        "hours the reverted change lived: the revert's committer date minus the reverted commit's",
    ),
    "series": ("string", "series this commit is part of: the sha of its first member in the frame, or missing"),
    "series_index": ("Int64", "place in the series (k of a [k/N] marker, else the order by committer date)"),
    "series_size": ("Int64", "members of the series (N of a [k/N] marker; missing when written as N)"),
    "series_rule": (
        "string",
        "what made the series: marker ([k/N] in titles) or run (one author, one area, hours apart)",
    ),
    # outcomes (evidence.outcomes: SZZ over a clone; <NA> where not labelled) and the learned risk
    **{name: spec for name, spec in OUTCOME_COLUMNS.items() if name != "reverted_by"},
    "repairs": (
        "object",
        "the earlier commits this fix repairs: the source lines it deletes or modifies, blamed in its first "
        "parent (SZZ: evidence.blamed_commits), kept when committed at most [scoring] observation_days "
        "before it; shas, oldest first; filled by the report (follow-ups) for its days and the 7 before; empty "
        "when it is no fix, nothing was found, or no clone was read",
    ),
    "risk": (
        "float64",
        "the learned model's chance that the commit is later fixed or reverted (evidence.risk_model), "
        'when [scoring] risk_model = "learned"',
    ),
    "level_by": (
        "string",
        "what set the level before the model's analysis: rules, or learned (the learned model beat "
        "the rules on the repository's last closed months)",
    ),
}
LIST_COLUMNS = [name for name, (dtype, _) in COLUMNS.items() if dtype == "object"]
# The file-level frame: one row per commit and file, the commit's columns repeated on each.
FILE_COLUMNS: dict[str, tuple[str, str]] = {
    **{
        name: COLUMNS[name]
        for name in (
            "repo",
            "sha",
            "day",
            "in_report",
            "committed_at",
            "author",
            "author_email",
            "author_login",
            "is_bot",
        )
    },
    "path": ("string", "path after the change (the new path of a rename)"),
    "old_path": ("string", "path before a rename or copy, else missing"),
    "area": ("string", "area of the file: the config's rules, else its path (not the title's tags)"),
    "status": ("string", "added, modified, deleted, renamed, copied, type_changed, unknown"),
    "lines_added": ("Int64", "lines added to the file; missing for a binary file"),
    "lines_deleted": ("Int64", "lines deleted from the file; missing for a binary file"),
    "churn": ("int64", "lines added + deleted (0 for a binary file)"),
    "binary": ("bool", "binary file"),
    "commit_file_count": ("int64", "files the commit touched (its changeset size)"),
    **{name: COLUMNS[name] for name in ("change_type", "is_fix", "is_revert")},
}
_SCHEMAS = {"commits": (COLUMNS, LIST_COLUMNS), "files": (FILE_COLUMNS, [])}
PR_BODY_CAP = 4000  # characters of a pull request's description kept in the frame


def capped_body(text: str, cap: int = PR_BODY_CAP) -> str:
    """``text`` cut to ``cap`` characters (at a line or word end when one is near), with a marker."""
    return truncate(text, cap, at="line", marker="\n\n[… {rest:,} more characters cut]")


def describe_columns(kind: str = "commits") -> pd.DataFrame:
    """The column documentation of the commit frame (or ``kind="files"``: the file frame) as a table."""
    schema = _SCHEMAS[kind][0]
    return pd.DataFrame([(n, d, m) for n, (d, m) in schema.items()], columns=["column", "dtype", "meaning"])


def report_rows(frame: pd.DataFrame, days: Sequence[str] | None = None) -> pd.DataFrame:
    """The rows of the report's days: what the report, its charts and its overview count. Those of
    ``days`` when given (a day of a longer frame), else those marked ``in_report``."""
    if not len(frame):
        return frame
    return frame[frame["day"].isin(list(days))] if days is not None else frame[frame["in_report"].astype(bool)]


def in_frame_order(items: Sequence, commit_of: Callable = lambda item: item) -> list:
    """``items`` (commits, or what ``commit_of`` finds a commit in) in the frame's row order: repositories in
    their first-seen order, newest first within one (git's own order is topological; ties keep it)."""
    order = {name: i for i, name in enumerate(dict.fromkeys(commit_of(item).repo for item in items))}
    return sorted(items, key=lambda item: (order[commit_of(item).repo], -commit_of(item).committer_date.timestamp()))


def _days(commits: Sequence[Commit], tz: ZoneInfo) -> tuple[list[str], list[str]]:
    """The day (YYYY-MM-DD) and the local time of each commit's committer date in ``tz``."""
    local = [c.committer_date.astimezone(tz) for c in commits]
    return [t.date().isoformat() for t in local], [t.strftime("%Y-%m-%d %H:%M:%S") for t in local]


_PR_COLUMNS = (
    "pr_source",
    "pr_title",
    "pr_labels",
    "pr_body",
    "pr_author",
    "merged_by",
    "approvers",
    "review_decision",
    "closes_issues",
)


def _pr_values(commit: Commit) -> tuple:
    """The commit's values of ``_PR_COLUMNS``; ``merged_by`` of a merge without a pull request is its author."""
    pr = commit.pull_request
    if pr is None:
        merged_by = author_key(commit) if commit.is_merge else None
        return ("title" if commit.pr_number is not None else None, None, [], None, None, merged_by, [], None, [])
    return (
        pr.source,
        pr.title,
        list(pr.labels),
        capped_body(pr.body),
        pr.author,
        pr.merged_by if pr.merged_by is not None or not commit.is_merge else author_key(commit),
        list(pr.approvers),
        pr.review_decision,
        [{"number": i.number, "url": i.url, "title": i.title} for i in pr.closes_issues],
    )


def _changes(files, areas) -> list[dict]:
    return [
        {
            "path": f.path,
            "old_path": f.old_path,
            "status": f.status,
            "added": f.added_lines,
            "deleted": f.deleted_lines,
            "binary": f.binary,
            "area": area,
        }
        for f, area in zip(files, areas)
    ]


def _landed(commit: Commit, areas: Sequence[Sequence[str]], tz: ZoneInfo) -> list[dict]:
    """The ``merged`` column of a merge: each landed commit, its author and its files."""
    authored = commit.authored
    if authored == (commit,):
        return []
    return [
        {
            "sha": c.sha,
            "title": c.title,
            "author": c.author_name,
            "author_email": c.author_email,
            "author_login": c.author_login,
            "authored_at": c.author_date.isoformat(),
            "authored_local": c.author_date.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S"),
            "is_bot": is_bot(c.author_name, c.author_login),
            # a landed commit the source listed without its files (GitHub) has no line counts to give
            **(
                {"lines_added": None, "lines_deleted": None}
                if not c.files and c.line_counts is None
                else {"lines_added": c.added_lines, "lines_deleted": c.deleted_lines}
            ),
            "files": _changes(c.files, file_areas),
        }
        for c, file_areas in zip(authored, areas)
    ]


def _authored_at(commit: Commit):
    """A merge's author date: its main author's newest landed commit's; else the commit's own."""
    if commit.authored == (commit,):
        return commit.author_date
    main = author_key(commit.main_author)
    return max(c.author_date for c in commit.authored if author_key(c) == main)


def _empty(dtype: str, n: int) -> list:
    """``n`` values of a column not filled yet: fresh empty lists for a list column, else missing values."""
    return [[] for _ in range(n)] if dtype == "object" else [None] * n


def to_frame(
    scored: Sequence[tuple[Commit, Assessment]],
    tz: ZoneInfo,
    report_days: Sequence[date | str] = (),
    relations: Relations | None = None,
) -> pd.DataFrame:
    """One row per commit, columns as in ``COLUMNS``, in :func:`in_frame_order`; the relation columns
    from ``relations`` (none when not given). Built column by column."""
    wanted = {d.isoformat() if isinstance(d, date) else d for d in report_days}
    ordered = in_frame_order(scored, itemgetter(0))
    commits = [c for c, _ in ordered]
    judged = [a for _, a in ordered]
    signals = [a.signals for a in judged]
    mains = [c.main_author for c in commits]
    shas = [c.sha for c in commits]
    days, local = _days(commits, tz)
    relations = relations or Relations()
    places = [relations.series.get(sha) for sha in shas]
    n = len(commits)
    levels = [a.level.value for a in judged]
    columns: dict[str, object] = {
        "repo": [c.repo for c in commits],
        "sha": shas,
        "short_sha": [c.short_sha for c in commits],
        "day": days,
        "in_report": [day in wanted for day in days],
        "committed_at": [c.committer_date for c in commits],
        "committed_local": local,
        "authored_at": [_authored_at(c) for c in commits],
        "author": [m.author_name for m in mains],
        "author_email": [m.author_email for m in mains],
        "author_login": [m.author_login for m in mains],
        "authors": [list(c.authors) for c in commits],
        "committer": [c.committer_name for c in commits],
        "co_authors": [list(c.co_authors) for c in commits],
        "parents": [list(c.parents) for c in commits],
        "is_merge": [c.is_merge for c in commits],
        "merged_commits": [len(c.authored) if c.authored != (c,) else 0 for c in commits],
        "merged": [_landed(c, a.authored_areas, tz) for c, a in ordered],
        "incomplete": [c.incomplete for c in commits],
        "title": [c.title for c in commits],
        "message": [c.message for c in commits],
        "pr_number": [c.pr_number for c in commits],
        "pr_url": [c.pr_url for c in commits],
        **dict(zip(_PR_COLUMNS, map(list, zip(*(_pr_values(c) for c in commits))))),
        "url": [c.url for c in commits],
        "file_count": [s.files for s in signals],
        "lines_added": [s.lines_added for s in signals],
        "lines_deleted": [s.lines_deleted for s in signals],
        "binary_files": [s.binary_files for s in signals],
        "source_file_count": [s.source_files for s in signals],
        "source_lines_added": [s.source_lines_added for s in signals],
        "source_lines_deleted": [s.source_lines_deleted for s in signals],
        "directories": [s.directories for s in signals],
        "subsystems": [s.subsystems for s in signals],
        "entropy": [s.entropy for s in signals],
        "files_truncated": [c.files_truncated for c in commits],
        "file_changes": [_changes(c.files, a.file_areas) for c, a in ordered],
        "areas": [list(a.areas) for a in judged],
        "primary_area": [a.areas[0] if a.areas else "root" for a in judged],
        "change_type": [a.change_type for a in judged],
        "type_rule": [a.type_rule for a in judged],
        "is_fix": [s.fix for s in signals],
        "is_revert": [s.revert for s in signals],
        "is_breaking": [s.breaking for s in signals],
        "is_bot": [s.bot for s in signals],
        "tests_touched": [s.tests_touched for s in signals],
        "public_api_paths": [list(s.public_api_paths) for s in signals],
        "security_paths": [list(s.security_paths) for s in signals],
        "score": [a.score for a in judged],
        "rules_level": levels,
        "reasons": [
            [{"code": r.code, "detail": r.detail, "points": round(float(r.points), 1)} for r in a.reasons]
            for a in judged
        ],
        "rule_risks": [[f.to_dict() for f in a.risks] for a in judged],
        "rule_advice": [[f.code for f in a.advice] for a in judged],
        "level": list(levels),
        "level_disagreement": [False] * n,
        "analysis_status": ["none"] * n,
        "reverts": [[reverted] if (reverted := relations.reverts.get(sha)) else [] for sha in shas],
        "reverted_by": [list(relations.reverted_by.get(sha, ())) for sha in shas],
        "revert_lived_hours": [relations.lived_hours.get(sha) for sha in shas],
        "series": [p.series if p else None for p in places],
        "series_index": [p.index if p else None for p in places],
        "series_size": [p.size if p else None for p in places],
        "series_rule": [p.rule if p else None for p in places],
        "level_by": ["rules"] * n,
    }
    if n == 0:  # zip(*) of nothing gives no pull-request columns
        columns.update({name: [] for name in _PR_COLUMNS})
    for name, (dtype, _) in COLUMNS.items():  # the model's, the outcomes' and the later stages' columns
        if name not in columns:
            columns[name] = _empty(dtype, n)
    return _built(columns)


def with_analyses(frame: pd.DataFrame, results: Mapping) -> pd.DataFrame:
    """A copy of ``frame`` with the model's columns filled from ``results`` (sha -> analysis.CommitAnalysis).

    For each row whose sha has a result: ``analysis_status`` (ok / cached / failed), ``diff_coverage``,
    ``tokens_in``/``tokens_out`` (spent in this run); when the model answered, ``model_level`` and
    ``model_reason`` and the blended ``level`` / ``level_disagreement`` (scoring.blend, with the row's
    ``score``); when it failed, ``model_reason`` holds the one-line error (the entry's "analysis failed"
    note reads it) and the level stays the rules' one. Other rows are left as they are.
    """
    out = frame.copy()
    if not results:
        return out
    at = {sha: index for index, sha in zip(out.index, out["sha"])}
    for sha, result in results.items():
        if sha not in at:
            continue
        index = at[sha]
        out.at[index, "analysis_status"] = result.status
        out.at[index, "diff_coverage"] = float("nan") if result.coverage is None else float(result.coverage)
        out.at[index, "tokens_in"] = int(result.tokens_in or 0)
        out.at[index, "tokens_out"] = int(result.tokens_out or 0)
        if result.status in ("ok", "cached") and is_level(result.model_level):
            score = out.at[index, "score"]  # moves a rules level; a learned level blends by ordinals
            by_rules = out.at[index, "level_by"] == "rules" and not pd.isna(score)
            blended = blend_levels(out.at[index, "level"], result.model_level, float(score) if by_rules else None)
            out.at[index, "model_level"] = result.model_level
            out.at[index, "model_reason"] = result.model_reason
            out.at[index, "level"] = blended.level.value
            out.at[index, "level_disagreement"] = blended.disagreement
        elif result.status == "failed":
            out.at[index, "model_reason"] = result.error
    return out


def with_outcomes(frame: pd.DataFrame, outcomes: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with the outcome columns of the commits in ``outcomes`` (evidence.outcome_table:
    indexed by sha); ``reverted_by`` joins the loaded reverts and the later ones."""
    out = frame.copy()
    if outcomes is None or outcomes.empty:
        return out
    rows = out["sha"].map(lambda sha: sha in outcomes.index).to_numpy(dtype=bool)
    shas = out.loc[rows, "sha"]
    for name in OUTCOME_COLUMNS:
        if name == "reverted_by":
            out.loc[rows, name] = pd.Series(
                [
                    list(dict.fromkeys([*loaded, *outcomes.at[sha, name]]))
                    for loaded, sha in zip(out.loc[rows, name], shas)
                ],
                index=out.index[rows],
                dtype=object,
            )
        else:
            out.loc[rows, name] = outcomes.loc[shas, name].to_numpy()
    return _typed(out)


def with_repairs(frame: pd.DataFrame, repairs: Mapping[str, Sequence[str]]) -> pd.DataFrame:
    """A copy of ``frame`` with ``repairs`` from ``repairs`` (fix sha -> the earlier commits it repairs,
    oldest first); other rows keep theirs."""
    out = frame.copy()
    if repairs:
        out["repairs"] = [list(repairs[s]) if s in repairs else list(r) for s, r in zip(out["sha"], out["repairs"])]
    return out


def with_risk(frame: pd.DataFrame, risk: pd.Series, levels: pd.Series | None = None) -> pd.DataFrame:
    """A copy of ``frame`` with the learned ``risk`` (by sha); with ``levels`` (by sha: the learned model beat
    the rules), those rows' ``level`` is the learned one and ``level_by`` says so."""
    out = frame.copy()
    out["risk"] = out["sha"].map(risk).astype("float64")
    if levels is not None:
        learned = out["sha"].isin(levels.index)
        out.loc[learned, "level"] = out.loc[learned, "sha"].map(levels).to_numpy()
        out.loc[learned, "level_by"] = "learned"
    return out


def with_grounding(frame: pd.DataFrame, records: Mapping[str, Mapping]) -> pd.DataFrame:
    """A copy of ``frame`` with ``ungrounded_names`` and ``number_mismatches`` from ``records`` (sha ->
    analysis.grounding.Grounding.as_record()); other rows keep empty lists."""
    out = frame.copy()
    if records:
        out["ungrounded_names"] = [list(records[s]["ungrounded"]) if s in records else [] for s in out["sha"]]
        out["number_mismatches"] = [list(records[s]["number_mismatches"]) if s in records else [] for s in out["sha"]]
    return out


def file_frame_of(
    measured: Sequence[tuple[Commit, Measured]], tz: ZoneInfo, report_days: Sequence[date | str] = ()
) -> pd.DataFrame:
    """The file frame (``FILE_COLUMNS``) of the measured commits, in :func:`in_frame_order`: one row per
    commit and file; a merge's rows are the files of the commits it landed, each credited to its own
    author (so that ownership, churn and islands name who wrote the lines)."""
    wanted = {d.isoformat() if isinstance(d, date) else d for d in report_days}
    ordered = in_frame_order(measured, itemgetter(0))
    days, _ = _days([c for c, _ in ordered], tz)
    # One group of rows per commit that wrote lines (a commit, or each commit a merge landed): its
    # commit's columns and its author's, repeated over its files.
    groups = [
        (commit, m, day, author, areas)
        for (commit, m), day in zip(ordered, days)
        for author, areas in zip(commit.authored, m.authored_areas)
    ]
    # each group's values typed once, then repeated over its files (arrow strings are taken, not rebuilt)
    at = np.repeat(np.arange(len(groups)), [len(author.files) for *_, author, _ in groups])

    def repeated(values, name: str):
        dtype = FILE_COLUMNS[name][0]
        typed = pd.to_datetime(list(values), utc=True) if dtype.startswith("datetime64") else list(values)
        return pd.array(typed, dtype=dtype).take(at)

    columns: dict[str, object] = {
        "repo": repeated((c.repo for c, *_ in groups), "repo"),
        "sha": repeated((c.sha for c, *_ in groups), "sha"),
        "day": repeated((d for _, _, d, _, _ in groups), "day"),
        "in_report": repeated((d in wanted for _, _, d, _, _ in groups), "in_report"),
        "committed_at": repeated((c.committer_date for c, *_ in groups), "committed_at"),
        "commit_file_count": repeated((len(c.files) for c, *_ in groups), "commit_file_count"),
        "change_type": repeated((m.change_type for _, m, *_ in groups), "change_type"),
        "is_fix": repeated((m.signals.fix for _, m, *_ in groups), "is_fix"),
        "is_revert": repeated((m.signals.revert for _, m, *_ in groups), "is_revert"),
        "author": repeated((a.author_name for *_, a, _ in groups), "author"),
        "author_email": repeated((a.author_email for *_, a, _ in groups), "author_email"),
        "author_login": repeated((a.author_login for *_, a, _ in groups), "author_login"),
        "is_bot": repeated((is_bot(a.author_name, a.author_login) for *_, a, _ in groups), "is_bot"),
    }
    files = [f for *_, author, _ in groups for f in author.files]
    columns.update(
        path=[f.path for f in files],
        old_path=[f.old_path for f in files],
        area=[area for *_, areas in groups for area in areas],
        status=[f.status for f in files],
        lines_added=[f.added_lines for f in files],
        lines_deleted=[f.deleted_lines for f in files],
        churn=[f.churn for f in files],
        binary=[f.binary for f in files],
    )
    return _built(columns, FILE_COLUMNS)


def _built(columns: Mapping[str, object], schema: dict[str, tuple[str, str]] = COLUMNS) -> pd.DataFrame:
    """A frame of ``schema``'s columns from their values (lists, or arrays already of the column's dtype), each
    typed as :func:`_typed` types it, before the frame is made (one frame, no column replaced after)."""
    typed = {}
    for name, (dtype, _) in schema.items():
        values = columns[name]
        if dtype.startswith("datetime64"):
            typed[name] = pd.Series(pd.to_datetime(values, utc=True)).astype(dtype)
        elif dtype == "float64":
            typed[name] = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").astype("float64")
        elif dtype == "object":
            typed[name] = pd.Series(values, dtype=object)
        else:
            typed[name] = pd.Series(values).astype(dtype) if isinstance(values, list) else pd.Series(values)
    return pd.DataFrame(typed, columns=list(schema))


def _typed(frame: pd.DataFrame, schema: dict[str, tuple[str, str]] = COLUMNS) -> pd.DataFrame:
    for name, (dtype, _) in schema.items():
        if dtype.startswith("datetime64"):
            frame[name] = pd.to_datetime(frame[name], utc=True).astype(dtype)
        elif dtype == "float64":
            frame[name] = pd.to_numeric(frame[name], errors="coerce").astype("float64")
        elif dtype != "object":
            frame[name] = frame[name].astype(dtype)
    return frame


def write_frame(frame: pd.DataFrame, out_dir: str | os.PathLike[str], kind: str = "commits") -> list[Path]:
    """Write ``commits.csv`` and ``commits.parquet`` into ``out_dir`` (``files.*`` for ``kind="files"``,
    the file frame); return their paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    csv = frame.copy()
    for name in _SCHEMAS[kind][1]:
        csv[name] = csv[name].map(lambda v: json.dumps(list(v) if v is not None else [], ensure_ascii=False))
    csv_path, parquet_path = out / f"{kind}.csv", out / f"{kind}.parquet"
    csv.to_csv(csv_path, index=False)
    frame.to_parquet(parquet_path, index=False)
    return [csv_path, parquet_path]


def read_frame(path: str | Path, kind: str | None = None) -> pd.DataFrame:
    """Read a frame written by :func:`write_frame` (``.parquet`` or ``.csv``); ``kind`` (commits or files)
    defaults to the file's name."""
    path = Path(path)
    kind = kind or ("files" if path.stem == "files" else "commits")
    schema, list_columns = _SCHEMAS[kind]
    if path.suffix == ".parquet":
        frame = pd.read_parquet(path)
        for name in list_columns:
            frame[name] = frame[name].map(
                lambda v: [] if v is None else [dict(x) if isinstance(x, dict) else x for x in v]
            )
        return _typed(frame, schema)
    frame = pd.read_csv(path, dtype={n: "string" for n, (d, _) in schema.items() if d == "string"})
    for name in list_columns:
        frame[name] = frame[name].map(lambda v: json.loads(v) if isinstance(v, str) else [])
    return _typed(frame, schema)
