"""The answer of a model that reasons first: what follows its thought, never a draft inside it."""

import json

import pytest

from repodigest.analysis.prompt import extract_json
from repodigest.analysis.reasoning import split_reply

FINAL = {"summary": ["The final answer."], "importance": "high"}
DRAFT = {"summary": ["A draft."], "importance": "low"}
final, draft = json.dumps(FINAL), json.dumps(DRAFT)


@pytest.mark.parametrize(
    "message",
    [
        {"content": f"<think>\nLet me draft:\n{draft}\nNo, revise.\n</think>\n\n{final}"},  # R1, QwQ, no parser
        {"content": f"Let me draft:\n{draft}\nNo, revise.\n</think>\n\n{final}"},  # the template opened the tag
        {"content": f"<think>draft: ```json\n{draft}\n```</think>Here it is:\n```json\n{final}\n```"},
        {"content": f"<THINKING>{draft}</THINKING>{final}"},
        {"content": final, "reasoning_content": f"Let me draft: {draft}"},  # vLLM, SGLang with a parser
        {"content": final, "reasoning": f"Let me draft: {draft}"},  # Ollama, OpenRouter
    ],
)
def test_the_answer_is_what_follows_the_thought(message):
    assert extract_json(split_reply(message).answer) == FINAL


@pytest.mark.parametrize(
    "message",
    [
        {"content": f"<think>\nLet me draft:\n{draft}\nand more"},  # cut short: the thought never closed
        {"content": None, "reasoning_content": f"Let me draft: {draft}"},  # a thought is never the answer
        {"content": "", "reasoning": draft},
    ],
)
def test_a_thought_without_an_answer_gives_none(message):
    reply = split_reply(message)
    assert extract_json(reply.answer) is None and DRAFT["summary"][0] in reply.thought


def test_a_closing_tag_written_inside_the_answer_is_text():
    answer = {"summary": ['Strips "</think>" and `</think>` from streamed output.'], "importance": "medium"}
    for text in (json.dumps(answer), json.dumps(answer, indent=2), f"<think>ok {draft}</think>{json.dumps(answer)}"):
        assert extract_json(split_reply({"content": text}).answer) == answer


def test_reasoning_tokens_are_the_servers_count_else_estimated():
    usage = {"completion_tokens": 900, "completion_tokens_details": {"reasoning_tokens": 640}}
    assert split_reply({"content": final, "reasoning_content": "x" * 40}, usage).reasoning_tokens == 640
    assert split_reply({"content": f"<think>{'x' * 400}</think>{final}"}).reasoning_tokens == 100
    assert split_reply({"content": final}, {"completion_tokens_details": {"reasoning_tokens": 0}}).reasoning_tokens == 0
    assert split_reply({"content": final}).thought == ""
