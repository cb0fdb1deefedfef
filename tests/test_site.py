"""The archive site built from an outputs folder of several days, weeks, a month and a multi-day digest
(tests/site_outputs.py): the index by repository and kind, the Atom feed (feedparser, and RFC 4287's
required elements), the search data, escaping of everything from repositories, the ``site`` command and
its refresh at the end of ``report``. The pages in Chromium: tests/e2e/test_site_browser.py."""

from __future__ import annotations

import json
import os
import re
import shutil
import xml.etree.ElementTree as ET
from datetime import datetime
from pathlib import Path
from urllib.parse import unquote

import feedparser
import lunr
import pytest
import yaml
from bs4 import BeautifulSoup

import published
from isolation import isolated
from repodigest.cli import main
from repodigest.frame import read_frame
from repodigest.publish.outputs_index import report_href
from repodigest.publish.site_build import build_site
from site_outputs import CANARY, FOLDERS, HOSTILE_AUTHOR, HOSTILE_TITLE, PWN, build_outputs

ATOM = "{http://www.w3.org/2005/Atom}"
HOSTILE_FOLDER = f'<img src=x onerror="{PWN}"> & "q"'  # a folder name cannot hold "/"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    work = tmp_path_factory.mktemp("site")
    with isolated(work / "cache"):
        out, shas = build_outputs(work)
    odd = out / HOSTILE_FOLDER
    odd.mkdir()
    (odd / "report.html").write_text("<html><body>odd</body></html>", encoding="utf-8")
    (odd / "status.json").write_text(json.dumps({"repos": ["alpha"], "commits": 1}), encoding="utf-8")
    (odd / "overview.json").write_text(json.dumps({"headline": HOSTILE_TITLE, "lang": "en"}), encoding="utf-8")
    (out / "scratch").mkdir()  # no report.html: not a report
    result = build_site(out)
    return out, shas, result


def _soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def _shards(out: Path) -> dict[str, dict]:
    """Each report's search data, by report, from the scripts search.html includes."""
    found = {}
    for script in _soup(out / "search.html").find_all("script"):
        if not script["src"].startswith("assets/search/"):
            continue
        text = (out / script["src"]).read_text(encoding="utf-8")
        prefix = "(window.repodigestShards = window.repodigestShards || []).push("
        assert text.startswith(prefix) and text.endswith(");\n")
        shard = json.loads(text[len(prefix) : -len(");\n")])
        found[shard["place"]["report"]] = shard
    return found


def _rows(section) -> list[str]:
    return [a["href"] for a in section.select("td.name > a:first-child")]


def test_site_files_are_written_beside_the_reports(site):
    out, _, result = site
    assert result.index == out / "index.html" and result.reports == len(FOLDERS) + 1 and not result.warnings
    for name in ("index.html", "search.html", "feed.xml", ".nojekyll"):
        assert (out / name).is_file(), name
    for name in ("lunr.min.js", "lunr.LICENSE", "search.js", "site.css"):
        assert (out / "assets" / name).stat().st_size > 0, name
    scripts = sorted(p.name for p in (out / "assets" / "search").iterdir())
    assert len(scripts) == len(FOLDERS) + 2 and "manifest.json" in scripts  # one per report
    lunr_js = (out / "assets" / "lunr.min.js").read_text(encoding="utf-8")
    assert "2.3.9" in lunr_js.split("*/", 1)[0] and "@license MIT" in lunr_js.split("*/", 1)[0]
    assert not [p for p in out.rglob(".*") if p.name != ".nojekyll"]  # no temporary file left behind
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == sorted(
        [*FOLDERS, HOSTILE_FOLDER, "scratch", "assets"]
    )


