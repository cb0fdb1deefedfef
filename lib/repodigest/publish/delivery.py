"""Deliver the day's summary where people read: Slack, Feishu/Lark, or any URL as JSON.

Works from a published report folder (``status.json``, ``overview.json`` and ``commits.parquet``),
so it runs after the report exists and can never damage it. The message carries the overview's
headline and highlights (each with links to its commits' pull requests or pages); a folder
without an overview gets the high-importance titles instead. Webhook URLs and signing keys come
from environment variables named in the config; they never appear in logs or errors.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..analytics.common import records
from ..config import DeliveryConfig
from ..frame import read_frame, report_rows
from ..i18n import strings
from ..levels import LEVELS
from ..report.text import safe_url
from ..textcut import one_line, truncate

_MAX_TITLES = 10


@dataclass
class Summary:
    """What every channel says: the period, the overview's headline and highlights, counts per level,
    the high-importance commits, a link."""

    title: str
    total: int
    counts: dict[str, int]
    high: list[dict]  # {repo, title, url, sha}
    report_url: str | None
    headline: str | None = None  # the overview's, when the folder has one
    highlights: list[dict] = field(default_factory=list)  # {level, line, commits: [{sha, url}]}


@dataclass
class DeliveryResult:
    kind: str
    ok: bool
    attempts: int
    error: str | None = None


def summarize(folder: str | os.PathLike, lang: str = "zh", report_url: str | None = None) -> Summary:
    """Read a published report folder into a :class:`Summary`."""
    folder = Path(folder)
    status = json.loads((folder / "status.json").read_text(encoding="utf-8"))
    frame = read_frame(folder / "commits.parquet")
    shown = report_rows(frame)
    words = strings(lang)
    days = status["days"]
    title = (
        words["title"].format(date=days[-1])
        if len(days) == 1
        else words["title_range"].format(first=days[0], last=days[-1])
    )
    high = shown[shown["level"] == "high"].sort_values("score", ascending=False)
    links = {r["sha"]: _link(r) for r in records(shown)}
    overview = folder / "overview.json"
    glance = json.loads(overview.read_text(encoding="utf-8")) if overview.is_file() else None
    return Summary(
        title=title,
        total=int(len(shown)),
        counts={lvl.value: int((shown["level"] == lvl).sum()) for lvl in LEVELS},
        high=[
            {"repo": r["repo"], "title": truncate(one_line(r["title"]), 200), "sha": r["short_sha"], "url": _link(r)}
            for r in records(high.head(_MAX_TITLES))
        ],
        report_url=report_url.replace("{folder}", folder.name) if report_url else None,
        headline=one_line(glance["headline"]) if glance else None,
        highlights=[
            {
                "level": h["level"],
                "line": truncate(one_line(h["line"]), 300),
                "commits": [{"sha": c["short_sha"], "url": links.get(c["sha"]) or c.get("url")} for c in h["commits"]],
            }
            for h in glance["highlights"]
        ]
        if glance
        else [],
    )


def _link(row) -> str | None:
    """A commit's pull request page, else its own page."""
    return row["pr_url"] if isinstance(row["pr_url"], str) else (row["url"] if isinstance(row["url"], str) else None)


_DOT = dict(zip((level.value for level in LEVELS), ("🔴", "🟡", "🟢")))


def _counts_line(summary: Summary, lang: str) -> str:
    return strings(lang)["summary_line_range"].format(total=summary.total, **summary.counts)


