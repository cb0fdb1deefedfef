"""LLM analysis of commits through the openai client: structured, budgeted, cached, never truncated.

One request per commit, against any OpenAI-compatible endpoint (``OPENAI_BASE_URL``):

- **Structured**: the answer is asked for with ``client.chat.completions.parse(response_format=<pydantic
  model of the commit's level>)``. Servers that reject ``json_schema`` (HTTP 400/422) or ignore it
  (prose around the JSON) are handled by a fallback chain: ``json_schema`` -> ``{"type": "json_object"}``
  -> plain text with the JSON schema in the prompt, taking the first JSON object out of the prose.
  The mode that works is remembered per endpoint (base URL + model), so later requests skip the
  modes that failed. Every answer is validated with pydantic; an invalid one is asked again
  (``INVALID_RETRIES`` times).
- **Never truncated**: an answer with ``finish_reason == "length"`` is never used. It is asked again
  with twice the output tokens, then with half the diff budget (twice), then the commit fails.
- **Budgeted**: the diff goes through :func:`repodigest.scoring.diff_budget.budget_diff`
  (``cfg.diff_token_budget`` tokens); the prompt says what was left out, and the result carries
  the coverage.
- **Cached**: by (repo, sha, model, ``PROMPT_VERSION``, lang) in the cache table ``llm_analysis``;
  a warm re-run sends no request. A cached analysis written for a lower detail level than the
  commit now needs is redone.
- **Safe**: the API key is read from ``OPENAI_API_KEY`` and handed to the client only; it is never
  logged, cached, put in a prompt or in an error message. The commit message and the diff are
  delimited as untrusted data (markers with an id derived from the commit, which the message
  cannot predict), and the system prompt forbids following instructions inside them.
- **Numbers from data**: the prompt gives the file list, line counts and totals from git and
  tells the model they are the only numbers it may state.

A commit whose analysis fails after the retries gets ``status == "failed"`` and a one-line error;
:func:`analyze_commits` never raises for a single commit.

The prompt texts and the parsing of answers live in :mod:`repodigest.scoring.llm_prompt`.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field

from pydantic import ValidationError

from ..cache import Cache
from ..config import LLMConfig
from ..errors import UserError
from ..models import Commit
from .diff_budget import budget_diff, estimate_tokens
# The prompt names stay importable from here (they lived here first, and tests import extract_json from here).
from .llm_prompt import MAX_FILES_LISTED, MESSAGE_CHARS  # noqa: F401
from .llm_prompt import _is_pure_json, coverage_text, extract_json, render_prompt
from .llm_schema import LowAnalysis, schema_for, to_entry_dict, validate_analysis

log = logging.getLogger(__name__)

PROMPT_VERSION = "2026-11-25.1"  # bump when a prompt template or the schema changes: old cache entries stop matching
CACHE_TABLE = "llm_analysis"
DEFAULT_MODEL = "gpt-4o-mini"
MODES = ("json_schema", "json_object", "text")
MAX_TOKENS = {"high": 3000, "medium": 1500, "low": 500}  # first answer's output limit, by detail level
INVALID_RETRIES = 2  # invalid answers (bad JSON, missing fields) asked again at most this many times
BUDGET_SHRINKS = 2  # after a truncated answer with doubled max_tokens: halve the diff budget this often
MAX_ATTEMPTS = 10  # hard cap of requests per commit
_RANK = {"low": 0, "medium": 1, "high": 2}
_SCHEMA_ERROR_WORDS = ("response_format", "json_schema", "json schema", "schema", "json_object", "grammar",
                       "structured", "format")


# ----------------------------------------------------------------------------------------------
# Requests and results


@dataclass(frozen=True)
class AnalysisRequest:
    """One commit to analyse: its heuristic level (which sets the detail asked for) and reasons."""

    repo: str
    commit: Commit
    level: str  # heuristic level: high | medium | low
    reasons: Sequence[str] = ()  # short, human-readable signals, e.g. "size +120/-30 (+19)"
    # unified diff text (source.diff(commit)), or a no-argument callable returning it, called in the
    # worker only when the commit is not cached (so a warm run reads no diff); None when unavailable
    diff: str | Callable[[], str | None] | None = None


@dataclass
class CommitAnalysis:
    """What the model said about one commit, and what it cost."""

    sha: str
    status: str  # ok | cached | failed
    analysis: dict | None = None  # report.context.build_entry's shape (plus importance keys)
    error: str | None = None  # one line, when failed
    tokens_in: int = 0  # spent in this run (0 when cached)
    tokens_out: int = 0
    coverage: float | None = None  # share of the diff's changed lines the model saw
    llm_level: str | None = None
    llm_reason: str | None = None
    requests: int = 0
    mode: str | None = None  # json_schema | json_object | text: how the answer was obtained
    left_out: list[dict] = field(default_factory=list)  # [{path, reason, lines, seen}]


@dataclass
class AnalysisRun:
    """Per-commit results (by sha) and the run's totals."""

    model: str
    results: dict[str, CommitAnalysis] = field(default_factory=dict)
    requests: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cached: int = 0
    failed: int = 0
    cost: float | None = None  # USD estimate from cfg.prices[model]; None without a price
    seconds: float = 0.0

    @property
    def analyses(self) -> dict[str, dict]:
        """sha -> analysis dict, for the commits that have one (Digest.analyses)."""
        return {sha: r.analysis for sha, r in self.results.items() if r.analysis}

    def usage(self) -> dict:
        """The report's usage line: {requests, input, output, cost, cached, failed, model}."""
        return {"requests": self.requests, "input": self.input_tokens, "output": self.output_tokens,
                "cost": "n/a" if self.cost is None else f"${self.cost:.4f}", "cached": self.cached,
                "failed": self.failed, "model": self.model}


