"""The archive's search: one document per commit (its title, summary, authors, sha, areas, repository,
and the reports it appears in) and one per report (its headline and highlights), indexed ahead of time
by the ``lunr`` package into the index lunr.js 2.3 loads, and written as a script the search page
includes (a page opened from disk cannot fetch a JSON file).

Words are cut the same way here and in the page: the page receives :data:`SEPARATOR` and :data:`CJK`
with the index. Every character of a CJK run is a word of its own (lunr's own tokenizer splits on
spaces only), so a Chinese title is found by any of its characters.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq
from lunr import lunr

from ..frame import read_frame
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
# A commit's fields, and how much a match in each counts.
FIELDS = {"title": 10, "sha": 8, "authors": 4, "areas": 3, "repo": 2, "summary": 1}
SUMMARY_CAP = 300  # characters of a commit's summary that are indexed and shown
TITLE_CAP = 200
_LINK_ORDER = ("day", "range", "week", "month", "other")
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


def report_commits(folder: Path) -> pd.DataFrame:
    """The commits a report shows (``in_report`` rows of its ``commits.parquet``, else ``commits.csv``), with
    the columns the site reads; an empty frame when the folder has neither. Raises OSError or ValueError
    for a damaged file."""
    parquet, csv = folder / "commits.parquet", folder / "commits.csv"
    if parquet.is_file():
        present = set(pq.read_schema(parquet).names)
        frame = pd.read_parquet(parquet, columns=[c for c in _COLUMNS if c in present])
    elif csv.is_file():
        frame = read_frame(csv)
    else:
        return pd.DataFrame(columns=list(_COLUMNS))
    for name in _COLUMNS:
        if name not in frame.columns:
            frame[name] = None
    if frame["in_report"].notna().any():
        frame = frame[frame["in_report"].fillna(False).astype(bool)]
    return frame[list(_COLUMNS)].reset_index(drop=True)


def _text(value) -> str:
    return value if isinstance(value, str) else ""


def _list(value) -> list[str]:
    if value is None or isinstance(value, str) or not isinstance(value, Iterable):
        return [value] if isinstance(value, str) else []
    return [str(v) for v in value if isinstance(v, str)]


def _cap(text: str, cap: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= cap else text[: cap - 1].rstrip() + "…"


@dataclass
class SearchData:
    """What the search page loads: lunr's serialized index and the documents' display data, by ref."""

    index: dict | None  # None for no document (lunr cannot index none)
    docs: list[dict]
    separator: str = SEPARATOR
    cjk: str = CJK
    extra: dict = field(default_factory=dict)

    def script(self) -> str:
        """The data as a script that sets ``window.repodigestSearch`` (ASCII JSON: nothing in it can end
        the string or the script)."""
        payload = {"separator": self.separator, "cjk": self.cjk, "index": self.index, "docs": self.docs}
        return "window.repodigestSearch = " + json.dumps(payload, ensure_ascii=True, separators=(",", ":")) + ";\n"


def search_documents(
    entries: Sequence[ReportEntry],
    commits: Mapping[str, pd.DataFrame],
    highlights: Mapping[str, list[str]],
    words: Mapping[str, str],
) -> list[dict]:
    """One document per report and one per commit (by repository and sha, with every report it appears in,
    the day's report first). ``commits`` maps a report's name to :func:`report_commits`; ``highlights`` to the
    lines of its overview's highlights; ``words`` are the site's strings (the reports' names)."""
    docs: list[dict[str, Any]] = []
    by_commit: dict[tuple[str, str], dict[str, Any]] = {}
    for entry in entries:
        label = entry_label(entry, words)
        where = {"kind": entry.kind, "report": entry.name, "label": label}
        docs.append(
            {
                "title": label,
                "summary": " ".join([entry.headline or "", *highlights.get(entry.name, [])]),
                "repo": " ".join(entry.repos),
                "show": {
                    "type": "report",
                    "title": label,
                    "repo": ", ".join(entry.repos),
                    "text": _cap(entry.headline or "", SUMMARY_CAP),
                    "in": [{**where, "href": report_href(entry.name)}],
                },
            }
        )
        frame = commits.get(entry.name)
        for row in [] if frame is None else frame.to_dict("records"):
            sha, repo = _text(row["sha"]), _text(row["repo"])
            if not sha:
                continue
            short = _text(row["short_sha"]) or sha[:7]
            place = {**where, "href": report_href(entry.name, slug(short) or None)}
            key = (repo, sha)
            if key in by_commit:
                by_commit[key]["show"]["in"].append(place)
                continue
            title = _text(row["title"])
            message = _text(row["message"])
            body = message.split("\n", 1)[1] if "\n" in message else ""
            summary = " ".join(
                t for t in (_text(row["model_reason"]), first_paragraph(body) if body.strip() else "") if t
            )
            authors = list(dict.fromkeys([_text(row["author"]), *_list(row["authors"]), _text(row["author_login"])]))
            doc: dict[str, Any] = {
                "title": " ".join(t for t in (title, _text(row["pr_title"])) if t),
                "summary": _cap(summary, SUMMARY_CAP),
                "authors": " ".join(a for a in authors if a),
                "sha": sha,
                "areas": " ".join(_list(row["areas"])),
                "repo": repo,
                "show": {
                    "type": "commit",
                    "title": _cap(title, TITLE_CAP),
                    "repo": repo,
                    "sha": short,
                    "author": _text(row["author"]),
                    "day": _text(row["day"]),
                    "level": _text(row["level"]),
                    "text": _cap(summary, SUMMARY_CAP),
                    "in": [place],
                },
            }
            by_commit[key] = doc
            docs.append(doc)
    for doc in docs:  # the shortest report first: a commit's link goes to its day
        doc["show"]["in"].sort(key=lambda p: (_LINK_ORDER.index(p["kind"]), p["report"]))
    return docs


def build_search(docs: Sequence[Mapping]) -> SearchData:
    """The lunr index of ``docs`` (from :func:`search_documents`) and their display data; a document's ref
    is its position."""
    if not docs:
        return SearchData(index=None, docs=[])
    rows = [{"id": str(i), **{name: words(_text(doc.get(name))) for name in FIELDS}} for i, doc in enumerate(docs)]
    fields = [{"field_name": name, "boost": boost} for name, boost in FIELDS.items()]
    index = lunr(ref="id", fields=fields, documents=rows)
    return SearchData(index=index.serialize(), docs=[doc["show"] for doc in docs])
