"""Delivery payloads per channel, against a receiver on 127.0.0.1 started here."""

import base64
import hashlib
import hmac
import json
import re
import shutil
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

import published as published_report
from gitrepo import GitRepo
from isolation import isolated
from published import save
from repodigest import build_digest
from repodigest.cli import main
from repodigest.config import DeliveryConfig
from repodigest.publish.delivery import Summary, deliver, feishu_payload, post_json, slack_payload, summarize
from servers.loopback import LoopbackServer


class Receiver(LoopbackServer):
    """Answers with the queued status codes (then 200) and records every body."""

    def __init__(self):
        super().__init__()
        self.bodies, self.statuses = [], []

    def handler_class(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                receiver.bodies.append(json.loads(self.rfile.read(length)))
                code = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(code)
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        return Handler

    @property
    def url(self) -> str:
        return f"{self.root_url}/hook"


@pytest.fixture
def receiver():
    with Receiver() as r:
        yield r


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """The day's report folder, published once for the module."""
    root = tmp_path_factory.mktemp("delivery")
    repo = GitRepo(root / "repo")
    repo.git("remote", "add", "origin", "https://github.com/acme/widgets.git")
    repo.commit(
        "feat!: new public API <b> (#9)\n\nBREAKING CHANGE: all of it",
        "2026-02-16T09:00:00+08:00",
        {f"src/w/{a}/m.py": "x\n" * 400 for a in ("api", "core", "io")} | {"src/w/__init__.py": "v=2\n"},
    )
    repo.commit("docs: typo", "2026-02-16T10:00:00+08:00", {"docs/a.md": "t\n"})
    out = root / "out" / "2026-02-16"
    with isolated(root / "cache"):
        save(build_digest(date="2026-02-16", repos=[str(repo.path)], tz="Asia/Shanghai", lang="zh"), out)
    return out


@pytest.fixture
def folder(published, tmp_path):
    """A test's own copy of the published folder (a test may change it)."""
    return Path(shutil.copytree(published, tmp_path / "out" / published.name))


def test_summary_is_read_from_the_published_folder(folder):
    summary = summarize(folder, "en", "https://reports.example/{folder}/report.html")
    assert summary.total == 2 and summary.counts["high"] == 1 and summary.counts["low"] == 1
    assert summary.high[0]["url"] == "https://github.com/acme/widgets/pull/9"
    assert summary.report_url == "https://reports.example/2026-02-16/report.html"


def test_each_channel_payload_reaches_the_receiver(folder, receiver, monkeypatch):
    monkeypatch.setenv("HOOK_URL", receiver.url)
    monkeypatch.setenv("FEISHU_KEY", "s3cret")
    channels = [
        DeliveryConfig(kind="slack", url_env="HOOK_URL", report_url="https://r/{folder}/report.html"),
        DeliveryConfig(kind="feishu", url_env="HOOK_URL", secret_env="FEISHU_KEY"),
        DeliveryConfig(kind="webhook", url_env="HOOK_URL"),
    ]
    results = deliver(folder, channels, "zh")
    assert [r.ok for r in results] == [True, True, True]
    slack, feishu, plain = receiver.bodies
    overview = json.loads((folder / "overview.json").read_text())
    headline, [top] = overview["headline"], overview["highlights"]
    sha = top["commits"][0]["short_sha"]
    # the overview's headline and highlights, each citing its commits (the pull request when known)
    lines = slack["text"].split("\n")
    assert lines[0] == "*每日更新报告（2026-02-16）*" and lines[1] == headline.replace("<", "&lt;").replace(">", "&gt;")
    assert headline.startswith("本日 2 个提交，1 个高重要度")
    assert (
        lines[3]
        == f"🔴 新功能｜w：feat!: new public API &lt;b&gt; (#9) (<https://github.com/acme/widgets/pull/9|{sha}>)"
    )
    assert "<https://r/2026-02-16/report.html|report.html>" in slack["text"]
    post = feishu["content"]["post"]["zh_cn"]
    assert post["title"] == "每日更新报告（2026-02-16）" and feishu["msg_type"] == "post"
    assert post["content"][0] == [{"tag": "text", "text": headline}]
    assert post["content"][2] == [
        {"tag": "text", "text": "🔴 新功能｜w：feat!: new public API <b> (#9) "},
        {"tag": "a", "text": sha, "href": "https://github.com/acme/widgets/pull/9"},
    ]
    expected = base64.b64encode(hmac.new(f"{feishu['timestamp']}\ns3cret".encode(), b"", hashlib.sha256).digest())
    assert feishu["sign"] == expected.decode() and "s3cret" not in json.dumps(feishu)
    assert plain["counts"] == {"high": 1, "medium": 0, "low": 1} and plain["total"] == 2
    assert plain["headline"] == headline and plain["highlights"][0]["commits"] == [
        {"sha": sha, "url": "https://github.com/acme/widgets/pull/9"}
    ]


def test_a_folder_without_an_overview_sends_the_high_titles(folder, receiver, monkeypatch):
    (folder / "overview.json").unlink()  # written before overviews existed
    monkeypatch.setenv("HOOK_URL", receiver.url)
    deliver(folder, [DeliveryConfig(kind="slack", url_env="HOOK_URL")], "zh")
    [slack] = receiver.bodies
    assert "<https://github.com/acme/widgets/pull/9|feat!: new public API &lt;b&gt; (#9)>" in slack["text"]


def test_a_week_sends_the_overview_of_the_week(make_repo, tmp_path, receiver, monkeypatch):
    repo = make_repo()
    for day in (10, 12, 16):
        repo.commit(
            f"feat: big change on day {day} (#{day})",
            f"2026-02-{day}T09:00:00+08:00",
            {f"src/w/{a}/d{day}.py": "x\n" * 300 for a in ("api", "core", "io")},
        )
    out = tmp_path / "out" / "2026-02-10_2026-02-16"
    save(build_digest(date="2026-02-16", repos=[str(repo.path)], days=7, tz="Asia/Shanghai", lang="zh"), out)
    monkeypatch.setenv("HOOK_URL", receiver.url)
    deliver(out, [DeliveryConfig(kind="webhook", url_env="HOOK_URL")], "zh")
    [plain] = receiver.bodies
    assert plain["title"] == "更新报告（2026-02-10 至 2026-02-16）" and plain["headline"].startswith("本期 3 个提交")
    assert len(plain["highlights"]) == 3 and plain["total"] == 3


def test_retry_on_5xx_and_clear_error_on_4xx(receiver):
    receiver.statuses = [500, 502]
    assert post_json(receiver.url, {"a": 1}, retries=3, backoff=0.01) == (3, None)
    receiver.statuses = [400]
    attempts, error = post_json(receiver.url, {"a": 1}, retries=3, backoff=0.01)
    assert attempts == 1 and error.startswith("HTTP 400") and "127.0.0.1" not in error
    receiver.statuses = [503] * 5
    attempts, error = post_json(receiver.url, {"a": 1}, retries=2, backoff=0.01)
    assert attempts == 2 and "after 2 attempts" in error


def test_feishu_signature_matches_the_documented_rule():
    from repodigest.publish.delivery import Summary

    payload = feishu_payload(Summary("t", 0, {"high": 0, "medium": 0, "low": 0}, [], None), "zh", "key", now=1700000000)
    string_to_sign = b"1700000000\nkey"
    assert payload["sign"] == base64.b64encode(hmac.new(string_to_sign, b"", hashlib.sha256).digest()).decode()


def test_a_failed_delivery_never_fails_the_report(make_repo, tmp_path, receiver, monkeypatch, capsys):
    repo = make_repo()
    repo.commit("x", "2026-02-16T09:00:00+08:00", {"a.py": "1\n"})
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'repos = ["{repo.path}"]\n[[delivery]]\nkind = "webhook"\nurl_env = "HOOK_URL"\nretries = 2\n')
    receiver.statuses = [500, 500]
    # the command's delivery after publishing, in-process; the notebook's call made without a kernel
    monkeypatch.setattr("repodigest.publish.render.render_report", published_report.render_report)
    monkeypatch.setenv("HOOK_URL", receiver.url)
    code = main(["report", "--config", str(cfg), "--date", "2026-02-16", "--out-dir", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 0, err
    assert "webhook: not delivered: HTTP 500 after 2 attempts" in err and receiver.url not in err
    assert (tmp_path / "o" / "2026-02-16" / "report.md").exists() and len(receiver.bodies) == 2


def test_chat_payloads_carry_repository_text_as_text_and_link_only_http():
    evil = "<!channel> <https://evil.example|click> & done"
    commits = [
        {"sha": "abc1234", "url": "https://github.com/o/r/pull/1"},
        {"sha": "def5678", "url": "https://github.com/o/r/commit/d|<!here>"},
        {"sha": "0123456", "url": "javascript:alert(1)"},
    ]
    with_overview = Summary(
        title="t",
        total=3,
        counts={"high": 1, "medium": 0, "low": 2},
        high=[],
        report_url=None,
        headline=evil,
        highlights=[{"level": "high", "line": evil, "commits": commits}],
    )
    titles_only = Summary(
        title="t",
        total=1,
        counts={"high": 1, "medium": 0, "low": 0},
        high=[{"repo": "o/r", "title": evil, "sha": c["sha"], "url": c["url"]} for c in commits],
        report_url=None,
    )
    for summary in (with_overview, titles_only):
        text = slack_payload(summary, "en")["text"]
        assert "&lt;!channel&gt; &lt;https://evil.example|click&gt; &amp; done" in text.replace("¦", "|")
        links = re.findall(r"<([^|>]*)\|[^>]*>", text)  # Slack's links: <url|text>
        assert links == ["https://github.com/o/r/pull/1"] and text.count("<") == 1
        post = json.dumps(feishu_payload(summary, "en"))
        assert re.findall(r'"href": "([^"]*)"', post) == ["https://github.com/o/r/pull/1"]