def reason_lines(assessment) -> list[str]:
    """The heuristic's reasons as short lines for the prompt: ``"size +120/-30 (+19)"``."""
    return [f"{r.code} {r.detail}".strip() + f" ({r.points:+.0f})" for r in assessment.reasons]


def request_for(commit: Commit, assessment, diff, repo: str | None = None) -> AnalysisRequest:
    """The request for one scored commit: ``assessment`` is its heuristic.Assessment; ``diff`` the
    source's ``diff(commit)`` text, or a no-argument callable returning it (read only on a cache
    miss, in the worker thread), or None."""
    return AnalysisRequest(repo=repo or commit.repo, commit=commit, level=assessment.level,
                           reasons=tuple(reason_lines(assessment)), diff=diff)


# ----------------------------------------------------------------------------------------------
# Client, model, availability


def resolve_model(cfg: LLMConfig) -> str:
    return cfg.model or os.environ.get("OPENAI_MODEL") or DEFAULT_MODEL


def llm_available(cfg: LLMConfig) -> tuple[bool, str]:
    """Whether an analysis can run, and why not (or which model it will use)."""
    if not cfg.enabled:
        return False, "LLM analysis is disabled in the config"
    if not os.environ.get("OPENAI_API_KEY"):
        return False, "OPENAI_API_KEY is not set"
    return True, f"model {resolve_model(cfg)}"


def make_client(cfg: LLMConfig):
    """An ``openai.OpenAI`` client from the environment (the key never leaves it but for the header)."""
    import openai

    return openai.OpenAI(api_key=os.environ["OPENAI_API_KEY"], base_url=os.environ.get("OPENAI_BASE_URL"),
                         timeout=cfg.timeout, max_retries=cfg.max_retries)


@dataclass
class _EndpointState:
    """What this endpoint accepts, learned from earlier requests."""

    mode_index: int = 0
    token_param: str = "max_tokens"
    lock: threading.Lock = field(default_factory=threading.Lock)

    def demote(self, index: int) -> None:
        with self.lock:
            if self.mode_index <= index < len(MODES) - 1:
                self.mode_index = index + 1


_STATES: dict[tuple[str, str], _EndpointState] = {}
_STATES_LOCK = threading.Lock()


def endpoint_state(base_url: str, model: str) -> _EndpointState:
    """The remembered modes of (base URL, model), shared by every client of that endpoint."""
    with _STATES_LOCK:
        return _STATES.setdefault((base_url.rstrip("/"), model), _EndpointState())


# ----------------------------------------------------------------------------------------------
# Answers


