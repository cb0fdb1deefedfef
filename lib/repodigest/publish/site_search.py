"""The archive's search: for each report, one document per commit it shows (title, summary, authors, sha,
areas, repository) and one for the report itself (its headline and highlights), indexed ahead of time by
the ``lunr`` package into the index lunr.js 2.3 loads. Each report's index is a script of its own
(a page opened from disk cannot fetch a JSON file), built once and kept while the report's files are
unchanged (:mod:`.site_shards`); the search page queries them all and merges a commit's reports into one
result.

Words are cut the same way here and in the page: the page receives :data:`SEPARATOR` and :data:`CJK`.
Every character of a CJK run is a word of its own (lunr's own tokenizer splits on spaces only), so a
Chinese title is found by any of its characters.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from lunr import lunr

from ..report.anchors import slug
from ..report.text import first_paragraph
from .outputs_index import ReportEntry, entry_label, report_href

# The same pattern strings compile in Python's re and in JavaScript (no Unicode classes): ASCII and
# common Unicode punctuation and spaces separate words; a CJK character is a word of its own.
SEPARATOR = (
    r"[\s!-/:-@\[-`{-~\u00a0-\u00bf\u2000-\u206f\u3000-\u303f\uff00-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65]+"
)
CJK = r"([\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af])"
_SEPARATOR, _CJK = re.compile(SEPARATOR), re.compile(CJK)
# A document's fields, and how much a match in each counts: the title (a commit's, and its pull request's),
# the sha, and the rest (the summary, authors, areas, repository). Few fields keep each index small.
FIELDS = {"title": 10, "sha": 8, "text": 1}
SUMMARY_CAP = 300  # characters of a commit's summary that are indexed
SHOWN_CAP = 200  # ... and shown in a result
TITLE_CAP = 200
LINK_ORDER = ("day", "range", "week", "month", "other")  # a commit's reports, as a result lists them
_COLUMNS = (
    "repo",
    "sha",
    "short_sha",
    "day",
    "in_report",
    "title",
    "author",
    "authors",
    "author_login",
    "areas",
    "level",
    "model_reason",
    "message",
    "pr_title",
)


def words(text: str) -> str:
    """``text`` as the index stores it: lower-case words separated by single spaces."""
    return " ".join(w for w in _SEPARATOR.split(_CJK.sub(r" \1 ", text.lower())) if w)


Row = dict[str, Any]  # one commit: the columns the site reads (None where a file has no value)


def no_commits() -> list[Row]:
    """No commits: what :func:`report_commits` gives for a folder without commit data."""
    return []


def report_commits(folder: Path) -> list[Row]:
    """The commits a report shows (``in_report`` rows of its ``commits.parquet``, else ``commits.csv``), with
    the columns the site reads; none when the folder has neither. Raises OSError or ValueError for a
    damaged file. The Parquet file is read by pyarrow alone: a site rebuilt after each report does not
    wait for pandas to load."""
    parquet, csv = folder / "commits.parquet", folder / "commits.csv"
    if parquet.is_file():
        import pyarrow.parquet as pq

        data = pq.ParquetFile(parquet)  # pq.read_table would import pandas for the file's pandas metadata
        present = set(data.schema_arrow.names)
        read = data.read(columns=[c for c in _COLUMNS if c in present]).to_pylist()
    elif csv.is_file():
        from ..frame import read_frame

        frame = read_frame(csv)
        read = frame.astype(object).where(frame.notna(), None).to_dict("records")
    else:
        return no_commits()
    rows = [{name: row.get(name) for name in _COLUMNS} for row in read]
    if any(row["in_report"] is not None for row in rows):
        rows = [row for row in rows if row["in_report"]]
    return rows


def _text(value) -> str:
    return value if isinstance(value, str) else ""


def _list(value) -> list[str]:
    if value is None or isinstance(value, str) or not isinstance(value, Iterable):
        return [value] if isinstance(value, str) else []
    return [str(v) for v in value if isinstance(v, str)]


def _cap(text: str, cap: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= cap else text[: cap - 1].rstrip() + "…"


def report_documents(
    entry: ReportEntry, rows: list[Row], highlights: list[str], words: Mapping[str, str]
) -> tuple[dict[str, str], list[dict[str, Any]]]:
    """Where one report is (``place``: its kind, name, label, last day, link) and its documents: the report
    (its headline and ``highlights``), then each commit of ``rows`` (:func:`report_commits`) once, with the
    anchor of its entry (the short sha, as in the report's table of contents). ``words`` are the site's
    strings (the report's name). A document's ``show`` is what a result displays."""
    label = entry_label(entry, words)
    place = {"kind": entry.kind, "report": entry.name, "label": label, "day": entry.last_day}
    docs: list[dict[str, Any]] = [
        {
            "title": label,
            "text": " ".join([entry.headline or "", *highlights, *entry.repos]),
            "show": {
                "type": "report",
                "title": label,
                "repo": ", ".join(entry.repos),
                "text": _cap(entry.headline or "", SHOWN_CAP),
            },
        }
    ]
    seen: set[tuple[str, str]] = set()
    for row in rows:
        sha, repo = _text(row["sha"]), _text(row["repo"])
        if not sha or (repo, sha) in seen:
            continue
        seen.add((repo, sha))
        short = _text(row["short_sha"]) or sha[:7]
        title = _text(row["title"])
        message = _text(row["message"])
        body = message.split("\n", 1)[1] if "\n" in message else ""
        summary = " ".join(t for t in (_text(row["model_reason"]), first_paragraph(body) if body.strip() else "") if t)
        authors = dict.fromkeys([_text(row["author"]), *_list(row["authors"]), _text(row["author_login"])])
        docs.append(
            {
                "title": " ".join(t for t in (title, _text(row["pr_title"])) if t),
                "sha": sha,
                "text": " ".join([_cap(summary, SUMMARY_CAP), *authors, *_list(row["areas"]), repo]),
                "show": {
                    "type": "commit",
                    "title": _cap(title, TITLE_CAP),
                    "repo": repo,
                    "sha": short,
                    "author": _text(row["author"]),
                    "day": _text(row["day"]),
                    "level": _text(row["level"]),
                    "text": _cap(summary, SHOWN_CAP),
                    "anchor": slug(short),
                },
            }
        )
    return {**place, "href": report_href(entry.name)}, docs


def shard_script(place: Mapping[str, str], docs: list[dict[str, Any]]) -> str:
    """One report's search data as a script that appends it to ``window.repodigestShards``: its ``place``,
    lunr's serialized index of ``docs`` (a document's ref is its position) and what each displays. ASCII
    JSON: nothing in it can end the string or the script."""
    rows = [{"id": str(i), **{name: words(_text(doc.get(name))) for name in FIELDS}} for i, doc in enumerate(docs)]
    fields = [{"field_name": name, "boost": boost} for name, boost in FIELDS.items()]
    index = lunr(ref="id", fields=fields, documents=rows).serialize()
    payload = {"place": dict(place), "index": index, "docs": [doc["show"] for doc in docs]}
    data = json.dumps(payload, ensure_ascii=True, separators=(",", ":"))
    return f"(window.repodigestShards = window.repodigestShards || []).push({data});\n"