def test_index_lists_each_repository_s_months_weeks_days_and_digests(site):
    out, _, _ = site
    page = _soup(out / "index.html")
    repos = page.select("section.repo")
    assert [r.h2.get_text() for r in repos] == ["alpha", "beta"]
    alpha, beta = repos
    kinds = [s["class"][1] for s in alpha.select("section.kind")]
    assert kinds == ["month", "week", "day", "range", "other"]
    assert [h.get_text() for h in alpha.select("section.kind > h3")] == [
        "Months",
        "Weeks",
        "Days",
        "Several days",
        "Other reports",
    ]
    assert _rows(alpha.select_one("section.month")) == ["month-2026-01/report.html"]
    assert _rows(alpha.select_one("section.week")) == ["week-2026-02-15/report.html", "week-2026-02-08/report.html"]
    days = alpha.select_one("section.day")
    assert [h.get_text() for h in days.select("h4")] == ["2026-02"]
    assert _rows(days) == ["2026-02-16/report.html", "2026-02-15/report.html", "2026-02-14/report.html"]
    assert _rows(alpha.select_one("section.range")) == ["2026-02-10_2026-02-16/report.html"]
    week = alpha.select_one("section.week a").get_text()
    assert week == "week 2026-02-09 to 2026-02-15"
    # each repository's own numbers, from the report's commits: beta commits every third day
    frame = read_frame(out / "2026-02-10_2026-02-16" / "commits.parquet")
    shown = frame[frame["in_report"]]
    for section, repo in ((alpha, "alpha"), (beta, "beta")):
        row = section.select_one('a[href="2026-02-10_2026-02-16/report.html"]').find_parent("tr")
        assert int(row.select_one("td.n").get_text()) == int((shown["repo"] == repo).sum()) > 0
    day16 = beta.select_one('a[href="2026-02-16/report.html"]').find_parent("tr")
    assert day16.select_one("td.n").get_text() == "0"  # listed by the report, no commit of beta that day
    headline = alpha.select_one('a[href="week-2026-02-08/report.html"]').find_parent("tr").find_all("td")[-1]
    assert headline.get_text() == "10 commits from 2026-02-02 to 2026-02-08."
    assert 'href="2026-02-16/report.md"' in str(days)
    assert "scratch" not in (out / "index.html").read_text(encoding="utf-8")


def test_every_link_is_relative_and_resolves(site):
    out, _, _ = site
    for name in ("index.html", "search.html"):
        page = _soup(out / name)
        refs = [a["href"] for a in page.find_all("a")] + [
            t.get("href") or t.get("src") for t in page.find_all(["link", "script"])
        ]
        refs += [f["action"] for f in page.find_all("form")]
        for ref in refs:
            assert not re.match(r"^([a-z]+:|/)", ref), ref
            if ref.startswith("#"):
                assert page.find(id=ref[1:]), ref
                continue
            assert (out / unquote(ref.split("#")[0])).is_file(), ref


