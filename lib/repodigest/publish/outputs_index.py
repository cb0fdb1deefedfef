"""``outputs/index.html``: the list of the reports in the outputs folder, newest first.

A report is a sub-folder holding ``report.html``; its ``status.json`` (written by the run:
``{"days": [...], "repos": [...], "commits": n, "levels": {"high": n, ...}}``) adds the
numbers when present. The page is one self-contained file (inline CSS, no scripts) and every
piece of text from the file system is HTML-escaped.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from urllib.parse import quote

from ..i18n import strings
from ..levels import LEVELS

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_CSS = """
body{font-family:-apple-system,"Segoe UI","Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;
margin:2rem auto;max-width:60rem;padding:0 1rem;color:#222}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.4rem .6rem;border-bottom:1px solid #ddd}
th{background:#f5f5f5}td.n{text-align:right;font-variant-numeric:tabular-nums}
.high{color:#c62828}.medium{color:#b28704}.low{color:#2e7d32}.muted{color:#888}
"""


@dataclass(frozen=True)
class ReportEntry:
    """One report folder, as the index shows it."""

    name: str
    days: tuple[str, ...] = ()
    repos: tuple[str, ...] = ()
    commits: int | None = None
    levels: dict[str, int] = field(default_factory=dict)
    has_markdown: bool = False

    @property
    def sort_key(self) -> tuple[str, str]:
        """Newest first: the last report day (status.json, else a date in the folder name)."""
        dated = sorted(self.days) or _DATE.findall(self.name)
        return (max(dated) if dated else "", self.name)


def _read_status(folder: Path) -> dict:
    try:
        data = json.loads((folder / "status.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _int(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _strings(value) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, (list, tuple)) else ()


def collect_reports(outputs_dir: str | os.PathLike) -> list[ReportEntry]:
    """The report folders directly under ``outputs_dir``, newest first."""
    root = Path(outputs_dir)
    entries = []
    for folder in root.iterdir() if root.is_dir() else ():
        if not folder.is_dir() or not (folder / "report.html").is_file():
            continue
        status = _read_status(folder)
        levels = found if isinstance(found := status.get("levels"), dict) else {}
        entries.append(
            ReportEntry(
                name=folder.name,
                days=_strings(status.get("days")),
                repos=_strings(status.get("repos")),
                commits=_int(status.get("commits")),
                levels={k.value: v for k in LEVELS if (v := _int(levels.get(k))) is not None},
                has_markdown=(folder / "report.md").is_file(),
            )
        )
    return sorted(entries, key=lambda e: e.sort_key, reverse=True)


def _href(name: str, file: str) -> str:
    return escape(quote(name, safe="") + "/" + file, quote=True)


def render_index(entries: list[ReportEntry], lang: str = "zh") -> str:
    """The index page for ``entries`` (already in display order)."""
    words = strings("en" if lang == "en" else "zh")
    T = {**words["index"], **{level.value: words[f"level_word_{level}"] for level in LEVELS}}
    rows = []
    for e in entries:
        days = ", ".join(e.days) if e.days else ""
        levels = " ".join(
            f'<span class="{k}">{escape(T[k])} {e.levels[k]}</span>' for k in map(str, LEVELS) if k in e.levels
        )
        md = f' · <a href="{_href(e.name, "report.md")}">md</a>' if e.has_markdown else ""
        rows.append(
            "<tr>"
            f'<td><a href="{_href(e.name, "report.html")}">{escape(e.name)}</a>{md}</td>'
            f"<td>{escape(days)}</td>"
            f"<td>{escape(', '.join(e.repos))}</td>"
            f'<td class="n">{"" if e.commits is None else e.commits}</td>'
            f"<td>{levels}</td>"
            "</tr>"
        )
    head = (
        f"<tr><th>{escape(T['report'])}</th><th>{escape(T['days'])}</th><th>{escape(T['repos'])}</th>"
        f"<th>{escape(T['commits'])}</th><th></th></tr>"
    )
    body = (
        f"<table>\n<thead>{head}</thead>\n<tbody>\n" + "\n".join(rows) + "\n</tbody>\n</table>"
        if rows
        else f'<p class="muted">{escape(T["none"])}</p>'
    )
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{"en" if lang == "en" else "zh-CN"}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(T['title'])}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        f"<h1>{escape(T['title'])}</h1>\n{body}\n</body>\n</html>\n"
    )


def write_index(outputs_dir: str | os.PathLike, lang: str = "zh") -> Path:
    """Regenerate ``<outputs_dir>/index.html`` from the report folders in it; return its path.
    The file is replaced atomically, so a browser never sees half a page."""
    root = Path(outputs_dir)
    root.mkdir(parents=True, exist_ok=True)
    page = render_index(collect_reports(root), lang)
    target = root / "index.html"
    fd, tmp = tempfile.mkstemp(prefix=".index-", suffix=".html", dir=root)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(page)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
