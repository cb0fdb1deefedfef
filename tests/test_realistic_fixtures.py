"""The realistic day and its recorded model answers (tests/realistic_day.py) are what they claim:
git counts equal the declared ones, the rules still rate the commits as recorded, every answer has
the fields its level needs, the cases the report tests rely on are all there (in zh and in en), and
the recorded mode of the OpenAI-compatible test server answers through the real openai client."""

from __future__ import annotations

import functools
import json
import re

import openai
import pytest

import repodigest
from isolation import isolate
from realistic_day import build_realistic_day, load_answers, load_commits, load_recordings
from servers.openai_api import OVERVIEW, OpenAIServer

LANGS = ("zh", "en")
ORDER = {"low": 0, "medium": 1, "high": 2}
FIELDS = {"low": {"change_type", "change_type_detail", "importance", "importance_reason", "summary"}}
FIELDS["medium"] = FIELDS["low"] | {"scope", "advice", "closing"}
FIELDS["high"] = FIELDS["medium"] | {"insight", "risks"}
SUMMARY_ITEMS = {"low": (1, 1), "medium": (1, 3), "high": (3, 6)}
DIMENSIONS = ("architecture", "performance", "security", "maintainability", "compatibility")
OPENERS = ("总体而言，", "综上，", "Overall,", "In short,")
COMMITS = {c["id"]: c for c in load_commits()}


def texts(answer: dict) -> list[str]:
    """Every string the model wrote, wherever it sits in the answer."""
    out: list[str] = []

    def walk(value) -> None:
        if isinstance(value, str):
            out.append(value)
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk(answer)
    return out


def has(pattern: str, answer: dict) -> bool:
    return any(re.search(pattern, t, re.MULTILINE) for t in texts(answer))


def relation(commit: dict, answer: dict) -> str:
    return f"{commit['expected_rules_level']}->{answer['importance']}"


def top_level(commit: dict, answer: dict) -> str:
    return max(commit["expected_rules_level"], answer["importance"], key=ORDER.get)


def details(answer: dict) -> list[int]:
    return [len(r["details"]) for r in answer.get("risks") or []]


# What each `covers` tag claims, checked against the answer (and the commit's data).
CHECKS = {
    "model=rules": lambda c, a: a["importance"] == c["expected_rules_level"],
    "model+1": lambda c, a: ORDER[a["importance"]] - ORDER[c["expected_rules_level"]] == 1,
    "model+2": lambda c, a: ORDER[a["importance"]] - ORDER[c["expected_rules_level"]] == 2,
    "model-1": lambda c, a: ORDER[a["importance"]] - ORDER[c["expected_rules_level"]] == -1,
    "model-2": lambda c, a: ORDER[a["importance"]] - ORDER[c["expected_rules_level"]] == -2,
    **{
        f"{r}->{m}": functools.partial(lambda c, a, moved: relation(c, a) == moved, moved=f"{r}->{m}")
        for r in ORDER
        for m in ORDER
        if r != m
    },
    "extra-fields": lambda c, a: bool(set(a) - FIELDS[top_level(c, a)]),
    "long-fields": lambda c, a: (
        max(map(len, a["summary"])) >= 400 and max(len(v or "") for v in a["insight"].values()) >= 300
    ),
    "terse": lambda c, a: len(a["summary"]) == 1 and len(a["summary"][0]) <= 60 and len(a["importance_reason"]) <= 30,
    "closing-opener": lambda c, a: a.get("closing", "").startswith(OPENERS),
    "numbered-summary": lambda c, a: all(re.match(rf"{i}[.)] ", s) for i, s in enumerate(a["summary"], 1)),
    "bulleted-summary": lambda c, a: all(s.startswith("- ") for s in a["summary"]),
    "list-in-insight": lambda c, a: any(
        v and re.search(r"\n(1\.|-) .*\n(2\.|-) ", v) for v in (a.get("insight") or {}).values()
    ),
    "multiline-risk-detail": lambda c, a: any("\n" in d for r in a.get("risks", []) for d in r["details"]),
    "multiline-advice": lambda c, a: any("\n" in x["text"] for x in a.get("advice", [])),
    "null-insight": lambda c, a: any(v is None for v in (a.get("insight") or {}).values()),
    "risk-one-detail": lambda c, a: 1 in details(a),
    "risk-many-details": lambda c, a: any(n in (3, 4) for n in details(a)),
    "risk-no-details": lambda c, a: 0 in details(a),
    "markdown-pipe": lambda c, a: has(r"\|", a),
    "markdown-angle": lambda c, a: has(r"SM >= \d+|\w<\w+>", a),
    "html-in-field": lambda c, a: any(
        "<br>" in d and "<script>alert(1)</script>" in d for r in a.get("risks", []) for d in r["details"]
    ),
    "markdown-emphasis": lambda c, a: has(r"\*\*[^*\n]+\*\*", a),
    "markdown-star": lambda c, a: has(r"(?<![*\w])\*[^*\s][^*\n]*\*(?![*\w])", a),
    "markdown-backticks": lambda c, a: has(r"`python/sglang/[\w/]+\.py`", a),
    "underscore-identifiers": lambda c, a: has(r"`?[a-z]+(_[a-z0-9]+){2,}", a),
    "trailing-hash": lambda c, a: has(r"#$", a),
    "square-brackets": lambda c, a: has(r"\[\d+/N\]", a),
    "detail-null": lambda c, a: a["change_type_detail"] is None,
    "counts-from-data": lambda c, a: has(r"\d+ ?(个文件|行|files\b|lines?\b)|\+\d+/-\d+", a),
    "bot": lambda c, a: "[bot]" in c["author"][0],
}
# Met by at least one answer in each language; one level below may be either of its two forms.
REQUIRED = set(CHECKS) - {"medium->low", "high->medium"}
LEVEL_TAGS = ("model=rules", "model+1", "model+2", "model-1", "model-2")


