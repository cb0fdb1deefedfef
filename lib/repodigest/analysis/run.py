"""An analysis run: cached analyses first, the rest asked concurrently, totals and cost.

Cached by (repo, sha, model, lang) in the cache table ``llm_analysis`` at ``PROMPT_VERSION``; a warm
re-run sends no request. A cached analysis that holds less than the commit now needs (its level
rose since) is completed with one follow-up request, not redone.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from concurrent.futures import ThreadPoolExecutor, as_completed

from pydantic import ValidationError

from ..cache import Cache, Table
from ..config import LLMConfig
from ..errors import UserError
from .client import Analyzer, depth_needed
from .endpoint import error_line, llm_available, make_client, resolve_model
from .prompt import PROMPT_VERSION
from .pushback import Pushback
from .records import AnalysisRequest, AnalysisRun, CommitAnalysis
from .schema import Analysis

log = logging.getLogger(__name__)

CACHE_TABLE = Table("llm_analysis", PROMPT_VERSION)


def cache_key(repo: str, sha: str, model: str, lang: str) -> str:
    return json.dumps([repo, sha, model, lang], ensure_ascii=False)


def _from_cache(value: dict, sha: str) -> CommitAnalysis | None:
    """The cached result of commit ``sha`` (status "cached"), or None when there is none that reads."""
    try:
        return CommitAnalysis(
            sha=sha,
            status="cached",
            analysis=value["analysis"],
            coverage=value.get("coverage"),
            model_level=value.get("llm_level"),
            model_reason=value.get("llm_reason"),
            mode=value.get("mode"),
            left_out=list(value.get("left_out") or []),
        )
    except (KeyError, TypeError, AttributeError):
        return None


def _lacking(result: CommitAnalysis, req: AnalysisRequest) -> bool:
    """The cached analysis holds less than ``req``'s commit now needs (its level rose since)."""
    try:
        analysis = Analysis.model_validate(result.analysis)
    except ValidationError:
        return True
    return bool(analysis.missing(depth_needed(req.level, analysis.importance, req.score)))


def _to_cache(result: CommitAnalysis) -> dict:
    if result.analysis is None:
        raise ValueError("only an answered analysis is cached")
    return {
        "detail_level": result.analysis["detail_level"],
        "analysis": result.analysis,
        "coverage": result.coverage,
        "llm_level": result.model_level,
        "llm_reason": result.model_reason,
        "mode": result.mode,
        "left_out": result.left_out,
        "tokens_in": result.tokens_in,
        "tokens_out": result.tokens_out,
        "prompt_version": PROMPT_VERSION,
    }