def _one_line(text: str, secret: str | None = None, limit: int = 200) -> str:
    text = " ".join(str(text).split())
    if secret:
        text = text.replace(secret, "***")
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _status_error(exc) -> str:
    """``HTTP 429: <the server's message>`` from an ``openai.APIStatusError``."""
    body = getattr(exc, "body", None)
    message = None
    if isinstance(body, dict):
        inner = body.get("error") if isinstance(body.get("error"), dict) else body
        message = inner.get("message") if isinstance(inner, dict) else None
    if not message:
        message = str(getattr(exc, "message", "") or exc)
        message = message.split(" - ", 1)[1] if message.startswith("Error code:") and " - " in message else message
    return f"HTTP {exc.status_code}: {message}"


@dataclass
class _Answer:
    content: str | None
    finish_reason: str | None
    parsed: LowAnalysis | None
    tokens_in: int
    tokens_out: int


def _usage(body: dict, messages: list[dict], content: str | None) -> tuple[int, int]:
    usage = body.get("usage") or {}
    tin, tout = usage.get("prompt_tokens"), usage.get("completion_tokens")
    if tin is None:
        tin = sum(estimate_tokens(m["content"]) for m in messages)
    if tout is None:
        tout = estimate_tokens(content or "")
    return int(tin), int(tout)


class _Rejected(Exception):
    """The server refused the request's shape (400/422)."""

    def __init__(self, message: str, schema_related: bool, token_param: bool):
        super().__init__(message)
        self.schema_related = schema_related
        self.token_param = token_param