@pytest.fixture(scope="module")
def day(tmp_path_factory):
    """The day built once, with the library's verdict on it (no LLM: no key in the environment)."""
    path = tmp_path_factory.mktemp("realistic") / "repo"
    repo = build_realistic_day(path)
    with pytest.MonkeyPatch.context() as mp:
        isolate(mp, path.parent / "cache")
        digest = repodigest.build_digest(date="2026-02-16", repos=[str(path)], tz="Asia/Shanghai", progress=False)
    return repo, digest.frame


# ------------------------------------------------------------------------------------------------
# The day


def numstat(repo, sha: str) -> dict[str, tuple[int, int]]:
    tokens = repo.git("show", "--numstat", "-M", "-z", "--format=", sha).strip("\n\0").split("\0")
    counts, i = {}, 0
    while i < len(tokens):
        added, deleted, path = tokens[i].strip("\n").split("\t")
        if not path:  # a rename: old and new path follow
            path, i = tokens[i + 2], i + 3
        else:
            i += 1
        counts[path] = (int(added), int(deleted))
    return counts


def test_git_counts_equal_the_declared_counts(day):
    repo, _ = day
    for c in load_commits():
        declared = {p: (f["added"], f["deleted"]) for p, f in c["files"].items()}
        assert numstat(repo, repo.day_shas[c["id"]]) == declared, c["id"]
    renamed = repo.git("show", "--name-status", "-M", "--format=", repo.day_shas["moe-kernel-sm120"])
    assert re.search(r"^R\d+\tsgl-kernel/csrc/moe/moe_align_kernel.cuh\t", renamed, re.MULTILINE)


def test_the_rules_still_rate_the_day_as_recorded(day):
    _, frame = day
    shown = frame[frame["in_report"]].set_index("title")
    assert len(shown) == len(COMMITS)  # setup commits are trend history, not the report day
    for c in load_commits():
        row = shown.loc[c["title"]]
        assert (row["rules_level"], row["score"]) == (c["expected_rules_level"], c["expected_score"]), c["id"]
    levels = [c["expected_rules_level"] for c in load_commits()]
    assert all(levels.count(level) >= 4 for level in ORDER)
    offsets = {c["committed"][-6:] for c in load_commits()}
    assert {"+08:00", "-08:00", "+03:00"} <= offsets


# ------------------------------------------------------------------------------------------------
# The recorded answers


@pytest.mark.parametrize("lang", LANGS)
def test_every_commit_has_an_answer_with_the_fields_of_its_higher_level(lang):
    recordings = load_recordings(lang)
    assert set(recordings) == set(COMMITS)
    for cid, rec in recordings.items():
        commit, a = COMMITS[cid], rec["answer"]
        level = top_level(commit, a)
        assert FIELDS[level] <= set(a), (cid, FIELDS[level] - set(a))
        assert a["importance"] in ORDER and a["change_type"].strip() and a["importance_reason"].strip()
        assert a["change_type_detail"] is None or a["change_type_detail"].strip()
        low, high = SUMMARY_ITEMS[level]
        assert low <= len(a["summary"]) <= high and all(s.strip() for s in a["summary"]), cid
        if "scope" in a:
            assert a["scope"] and all(s.strip() for s in a["scope"]), cid
        if "advice" in a:
            assert a["advice"] and all(x["title"].strip() and x["text"].strip() for x in a["advice"]), cid
        if "insight" in a:
            assert set(a["insight"]) == set(DIMENSIONS)
            nulls = sum(v is None for v in a["insight"].values())
            assert 1 <= nulls <= 2, (cid, "one or two null dimensions per insight, never all")
        if "risks" in a:
            assert a["risks"] and all(r["title"].strip() for r in a["risks"]), cid
    assert set(load_answers(lang)) == {c["title"] for c in load_commits()}