def analyze_commits(
    items: list[AnalysisRequest],
    cfg: LLMConfig,
    lang: str,
    cache: Cache | None,
    progress: bool = True,
    client=None,
    prepared=None,
) -> AnalysisRun:
    """Analyse ``items`` concurrently (``cfg.concurrency``, fewer while the server pushes back, waiting
    at most ``cfg.patience`` seconds in all on rate limits); cached ones send no request.

        ``client`` (an ``openai.OpenAI``) is made from the environment when not given; ``prepared`` is
        what :func:`cached_analyses` already said of these items. Raises only for a run that cannot
        start (no ``OPENAI_API_KEY``); a commit that fails gets status "failed".
    """
    if lang not in ("zh", "en"):
        raise ValueError(f"unknown language {lang!r}")
    started = time.monotonic()
    run, pending = prepared or cached_analyses(items, cfg, lang, cache)
    model = run.model
    if pending:
        pushback = Pushback(cfg.concurrency, cfg.patience)
        made = client is None
        if client is None:
            available, why = llm_available(cfg)
            if not available:
                raise UserError(f"cannot run the LLM analysis: {why}")
            client = make_client(cfg, pushback=pushback)
        analyzer = Analyzer(client, model, cfg, lang, pushback=pushback)

        def work(req: AnalysisRequest, prior: CommitAnalysis | None) -> CommitAnalysis:
            try:
                return analyzer.analyze(req, prior)
            except Exception as exc:  # noqa: BLE001 - one commit never stops the run
                log.debug("analysis of %s failed", req.commit.sha[:12], exc_info=True)
                return CommitAnalysis(
                    sha=req.commit.sha,
                    status="failed",
                    error=error_line(f"{type(exc).__name__}: {exc}", analyzer.secret),
                )

        from tqdm import tqdm

        bar = tqdm(
            total=len(pending), desc="LLM analysis", unit="commit", disable=not progress, file=sys.stderr, leave=False
        )
        try:
            with ThreadPoolExecutor(max_workers=max(1, min(cfg.concurrency, len(pending)))) as pool:
                futures = {pool.submit(work, req, prior): req for req, prior in pending}
                for future in as_completed(futures):
                    req = futures[future]
                    result = future.result()
                    run.results[req.commit.sha] = result
                    if result.status == "ok" and cache is not None:
                        cache.put(CACHE_TABLE, cache_key(req.repo, req.commit.sha, model, lang), _to_cache(result))
                    bar.update(1)
        finally:
            bar.close()
            if made:
                client.close()  # its connections; a caller's client is the caller's
        run.waited, run.rate_limited = pushback.waited, pushback.pushed
    for result in run.results.values():
        run.requests += result.requests
        run.input_tokens += result.tokens_in
        run.output_tokens += result.tokens_out
        run.reasoning_tokens += result.tokens_reasoning
        run.failed += result.status == "failed"
        run.completions += result.completed
    set_cost(run, cfg)
    run.seconds = time.monotonic() - started
    # keep the caller's order
    run.results = {req.commit.sha: run.results[req.commit.sha] for req in items if req.commit.sha in run.results}
    return run


def set_cost(run: AnalysisRun, cfg: LLMConfig) -> None:
    """``run.cost`` from its tokens and ``cfg.prices[run.model]`` (USD per million tokens), when priced."""
    price = (cfg.prices or {}).get(run.model)
    if price and "input" in price and "output" in price:
        run.cost = run.input_tokens / 1e6 * price["input"] + run.output_tokens / 1e6 * price["output"]


def cached_analyses(
    items: list[AnalysisRequest], cfg: LLMConfig, lang: str, cache: Cache | None
) -> tuple[AnalysisRun, list[tuple[AnalysisRequest, CommitAnalysis | None]]]:
    """The analyses ``cache`` holds whole for ``items`` (no client is made, no request sent), and the
    items it lacks, each with the cached answer to complete when there is one (its level rose since):
    :func:`analyze_commits` sends at least one request for each of those."""
    run = AnalysisRun(model=resolve_model(cfg))
    keys = {req.commit.sha: cache_key(req.repo, req.commit.sha, run.model, lang) for req in items}
    stored = cache.get_many(CACHE_TABLE, list(keys.values())) if cache is not None else {}
    pending: list[tuple[AnalysisRequest, CommitAnalysis | None]] = []
    for req in items:
        hit = stored.get(keys[req.commit.sha])
        result = _from_cache(hit, req.commit.sha) if isinstance(hit, dict) else None
        if result is not None and not _lacking(result, req):
            run.results[req.commit.sha] = result
            run.cached += 1
        else:
            pending.append((req, result))
    return run, pending


def stored_analyses(
    repo: str, shas: list[str], cfg: LLMConfig, lang: str, cache: Cache | None
) -> dict[str, CommitAnalysis]:
    """The analyses ``cache`` holds for ``shas`` of ``repo`` with the configured model (status "cached"),
    at whatever depth they were written: what the reports of those commits' days showed. No request is
    sent and no key is needed."""
    if cache is None or not shas:
        return {}
    model = resolve_model(cfg)
    keys = {sha: cache_key(repo, sha, model, lang) for sha in shas}
    stored = cache.get_many(CACHE_TABLE, list(keys.values()))
    found = {sha: _from_cache(stored[key], sha) for sha, key in keys.items() if isinstance(stored.get(key), dict)}
    return {sha: result for sha, result in found.items() if result is not None}
