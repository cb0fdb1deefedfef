"""``feed.xml``: the archive as an Atom feed (feedgen), one entry per report, newest first: its title (the
period and the repositories), the time its page was written, the overview's headline, the link to its
page. Links are relative (a feed reader resolves them against the feed's own address); ids are stable
``urn:uuid`` names of the report folder and its repositories, so a re-rendered report updates its entry
rather than adding one."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from feedgen.feed import FeedGenerator

from ..levels import LEVELS
from .outputs_index import ReportEntry, entry_label, report_href, site_words

FEED_ENTRIES = 100  # the newest reports in the feed; the index lists them all
# What XML 1.0 cannot carry: control characters, lone surrogates, the two non-characters.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_NAMESPACE = uuid.UUID("5b0e5f7c-8d8f-4c35-9a39-2f4f6f1d7e21")  # repodigest's archive


def xml_text(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot hold (lxml refuses them)."""
    return _NOT_XML.sub("", text)


def _id(*parts: str) -> str:
    return uuid.uuid5(_NAMESPACE, "\x1f".join(parts)).urn


def render_feed(entries: Sequence[ReportEntry], lang: str = "zh", limit: int = FEED_ENTRIES) -> bytes:
    """The Atom feed of ``entries`` (newest first; the first ``limit``), as UTF-8 XML."""
    words = site_words(lang)
    shown = list(entries)[:limit]
    repos = sorted({r for e in entries for r in e.repos})
    feed = FeedGenerator()
    feed.id(_id("feed", *repos))
    feed.title(xml_text(words["title"] + (f" · {', '.join(repos)}" if repos else "")))
    feed.subtitle(words["feed_subtitle"])
    feed.author({"name": "repodigest"})
    feed.link(href="index.html", rel="alternate", type="text/html")
    feed.link(href="feed.xml", rel="self", type="application/atom+xml")
    feed.language("en" if lang == "en" else "zh-CN")
    feed.generator("repodigest")
    stamps = [e.updated for e in shown if e.updated is not None]
    feed.updated(max(stamps) if stamps else datetime.now(UTC))
    for entry in reversed(shown):  # feedgen puts each new entry first
        item = feed.add_entry()
        item.id(_id("report", entry.name, *entry.repos))
        label = entry_label(entry, words)
        item.title(xml_text(f"{label} · {', '.join(entry.repos)}" if entry.repos else label))
        item.updated(entry.updated or datetime.now(UTC))
        item.link(href=report_href(entry.name), rel="alternate", type="text/html")
        counts = words["counts"].format(commits="?" if entry.commits is None else entry.commits)
        levels = ", ".join(f"{words[str(k)]} {entry.levels[str(k)]}" for k in LEVELS if str(k) in entry.levels)
        item.summary(xml_text(entry.headline or (f"{counts}: {levels}" if levels else counts)))
    return feed.atom_str(pretty=True)
