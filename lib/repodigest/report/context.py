"""The report's context: one documented, JSON-serialisable dict built from the DataFrame.

Templates (``templates/report.md.j2``) only place what is here; every number in it comes from
the frame, and every piece of prose is either data (commit messages) or a model analysis.
Strings are raw: the templates escape them with the filters of :mod:`repodigest.report.text`.

Shape::

    {lang, title, days: [YYYY-MM-DD], tz: str | None (the time zone of the rows' times), strings (repodigest.i18n), notes: [str], usage: {...} | None,
     legend: str | None (the meaning of the mark after a name the model wrote that is nowhere),
     charts: {anchor, markdown} | None, overview: {...} | None (see report.citations),
     repos: [{name, anchor, summary_anchor, details_anchor, total, counts: {high, medium, low},
              track_record: str | None (how past levels held: the statistics line),
              per_day: [{day, count}], rows: [{time, author, title, pr_number, pr_url}],
              groups: [{level, anchor, count, entries: [entry]}]}]}

    entry = {sha, short_sha, anchor, title, url, level, change_type (the rule's), type_text (the line:
             the model's type and detail when analysed, else the rule's), model_reason: str | None (the
             model's importance reason), reasons: [str], summary: [str], stats: str (from the data: file and line counts, area names),
             scope: [str] (the model's items), files: [{area, files: [{path, stat, old_path}], more}]
             (from git), files_truncated, insight: [{dimension, text}], risks: [{title, details: [str]}],
             advice: [{title, text}], closing: str, coverage: str | None, note: str | None,
             source: "llm" | "heuristic", pr: {number, url, title, labels, approvers, merged_by, source,
             closes: [{number, url, title}]} | None (when GitHub told us about the pull request),
             landed: {count, by, commits: [{title, author, short_sha}], more} | None (a merge: what it landed),
             gap: str | None (what the clone could not give: row ``incomplete``),
             related: {...} | None (reverts, series: see report.citations), repairs: [{commit: cite, title, date,
             level}] (a fix: the earlier commits it repairs, as judged on their days: see report.citations),
             toc_marks: str}

    Model text is carried whole: multi-line fields keep their line breaks and inner lists; every
    section that has content is rendered, and a section without content is never rendered.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from ..analysis.grounding import grounding_note, mark_analysis
from ..analytics.common import records, rows_by_sha
from ..analytics.followups import as_judged
from ..frame import report_rows
from ..i18n import strings
from ..levels import LEVELS
from ..scoring.areas import path_area as default_path_area
from .anchors import AnchorSet
from .citations import overview_context, related_context, related_index, repairs_context, series_place
from .overview import build_overview
from .text import first_paragraph, shorten

_MAX_SCOPE_AREAS = 6
_FILES_PER_AREA = 3
# A title is a line of a table and a heading: a megabyte-long first line must not become one.
MAX_TITLE = 200
# Reasons from the loaded history, shown whatever their points (0 by default: scoring.heuristic).
HISTORY_REASONS = ("hotspot", "knowledge_island")
# Reasons an entry shows whatever their points: where a change lands, and why its lines weigh nothing.
ALWAYS_SHOWN = (*HISTORY_REASONS, "no_source")


def reason_text(reason: Mapping, words: Mapping) -> str:
    """One of the rules' reasons (a frame ``reasons`` item) in the report's words."""
    code, detail = reason["code"], reason.get("detail", "")
    template = words["reason"].get(code)
    if code == "type":
        return words["reason"]["type"].format(label=words["types"].get(detail, detail))
    return template.format(detail=detail) if template else f"{code} {detail}".strip()


def _lines(added, deleted, words) -> str:
    return words["lines_stat"].format(added=added, deleted=deleted)


def _scope_from_files(changes: Sequence[Mapping], areas: Sequence[str], path_area, words) -> list[dict]:
    """Group the commit's files by area, biggest first, with line counts from the data."""
    by_area: dict[str, list[Mapping]] = {}
    for change in sorted(changes, key=lambda c: -((c.get("added") or 0) + (c.get("deleted") or 0))):
        # the frame's own area of the file (config rules and repository name applied), when it has one
        by_area.setdefault(change.get("area") or path_area(change["path"]), []).append(change)
    order = [a for a in areas if a in by_area] + [a for a in by_area if a not in areas]
    scope = []
    for area in order[:_MAX_SCOPE_AREAS]:
        files = []
        for change in by_area[area][:_FILES_PER_AREA]:
            stat = (
                words["binary"]
                if change.get("binary")
                else _lines(change.get("added") or 0, change.get("deleted") or 0, words)
            )
            files.append({"path": change["path"], "stat": stat, "old_path": change.get("old_path")})
        rest = len(by_area[area]) - len(files)
        scope.append({"area": area, "files": files, "more": words["more_files"].format(count=rest) if rest > 0 else ""})
    hidden = sum(len(by_area[a]) for a in order[_MAX_SCOPE_AREAS:])
    if hidden:
        scope.append({"area": "…", "files": [], "more": words["more_files"].format(count=hidden)})
    return scope


