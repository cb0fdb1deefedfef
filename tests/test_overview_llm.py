"""The model's wording of the overview (analysis/overview.py): one request, cached, checked.

The realistic day (tests/fixtures/realistic_day) is answered by the local OpenAI-compatible
server with its recorded per-commit answers and its recorded overview (overview/{zh,en}.json).
"""

from __future__ import annotations

import json

import pytest

import repodigest
from realistic_day import build_realistic_day, load_answers, load_overview
from repodigest.analysis.overview_wording import overview_facts, unsupported_numbers
from repodigest.report.text import inline
from servers.openai_api import OVERVIEW, OpenAIServer


@pytest.fixture(scope="module")
def day(tmp_path_factory):
    return build_realistic_day(tmp_path_factory.mktemp("realistic") / "repo")


@pytest.fixture
def llm(monkeypatch):
    """Start the recorded server (``lang``, options); the client finds it through the environment."""
    servers = []

    def start(lang: str = "zh", **options) -> OpenAIServer:
        options.setdefault("overview", load_overview(lang))
        server = OpenAIServer(mode="recorded", answers=load_answers(lang), **options)
        server.start()
        servers.append(server)
        monkeypatch.setenv("OPENAI_API_KEY", "test-key")
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        return server

    yield start
    for server in servers:
        server.stop()


def digest_of(day, lang: str = "zh", **kw):
    return repodigest.build_digest(
        date="2026-02-16", repos=[str(day.path)], tz="Asia/Shanghai", lang=lang, progress=False, **kw
    )


def overview_asked(server: OpenAIServer) -> int:
    return [a["title"] for a in server.asked].count(OVERVIEW)


def glance(md: str, lang: str = "zh") -> str:
    start = md.index("## 🧭 本日概览" if lang == "zh" else "## 🧭 The day at a glance")
    return md[start : md.index('<a id="', start)]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_one_request_cold_zero_warm_and_the_model_words_the_picked_highlights(day, llm, lang):
    server = llm(lang)
    digest = digest_of(day, lang)
    recorded = load_overview(lang)
    assert overview_asked(server) == 1 and digest.usage["overview"]["requests"] == 1
    overview = digest.overview
    assert overview.source == "llm" and overview.headline == recorded["headline"]
    assert [h.line for h in overview.highlights] == [h["line"] for h in recorded["highlights"]]
    # the data picked them: the top commits by final level and score, whatever the model wrote
    shown = digest.report_frame
    top = shown[shown["level"] == "high"].sort_values(["score", "committed_at"], ascending=False)["sha"].tolist()[:5]
    assert [h.commits[0].sha for h in overview.highlights] == top
    md = digest.markdown()
    section = glance(md, lang)
    assert inline(recorded["headline"]) in section
    for h in overview.highlights:
        sha = h.commits[0].short_sha
        assert f"[`{sha}`](#{sha}) {inline(h.line)}" in section and f'<a id="{sha}"></a>' in md
    before = server.count
    again = digest_of(day, lang)  # warm: the analyses and the overview come from the cache
    assert server.count == before and again.overview.to_dict() == overview.to_dict()


def test_the_overview_request_carries_the_analyses_and_never_a_diff(day, llm):
    server = llm("zh")
    digest = digest_of(day)
    [body] = [r["body"] for r in server.requests if "OVERVIEW_FACTS" in json.dumps(r["body"])]
    prompt = "\n".join(m["content"] for m in body["messages"])
    assert "UNTRUSTED_DIFF" not in prompt and "@@ " not in prompt and "diff --git" not in prompt
    auth = next(h for h in digest.overview.highlights if "API key" in h.commits[0].title)
    summary = digest.analyses[auth.commits[0].sha]["summary"][0]
    assert json.dumps(summary, ensure_ascii=False)[1:-1] in prompt


def test_a_failed_overview_request_leaves_the_data_built_one(day, llm):
    server = llm("zh", overview_mode="500")
    digest = digest_of(day)
    overview = digest.overview
    assert overview_asked(server) >= 1 and not digest.partial and digest.analyses  # the analyses are fine
    assert overview.source == "data" and overview.headline == overview.data_headline
    assert all(h.line == h.data_line for h in overview.highlights)
    assert overview.note.startswith("⚠️ 概览的大模型请求失败（HTTP 500")
    assert digest.usage["overview"]["status"] == "failed"
    md = digest.markdown()
    assert inline(overview.data_headline) in glance(md) and load_overview("zh")["headline"] not in md
    server.overview_mode = None  # a failure is not cached: the next run asks again
    assert digest_of(day).overview.source == "llm"


def test_a_number_the_data_does_not_hold_is_not_printed(day, llm):
    invented = load_overview("zh")
    invented["headline"] = "本日 37 个提交，重点是 API key 校验。"
    invented["highlights"] = [dict(h) for h in invented["highlights"]]
    invented["highlights"][0]["line"] = "API key 校验提速 9.5 倍。"
    llm("zh", overview=invented)
    digest = digest_of(day)
    facts = json.dumps(overview_facts(digest.overview.to_dict(), digest.analyses), ensure_ascii=False)
    assert unsupported_numbers(invented["headline"], facts) == ["37"]
    assert unsupported_numbers(invented["highlights"][0]["line"], facts) == ["9.5"]
    overview = digest.overview
    assert (
        overview.headline == overview.data_headline and overview.highlights[0].line == overview.highlights[0].data_line
    )
    assert [h.line for h in overview.highlights[1:]] == [h["line"] for h in invented["highlights"][1:]]
    section = glance(digest.markdown())
    assert "37" not in section and "9.5" not in section and "其中 2 处含数据中没有的数字" in section
    assert digest.usage["overview"]["rejected"] == ["headline: 37", "highlight 1: 9.5"]


def test_turned_off_in_the_config_no_request(day, llm, tmp_path):
    server = llm("zh")
    config = tmp_path / "repodigest.toml"
    config.write_text("[llm]\noverview = false\n")
    digest = digest_of(day, config=str(config))
    assert overview_asked(server) == 0 and digest.overview.source == "data" and server.count > 0


@pytest.mark.parametrize(
    "text, facts, bad",
    [
        ("41 commits, 1,234 lines", '{"commits": 41, "lines": 1234}', []),
        ("５ 个高重要度", '{"high": 5}', []),
        ("5.0x and 5.50", '{"a": 5, "b": 5.5}', []),
        ("flashinfer 0.6.3", '"Bump flashinfer-python from 0.6.2 to 0.6.3"', []),
        ("flashinfer 0.7", '"Bump flashinfer-python from 0.6.2 to 0.6.3"', ["0.7"]),
        ("12 risks in 3 areas", '{"risks": 2, "areas": 3}', ["12"]),
    ],
)
def test_numbers_are_checked_whole(text, facts, bad):
    assert unsupported_numbers(text, facts) == bad
