"""The one DataFrame: a row per commit, the single source for charts and the report; and the
file-level frame derived from it (a row per commit and file), which the analytics read.

``COLUMNS`` and ``FILE_COLUMNS`` declare every column once: its dtype and what it holds.
``to_frame`` builds the commit frame, ``to_file_frame`` the file frame from it;
``write_frame``/``read_frame`` keep them as ``commits.csv`` (list columns as JSON) and
``commits.parquet`` (``files.csv`` and ``files.parquet`` with ``kind="files"``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from .models import Commit
from .scoring.areas import path_area
from .scoring.heuristic import Assessment

# name -> (pandas dtype, meaning). "object" columns hold Python lists (JSON in the CSV).
COLUMNS: dict[str, tuple[str, str]] = {
    "repo": ("string", "display name of the repository"),
    "sha": ("string", "full commit hash"),
    "short_sha": ("string", "first 7 characters of the hash"),
    "day": ("string", "calendar day (YYYY-MM-DD) of the committer date in the report's time zone"),
    "in_report": ("bool", "the day is one of the report's days (the rest is trend history)"),
    "committed_at": ("datetime64[ns, UTC]", "committer date (UTC)"),
    "committed_local": ("string", "committer date as YYYY-MM-DD HH:MM:SS in the report's time zone"),
    "authored_at": ("datetime64[ns, UTC]", "author date (UTC)"),
    "author": ("string", "author name (after .mailmap)"),
    "author_email": ("string", "author e-mail"),
    "author_login": ("string", "GitHub login, when the source knows it"),
    "committer": ("string", "committer name"),
    "co_authors": ("object", "Co-authored-by trailers, as written"),
    "parents": ("object", "parent hashes"),
    "is_merge": ("bool", "more than one parent"),
    "title": ("string", "first line of the message"),
    "message": ("string", "full commit message"),
    "pr_number": ("Int64", "pull request number: GitHub's when looked up, else the title's (#1234), or missing"),
    "pr_url": ("string", "pull request page, for GitHub repositories"),
    "pr_source": ("string", "where pr_number comes from: graphql, rest (fallback), title, or missing"),
    "pr_title": ("string", "title of the pull request (GitHub), or missing"),
    "pr_labels": ("object", "labels of the pull request, as written"),
    "pr_body": ("string", "pull request description as written (untrusted), cut at 4,000 characters with a marker"),
    "pr_author": ("string", "login that opened the pull request"),
    "merged_by": ("string", "login that merged it (GraphQL only)"),
    "approvers": ("object", "logins whose review approved it (GraphQL only)"),
    "review_decision": ("string", "APPROVED, CHANGES_REQUESTED, REVIEW_REQUIRED, or missing"),
    "closes_issues": ("object", "issues it closes: number, url, title (GraphQL only)"),
    "url": ("string", "commit page, when the repository has one"),
    "files": ("int64", "files touched (NF)"),
    "lines_added": ("int64", "lines added (LA), binary files not counted"),
    "lines_deleted": ("int64", "lines deleted (LD), binary files not counted"),
    "binary_files": ("int64", "binary files touched"),
    "directories": ("int64", "distinct directories touched (ND)"),
    "subsystems": ("int64", "distinct top-level directories touched (NS)"),
    "entropy": ("float64", "normalized change entropy over files, 0..1"),
    "files_truncated": ("bool", "the source capped the file list (GitHub stops at 3,000)"),
    "file_changes": ("object", "per file: path, old_path, status, added, deleted, binary, area"),
    "areas": ("object", "areas touched, most significant first"),
    "primary_area": ("string", "first of areas"),
    "change_type": ("string", "feat, fix, perf, refactor, security, revert, docs, test, ci, build, deps, chore, other"),
    "type_rule": ("string", "what decided the change type: revert, prefix, tag, paths, keyword, none"),
    "fix": ("bool", "fix keyword (Kamei's FIX)"),
    "revert": ("bool", "the commit reverts another"),
    "breaking": ("bool", "breaking-change marker in the message"),
    "is_bot": ("bool", "author is a bot"),
    "tests_touched": ("bool", "at least one test file changed"),
    "public_api_paths": ("object", "changed paths that look like public API"),
    "security_paths": ("object", "changed paths that look security-sensitive"),
    "score": ("int64", "heuristic importance, 0..100"),
    "heuristic_level": ("string", "high / medium / low from the score"),
    "reasons": ("object", "signals that set the score: code, detail (from the data), points"),
    "llm_level": ("string", "the model's importance, when an analysis exists"),
    "llm_reason": ("string", "the model's one-line reason"),
    "level": ("string", "final level (heuristic, blended with the model when it ran)"),
    "level_disagreement": ("bool", "heuristic and model levels are two apart"),
    "analysis_status": ("string", "none, ok, cached or failed"),
    "diff_coverage": ("float64", "share of the diff's lines the model saw, 0..1"),
    "tokens_in": ("Int64", "prompt tokens spent on this commit"),
    "tokens_out": ("Int64", "completion tokens spent on this commit"),
    # related commits (scoring.relations: its docstring states the rules)
    "reverts": ("object", "the commit this one reverts: [{sha, title, committed_at, committed_local, url, "
                          "found_by}], empty when none or not found"),
    "reverted_by": ("object", "shas of the frame's commits that revert this one"),
    "revert_lived_hours": ("float64", "hours the reverted change lived: the revert's committer date minus the "
                                      "reverted commit's"),
    "series": ("string", "series this commit is part of: the sha of its first member in the frame, or missing"),
    "series_index": ("Int64", "place in the series (k of a [k/N] marker, else the order by committer date)"),
    "series_size": ("Int64", "members of the series (N of a [k/N] marker; missing when written as N)"),
    "series_rule": ("string", "what made the series: marker ([k/N] in titles) or run (one author, one area, "
                              "hours apart)"),
}
LIST_COLUMNS = [name for name, (dtype, _) in COLUMNS.items() if dtype == "object"]
# The file-level frame: one row per commit and file, the commit's columns repeated on each.
FILE_COLUMNS: dict[str, tuple[str, str]] = {
    **{name: COLUMNS[name] for name in ("repo", "sha", "day", "in_report", "committed_at", "author",
                                        "author_email", "author_login", "is_bot")},
    "path": ("string", "path after the change (the new path of a rename)"),
    "old_path": ("string", "path before a rename or copy, else missing"),
    "area": ("string", "area of the file: the config's rules, else its path (not the title's tags)"),
    "status": ("string", "added, modified, deleted, renamed, copied, type_changed, unknown"),
    "lines_added": ("Int64", "lines added to the file; missing for a binary file"),
    "lines_deleted": ("Int64", "lines deleted from the file; missing for a binary file"),
    "churn": ("int64", "lines added + deleted (0 for a binary file)"),
    "binary": ("bool", "binary file"),
    "commit_files": ("int64", "files the commit touched (its changeset size)"),
    **{name: COLUMNS[name] for name in ("change_type", "fix", "revert")},
}
_SCHEMAS = {"commits": (COLUMNS, LIST_COLUMNS), "files": (FILE_COLUMNS, [])}
PR_BODY_CAP = 4000  # characters of a pull request's description kept in the frame


def capped_body(text: str, cap: int = PR_BODY_CAP) -> str:
    """``text`` cut to ``cap`` characters (at a line or word end when one is near), with a marker."""
    if len(text) <= cap:
        return text
    head = text[:cap]
    cut = max(head.rfind("\n"), head.rfind(" "))
    head = head[:cut] if cut > cap * 0.8 else head
    return f"{head.rstrip()}\n\n[… {len(text) - len(head):,} more characters cut]"


def _pr_columns(commit: Commit) -> dict:
    pr = commit.pull_request
    if pr is None:
        return {"pr_source": "title" if commit.pr_number is not None else None, "pr_title": None, "pr_labels": [],
                "pr_body": None, "pr_author": None, "merged_by": None, "approvers": [], "review_decision": None,
                "closes_issues": []}
    return {"pr_source": pr.source, "pr_title": pr.title, "pr_labels": list(pr.labels), "pr_body": capped_body(pr.body),
            "pr_author": pr.author, "merged_by": pr.merged_by, "approvers": list(pr.approvers),
            "review_decision": pr.review_decision,
            "closes_issues": [{"number": i.number, "url": i.url, "title": i.title} for i in pr.closes_issues]}


def describe_columns(kind: str = "commits") -> pd.DataFrame:
    """The column documentation of the commit frame (or ``kind="files"``: the file frame) as a table."""
    schema = _SCHEMAS[kind][0]
    return pd.DataFrame([(n, d, m) for n, (d, m) in schema.items()], columns=["column", "dtype", "meaning"])


def _row(commit: Commit, assessment: Assessment, tz: ZoneInfo, report_days: set[str]) -> dict:
    s = assessment.signals
    local = commit.committer_date.astimezone(tz)
    day = local.date().isoformat()
    return {
        "repo": commit.repo, "sha": commit.sha, "short_sha": commit.short_sha, "day": day,
        "in_report": day in report_days,
        "committed_at": commit.committer_date, "committed_local": local.strftime("%Y-%m-%d %H:%M:%S"),
        "authored_at": commit.author_date, "author": commit.author_name, "author_email": commit.author_email,
        "author_login": commit.author_login, "committer": commit.committer_name,
        "co_authors": list(commit.co_authors), "parents": list(commit.parents), "is_merge": commit.is_merge,
        "title": commit.title, "message": commit.message, "pr_number": commit.pr_number,
        "pr_url": commit.pr_url, **_pr_columns(commit), "url": commit.url,
        "files": s.files, "lines_added": s.lines_added, "lines_deleted": s.lines_deleted,
        "binary_files": s.binary_files, "directories": s.directories, "subsystems": s.subsystems,
        "entropy": s.entropy, "files_truncated": commit.files_truncated,
        "file_changes": [{"path": f.path, "old_path": f.old_path, "status": f.status, "added": f.added_lines,
                          "deleted": f.deleted_lines, "binary": f.binary, "area": area}
                         for f, area in zip(commit.files, assessment.file_areas)],
        "areas": list(assessment.areas), "primary_area": assessment.areas[0] if assessment.areas else "root",
        "change_type": assessment.change_type, "type_rule": assessment.type_rule,
        "fix": s.fix, "revert": s.revert, "breaking": s.breaking, "is_bot": s.bot,
        "tests_touched": s.tests_touched, "public_api_paths": list(s.public_api_paths),
        "security_paths": list(s.security_paths),
        "score": assessment.score, "heuristic_level": assessment.level,
        "reasons": _reasons(assessment),
        "llm_level": None, "llm_reason": None, "level": assessment.level, "level_disagreement": False,
        "analysis_status": "none", "diff_coverage": None, "tokens_in": None, "tokens_out": None,
        "reverts": [], "reverted_by": [], "revert_lived_hours": None, "series": None, "series_index": None,
        "series_size": None, "series_rule": None,
    }


def to_frame(scored: Sequence[tuple[Commit, Assessment]], tz: ZoneInfo,
             report_days: Sequence[date | str] = ()) -> pd.DataFrame:
    """One row per commit, columns as in ``COLUMNS``, newest first within each repository."""
    days = {d.isoformat() if isinstance(d, date) else d for d in report_days}
    frame = pd.DataFrame([_row(c, a, tz, days) for c, a in scored], columns=list(COLUMNS))
    # Repositories keep their config order; within one, newest first (git's order is topological).
    order = {name: i for i, name in enumerate(dict.fromkeys(c.repo for c, _ in scored))}
    frame["_repo_order"] = frame["repo"].map(order)
    frame["_ts"] = pd.to_datetime(frame["committed_at"], utc=True)
    frame = frame.sort_values(["_repo_order", "_ts"], ascending=[True, False], kind="stable")
    return _typed(frame.drop(columns=["_repo_order", "_ts"]).reset_index(drop=True))


def rescore(frame: pd.DataFrame, assessments: dict[tuple[str, str], Assessment]) -> pd.DataFrame:
    """A copy of ``frame`` whose rows keyed by (repo, sha) take the new assessment's score, levels and reasons
    (before any LLM analysis is applied: ``level`` becomes the heuristic level)."""
    out = frame.copy()
    rows = [(i, assessments[key]) for i, key in enumerate(zip(out["repo"], out["sha"])) if key in assessments]
    if not rows:
        return out
    index = out.index[[i for i, _ in rows]]
    out.loc[index, "score"] = [a.score for _, a in rows]
    out.loc[index, "heuristic_level"] = [a.level for _, a in rows]
    out.loc[index, "level"] = [a.level for _, a in rows]
    out.loc[index, "reasons"] = pd.Series([_reasons(a) for _, a in rows], index=index, dtype=object)
    return out


def _reasons(assessment: Assessment) -> list[dict]:
    return [{"code": r.code, "detail": r.detail, "points": round(float(r.points), 1)} for r in assessment.reasons]


def to_file_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per commit and file (columns as in ``FILE_COLUMNS``), in the commit frame's order."""
    commit_columns = [n for n in FILE_COLUMNS if n in COLUMNS]
    counts = frame["file_changes"].map(len).to_numpy(dtype=int)
    rows = frame.loc[frame.index.repeat(counts), commit_columns].reset_index(drop=True)
    changes = pd.DataFrame([c for changes in frame["file_changes"] for c in changes],
                           columns=["path", "old_path", "status", "added", "deleted", "binary", "area"])
    if changes["area"].isna().any():  # a frame read from a file written before areas were kept per file
        changes["area"] = [a if isinstance(a, str) else path_area(p) for a, p in zip(changes["area"], changes["path"])]
    rows["path"], rows["old_path"], rows["area"] = changes["path"], changes["old_path"], changes["area"]
    rows["status"] = changes["status"]
    rows["lines_added"] = changes["added"].astype("Int64")
    rows["lines_deleted"] = changes["deleted"].astype("Int64")
    rows["churn"] = rows["lines_added"].fillna(0) + rows["lines_deleted"].fillna(0)
    rows["binary"] = changes["binary"].astype(bool)
    rows["commit_files"] = np.repeat(frame["files"].to_numpy(), counts)
    return _typed(rows[list(FILE_COLUMNS)], FILE_COLUMNS)


def _typed(frame: pd.DataFrame, schema: dict[str, tuple[str, str]] = COLUMNS) -> pd.DataFrame:
    for name, (dtype, _) in schema.items():
        if dtype.startswith("datetime64"):
            frame[name] = pd.to_datetime(frame[name], utc=True).astype(dtype)
        elif dtype == "float64":
            frame[name] = pd.to_numeric(frame[name], errors="coerce").astype("float64")
        elif dtype != "object":
            frame[name] = frame[name].astype(dtype)
    return frame


def write_frame(frame: pd.DataFrame, out_dir: str | Path, kind: str = "commits") -> list[Path]:
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
            frame[name] = frame[name].map(lambda v: [] if v is None else [dict(x) if isinstance(x, dict) else x for x in v])
        return _typed(frame, schema)
    frame = pd.read_csv(path, dtype={n: "string" for n, (d, _) in schema.items() if d == "string"})
    for name in list_columns:
        frame[name] = frame[name].map(lambda v: json.loads(v) if isinstance(v, str) else [])
    return _typed(frame, schema)