def _rule_parts(row: Mapping, words: Mapping) -> dict:
    """The risks and the advice the rules found (scoring.findings), worded: for entries without the model's."""

    def paths(items) -> str:
        return ", ".join(f"`{p}`" for p in items)

    risks = [
        words["risk"][f["code"]].format(paths=paths(f["paths"]), lines=f["lines"], files=f["files"])
        for f in row["rule_risks"]
    ]
    tips = [words["tips"][code] for code in row["rule_advice"]]
    return {
        "risks": [{"title": r, "details": []} for r in risks],
        "advice": [{"title": t[0], "text": t[1]} for t in tips],
    }


def _type_text(kind: str, detail: str | None, words: Mapping) -> str:
    """ "kind (detail)" in the report's language; a detail that repeats the kind stands alone."""
    kind, detail = (kind or "").strip(), (detail or "").strip()
    if not detail or detail == kind:
        return kind
    if kind and detail.startswith(kind):
        return detail
    return words["type_with_detail"].format(kind=kind, detail=detail) if kind else detail


def _pull(row: Mapping) -> dict | None:
    """The pull request line of an entry, when GitHub told us about the pull request (not just a ``(#N)`` title)."""
    if row.get("pr_source") not in ("graphql", "rest") or pd.isna(row.get("pr_number")):
        return None
    text = lambda value: value if isinstance(value, str) and value else None  # noqa: E731 - missing is NA or None
    return {
        "number": int(row["pr_number"]),
        "url": text(row.get("pr_url")),
        "title": text(row.get("pr_title")),
        "labels": list(row.get("pr_labels") or []),
        "approvers": list(row.get("approvers") or []),
        "merged_by": text(row.get("merged_by")),
        "source": row["pr_source"],
        "closes": [
            {"number": i.get("number"), "url": i.get("url"), "title": i.get("title") or ""}
            for i in row.get("closes_issues") or []
        ],
    }


_NEEDS = {"high": ("risks", "advice"), "medium": ("advice",), "low": ()}  # data-derived sections by level
LANDED_SHOWN = 5  # landed commits an entry lists; the rest are counted


def _landed(row: Mapping, words: Mapping) -> dict | None:
    """What a merge landed, for its entry: the count, who merged it (when no pull-request line says so),
    the first commits' titles and authors, and how many more."""
    merged = list(row.get("merged") or [])
    if not merged:
        return None
    by = row.get("merged_by") if row.get("pr_source") not in ("graphql", "rest") else None
    rest = len(merged) - LANDED_SHOWN
    return {
        "count": len(merged),
        "by": by if isinstance(by, str) and by else None,
        "commits": [
            {"title": m["title"], "author": m["author"], "short_sha": m["sha"][:7]} for m in merged[:LANDED_SHOWN]
        ],
        "more": words["landed_more"].format(count=rest) if rest > 0 else "",
    }