def test_everything_from_repositories_is_escaped_in_the_pages(site):
    out, _, _ = site
    html = (out / "index.html").read_text(encoding="utf-8")
    page = _soup(out / "index.html")
    assert not page.find_all("img") and not page.find_all("svg") and not page.find_all("script")
    assert not [a for tag in page.find_all(True) for a in tag.attrs if a.startswith("on")]
    odd = page.find("a", string=re.compile(re.escape(HOSTILE_FOLDER)))
    assert odd is not None and unquote(odd["href"]) == f"{HOSTILE_FOLDER}/report.html"
    assert "&lt;img src=x onerror=&#34;" in html or "&lt;img src=x onerror=&quot;" in html
    assert HOSTILE_TITLE in page.get_text()  # the headline is there, as text
    search = _soup(out / "search.html")
    sources = [s["src"] for s in search.find_all("script")]
    assert sources[0] == "assets/lunr.min.js" and sources[-1] == "assets/search.js"
    assert len(sources) == len(FOLDERS) + 3 and all(
        re.fullmatch(r"assets/search/[0-9a-f]{16}\.js", s) for s in sources[1:-1]
    )
    assert all(not s.string for s in search.find_all("script"))  # no inline script: the CSP allows none
    csp = search.find("meta", attrs={"http-equiv": "Content-Security-Policy"})["content"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp


def test_feed_is_valid_atom_with_one_entry_per_report(site):
    out, _, _ = site
    raw = (out / "feed.xml").read_bytes()
    parsed = feedparser.parse(
        raw,
        response_headers={
            "content-location": "https://example.org/digests/feed.xml",
            "content-type": "application/atom+xml",
        },
    )
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert len(parsed.entries) == len(FOLDERS) + 1
    links = [e.link for e in parsed.entries]
    assert links[:3] == [
        "https://example.org/digests/2026-02-16/report.html",
        "https://example.org/digests/2026-02-10_2026-02-16/report.html",
        "https://example.org/digests/week-2026-02-15/report.html",
    ]
    assert len({e.id for e in parsed.entries}) == len(parsed.entries)
    week = next(e for e in parsed.entries if e.link.endswith("week-2026-02-08/report.html"))
    assert week.title == "week 2026-02-02 to 2026-02-08 · alpha, beta"
    assert week.summary == "10 commits from 2026-02-02 to 2026-02-08."
    odd = next(e for e in parsed.entries if "onerror" in e.title)
    assert odd.title.startswith(HOSTILE_FOLDER)
    # RFC 4287: the feed and each entry have an absolute id, a title and an RFC 3339 updated; an author;
    # every entry an alternate link
    root = ET.fromstring(raw)
    assert root.tag == f"{ATOM}feed"
    assert root.find(f"{ATOM}author/{ATOM}name").text == "repodigest"
    for node in [root, *root.findall(f"{ATOM}entry")]:
        assert re.fullmatch(r"urn:uuid:[0-9a-f-]{36}", node.find(f"{ATOM}id").text)
        assert node.find(f"{ATOM}title").text
        datetime.fromisoformat(node.find(f"{ATOM}updated").text)  # RFC 3339, with its offset
        assert node.find(f"{ATOM}updated").text.endswith("+00:00")
    for entry in root.findall(f"{ATOM}entry"):
        (link,) = entry.findall(f"{ATOM}link")
        assert link.get("rel", "alternate") == "alternate"
        assert (out / unquote(link.get("href"))).is_file()
    odd_summary = next(
        e.find(f"{ATOM}summary").text for e in root.findall(f"{ATOM}entry") if "onerror" in e.find(f"{ATOM}title").text
    )
    assert odd_summary == HOSTILE_TITLE  # carried as text, escaped by the XML writer
    assert b"<img" not in raw and b"<script" not in raw


def test_feed_ids_are_stable_and_the_feed_updates_with_its_newest_report(site, tmp_path):
    out, _, _ = site
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    before = feedparser.parse((copy / "feed.xml").read_bytes())
    # rewritten after the others, a second later at least: the feed's times are compared to the second
    later = max(page.stat().st_mtime for page in copy.glob("*/report.html")) + 2
    os.utime(copy / "week-2026-02-08" / "report.html", (later, later))
    build_site(copy)
    after = feedparser.parse((copy / "feed.xml").read_bytes())
    assert [e.id for e in after.entries if "week-2026-02-08" in e.link] == [
        e.id for e in before.entries if "week-2026-02-08" in e.link
    ]
    assert after.feed.updated_parsed >= before.feed.updated_parsed
    newest = max(after.entries, key=lambda e: e.updated_parsed)
    assert newest.link.endswith("week-2026-02-08/report.html") and after.feed.updated == newest.updated


def test_each_report_s_search_holds_its_commits_linked_at_their_entries(site):
    out, shas, _ = site
    shards = _shards(out)
    assert set(shards) == {*FOLDERS, HOSTILE_FOLDER}
    for name, shard in shards.items():
        commits = [(d["repo"], d["sha"]) for d in shard["docs"] if d["type"] == "commit"]
        assert len(set(commits)) == len(commits)  # a commit once per report
        assert shard["docs"][0]["type"] == "report" and shard["place"]["href"] == report_href(name)
    anchor = shas["leak"][:7]
    leak = {name: d for name, s in shards.items() for d in s["docs"] if d.get("sha") == anchor}
    assert sorted(leak) == ["2026-02-10_2026-02-16", "2026-02-15", "week-2026-02-15"]
    day = leak["2026-02-15"]
    assert day["title"] == "fix(cache): plug the eviction leak in the radix cache"
    assert day["author"] == "Lin Wei" and day["day"] == "2026-02-15" and day["repo"] == "alpha"
    assert day["text"] == "Evicted nodes kept their pages pinned."
    assert {d["anchor"] for d in leak.values()} == {anchor}  # the link: the report's page at the entry
    assert [shards[name]["place"]["kind"] for name in sorted(leak)] == ["range", "day", "week"]
    assert f'id="{anchor}"' in (out / "2026-02-15" / "report.html").read_text(encoding="utf-8")
    january = [name for name, s in shards.items() for d in s["docs"] if d.get("sha") == shas["january"][:7]]
    assert january == ["month-2026-01"]
    month = shards["month-2026-01"]
    assert month["docs"][0]["title"] == month["place"]["label"] == "month 2026-01"
    assert month["place"] == {
        "kind": "month",
        "report": "month-2026-01",
        "label": "month 2026-01",
        "day": "2026-01-31",
        "href": "month-2026-01/report.html",
    }
    # the index is lunr's: the Python port loads it back and finds the commit by its sha and its words
    index = lunr.index.Index.load(shards["2026-02-15"]["index"])
    ref = str(shards["2026-02-15"]["docs"].index(day))
    assert [r["ref"] for r in index.search(anchor + "*")] == [ref]
    assert ref in [r["ref"] for r in index.search("+eviction +radix")]
    hostile = next(d for d in shards["2026-02-16"]["docs"] if d.get("sha") == shas["hostile"][:7])
    assert hostile["title"].startswith(HOSTILE_TITLE.split(CANARY)[0].strip()) and hostile["author"] == HOSTILE_AUTHOR
    terms = shards["2026-02-16"]["index"]["invertedIndex"]
    assert any(term == "svg" for term, _ in terms)  # the hostile area, as words


def test_a_report_is_indexed_again_only_when_its_files_change(site, tmp_path):
    out, _, _ = site
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    again = build_site(copy)
    assert again.indexed == [] and again.documents == site[2].documents
    assert _shards(copy) == _shards(out)
    status = copy / "week-2026-02-08" / "status.json"
    status.write_text(status.read_text(encoding="utf-8").replace('"period": "week"', '"period": "week" '), "utf-8")
    assert build_site(copy).indexed == ["week-2026-02-08"]
    shutil.rmtree(copy / "2026-02-14")
    before = set((copy / "assets" / "search").iterdir())
    assert build_site(copy).indexed == []
    gone = before - set((copy / "assets" / "search").iterdir())
    assert len(gone) == 1 and "2026-02-14" not in _shards(copy)  # its script is removed
    rebuilt = build_site(copy, lang="zh")  # the labels are the language's: every report again
    assert len(rebuilt.indexed) == rebuilt.reports
    assert _shards(copy)["month-2026-01"]["docs"][0]["title"] == "月报 2026-01"


def test_search_words_split_chinese_and_punctuation():
    from repodigest.publish.site_search import words

    assert words("docs: 修复内存泄漏说明 12") == "docs 修 复 内 存 泄 漏 说 明 12"
    assert words("python/sglang/srt, fix_it-now (#12)") == "python sglang srt fix it now 12"
    assert (
        words(HOSTILE_AUTHOR)
        == f"eve onmouseover document documentelement setattribute data pwned 1 x amp {CANARY.replace('-', ' ')}"
    )


def test_site_command_writes_the_site_in_the_language_asked(site, tmp_path, capsys):
    out, _, _ = site
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    assert main(["site", str(copy), "--lang", "zh"]) == 0
    said = capsys.readouterr()
    assert said.out.strip() == str(copy / "index.html")
    page = _soup(copy / "index.html")
    assert page.html["lang"] == "zh-CN" and [h.get_text() for h in page.select("section.kind > h3")][:3] == [
        "月报",
        "周报",
        "日报",
    ]
    assert "周报 2026-02-09 至 2026-02-15" in page.get_text()
    assert main(["site", str(tmp_path / "missing")]) == 2
    assert "not a folder" in capsys.readouterr().err


def test_a_damaged_report_is_listed_and_named_in_a_warning(site, tmp_path, capsys):
    out, _, _ = site
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    (copy / "2026-02-14" / "commits.parquet").write_bytes(b"not parquet")
    assert main(["site", str(copy)]) == 0
    err = capsys.readouterr().err
    assert "warning: site: cannot read the commits of" in err and "2026-02-14" in err
    assert 'href="2026-02-14/report.html"' in (copy / "index.html").read_text(encoding="utf-8")


def test_empty_outputs_folder_gives_an_empty_site(tmp_path):
    result = build_site(tmp_path / "new")
    page = _soup(result.index)
    assert page.html["lang"] == "zh-CN" and "还没有报告" in page.get_text() and not page.find("table")
    parsed = feedparser.parse((tmp_path / "new" / "feed.xml").read_bytes())
    assert not parsed.bozo and parsed.entries == []


def test_report_refreshes_the_site(make_repo, tmp_path, monkeypatch, capsys):
    repo = make_repo("fresh")
    repo.commit("feat: the first fresh change", "2026-02-16T10:00:00+08:00", {"src/a.py": "a\n"})
    sha = repo.commit("fix: a fresh repair of the parser", "2026-02-17T10:00:00+08:00", {"src/a.py": "b\n"})
    out = tmp_path / "o"
    (out / "old").mkdir(parents=True)
    (out / "old" / "report.html").write_text("<html></html>", encoding="utf-8")
    # the command's own arguments and folder, the notebook's call made in-process (no kernel)
    monkeypatch.setattr("repodigest.publish.render.render_report", published.render_report)
    code = main(["report", "--repo", str(repo.path), "--date", "2026-02-17", "--lang", "en", "--out-dir", str(out)])
    assert code == 0, capsys.readouterr().err
    page = _soup(out / "index.html")
    assert page.html["lang"] == "en"
    assert [a["href"] for a in page.select("td.name > a:first-child")] == ["2026-02-17/report.html", "old/report.html"]
    shard = _shards(out)["2026-02-17"]
    (fix,) = [d for d in shard["docs"] if d.get("sha") == sha[:7]]
    assert fix["anchor"] == sha[:7] and shard["place"]["href"] == "2026-02-17/report.html"
    assert f'id="{sha[:7]}"' in (out / "2026-02-17" / "report.html").read_text(encoding="utf-8")
    assert len(feedparser.parse((out / "feed.xml").read_bytes()).entries) == 2


def test_the_pages_workflow_rebuilds_the_site_over_the_published_archive():
    """In CI each run starts from a fresh checkout: the published branch must be in the outputs folder
    before the report, or the site would list the day's report alone."""
    workflow = yaml.safe_load(
        (Path(__file__).resolve().parents[1] / "examples" / "github-actions-daily.yml").read_text()
    )
    steps = workflow["jobs"]["report"]["steps"]
    archive = next(i for i, s in enumerate(steps) if s.get("with", {}).get("ref") == "gh-pages")
    assert steps[archive]["uses"].startswith("actions/checkout") and steps[archive]["with"]["path"] == "outputs"
    assert steps[archive]["continue-on-error"] is True  # the first run has no branch to check out
    report = next(i for i, s in enumerate(steps) if "make report" in s.get("run", ""))
    publish = next(i for i, s in enumerate(steps) if "gh-pages" in s.get("uses", ""))
    assert archive < report < publish and steps[publish]["with"]["publish_dir"] == "outputs"
    assert "--out-dir" not in steps[report]["run"]  # the default, ./outputs: where the archive is
