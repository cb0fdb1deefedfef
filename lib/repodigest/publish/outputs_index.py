"""What the outputs folder holds: its report folders, each with its kind (day, week, month, a range of
days), its days, repositories, numbers and headline, newest first.

A report is a sub-folder holding ``report.html``. Its ``status.json`` (written by the run:
``{"days": [...], "repos": [...], "commits": n, "levels": {...}, "period": "week"?}``) and
``overview.json`` (its ``headline`` and ``lang``) add what they hold when present; a folder without
them is listed by its name alone. The kind is the status's ``period`` (week, month) when it says one,
else the folder's name: ``YYYY-MM-DD`` a day, ``week-<last day>``, ``month-YYYY-MM``, ``<first>_<last>``
several days (``--days N``). Every string read here is data: the pages escape it.
"""

from __future__ import annotations

import calendar
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

from ..i18n import strings
from ..levels import LEVELS

KINDS = ("month", "week", "day", "range", "other")  # the index's order
_DAY = r"(\d{4}-\d{2}-\d{2})"
_NAMES = {
    "day": re.compile(rf"{_DAY}"),
    "week": re.compile(rf"week-{_DAY}"),
    "month": re.compile(r"month-(\d{4})-(\d{2})"),
    "range": re.compile(rf"{_DAY}_{_DAY}"),
}


@dataclass(frozen=True)
class ReportEntry:
    """One report folder, as the site shows it."""

    name: str
    kind: str = "other"  # one of KINDS
    days: tuple[str, ...] = ()  # the days it covers (YYYY-MM-DD), first to last, when known
    repos: tuple[str, ...] = ()
    commits: int | None = None
    levels: dict[str, int] = field(default_factory=dict)
    has_markdown: bool = False
    headline: str | None = None  # the overview's headline
    lang: str | None = None  # the report's language (overview.json)
    updated: datetime | None = None  # when report.html was last written (UTC)

    @property
    def first_day(self) -> str:
        return self.days[0] if self.days else ""

    @property
    def last_day(self) -> str:
        return self.days[-1] if self.days else ""

    @property
    def month(self) -> str:
        """YYYY-MM of the last day ("" when no day is known): where a day is filed in the index."""
        return self.last_day[:7]

    @property
    def sort_key(self) -> tuple[str, int, str]:
        """Newest first: the last day, then the kind (month, week, day, range of days), then the name."""
        return (self.last_day, -KINDS.index(self.kind), self.name)


def read_json(path: Path) -> dict:
    """The JSON object in ``path``; ``{}`` when it is missing, damaged or not an object."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _int(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _strings(value) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, (list, tuple)) else ()


def _is_day(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == 10


def _span(first: date, last: date) -> tuple[str, ...]:
    return tuple((first + timedelta(days=i)).isoformat() for i in range((last - first).days + 1))


def classify(name: str, status: dict) -> tuple[str, tuple[str, ...]]:
    """(kind, days) of the report folder ``name`` with its ``status.json`` (``{}`` when missing): the status's
    period and days when it gives them, else what the folder's name says."""
    days = tuple(sorted(d for d in _strings(status.get("days")) if _is_day(d)))
    period = status.get("period")
    matched = {kind: m for kind, pattern in _NAMES.items() if (m := pattern.fullmatch(name))}
    if not days:  # the name's days: a week is the seven days to its last, a month its calendar days
        if "day" in matched and _is_day(name):
            days = (name,)
        elif "week" in matched and _is_day(last := matched["week"].group(1)):
            days = _span(date.fromisoformat(last) - timedelta(days=6), date.fromisoformat(last))
        elif "month" in matched and 1 <= int(matched["month"].group(2)) <= 12:
            year, month = int(matched["month"].group(1)), int(matched["month"].group(2))
            days = _span(date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1]))
        elif "range" in matched and all(_is_day(d) for d in matched["range"].groups()):
            first, last = (date.fromisoformat(d) for d in matched["range"].groups())
            days = _span(first, last) if first <= last else ()
    if period in ("week", "month"):
        return period, days
    if period in (None, "day"):
        for kind in ("week", "month"):  # a rollup written before its status said so
            if kind in matched and period is None and days:
                return kind, days
        if "range" in matched or len(days) > 1:
            return "range", days
        if days:
            return "day", days
    return "other", days


def _mtime(path: Path) -> datetime | None:
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, UTC)
    except OSError:
        return None


def read_report(folder: Path) -> ReportEntry:
    """The entry of one report folder (which holds ``report.html``)."""
    status = read_json(folder / "status.json")
    overview = read_json(folder / "overview.json")
    levels = status.get("levels")
    levels = levels if isinstance(levels, dict) else {}
    kind, days = classify(folder.name, status)
    headline = overview.get("headline")
    lang = overview.get("lang")
    return ReportEntry(
        name=folder.name,
        kind=kind,
        days=days,
        repos=_strings(status.get("repos")) or _strings(overview.get("repos")),
        commits=_int(status.get("commits")),
        levels={k.value: v for k in LEVELS if (v := _int(levels.get(k))) is not None},
        has_markdown=(folder / "report.md").is_file(),
        headline=headline if isinstance(headline, str) and headline.strip() else None,
        lang=lang if lang in ("zh", "en") else None,
        updated=_mtime(folder / "report.html"),
    )


def collect_reports(outputs_dir: str | os.PathLike) -> list[ReportEntry]:
    """The report folders directly under ``outputs_dir``, newest first."""
    root = Path(outputs_dir)
    entries = [
        read_report(folder)
        for folder in (root.iterdir() if root.is_dir() else ())
        if folder.is_dir() and (folder / "report.html").is_file()
    ]
    return sorted(entries, key=lambda e: e.sort_key, reverse=True)


def report_href(name: str, anchor: str | None = None, file: str = "report.html") -> str:
    """The relative link to a report folder's page (the folder's name URL-encoded), at ``anchor`` when given."""
    return quote(name, safe="") + "/" + file + (f"#{anchor}" if anchor else "")


def entry_label(entry: ReportEntry, words: Mapping[str, str]) -> str:
    """How a report is named on the site (``words``: the site's strings): its day, week, month or days."""
    if not entry.days:
        return words["entry_other"].format(name=entry.name)
    template = words[f"entry_{entry.kind}"]
    return template.format(first=entry.first_day, last=entry.last_day, month=entry.month, name=entry.name)


def site_words(lang: str) -> dict:
    """The site's strings in ``lang`` (zh or en), with the levels' words."""
    words = strings("en" if lang == "en" else "zh")
    return {**words["site"], **{level.value: words[f"level_word_{level}"] for level in LEVELS}}