def build_entry(row: Mapping, words: Mapping, anchor: str, analysis: Mapping | None, path_area) -> dict:
    """One commit's entry: the data's facts always; with an analysis, everything the model wrote.

    The model's fields are carried whole (the templates decide only how they are laid out);
    without an analysis, or where a needed section is missing from it, the section comes from
    the data and the rules (``_rule_parts``)."""
    title = shorten(row["title"], MAX_TITLE) or "(no title)"
    body = row["message"].split("\n", 1)[1] if "\n" in (row["message"] or "") else ""
    stats = words["data_summary"].format(
        files=row["file_count"],
        added=row["lines_added"],
        deleted=row["lines_deleted"],
        areas=", ".join(list(row["areas"])[:4]) or "-",
    )
    shown = [r for r in row["reasons"] if r["code"] == "type" or abs(r["points"]) >= 3][:5]
    shown += [r for r in row["reasons"] if r["code"] in ALWAYS_SHOWN and r not in shown]
    reasons = [reason_text(r, words) for r in shown]
    if isinstance(row.get("model_level"), str) and row["model_level"]:
        reasons.append(
            words["reason"]["blend"].format(
                heuristic=words[f"level_{row['rules_level']}"], llm=words[f"level_{row['model_level']}"]
            )
        )
    level = row["level"]
    ungrounded = list(row.get("ungrounded_names") or [])
    if analysis and ungrounded:  # a name found nowhere carries the mark the legend explains
        analysis = mark_analysis(analysis, ungrounded)
    entry = {
        "sha": row["sha"],
        "short_sha": row["short_sha"],
        "anchor": anchor,
        "title": title,
        "url": row["url"] if isinstance(row["url"], str) else None,
        "level": level,
        "change_type": row["change_type"],
        "type_text": _type_text(
            words["types"].get(row["change_type"], row["change_type"]), words["rules"].get(row["type_rule"], ""), words
        ),
        "model_reason": None,
        "reasons": reasons,
        "stats": stats,
        "scope": [],
        "files": _scope_from_files(row["file_changes"], row["areas"], path_area, words),
        "files_truncated": words["files_truncated"].format(count=row["file_count"]) if row["files_truncated"] else None,
        "insight": [],
        "risks": [],
        "advice": [],
        "closing": "",
        "coverage": None,
        "note": None,
        "source": "heuristic",
        "pr": _pull(row),
        "landed": _landed(row, words),
        "gap": words[f"gap_{row['incomplete']}"] if isinstance(row.get("incomplete"), str) else None,
        "repairs": [],  # set with the cross-links (report.citations.repairs_context)
    }
    if analysis:
        insight = analysis.get("insight") or {}
        entry.update(
            source="llm",
            type_text=_type_text(analysis.get("change_type") or "", analysis.get("change_type_detail"), words)
            or entry["type_text"],
            model_reason=analysis.get("importance_reason") or None,
            summary=list(analysis.get("summary") or []) or [title],
            scope=list(analysis.get("scope") or []),
            insight=[
                {"dimension": words["dims"][d], "text": insight.get(d) or words["insight_none"]}
                for d in words["dims"]
                if d in insight
            ]
            if any(insight.values())
            else [],
            risks=[{"title": r["title"], "details": list(r.get("details") or [])} for r in analysis.get("risks") or []],
            advice=[{"title": a["title"], "text": a.get("text") or ""} for a in analysis.get("advice") or []],
            closing=analysis.get("closing") or "",
            coverage=words["grounding"]["parts_sep"].join(
                part
                for part in (
                    analysis.get("coverage"),
                    grounding_note(
                        ungrounded,
                        list(row.get("number_mismatches") or []),
                        words["lang"],
                        files=row["file_count"],
                        added=row["lines_added"],
                        deleted=row["lines_deleted"],
                    ),
                )
                if part
            )
            or None,
        )
        lacking = [part for part in _NEEDS[level] if not entry[part]]
        if lacking:  # the model's follow-up for this level failed: the data fills in, and the entry says so
            parts = _rule_parts(row, words)
            entry.update({part: parts[part] for part in lacking})
            entry["note"] = words["analysis_incomplete"]
    else:
        paragraph = first_paragraph(body)
        entry["summary"] = [paragraph] if paragraph else [title]
        parts = _rule_parts(row, words) if _NEEDS[level] else {}
        entry.update({part: parts[part] for part in _NEEDS[level]})
        if isinstance(row.get("analysis_status"), str) and row["analysis_status"] == "failed":
            entry["note"] = words["analysis_failed"].format(error=row.get("model_reason") or "error")
    return entry


