"""outputs/index.html from real folders under a temp dir."""

from __future__ import annotations

import json
import re

from repodigest.publish.outputs_index import collect_reports, write_index


def _report(root, name, status=None, md=False):
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "report.html").write_text("<html></html>", encoding="utf-8")
    if md:
        (folder / "report.md").write_text("# r\n", encoding="utf-8")
    if status is not None:
        (folder / "status.json").write_text(status if isinstance(status, str) else json.dumps(status), encoding="utf-8")
    return folder


def test_index_lists_reports_newest_first_with_counts(tmp_path):
    _report(
        tmp_path,
        "2026-02-14",
        {"days": ["2026-02-14"], "repos": ["o/a"], "commits": 3, "levels": {"high": 1, "medium": 0, "low": 2}},
    )
    _report(
        tmp_path,
        "2026-02-16",
        {
            "days": ["2026-02-16"],
            "repos": ["o/a", "o/b"],
            "commits": 41,
            "levels": {"high": 6, "medium": 20, "low": 15},
        },
        md=True,
    )
    _report(tmp_path, "2026-02-15")  # no status.json: listed without numbers
    (tmp_path / "2026-02-17").mkdir()  # no report.html: not a report
    (tmp_path / "README.md").write_text("x")

    path = write_index(tmp_path, lang="en")
    assert path == tmp_path / "index.html"
    page = path.read_text(encoding="utf-8")
    links = re.findall(r'href="([^"]+)/report\.html"', page)
    assert links == ["2026-02-16", "2026-02-15", "2026-02-14"]
    assert "2026-02-17" not in page
    row16 = page[page.index('href="2026-02-16/report.html"') :].split("</tr>")[0]
    assert ">41<" in row16 and "o/a, o/b" in row16 and "high 6" in row16 and "low 15" in row16
    assert 'href="2026-02-16/report.md"' in page
    assert "<script" not in page and "http" not in page  # self-contained
    assert not list(tmp_path.glob(".index-*"))  # no temp file left behind


def test_index_escapes_folder_names_and_status_text(tmp_path):
    evil = '2026-02-18 <script>alert("x")<\\script> & "q"'  # no "/" in a folder name
    _report(tmp_path, evil, {"days": ["2026-02-18"], "repos": ["<img src=x onerror=alert(1)>"], "commits": 1})
    _report(tmp_path, "2026-02-10", '{"broken json')
    page = write_index(tmp_path).read_text(encoding="utf-8")
    assert "<script>" not in page and "<img" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;\\script&gt; &amp; &quot;q&quot;" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    # the link is URL-encoded and still resolves to the folder
    assert 'href="2026-02-18%20%3Cscript%3Ealert%28%22x%22%29%3C%5Cscript%3E%20%26%20%22q%22/report.html"' in page
    names = [e.name for e in collect_reports(tmp_path)]
    assert names == [evil, "2026-02-10"]


def test_index_sorts_by_status_days_then_name_and_handles_empty(tmp_path):
    _report(tmp_path, "weekly", {"days": ["2026-02-09", "2026-02-15"], "commits": 9})
    _report(tmp_path, "2026-02-12")
    _report(tmp_path, "scratch")  # no date anywhere: last
    assert [e.name for e in collect_reports(tmp_path)] == ["weekly", "2026-02-12", "scratch"]

    empty = tmp_path / "empty"
    page = write_index(empty).read_text(encoding="utf-8")
    assert "还没有报告" in page and "<table" not in page