class _Analyzer:
    """One endpoint and model: sends the requests of one run, and learns what the endpoint accepts."""

    def __init__(self, client, model: str, cfg: LLMConfig, lang: str):
        self.client = client
        self.model = model
        self.cfg = cfg
        self.lang = lang
        self.state = endpoint_state(str(client.base_url), model)
        self.secret = os.environ.get("OPENAI_API_KEY") or None

    def _call(self, mode: str, messages: list[dict], model_cls, max_tokens: int, token_param: str) -> _Answer:
        import openai

        kwargs = {"model": self.model, "messages": messages, token_param: max_tokens}
        try:
            if mode == "json_schema":
                raw = self.client.chat.completions.with_raw_response.parse(response_format=model_cls, **kwargs)
            elif mode == "json_object":
                raw = self.client.chat.completions.with_raw_response.create(
                    response_format={"type": "json_object"}, **kwargs)
            else:
                raw = self.client.chat.completions.with_raw_response.create(**kwargs)
        except (openai.BadRequestError, openai.UnprocessableEntityError) as exc:
            text = str(exc).lower()
            about_tokens = "max_tokens" in text and "max_completion_tokens" in text
            raise _Rejected(_one_line(_status_error(exc), self.secret),
                            schema_related=any(w in text for w in _SCHEMA_ERROR_WORDS),
                            token_param=about_tokens) from None
        body = raw.http_response.json()
        choice = (body.get("choices") or [{}])[0]
        message = choice.get("message") or {}
        content = message.get("content")
        finish = choice.get("finish_reason")
        parsed = None
        if mode == "json_schema" and finish != "length":
            try:
                completion = raw.parse()
                candidate = completion.choices[0].message.parsed
                parsed = candidate if isinstance(candidate, model_cls) else None
            except Exception:  # noqa: BLE001 - prose, bad JSON, missing fields: validated below
                parsed = None
        tin, tout = _usage(body, messages, content)
        return _Answer(content=content, finish_reason=finish, parsed=parsed, tokens_in=tin, tokens_out=tout)

    def analyze(self, req: AnalysisRequest) -> CommitAnalysis:
        import openai

        c = req.commit
        level = req.level if req.level in _RANK else "medium"
        model_cls = schema_for(level)
        result = CommitAnalysis(sha=c.sha, status="failed")
        budget = self.cfg.diff_token_budget
        max_tokens = MAX_TOKENS[level]
        grown = False
        shrinks = 0
        invalid_left = INVALID_RETRIES
        mode_index = self.state.mode_index
        note: str | None = None
        budgeted = None
        budgeted_for = None
        error = "no answer"
        token_switched = False
        diff_text = req.diff
        if callable(diff_text):
            try:
                diff_text = diff_text()
            except Exception as exc:  # noqa: BLE001 - analyse without the diff, and say so (coverage 0)
                log.debug("diff of %s unavailable: %s", c.sha[:12], type(exc).__name__)
                diff_text = None
        diff_text = diff_text or ""
        for _attempt in range(MAX_ATTEMPTS):
            mode_index = max(mode_index, self.state.mode_index)
            mode = MODES[mode_index]
            if budgeted_for != budget:
                budgeted = budget_diff(diff_text, budget)
                budgeted_for = budget
            schema = json.dumps(model_cls.model_json_schema(), ensure_ascii=False) if mode == "text" else None
            system, user = render_prompt(req, self.lang, budgeted, schema)
            messages = [{"role": "system", "content": system}, {"role": "user", "content": user}]
            if note:
                messages.append({"role": "user", "content": note})
            sent_param = self.state.token_param
            try:
                answer = self._call(mode, messages, model_cls, max_tokens, sent_param)
            except _Rejected as exc:
                result.requests += 1
                error = str(exc)
                if exc.token_param and not token_switched:  # e.g. "use max_completion_tokens instead"
                    token_switched = True
                    with self.state.lock:
                        self.state.token_param = ("max_completion_tokens" if sent_param == "max_tokens"
                                                  else "max_tokens")
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
                error = _one_line(_status_error(exc), self.secret)
                break
            except openai.APIConnectionError as exc:
                result.requests += 1
                error = _one_line(f"connection error: {exc}", self.secret)
                break
            result.requests += 1
            result.tokens_in += answer.tokens_in
            result.tokens_out += answer.tokens_out
            if answer.finish_reason == "length":
                error = "answer truncated (finish_reason=length)"
                if not grown:
                    max_tokens, grown = max_tokens * 2, True
                    continue
                if shrinks < BUDGET_SHRINKS and budget > 0:
                    budget, shrinks = budget // 2, shrinks + 1
                    continue
                error = f"answer truncated (finish_reason=length) even with max_tokens={max_tokens}, diff budget={budget}"
                break
            if answer.content is None and answer.parsed is None:
                error = "empty answer (refusal or no content)"
            analysis = answer.parsed
            if analysis is None and answer.content is not None:
                data = extract_json(answer.content)
                if mode != "text" and data is not None and not _is_pure_json(answer.content):
                    self.state.demote(mode_index)  # prose around the JSON: the server ignores the format
                if data is None:
                    error = "answer is not JSON"
                else:
                    try:
                        analysis = validate_analysis(data, level)
                    except ValidationError as exc:
                        first = exc.errors()[0]
                        loc = ".".join(str(p) for p in first["loc"]) or "answer"
                        error = _one_line(f"invalid answer: {loc}: {first['msg']}", self.secret)
            if analysis is None:
                if invalid_left <= 0:
                    break
                invalid_left -= 1
                note = ({"en": "Your previous answer was rejected ({error}). Answer again with the complete JSON "
                               "object only.",
                         "zh": "你上一次的回答未通过校验（{error}）。请重新回答，只输出完整的 JSON 对象。"}[self.lang]
                        .format(error=error))
                continue
            coverage = budgeted.coverage if budgeted else 0.0
            if not diff_text.strip() and (c.added_lines + c.deleted_lines) > 0:
                coverage = 0.0
            result.status = "ok"
            result.error = None
            result.mode = mode
            result.coverage = coverage
            result.left_out = [{"path": f.path, "reason": f.reason, "lines": f.lines, "seen": f.seen}
                               for f in (budgeted.left_out if budgeted else ())]
            result.analysis = to_entry_dict(analysis, coverage_text(budgeted, self.lang, coverage))
            result.llm_level = analysis.importance
            result.llm_reason = analysis.importance_reason
            return result
        result.error = _one_line(error, self.secret)
        return result


# ----------------------------------------------------------------------------------------------
# The run


def cache_key(repo: str, sha: str, model: str, lang: str) -> str:
    return json.dumps([repo, sha, model, PROMPT_VERSION, lang], ensure_ascii=False)


def _from_cache(value: dict, sha: str, level: str) -> CommitAnalysis | None:
    try:
        if _RANK.get(value.get("detail_level"), -1) < _RANK.get(level, 1):
            return None  # written with less detail than this commit now needs
        return CommitAnalysis(sha=sha, status="cached", analysis=value["analysis"], coverage=value.get("coverage"),
                              llm_level=value.get("llm_level"), llm_reason=value.get("llm_reason"),
                              mode=value.get("mode"), left_out=list(value.get("left_out") or []))
    except (KeyError, TypeError, AttributeError):
        return None


