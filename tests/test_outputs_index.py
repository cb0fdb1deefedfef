"""What the outputs folder holds, from real folders under a temp dir: each report's kind, days, numbers and
headline, newest first. The pages built from it: tests/test_site.py."""

from __future__ import annotations

import json

import pytest

from repodigest.publish.outputs_index import (
    ReportEntry,
    classify,
    collect_reports,
    entry_label,
    report_href,
    site_words,
)


def _report(root, name, status=None, overview=None, md=False):
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "report.html").write_text("<html></html>", encoding="utf-8")
    if md:
        (folder / "report.md").write_text("# r\n", encoding="utf-8")
    if status is not None:
        (folder / "status.json").write_text(status if isinstance(status, str) else json.dumps(status), encoding="utf-8")
    if overview is not None:
        (folder / "overview.json").write_text(json.dumps(overview), encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    "name,status,kind,first,last,count",
    [
        ("2026-02-16", {}, "day", "2026-02-16", "2026-02-16", 1),
        ("2026-02-16", {"period": "day", "days": ["2026-02-16"]}, "day", "2026-02-16", "2026-02-16", 1),
        ("week-2026-02-15", {}, "week", "2026-02-09", "2026-02-15", 7),
        (
            "week-2026-02-15",
            {"period": "week", "days": ["2026-02-09", "2026-02-15"]},
            "week",
            "2026-02-09",
            "2026-02-15",
            2,
        ),
        ("month-2026-02", {}, "month", "2026-02-01", "2026-02-28", 28),
        ("month-2024-02", {"period": "month"}, "month", "2024-02-01", "2024-02-29", 29),
        ("2026-02-10_2026-02-16", {}, "range", "2026-02-10", "2026-02-16", 7),
        ("weekly", {"days": ["2026-02-09", "2026-02-15"]}, "range", "2026-02-09", "2026-02-15", 2),
        ("rollup", {"period": "week", "days": ["2026-02-15", "2026-02-09"]}, "week", "2026-02-09", "2026-02-15", 2),
        ("2026-02-16", {"period": "quarter"}, "other", "2026-02-16", "2026-02-16", 1),
        ("2026-13-45", {}, "other", "", "", 0),
        ("month-2026-13", {}, "other", "", "", 0),
        ("2026-02-16_2026-02-10", {}, "range", "", "", 0),
        ("scratch", {"days": "2026-02-16"}, "other", "", "", 0),
    ],
)
def test_kind_comes_from_the_status_period_else_the_folder_name(name, status, kind, first, last, count):
    got_kind, days = classify(name, status)
    assert got_kind == kind and len(days) == count
    assert (days[0] if days else "", days[-1] if days else "") == (first, last)


def test_reports_newest_first_with_numbers_and_headline(tmp_path):
    _report(
        tmp_path,
        "2026-02-14",
        {"days": ["2026-02-14"], "repos": ["o/a"], "commits": 3, "levels": {"high": 1, "medium": 0, "low": 2}},
        {"headline": "3 commits today.", "lang": "en"},
    )
    _report(
        tmp_path,
        "2026-02-16",
        {"days": ["2026-02-16"], "repos": ["o/a", "o/b"], "commits": 41, "levels": {"high": 6, "low": 15, "x": 1}},
        md=True,
    )
    _report(tmp_path, "2026-02-15")  # no status.json: listed by its name
    _report(tmp_path, "week-2026-02-15", {"period": "week", "repos": ["o/a"]})
    _report(tmp_path, "month-2026-02", overview={"headline": "  ", "lang": "xx"})
    _report(tmp_path, "2026-02-10", '{"broken json')
    _report(tmp_path, "scratch")  # no date anywhere: last
    (tmp_path / "2026-02-17").mkdir()  # no report.html: not a report
    (tmp_path / "README.md").write_text("x")

    entries = collect_reports(tmp_path)
    assert [e.name for e in entries] == [
        "month-2026-02",  # its last day is the 28th
        "2026-02-16",
        "week-2026-02-15",  # the same last day as 2026-02-15: the longer period first
        "2026-02-15",
        "2026-02-14",
        "2026-02-10",
        "scratch",
    ]
    by_name = {e.name: e for e in entries}
    e16 = by_name["2026-02-16"]
    assert e16.kind == "day" and e16.repos == ("o/a", "o/b") and e16.commits == 41
    assert e16.levels == {"high": 6, "low": 15} and e16.has_markdown and e16.headline is None
    e14 = by_name["2026-02-14"]
    assert e14.headline == "3 commits today." and e14.lang == "en" and e14.updated is not None
    assert by_name["month-2026-02"].headline is None and by_name["month-2026-02"].lang is None
    assert by_name["2026-02-10"].kind == "day" and by_name["2026-02-10"].commits is None
    assert by_name["scratch"].kind == "other" and by_name["scratch"].days == ()
    assert collect_reports(tmp_path / "missing") == []


def test_labels_and_links():
    words = site_words("en")
    assert report_href('a b/<"c">', "abc1234") == "a%20b%2F%3C%22c%22%3E/report.html#abc1234"
    assert report_href("2026-02-16", file="report.md") == "2026-02-16/report.md"
    month = ReportEntry(name="month-2026-02", kind="month", days=("2026-02-01", "2026-02-28"))
    assert entry_label(month, words) == "month 2026-02"
    assert entry_label(month, site_words("zh")) == "月报 2026-02"
    week = ReportEntry(name="w", kind="week", days=("2026-02-09", "2026-02-15"))
    assert entry_label(week, words) == "week 2026-02-09 to 2026-02-15"
    assert entry_label(ReportEntry(name="x y"), words) == "x y"