def track_record_line(record: Mapping | None, words: Mapping) -> str | None:
    """The statistics section's line on how a repository's past levels held (pipeline.gather_evidence's
    figures): per level of the rules, how many of the commits whose outcome is known were later fixed or
    reverted, whether 🔴 > 🟡 > 🟢 held, or that nothing can be judged yet; then which judgement the
    report's levels come from (the rules or the learned model) and how it ranked the commits that went
    wrong on the last closed months (ROC AUC; the model's too, when it ran)."""
    if not record:
        return None
    history = words["history"]
    parts = []
    if "levels" in record:
        days, count, levels = record["days"], record["count"], record["levels"]
        if not count:
            parts.append(history["track_record_none_known"].format(days=days))
        elif not record["went_wrong"]:
            parts.append(history["track_record_nothing_wrong"].format(days=days, count=count))
        else:

            def share(figures: Mapping) -> str:
                if not figures["commits"]:
                    return history["track_record_no_commits"]
                return history["track_record_share"].format(
                    went_wrong=figures["went_wrong"],
                    commits=figures["commits"],
                    share=f"{figures['went_wrong'] / figures['commits']:.0%}",
                )

            parts.append(
                history["track_record_line"].format(
                    days=days, count=count, **{lvl.value: share(levels[lvl.value]) for lvl in LEVELS}
                )
            )
            held = levels_held(levels)
            parts.append(
                history[
                    "track_record_one_level"
                    if held is None
                    else "track_record_held"
                    if held
                    else "track_record_not_held"
                ]
            )
        parts.append(history["track_record_how"].format(days=days))
    judged = record.get("judged")
    if judged:
        if not judged["months"]:
            parts.append(history["levels_unranked"])
        else:
            which = (
                "levels_by_model"
                if judged.get("learned")
                else "levels_by_rules_beside_model"
                if "model_auc" in judged
                else "levels_by_rules"
            )
            parts.append(
                history[which].format(
                    months=judged["months"],
                    commits=judged["commits"],
                    went_wrong=judged["went_wrong"],
                    rules_auc=_auc(judged["rules_auc"]),
                    model_auc=_auc(judged.get("model_auc")),
                    least=judged.get("least", ""),
                )
            )
    return " ".join(parts) or None


def _auc(value) -> str:
    """An AUC to two places; a dash when it could not be measured (one class only)."""
    return "–" if value is None or value != value else f"{value:.2f}"


def levels_held(levels: Mapping[str, Mapping]) -> bool | None:
    """Whether 🔴 > 🟡 > 🟢 held: among the levels with commits whose outcome is known (``levels``: level ->
    {commits, went_wrong}), each higher level's share later fixed or reverted is above every lower one's
    (strictly); None when fewer than two levels have such commits."""
    shares = [
        levels[lvl.value]["went_wrong"] / levels[lvl.value]["commits"]
        for lvl in LEVELS
        if levels.get(lvl.value, {}).get("commits")
    ]
    if len(shares) < 2:
        return None
    return all(higher > lower for higher, lower in zip(shares, shares[1:]))


