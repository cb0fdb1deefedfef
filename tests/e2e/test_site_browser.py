"""The archive site in headless Chromium, opened from disk (file://) and served over HTTP (127.0.0.1):
a click from the index reaches a report, a search typed in the form finds a commit's day and its entry,
``search.html?q=<sha>`` shows the commit, and nothing a repository wrote runs. Chromium is driven over
the DevTools protocol by choreographer (kaleido's own driver)."""

from __future__ import annotations

import asyncio
import functools
import shutil
import time
from http.server import SimpleHTTPRequestHandler
from urllib.parse import quote

import pytest
from choreographer import Browser

from isolation import isolated
from repodigest.publish.site_build import build_site
from servers.loopback import LoopbackServer
from site_outputs import CANARY, HOSTILE_TITLE, build_outputs

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(not CHROMIUM, reason="Debian's chromium is not installed (make browser)")
WAIT = 60  # seconds for a page to load or a script to answer (a real report carries plotly.js)


class StaticFiles(LoopbackServer):
    """A folder served as a static host serves it (GitHub Pages, any web server)."""

    thread_name = "static-site"

    def __init__(self, root):
        super().__init__()
        self.root = root

    def handler_class(self):
        class Quiet(SimpleHTTPRequestHandler):
            def log_message(self, *args):
                pass

        return functools.partial(Quiet, directory=str(self.root))


class Page:
    """One Chromium tab on an event loop of the test's own; every call waits, within :data:`WAIT`."""

    def __init__(self):
        self.loop = asyncio.new_event_loop()
        self.browser = Browser(path=CHROMIUM, headless=True)
        self.loop.run_until_complete(self.browser.open())
        self.tab = self.loop.run_until_complete(self.browser.create_tab("about:blank"))

    def evaluate(self, expression: str):
        answer = self.loop.run_until_complete(
            self.tab.send_command("Runtime.evaluate", params={"expression": expression, "returnByValue": True})
        )
        result = answer.get("result", {})
        if "exceptionDetails" in result:
            return None  # the page is between documents, or not ready yet
        return result.get("result", {}).get("value")

    def wait(self, expression: str):
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            value = self.evaluate(expression)
            if value:
                return value
            self.loop.run_until_complete(asyncio.sleep(0.1))
        raise AssertionError(f"still false after {WAIT} s: {expression}")

    def goto(self, url: str) -> None:
        self.loop.run_until_complete(self.tab.send_command("Page.navigate", params={"url": url}))
        self.wait(f"location.href === {url!r} && document.readyState === 'complete'")

    def close(self) -> None:
        try:
            self.loop.run_until_complete(asyncio.wait_for(self.browser.close(), 30))
        finally:
            self.loop.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    work = tmp_path_factory.mktemp("site-browser")
    with isolated(work / "cache"):
        out, shas = build_outputs(work, real=("2026-02-15",))
    build_site(out)
    with StaticFiles(out) as server:
        yield {"file": out.as_uri() + "/", "http": server.root_url + "/"}, shas


@pytest.fixture(scope="module")
def page():
    opened = Page()
    yield opened
    opened.close()


@pytest.fixture(params=["file", "http"])
def base(request, site):
    return site[0][request.param]


def _pwned(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.hasAttribute('data-pwned')"))


def test_the_index_leads_to_each_report(page, base):
    page.goto(base + "index.html")
    assert page.evaluate("document.querySelectorAll('section.repo').length") == 2
    page.evaluate("document.querySelector('section.repo a[href=\"2026-02-15/report.html\"]').click()")
    page.wait(f"location.href === {base + '2026-02-15/report.html'!r} && document.readyState === 'complete'")
    assert "2026-02-15" in page.evaluate("document.body.innerText")  # the real report's page
    page.goto(base + "index.html")
    page.evaluate("document.querySelector('section.week a').click()")
    page.wait(f"location.href === {base + 'week-2026-02-15/report.html'!r} && document.readyState === 'complete'")
    assert page.evaluate("document.querySelector('h1').textContent") == "week-2026-02-15"


def test_a_search_typed_in_the_form_finds_the_commit_s_day(page, base, site):
    shas = site[1]
    page.goto(base + "index.html")
    page.evaluate(
        "document.querySelector('form.search input').value = 'radix eviction';"
        "document.querySelector('form.search').submit()"
    )
    page.wait("document.getElementById('search') && document.getElementById('search').dataset.ready")
    assert page.evaluate("location.search") == "?q=radix+eviction"
    assert page.evaluate("document.getElementById('q').value") == "radix eviction"
    assert page.evaluate("document.querySelectorAll('#results li.result').length") == 1
    title = page.evaluate("document.querySelector('#results a.title').textContent")
    assert title == "fix(cache): plug the eviction leak in the radix cache"
    places = page.evaluate("[...document.querySelectorAll('#results .in a')].map(a => a.textContent)")
    assert places == ["2026-02-15", "2026-02-10 to 2026-02-16", "week 2026-02-09 to 2026-02-15"]
    page.evaluate("document.querySelector('#results a.title').click()")
    target = base + f"2026-02-15/report.html#{shas['leak'][:7]}"
    page.wait(f"location.href === {target!r} && document.readyState === 'complete'")
    # the entry's anchor is in the real report: the page stands at the commit's entry
    assert page.evaluate(f"!!document.getElementById({shas['leak'][:7]!r})")


def test_a_linked_search_by_sha_shows_the_commit(page, base, site):
    shas = site[1]
    for query in (shas["january"][:7], shas["january"], shas["january"][:10].upper()):
        page.goto(base + f"search.html?q={quote(query)}")
        page.wait("document.getElementById('search').dataset.ready")
        hrefs = page.evaluate("[...document.querySelectorAll('#results a.title')].map(a => a.getAttribute('href'))")
        assert hrefs == [f"month-2026-01/report.html#{shas['january'][:7]}"], query
    page.goto(base + "search.html?q=" + quote("内存 泄漏"))  # Chinese: found by its characters
    page.wait("document.getElementById('search').dataset.ready")
    titles = page.evaluate("[...document.querySelectorAll('#results a.title')].map(a => a.textContent)")
    assert titles and all("修复内存泄漏说明" in t for t in titles)
    page.goto(base + "search.html?q=" + quote("nosuchwordanywhere"))
    page.wait("document.getElementById('search').dataset.ready")
    assert page.evaluate("document.getElementById('count').textContent") == "Nothing found."


def test_nothing_a_repository_wrote_runs(page, base, site):
    shas = site[1]
    page.goto(base + "search.html?q=" + quote(CANARY))
    page.wait("document.getElementById('search').dataset.ready")
    texts = page.evaluate("[...document.querySelectorAll('#results li.result')].map(li => li.textContent)")
    assert texts and any(HOSTILE_TITLE.split(CANARY)[0].strip() in t for t in texts)  # shown, as text
    assert page.evaluate("document.querySelectorAll('#results img, #results svg, #results script').length") == 0
    handlers = "[...document.querySelectorAll('*')].flatMap(e => [...e.attributes].map(a => a.name)).filter(n => n.startsWith('on'))"
    assert page.evaluate(handlers) == []
    assert not _pwned(page)
    hostile = page.evaluate(f"document.querySelector('#results a.title[href$=\"{shas['hostile'][:7]}\"]') !== null")
    assert hostile
    page.goto(base + "index.html")
    assert not _pwned(page) and page.evaluate(handlers) == []
    assert page.evaluate("document.querySelectorAll('main img, main svg, main script').length") == 0