@pytest.mark.parametrize("lang", LANGS)
def test_each_covers_tag_is_true_of_its_answer(lang):
    for cid, rec in load_recordings(lang).items():
        commit, answer = COMMITS[cid], rec["answer"]
        unknown = set(rec["covers"]) - set(CHECKS)
        assert not unknown, (cid, unknown)
        for tag in rec["covers"]:
            assert CHECKS[tag](commit, answer), (lang, cid, tag)
        level_tags = [t for t in LEVEL_TAGS if CHECKS[t](commit, answer)]
        assert len(level_tags) == 1 and level_tags[0] in rec["covers"], (cid, "state the level relation")
        if answer["importance"] != commit["expected_rules_level"]:
            assert relation(commit, answer) in rec["covers"], cid


@pytest.mark.parametrize("lang", LANGS)
def test_the_day_covers_every_case_in_each_language(lang):
    covered = {t for rec in load_recordings(lang).values() for t in rec["covers"]}
    assert REQUIRED <= covered, REQUIRED - covered
    assert sum(1 for rec in load_recordings(lang).values() if "model=rules" in rec["covers"]) >= 3
    closings = [rec["answer"].get("closing", "") for rec in load_recordings(lang).values()]
    assert any(c and not c.startswith(OPENERS) for c in closings)  # and some without an opener


@pytest.mark.parametrize("lang", LANGS)
def test_numbers_in_prose_are_the_commits_real_counts(lang):
    for cid, rec in load_recordings(lang).items():
        files = COMMITS[cid]["files"]
        added = sum(f["added"] for f in files.values())
        deleted = sum(f["deleted"] for f in files.values())
        lines = {added, deleted, added + deleted} | {n for f in files.values() for n in (f["added"], f["deleted"])}
        for text in texts(rec["answer"]):
            for n in re.findall(r"(\d[\d,]*) ?(?:个文件|files?\b)", text):
                assert int(n.replace(",", "")) == len(files), (cid, text)
            for n in re.findall(r"(\d[\d,]*) ?(?:行|lines?\b)", text):
                assert int(n.replace(",", "")) in lines, (cid, n, text)
            for a, d in re.findall(r"\+(\d+)/-(\d+)", text):
                assert (int(a), int(d)) == (added, deleted), (cid, text)


# ------------------------------------------------------------------------------------------------
# The recorded mode of the server, through the real openai client

NONCE = "0123456789abcdef"


def prompt_for(commit: dict, schema: dict | None = None) -> str:
    text = (
        f"Analyse this commit.\n<<<BEGIN_UNTRUSTED_COMMIT_MESSAGE {NONCE}>>>\n{commit['title']}\n\n"
        f"{commit['body']}\n<<<END_UNTRUSTED_COMMIT_MESSAGE {NONCE}>>>\n"
    )
    if schema is not None:
        text += f"Answer with JSON following this schema:\n```json\n{json.dumps(schema)}\n```\n"
    return text


def schema_of(*names: str) -> dict:
    return {
        "type": "object",
        "properties": {n: {} for n in names},
        "required": list(names),
        "additionalProperties": False,
    }


def ask(server, commit: dict, schema: dict | None = None, response_format: str = "json_schema", in_prompt=False):
    client = openai.OpenAI(base_url=server.base_url, api_key="test", max_retries=0)
    kwargs = {}
    if response_format == "json_schema":
        kwargs["response_format"] = {
            "type": "json_schema",
            "json_schema": {"name": "analysis", "schema": schema, "strict": True},
        }
    elif response_format == "json_object":
        kwargs["response_format"] = {"type": "json_object"}
    return client.chat.completions.create(
        model="test-model",
        messages=[
            {"role": "system", "content": "You review commits."},
            {"role": "user", "content": prompt_for(commit, schema if in_prompt else None)},
        ],
        **kwargs,
    )


@pytest.fixture(scope="module")
def zh_server():
    with OpenAIServer(mode="recorded", answers=load_answers("zh"), strict=True) as server:
        yield server