def _to_cache(result: CommitAnalysis, level: str) -> dict:
    return {"detail_level": result.analysis.get("detail_level", level), "analysis": result.analysis,
            "coverage": result.coverage, "llm_level": result.llm_level, "llm_reason": result.llm_reason,
            "mode": result.mode, "left_out": result.left_out, "tokens_in": result.tokens_in,
            "tokens_out": result.tokens_out, "prompt_version": PROMPT_VERSION}


def analyze_commits(items: list[AnalysisRequest], cfg: LLMConfig, lang: str, cache: Cache | None,
                    progress: bool = True, client=None) -> AnalysisRun:
    """Analyse ``items`` concurrently (``cfg.concurrency``); cached ones send no request.

    ``client`` (an ``openai.OpenAI``) is made from the environment when not given. Raises only
    for a run that cannot start (no ``OPENAI_API_KEY``); a commit that fails gets status "failed".
    """
    if lang not in ("zh", "en"):
        raise ValueError(f"unknown language {lang!r}")
    model = resolve_model(cfg)
    run = AnalysisRun(model=model)
    started = time.monotonic()
    pending: list[AnalysisRequest] = []
    keys = {req.commit.sha: cache_key(req.repo, req.commit.sha, model, lang) for req in items}
    stored = cache.get_many(CACHE_TABLE, list(keys.values())) if cache is not None else {}
    for req in items:
        hit = stored.get(keys[req.commit.sha])
        result = _from_cache(hit, req.commit.sha, req.level) if isinstance(hit, dict) else None
        if result is not None:
            run.results[req.commit.sha] = result
            run.cached += 1
        else:
            pending.append(req)
    if pending:
        if client is None:
            available, why = llm_available(cfg)
            if not available:
                raise UserError(f"cannot run the LLM analysis: {why}")
            client = make_client(cfg)
        analyzer = _Analyzer(client, model, cfg, lang)

        def work(req: AnalysisRequest) -> CommitAnalysis:
            try:
                return analyzer.analyze(req)
            except Exception as exc:  # noqa: BLE001 - one commit never stops the run
                log.debug("analysis of %s failed", req.commit.sha[:12], exc_info=True)
                return CommitAnalysis(sha=req.commit.sha, status="failed",
                                      error=_one_line(f"{type(exc).__name__}: {exc}", analyzer.secret))

        from tqdm import tqdm

        bar = tqdm(total=len(pending), desc="LLM analysis", unit="commit", disable=not progress, file=sys.stderr,
                   leave=False)
        try:
            with ThreadPoolExecutor(max_workers=max(1, min(cfg.concurrency, len(pending)))) as pool:
                futures = {pool.submit(work, req): req for req in pending}
                for future in as_completed(futures):
                    req = futures[future]
                    result = future.result()
                    run.results[req.commit.sha] = result
                    if result.status == "ok" and cache is not None:
                        cache.put(CACHE_TABLE, keys[req.commit.sha], _to_cache(result, req.level))
                    bar.update(1)
        finally:
            bar.close()
    for result in run.results.values():
        run.requests += result.requests
        run.input_tokens += result.tokens_in
        run.output_tokens += result.tokens_out
        run.failed += result.status == "failed"
    price = (cfg.prices or {}).get(model)
    if price and "input" in price and "output" in price:
        run.cost = run.input_tokens / 1e6 * price["input"] + run.output_tokens / 1e6 * price["output"]
    run.seconds = time.monotonic() - started
    # keep the caller's order
    run.results = {req.commit.sha: run.results[req.commit.sha] for req in items if req.commit.sha in run.results}
    return run


def cached_analyses(items: list[AnalysisRequest], cfg: LLMConfig, lang: str,
                    cache: Cache | None) -> tuple[AnalysisRun, list[AnalysisRequest]]:
    """The analyses ``cache`` already holds for ``items`` (no client is made, no request sent), and the
    items it lacks: :func:`analyze_commits` would send at least one request for each of those."""
    run = AnalysisRun(model=resolve_model(cfg))
    keys = {req.commit.sha: cache_key(req.repo, req.commit.sha, run.model, lang) for req in items}
    stored = cache.get_many(CACHE_TABLE, list(keys.values())) if cache is not None else {}
    pending = []
    for req in items:
        hit = stored.get(keys[req.commit.sha])
        result = _from_cache(hit, req.commit.sha, req.level) if isinstance(hit, dict) else None
        if result is None:
            pending.append(req)
        else:
            run.results[req.commit.sha] = result
            run.cached += 1
    return run, pending
