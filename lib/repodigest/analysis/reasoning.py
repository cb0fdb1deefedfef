"""Answers of models that reason before answering: the answer after the thought, and what the thought cost.

Models that think aloud (DeepSeek-R1, Qwen3, QwQ) served without a reasoning parser (vLLM, SGLang,
Ollama) write their reasoning into the answer's content, between ``<think>`` and ``</think>``, then
the answer; chat templates that open the thought in the prompt leave only the closing tag. Drafts of
the answer inside the thought are never the answer: the answer is what follows the thought, and a
thought that never closes holds no answer. Servers with a reasoning parser move the thought to a
field of its own (``reasoning_content``: vLLM, SGLang, DeepSeek; ``reasoning``: Ollama, OpenRouter),
which is never read as the answer.

The thought's tokens count in the output limit (``max_tokens`` covers thought and answer): usage's
``completion_tokens_details.reasoning_tokens`` when the server gives it, else the thought's text
estimated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .diff_budget import estimate_tokens

REASONING_FIELDS = ("reasoning_content", "reasoning")
_OPEN = re.compile(r"\s*<(think|thinking)>", re.IGNORECASE)
_CLOSE = re.compile(r"</(think|thinking)>", re.IGNORECASE)
_QUOTE = re.compile(r'(?<!\\)(?:\\\\)*"')


@dataclass(frozen=True)
class Reply:
    """A message split into its answer and its thought."""

    answer: str | None  # the text after the thought; None when there is none (a thought that never ended)
    thought: str  # the reasoning, from the content and the reasoning fields ("" for a model that does not reason)
    reasoning_tokens: int  # what the thought cost: the server's count, else estimated from its text


def _in_string(text: str, at: int) -> bool:
    """Position ``at`` is inside a JSON string on its line (an odd number of unescaped quotes before it)."""
    line_start = text.rfind("\n", 0, at) + 1
    return len(_QUOTE.findall(text, line_start, at)) % 2 == 1


def _thought_end(text: str) -> re.Match | None:
    """The first closing tag that ends a thought: not one written inside a JSON string of the answer."""
    return next((m for m in _CLOSE.finditer(text) if not _in_string(text, m.start())), None)


def split_reply(message: dict, usage: dict | None = None) -> Reply:
    """``message`` (a chat completion's ``choices[0].message``) as its answer and its thought; ``usage``
    (the completion's) gives the thought's tokens when the server counts them."""
    content = message.get("content")
    fields = [message.get(f) for f in REASONING_FIELDS]
    thought = "\n".join(f for f in fields if isinstance(f, str) and f)
    answer = content if isinstance(content, str) else None
    if answer is not None:
        end = _thought_end(answer)
        opened = _OPEN.match(answer)
        start = opened.end() if opened else 0
        if end is not None:
            thought = "\n".join(t for t in (answer[start : end.start()], thought) if t)
            answer = answer[end.end() :]
        elif opened:  # opened and never closed: all thought, no answer
            thought = "\n".join(t for t in (answer[start:], thought) if t)
            answer = None
    details = (usage or {}).get("completion_tokens_details") or {}
    counted = details.get("reasoning_tokens") if isinstance(details, dict) else None
    tokens = int(counted) if isinstance(counted, (int, float)) and counted > 0 else estimate_tokens(thought)
    return Reply(answer=answer, thought=thought, reasoning_tokens=tokens if thought or counted else 0)