def test_strict_returns_exactly_the_requested_properties_the_recording_has(zh_server):
    docs = COMMITS["docs-hicache"]  # low by both: no insight or risks recorded
    recorded = load_answers("zh")[docs["title"]]
    answer = ask(zh_server, docs, schema_of("change_type", "summary", "scope", "insight"))
    got = json.loads(answer.choices[0].message.content)
    assert got == {k: recorded[k] for k in ("change_type", "summary", "scope")}  # insight: never written
    assert zh_server.asked[-1] == {"title": docs["title"], "fields": ["change_type", "summary", "scope", "insight"]}
    assert answer.choices[0].finish_reason == "stop"


def test_a_follow_up_for_some_fields_gets_only_those(zh_server):
    promoted = COMMITS["api-stream-usage"]  # medium by the rules, high by the model
    recorded = load_answers("zh")[promoted["title"]]
    got = json.loads(ask(zh_server, promoted, schema_of("insight", "risks")).choices[0].message.content)
    assert got == {"insight": recorded["insight"], "risks": recorded["risks"]}
    assert zh_server.asked[-1]["fields"] == ["insight", "risks"]


def test_a_schema_in_the_prompt_is_honoured_without_response_format(zh_server):
    typo = COMMITS["typo-spec-log"]
    got = json.loads(
        ask(zh_server, typo, schema_of("importance", "summary"), response_format="text", in_prompt=True)
        .choices[0]
        .message.content
    )
    assert got == {k: load_answers("zh")[typo["title"]][k] for k in ("importance", "summary")}
    assert zh_server.asked[-1]["fields"] == ["importance", "summary"]


def test_lax_server_returns_the_whole_recording_whatever_was_asked():
    mxfp4 = COMMITS["mxfp4-perf"]  # medium by both, with insight and risks the level did not ask for
    recorded = load_answers("en")[mxfp4["title"]]
    with OpenAIServer(mode="recorded", answers=load_answers("en"), strict=False) as server:
        narrow = json.loads(ask(server, mxfp4, schema_of("summary")).choices[0].message.content)
        loose = json.loads(ask(server, mxfp4, response_format="json_object").choices[0].message.content)
        assert server.asked[-1]["fields"] is None
    assert narrow == loose == recorded and "risks" in narrow and "insight" in narrow


def test_an_unknown_title_is_a_loud_500(zh_server):
    stranger = {"title": "Some commit nobody recorded (#1)", "body": ""}
    with pytest.raises(openai.InternalServerError) as err:
        ask(zh_server, stranger, schema_of("summary"))
    assert "Some commit nobody recorded (#1)" in str(err.value)


def test_usage_counts_cjk_characters_as_tokens(zh_server):
    overhaul = COMMITS["scheduler-overhaul"]
    answer = ask(zh_server, overhaul, schema_of("summary", "insight"))
    content = answer.choices[0].message.content
    cjk = len(re.findall(r"[\u4e00-\u9fff]", content))
    assert cjk > 300 and answer.usage.completion_tokens >= cjk > len(content) / 4
    assert answer.usage.prompt_tokens == len("You review commits.\n" + prompt_for(overhaul)) // 4
    with OpenAIServer(mode="recorded", answers=load_answers("en")) as en:
        english = ask(en, overhaul, schema_of("summary", "insight"))
        assert english.usage.completion_tokens == len(english.choices[0].message.content) // 4


def test_other_modes_wrap_the_recording():
    quant = COMMITS["quant-fp8-moe-schemes"]
    recorded = load_answers("zh")[quant["title"]]
    with OpenAIServer(mode="ignore", answers=load_answers("zh")) as server:
        text = ask(server, quant, schema_of("summary", "closing")).choices[0].message.content
    block = re.search(r"```json\n(.*)\n```", text, re.DOTALL).group(1)
    assert not text.startswith("{") and json.loads(block) == {
        "summary": recorded["summary"],
        "closing": recorded["closing"],
    }


def test_the_librarys_prompts_find_every_recording(tmp_path, monkeypatch):
    """Every commit the library asks about is found by the title in its real prompt (no 500)."""
    repo = build_realistic_day(tmp_path / "repo")
    with OpenAIServer(mode="recorded", answers=load_answers("en"), strict=False) as server:
        monkeypatch.setenv("OPENAI_API_KEY", "test")
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        repodigest.build_digest(
            date="2026-02-16", repos=[str(repo.path)], tz="Asia/Shanghai", lang="en", progress=False
        )
    asked = [a["title"] for a in server.asked]
    assert set(asked) - {OVERVIEW} == {c["title"] for c in load_commits()}
    assert asked.count(OVERVIEW) == 1  # and one request for the day's overview
