"""One commit's requests with their fallbacks (structured output modes, truncated and invalid answers,
reasoning models' thoughts, rate limits); the client and what an endpoint accepts are :mod:`.endpoint`'s.

See :mod:`repodigest.analysis` for the whole contract.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from pydantic import ValidationError

from ..config import LLMConfig
from ..i18n import strings
from ..levels import Level, highest, is_level
from ..scoring.blend import blend_levels
from .diff_budget import BudgetedDiff, budget_diff, estimate_tokens
from .endpoint import MODES, endpoint_state, error_line, status_error
from .prompt import (
    PullRequestText,
    coverage_text,
    extract_json,
    is_pure_json,
    pull_request_text,
    render_followup,
    render_prompt,
)
from .pushback import AGAIN_MAX, Pushback
from .reasoning import split_reply
from .records import AnalysisRequest, CommitAnalysis
from .schema import Analysis, completion_schema, schema_for, to_entry_dict, validate_analysis, validate_completion

log = logging.getLogger(__name__)

MAX_TOKENS = {"high": 3000, "medium": 1500, "low": 500}  # first answer's output limit, by detail level
INVALID_RETRIES = 2  # invalid answers (bad JSON, missing fields) asked again at most this many times
BUDGET_SHRINKS = 2  # after a truncated answer with doubled max_tokens: halve the diff budget this often
MAX_ATTEMPTS = 10  # hard cap of requests per commit
_SCHEMA_ERROR_WORDS = (
    "response_format",
    "json_schema",
    "json schema",
    "schema",
    "json_object",
    "grammar",
    "structured",
    "format",
)


T = TypeVar("T")  # what an answer is read into


class _Tally(Protocol):
    """What :meth:`Analyzer.ask` adds its requests and tokens to (a CommitAnalysis, the overview's wording)."""

    requests: int
    tokens_in: int
    tokens_out: int
    tokens_reasoning: int


@dataclass
class _Answer:
    content: str | None  # the answer after the model's thought (reasoning.split_reply)
    finish_reason: str | None
    tokens_in: int
    tokens_out: int  # the thought's tokens included
    reasoning_tokens: int = 0


@dataclass
class _Outcome(Generic[T]):
    """One answer after its fallbacks: the validated value (None when none came), and how."""

    value: T | None
    mode: str | None
    budget: int  # the diff budget the answer was given
    error: str | None
    text: str | None  # the answer's JSON, as the model's turn of a follow-up conversation


def _usage(body: dict, messages: list[dict], content: str | None, thought: str) -> tuple[int, int]:
    usage = body.get("usage") or {}
    tin, tout = usage.get("prompt_tokens"), usage.get("completion_tokens")
    if tin is None:
        tin = sum(estimate_tokens(m["content"]) for m in messages)
    if tout is None:
        tout = estimate_tokens(content or "") + estimate_tokens(thought)
    return int(tin), int(tout)


class _Rejected(Exception):
    """The server refused the request's shape (400/422)."""

    def __init__(self, message: str, schema_related: bool, token_param: bool):
        super().__init__(message)
        self.schema_related = schema_related
        self.token_param = token_param


class Analyzer:
    """One endpoint and model: sends the requests of one run, and learns what the endpoint accepts."""

    def __init__(self, client, model: str, cfg: LLMConfig, lang: str, *, pushback: Pushback | None = None):
        self.client = client
        self.model = model
        self.cfg = cfg
        self.lang = lang
        self.state = endpoint_state(str(client.base_url), model)
        self.secret = os.environ.get("OPENAI_API_KEY") or None
        self.pushback = pushback or Pushback(cfg.concurrency, cfg.patience)

    def _call(self, mode: str, messages: list[dict], model_cls, max_tokens: int, token_param: str) -> _Answer:
        """One request, in one of the run's slots; asked again after a 429 the client gave up on, while
        the run's patience lasts (:mod:`.pushback`)."""
        import openai

        for again in range(AGAIN_MAX + 1):
            with self.pushback.slot():
                try:
                    answer = self._send(mode, messages, model_cls, max_tokens, token_param)
                except openai.RateLimitError as exc:
                    if again == AGAIN_MAX or not self.pushback.again(exc.response):
                        raise
                    continue
                if not self.pushback.watching:
                    self.pushback.observe(200, {})
                return answer
        raise AssertionError("unreachable")  # the loop returns or raises

    def _send(self, mode: str, messages: list[dict], model_cls, max_tokens: int, token_param: str) -> _Answer:
        import openai

        kwargs = {"model": self.model, "messages": messages, token_param: max_tokens}
        try:
            if mode == "json_schema":
                raw = self.client.chat.completions.with_raw_response.parse(response_format=model_cls, **kwargs)
            elif mode == "json_object":
                raw = self.client.chat.completions.with_raw_response.create(
                    response_format={"type": "json_object"}, **kwargs
                )
            else:
                raw = self.client.chat.completions.with_raw_response.create(**kwargs)
        except (openai.BadRequestError, openai.UnprocessableEntityError) as exc:
            text = str(exc).lower()
            about_tokens = "max_tokens" in text and "max_completion_tokens" in text
            raise _Rejected(
                error_line(status_error(exc), self.secret),
                schema_related=any(w in text for w in _SCHEMA_ERROR_WORDS),
                token_param=about_tokens,
            ) from None
        body = raw.http_response.json()
        choice = (body.get("choices") or [{}])[0]
        reply = split_reply(choice.get("message") or {}, body.get("usage"))
        tin, tout = _usage(body, messages, reply.answer, reply.thought)
        return _Answer(reply.answer, choice.get("finish_reason"), tin, tout, reply.reasoning_tokens)

    def ask(
        self,
        messages_for: Callable[[str | None, int], list[dict]],
        model_cls,
        read: Callable[[dict], T],
        max_tokens: int,
        budget: int,
        result: _Tally,
    ) -> _Outcome[T]:
        """One answer, with every fallback: structured-output modes, the token parameter, truncated
        answers (more room, then a smaller diff budget) and invalid ones (asked again with the reason).

        ``messages_for(schema_text, budget)`` builds the messages (``schema_text`` is set in text mode);
        ``read(data)`` validates the decoded JSON. Requests and tokens are added to ``result`` (a
        CommitAnalysis, or anything with ``requests``, ``tokens_in`` and ``tokens_out``: the overview's)."""
        import openai

        grown, shrinks, invalid_left, token_switched = False, 0, INVALID_RETRIES, False
        mode_index = self.state.mode_index
        note: str | None = None
        error = "no answer"
        for _attempt in range(MAX_ATTEMPTS):
            mode_index = max(mode_index, self.state.mode_index)
            mode = MODES[mode_index]
            schema = json.dumps(model_cls.model_json_schema(), ensure_ascii=False) if mode == "text" else None
            messages = messages_for(schema, budget)
            if note:
                messages.append({"role": "user", "content": note})
            sent_param = self.state.token_param
            limit = max_tokens + self.state.thinking  # the limit covers the thought and the answer
            try:
                answer = self._call(mode, messages, model_cls, limit, sent_param)
            except _Rejected as exc:
                result.requests += 1
                error = str(exc)
                if exc.token_param and not token_switched:  # e.g. "use max_completion_tokens instead"
                    token_switched = True
                    with self.state.lock:
                        self.state.token_param = "max_completion_tokens" if sent_param == "max_tokens" else "max_tokens"
                    continue
                if mode_index < len(MODES) - 1:
                    if exc.schema_related:
                        self.state.demote(mode_index)
                    mode_index += 1
                    continue
                break
            except openai.APITimeoutError:
                result.requests += 1
                error = f"timeout after {self.cfg.timeout:g}s"
                break
            except openai.APIStatusError as exc:
                result.requests += 1
                error = status_error(exc)
                if exc.status_code == 429:
                    waited, patience = self.pushback.waited, self.pushback.patience
                    error += f" (rate limited: {waited:.1f} s waited of a patience of {patience:g} s)"
                error = error_line(error, self.secret)
                break
            except openai.APIConnectionError as exc:
                result.requests += 1
                error = error_line(f"connection error: {exc}", self.secret)
                break
            result.requests += 1
            result.tokens_in += answer.tokens_in
            result.tokens_out += answer.tokens_out
            result.tokens_reasoning += answer.reasoning_tokens
            if answer.reasoning_tokens:
                self.state.thought(answer.reasoning_tokens)
            if answer.finish_reason == "length":
                cut = "thought cut short" if answer.content is None and answer.reasoning_tokens else "answer truncated"
                error = f"{cut} (finish_reason=length)"
                if not grown:
                    max_tokens, grown = max_tokens * 2, True
                    continue
                if shrinks < BUDGET_SHRINKS and budget > 0:
                    budget, shrinks = budget // 2, shrinks + 1
                    continue
                error = f"{cut} (finish_reason=length) even with max_tokens={limit}, diff budget={budget}"
                break
            value: T | None = None
            data = extract_json(answer.content)
            if answer.content is None:
                error = "empty answer (refusal or no content)"
            elif data is None:
                error = "answer is not JSON"
            else:
                if mode != "text" and not is_pure_json(answer.content):
                    self.state.demote(mode_index)  # prose around the JSON: the server ignores the format
                try:
                    value = read(data)
                except ValidationError as exc:
                    first = exc.errors()[0]
                    loc = ".".join(str(p) for p in first["loc"]) or "answer"
                    error = error_line(f"invalid answer: {loc}: {first['msg']}", self.secret)
            if value is None:
                if invalid_left <= 0:
                    break
                invalid_left -= 1
                note = strings(self.lang)["prompt"]["rejected"].format(error=error)
                continue
            return _Outcome(value, mode, budget, None, json.dumps(data, ensure_ascii=False))
        return _Outcome(None, None, budget, error_line(error, self.secret), None)

    def analyze(self, req: AnalysisRequest, prior: CommitAnalysis | None = None) -> CommitAnalysis:
        """Analyse one commit: the first answer at the rules' level's depth, then, when the final
        level (or the model's own) needs more, one follow-up for the missing fields only.

        ``prior`` is a cached result whose analysis lacks that depth: only the follow-up is sent."""
        c = req.commit
        level = req.level if is_level(req.level) else Level.MEDIUM
        result = CommitAnalysis(sha=c.sha, status="failed")
        diff_text = req.diff
        if callable(diff_text):
            try:
                diff_text = diff_text()
            except Exception as exc:  # noqa: BLE001 - analyse without the diff, and say so (coverage 0)
                log.debug("diff of %s unavailable: %s", c.sha[:12], type(exc).__name__)
                diff_text = None
        diff_text = diff_text or ""
        budgets: dict[int, BudgetedDiff] = {}

        def pull(budget: int) -> PullRequestText | None:
            return pull_request_text(c.pull_request, budget)

        def budgeted(budget: int) -> BudgetedDiff:
            # the pull request's description comes first, within its share; the diff gets the rest
            if budget not in budgets:
                budgets[budget] = budget_diff(
                    diff_text, max(0, budget - (pr_text.tokens if (pr_text := pull(budget)) is not None else 0))
                )
            return budgets[budget]

        def first_messages(schema: str | None, budget: int) -> list[dict]:
            system, user = render_prompt(req, self.lang, budgeted(budget), schema, pull(budget))
            return [{"role": "system", "content": system}, {"role": "user", "content": user}]

        budget = self.cfg.diff_token_budget
        if prior is None:
            first = self.ask(
                first_messages,
                schema_for(level),
                lambda d: validate_analysis(d, level),
                MAX_TOKENS[level],
                budget,
                result,
            )
            if first.value is None:
                result.error = first.error
                return result
            analysis, answered, budget, result.mode = first.value, first.text, first.budget, first.mode
            coverage = budgeted(budget).coverage
            if not diff_text.strip() and (c.added_lines + c.deleted_lines) > 0:
                coverage = 0.0
            result.coverage = coverage
            result.left_out = [
                {"path": f.path, "reason": f.reason, "lines": f.lines, "seen": f.seen}
                for f in budgeted(budget).left_out
            ]
        else:
            analysis = Analysis.model_validate(prior.analysis)
            answered = analysis.model_dump_json(exclude_none=True)
            result.coverage, result.left_out, result.mode = prior.coverage, list(prior.left_out), prior.mode
        target = depth_needed(level, analysis.importance, req.score)
        missing = analysis.missing(target)
        if missing:

            def follow_messages(schema: str | None, budget: int) -> list[dict]:
                return [
                    *first_messages(None, budget),
                    {"role": "assistant", "content": answered},
                    {
                        "role": "user",
                        "content": render_followup(self.lang, missing, analysis.importance, target, schema),
                    },
                ]

            follow = self.ask(
                follow_messages,
                completion_schema(missing),
                lambda d: validate_completion(d, missing),
                MAX_TOKENS[target],
                budget,
                result,
            )
            if follow.value is not None:
                analysis = analysis.completed(follow.value)
                result.completed = True
            else:  # the first answer stands; the report fills what is missing from the data, and says so
                log.debug("follow-up for %s failed: %s", c.sha[:12], follow.error)
                result.error = f"follow-up for {', '.join(missing)} failed: {follow.error}"
        result.status = "ok"
        if prior is not None:
            text = (prior.analysis or {}).get("coverage") or ""
        else:
            text = coverage_text(budgeted(budget), self.lang, coverage, pull(budget))
        result.analysis = to_entry_dict(analysis, text)
        result.model_level = analysis.importance
        result.model_reason = analysis.importance_reason
        return result


def depth_needed(level: str, importance: str, score: int | None) -> str:
    """How much an analysis must hold: the final level (scoring.blend) or the model's own, the higher."""
    return highest(blend_levels(level, importance, score).level, importance)
