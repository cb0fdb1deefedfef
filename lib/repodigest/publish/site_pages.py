"""The archive's pages: ``index.html`` (per repository, its months, weeks, days and longer digests, newest
first, each linking the report's page) and ``search.html``. Jinja2 templates (``site_files/*.html.j2``)
over a view built here, escaped by Jinja2's autoescape; links are relative, so the site works from disk
and from any static host."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from itertools import groupby
from pathlib import Path

import jinja2

from ..levels import LEVELS
from ..report.anchors import AnchorSet
from ..templating import folder_environment
from .outputs_index import KINDS, ReportEntry, entry_label, report_href, site_words
from .site_search import CJK, LINK_ORDER, SEPARATOR

FILES = Path(__file__).resolve().parent / "site_files"
Counts = tuple[int, dict[str, int]]  # (commits, {level: count}) of one repository in one report


@cache
def _environment() -> jinja2.Environment:
    return folder_environment(FILES, autoescape=True, trim=True, keep_trailing_newline=True)


def _row(entry: ReportEntry, counts: Counts | None, words: Mapping) -> dict:
    commits, levels = counts if counts is not None else (entry.commits, entry.levels)
    return {
        "label": entry_label(entry, words),
        "href": report_href(entry.name),
        "md_href": report_href(entry.name, file="report.md") if entry.has_markdown else None,
        "commits": commits,
        "levels": [
            {"level": str(k), "word": words[str(k)], "count": levels[str(k)]} for k in LEVELS if str(k) in levels
        ],
        "headline": entry.headline,
    }


def index_view(entries: Sequence[ReportEntry], counts: Mapping[tuple[str, str], Counts], lang: str) -> dict:
    """What ``index.html`` shows: per repository (in the order they first appear, newest report first), a
    section per kind of report; days grouped by month. ``counts`` holds a report's numbers per repository
    (a report of several repositories is listed under each with its own); a report without them shows
    its status's totals."""
    words = site_words(lang)
    anchors = AnchorSet()
    repos: dict[str, list[ReportEntry]] = {}
    for entry in entries:
        for repo in entry.repos or ("",):
            repos.setdefault(repo, []).append(entry)
    view = []
    for repo, listed in sorted(repos.items(), key=lambda item: item[0] == ""):  # unrecorded ones last
        sections = []
        for kind in KINDS:
            mine = [e for e in listed if e.kind == kind]
            if not mine:
                continue
            by_month = groupby(mine, key=lambda e: e.month) if kind == "day" else [("", mine)]
            groups = [
                {"month": month, "rows": [_row(e, counts.get((e.name, repo)), words) for e in group]}
                for month, group in by_month
            ]
            sections.append({"kind": kind, "heading": words[f"heading_{kind}"], "groups": groups})
        name = repo or words["unknown_repos"]
        view.append({"name": name, "anchor": anchors.make(name, "repo"), "sections": sections})
    return {"lang": lang, "words": words, "repos": view}


def render_index_page(
    entries: Sequence[ReportEntry], counts: Mapping[tuple[str, str], Counts] | None = None, lang: str = "zh"
) -> str:
    """``index.html`` for ``entries`` (newest first)."""
    return _environment().get_template("index.html.j2").render(index_view(entries, counts or {}, lang))


def render_search_page(scripts: Sequence[str], lang: str = "zh") -> str:
    """``search.html``: the form, the reports' search ``scripts`` (relative paths), and the results of ``?q=``
    drawn by ``assets/search.js``."""
    return (
        _environment()
        .get_template("search.html.j2")
        .render(
            lang=lang,
            words=site_words(lang),
            levels=LEVELS,
            scripts=scripts,
            separator=SEPARATOR,
            cjk=CJK,
            order=" ".join(LINK_ORDER),
        )
    )