def build_context(
    frame: pd.DataFrame,
    repos: Sequence[str],
    days: Sequence[str],
    lang: str = "zh",
    analyses: Mapping[str, Mapping] | None = None,
    notes: Sequence[str] = (),
    usage: Mapping | None = None,
    charts_markdown: str | None = None,
    path_area=None,
    overview=None,
    track_records: Mapping[str, Mapping] | None = None,
    tz: str | None = None,
    earlier: pd.DataFrame | None = None,
) -> dict:
    """Build the report context for ``days`` from the rows of ``frame`` in those days.

    ``overview`` (a :class:`~repodigest.report.overview.Overview`) is built from the frame when not
    given; ``False`` leaves the section out. ``tz``: the report's time zone, named in the commit table's head.. ``earlier``: the commits of the days
    before the report as their own reports judged them (``Digest.earlier``), for the levels of the commits a
    fix repairs."""
    words = strings(lang)
    path_area = path_area or default_path_area
    analyses = analyses or {}
    anchors = AnchorSet()
    overview_anchor = anchors.make("overview")
    shown = report_rows(frame, days)
    multi_day = len(days) > 1
    title = (
        words["title"].format(date=days[-1])
        if not multi_day
        else words["title_range"].format(first=days[0], last=days[-1])
    )
    context = {
        "lang": lang,
        "title": title,
        "days": list(days),
        "strings": words,
        "notes": list(notes),
        "usage": dict(usage) if usage else None,
        "repos": [],
        "multi_repo": len(repos) > 1,
        "multi_day": multi_day,
        "tz": tz,
    }
    # Headings' ids are handed out first so that commit ids (short shas) never shift them.
    repo_rows = []
    for name in repos:
        rows = shown[shown["repo"] == name].sort_values("committed_at", ascending=False, kind="stable")
        base = anchors.make(name, "repo")
        repo_rows.append((name, rows, base))
    charts_anchor = anchors.make("charts")
    context["charts"] = {"anchor": charts_anchor, "markdown": charts_markdown} if charts_markdown is not None else None
    for name, rows, base in repo_rows:
        counts = {lvl.value: int((rows["level"] == lvl).sum()) for lvl in LEVELS}
        repo: dict[str, Any] = {
            "name": name,
            "anchor": base,
            "summary_anchor": anchors.make(f"{base}-summary"),
            "details_anchor": anchors.make(f"{base}-details"),
            "total": len(rows),
            "counts": counts,
            "per_day": [{"day": d, "count": int((rows["day"] == d).sum())} for d in days] if multi_day else [],
            "rows": [
                {
                    "time": r["committed_local"],
                    "author": r["author"],
                    "title": shorten(r["title"], MAX_TITLE),
                    "pr_number": None if pd.isna(r["pr_number"]) else int(r["pr_number"]),
                    "pr_url": r["pr_url"] if isinstance(r["pr_url"], str) else None,
                }
                for r in records(rows)
            ],
            "groups": [],
            "track_record": track_record_line((track_records or {}).get(name), words),
        }
        groups = []
        for level in LEVELS:
            level_rows = rows[rows["level"] == level].sort_values(
                ["score", "committed_at"], ascending=[False, False], kind="stable"
            )
            repo["groups"].append(
                {"level": level, "anchor": anchors.make(f"{base}-{level}"), "count": len(level_rows), "entries": []}
            )
            groups.append((repo["groups"][-1], level_rows))
        context["repos"].append((repo, groups))
    built = []
    for _, groups in context["repos"]:
        for group, level_rows in groups:
            for row in records(level_rows):
                anchor = anchors.make(row["short_sha"], "commit")
                group["entries"].append(build_entry(row, words, anchor, analyses.get(row["sha"]), path_area))
                built.append((group["entries"][-1], row))
    context["repos"] = [repo for repo, _ in context["repos"]]
    marked = any(len(row.get("ungrounded_names") or ()) and analyses.get(row["sha"]) for _, row in built)
    context["legend"] = words["grounding"]["legend"] if marked else None
    _link_commits(context, built, frame, repos, days, lang, overview, overview_anchor, words, earlier)
    return context


def _link_commits(
    context: dict,
    built: list,
    frame: pd.DataFrame,
    repos,
    days,
    lang: str,
    overview,
    anchor: str,
    words: Mapping,
    earlier: pd.DataFrame | None,
) -> None:
    """Cross-links, once every entry has its anchor: the overview's citations and each entry's relation
    lines (``related``, ``repairs``, ``toc_marks``)."""
    anchor_of = {row["sha"]: entry["anchor"] for entry, row in built}
    index = related_index(frame) if built else None
    repaired = {sha for _, row in built for sha in row["repairs"]}
    judged = rows_by_sha(as_judged(frame, earlier, days, shas=repaired)) if repaired else None
    for entry, row in built:
        entry["related"] = related_context(row, index, anchor_of, words) if index is not None else None
        entry["repairs"] = repairs_context(row, judged, anchor_of, words) if judged is not None else []
        place = series_place(row)
        entry["toc_marks"] = " ".join(
            ([words["toc_revert"]] if len(row["reverts"]) or row["is_revert"] else [])
            + ([words["toc_series"].format(place=place)] if place else [])
        )
    if overview is None:
        overview = build_overview(frame, repos, days, lang, earlier=earlier)
    context["overview"] = overview_context(overview, anchor, anchor_of, words) if overview is not False else None