def _esc(text: str) -> str:
    """Text for Slack's mrkdwn: its three control characters escaped, so that no ``<...>`` (a link, a
    ``<!channel>`` mention) can come from a commit."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _slack_link(url: str | None, text: str) -> str:
    """``<url|text>`` for an http(s) URL (:func:`~repodigest.report.text.safe_url`), else the text alone."""
    safe = safe_url(url)
    text = _esc(text).replace("|", "¦")
    return f"<{safe.replace('|', '%7C')}|{text}>" if safe else text


def slack_payload(summary: Summary, lang: str = "zh") -> dict:
    """Slack incoming-webhook message (mrkdwn text); every text from the repository escaped, every link
    an http(s) URL."""
    lines = [f"*{_esc(summary.title)}*"] + ([_esc(summary.headline)] if summary.headline else [])
    lines.append(_esc(_counts_line(summary, lang)))
    for h in summary.highlights:
        shas = " ".join(_slack_link(c["url"], c["sha"]) for c in h["commits"])
        lines.append(f"{_DOT.get(h['level'], '•')} {_esc(h['line'])} ({shas})")
    for item in [] if summary.highlights else summary.high:
        lines.append(f"• {_slack_link(item['url'], item['title'])}")
    if summary.report_url:
        lines.append(_slack_link(summary.report_url, "report.html"))
    return {"text": "\n".join(lines)}


def _feishu_link(url: str | None, text: str) -> dict:
    """A Feishu ``a`` element for an http(s) URL, else a ``text`` element (Feishu shows text as written)."""
    safe = safe_url(url)
    return {"tag": "a", "text": text, "href": safe} if safe else {"tag": "text", "text": text}


def feishu_payload(summary: Summary, lang: str = "zh", secret: str | None = None, now: int | None = None) -> dict:
    """Feishu/Lark custom-bot rich-text (post) message, signed when a secret is configured."""
    content = [[{"tag": "text", "text": summary.headline}]] if summary.headline else []
    content.append([{"tag": "text", "text": _counts_line(summary, lang)}])
    for h in summary.highlights:
        line = [{"tag": "text", "text": f"{_DOT.get(h['level'], '•')} {h['line']} "}]
        line += [_feishu_link(c["url"], c["sha"]) for c in h["commits"]]
        content.append(line)
    for item in [] if summary.highlights else summary.high:
        content.append([{"tag": "text", "text": "🔴 "}, _feishu_link(item["url"], item["title"])])
    if summary.report_url:
        content.append([_feishu_link(summary.report_url, "report.html")])
    payload = {
        "msg_type": "post",
        "content": {"post": {"zh_cn" if lang == "zh" else "en_us": {"title": summary.title, "content": content}}},
    }
    if secret:
        timestamp = str(now if now is not None else int(time.time()))
        # Feishu's rule: HMAC-SHA256 keyed by "timestamp\nsecret" over an empty message, base64.
        digest = hmac.new(f"{timestamp}\n{secret}".encode(), b"", hashlib.sha256).digest()
        payload.update(timestamp=timestamp, sign=base64.b64encode(digest).decode())
    return payload


def webhook_payload(summary: Summary, lang: str = "zh") -> dict:
    """A plain JSON document for any receiver."""
    return {
        "title": summary.title,
        "headline": summary.headline,
        "highlights": summary.highlights,
        "total": summary.total,
        "counts": summary.counts,
        "high": summary.high,
        "report_url": summary.report_url,
        "lang": lang,
    }


def post_json(
    url: str, payload: dict, retries: int = 3, timeout: float = 10.0, backoff: float = 0.5
) -> tuple[int, str | None]:
    """POST ``payload``; retry 5xx and network errors (bounded), give up at once on 4xx.

    Returns (attempts, error or None). The URL never appears in the error: it is a secret.
    """
    body = json.dumps(payload, ensure_ascii=False).encode()
    error = None
    for attempt in range(1, retries + 1):
        request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"}, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                response.read()
                return attempt, None
        except urllib.error.HTTPError as exc:
            error = f"HTTP {exc.code}"
            if exc.code < 500 and exc.code != 429:
                return attempt, f"{error}: the receiver refused the message"
        except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
            error = f"network error ({type(getattr(exc, 'reason', exc)).__name__})"
        if attempt < retries:
            time.sleep(backoff * attempt)
    return retries, f"{error} after {retries} attempts"


def deliver(folder: str | os.PathLike, channels: Sequence[DeliveryConfig], lang: str = "zh") -> list[DeliveryResult]:
    """Send the folder's summary to every configured channel; failures are reported, never raised."""
    results = []
    for channel in channels:
        url = os.environ.get(channel.url_env)
        if not url:
            results.append(DeliveryResult(channel.kind, False, 0, f"${channel.url_env} is not set"))
            continue
        summary = summarize(folder, lang, channel.report_url)
        if channel.kind == "slack":
            payload = slack_payload(summary, lang)
        elif channel.kind == "feishu":
            secret = os.environ.get(channel.secret_env) if channel.secret_env else None
            payload = feishu_payload(summary, lang, secret)
        else:
            payload = webhook_payload(summary, lang)
        attempts, error = post_json(url, payload, channel.retries, channel.timeout)
        results.append(DeliveryResult(channel.kind, error is None, attempts, error))
    return results
