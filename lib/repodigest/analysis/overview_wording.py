"""The model's wording of the day at a glance: one request per report, never one per commit.

The overview (:mod:`repodigest.report.overview`) is picked and counted by the data; the model
only words its headline and its highlight lines, from the facts of :func:`overview_facts`: the
counts, themes and watch list, and for each highlight its commits' titles and the per-commit
analyses (type, importance reason, summary, risk titles), never a diff.

- **One request**, through the client machinery of :mod:`.client` (structured-output modes,
  retries of invalid answers, truncated answers asked again with more room), answer schema
  :class:`OverviewAnswer`.
- **Cached** in the cache table ``llm_overview`` by (the facts' hash, model, language), at
  ``PROMPT_VERSION`` and ``OVERVIEW_VERSION``: a warm re-run sends no request.
- **No number the data does not hold**: every number in the headline and in each line (digit runs,
  with their decimals, after NFKC) must appear as a number in the facts given to the model;
  a headline or a line that fails keeps the data's wording (:attr:`OverviewWording.rejected` says
  which and why). Numbers written in words (三, five) are not checked.
- **Never fatal**: a failed request leaves the data's overview, which then says so.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from pydantic import Field

from ..cache import Cache, Table
from ..config import LLMConfig
from .client import Analyzer
from .endpoint import error_line, make_client, resolve_model
from .prompt import PROMPT_VERSION, render_template
from .pushback import Pushback
from .records import AnalysisRun
from .run import set_cost
from .schema import Line, Shape

OVERVIEW_VERSION = "2026-11-26.1"  # bump when overview.*.j2 or OverviewAnswer changes
OVERVIEW_TABLE = Table("llm_overview", f"{PROMPT_VERSION}+{OVERVIEW_VERSION}")
MAX_TOKENS = 1200
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


class HighlightLine(Shape):
    id: int = Field(description="the id of the highlight in the data")
    line: Line = Field(description="one line: what the change does and why it matters")


class OverviewAnswer(Shape):
    """What the model writes for the overview."""

    headline: Line = Field(description="one sentence: what matters in the period")
    highlights: list[HighlightLine] = Field(description="one line per highlight of the data, same ids, same order")


@dataclass
class OverviewWording:
    """The model's wording after the checks, and what it cost."""

    headline: str | None = None  # None: use the data's
    lines: dict[int, str] = field(default_factory=dict)  # highlight rank -> line (the checked ones)
    status: str = "none"  # ok | cached | failed
    error: str | None = None  # one line, when the request failed
    rejected: list[str] = field(default_factory=list)  # "headline: 12" - what held a number the data does not
    requests: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    tokens_reasoning: int = 0
    waited: float = 0.0  # seconds paused on rate limits (HTTP 429)
    rate_limited: int = 0  # 429 answers

    def add_spent(self, other: OverviewWording) -> None:
        """Count what ``other`` cost (requests, tokens, waits, rejections) into this one, and its status
        unless it was answered from the cache."""
        self.requests += other.requests
        self.tokens_in += other.tokens_in
        self.tokens_out += other.tokens_out
        self.tokens_reasoning += other.tokens_reasoning
        self.waited += other.waited
        self.rate_limited += other.rate_limited
        self.rejected += other.rejected
        self.status = other.status if other.status != "cached" else self.status


def _analysis_facts(analysis: Mapping | None) -> dict | None:
    if not analysis:
        return None
    return {
        "change_type": analysis.get("change_type"),
        "detail": analysis.get("change_type_detail"),
        "importance_reason": analysis.get("importance_reason"),
        "summary": list(analysis.get("summary") or []),
        "risks": [r.get("title") for r in analysis.get("risks") or []],
    }


def overview_facts(overview: Mapping, analyses: Mapping[str, Mapping]) -> dict:
    """What the model is given: ``overview`` is ``Overview.to_dict()``, ``analyses`` sha -> analysis."""
    days = overview["days"]
    multi_repo = len(overview["repos"]) > 1
    return {
        "period": days[0] if len(days) == 1 else f"{days[0]} .. {days[-1]}",
        "days": len(days),
        "repositories": overview["repos"],
        "commits": overview["total"],
        "levels": overview["counts"],
        "data_headline": overview["data_headline"],
        "themes": [
            {
                **({"repo": t["repo"]} if multi_repo else {}),
                "area": t["area"],
                "commits": t["count"],
                "daily_average": None if t["daily_average"] is None else round(t["daily_average"], 1),
                "unusual": t["unusual"],
            }
            for t in overview["themes"]
        ],
        "watch": [
            {
                "kind": w["kind"],
                "title": w["commit"]["title"],
                **({"reverts": w["reverted"]["title"]} if w.get("reverted") else {}),
            }
            for w in overview["watch"]
        ],
        "also_landed": overview["also_landed"],
        "highlights": [
            {
                "id": h["rank"],
                "level": h["level"],
                "commits": [
                    {
                        **({"repo": c["repo"]} if multi_repo else {}),
                        "title": c["title"],
                        "analysis": _analysis_facts(analyses.get(c["sha"])),
                    }
                    for c in h["commits"]
                ],
            }
            for h in overview["highlights"]
        ],
    }


def _numbers(text: str) -> set[str]:
    out = set()
    for token in _NUMBER.findall(unicodedata.normalize("NFKC", text)):
        token = re.sub(r"(?<=\d),(?=\d{3}\b)", "", token)  # 1,234 is 1234
        if "." in token and re.fullmatch(r"\d+\.\d+", token):
            token = token.rstrip("0").rstrip(".")  # 5.0 is 5
        out.add(token)
    return out


def unsupported_numbers(text: str, facts_text: str) -> list[str]:
    """The numbers in ``text`` that do not appear in ``facts_text`` (empty when every one does)."""
    allowed = _numbers(facts_text)
    return sorted(n for n in _numbers(text) if n not in allowed)


def checked_wording(
    headline: str, lines: list[HighlightLine], ids: set[str], facts: Mapping, label: str
) -> OverviewWording:
    """The ``headline`` and the ``lines`` (of an id among ``ids``, first answer per id) that hold only
    numbers of ``facts``; the rest is left out, named in ``rejected`` with its ``label``."""
    text = json.dumps(facts, ensure_ascii=False)
    wording = OverviewWording()
    bad = unsupported_numbers(headline, text)
    if bad:
        wording.rejected.append(f"headline: {', '.join(bad)}")
    else:
        wording.headline = headline
    for item in lines:
        if item.id not in ids or item.id in wording.lines:
            continue
        bad = unsupported_numbers(item.line, text)
        if bad:
            wording.rejected.append(f"{label} {item.id}: {', '.join(bad)}")
        else:
            wording.lines[item.id] = item.line
    return wording


def checked(answer: OverviewAnswer, facts: Mapping) -> OverviewWording:
    """The answer's headline and lines that hold only numbers of ``facts``; the rest is left out."""
    return checked_wording(
        answer.headline, answer.highlights, {h["id"] for h in facts["highlights"]}, facts, "highlight"
    )


def wording_messages(facts: Mapping, template: str, lang: str, schema: str | None, context: Mapping) -> list[dict]:
    """The system and user messages of ``template`` (``<template>_system.<lang>.j2`` and
    ``<template>.<lang>.j2``, given ``context`` besides), the facts fenced by a nonce that untrusted text
    cannot fake."""
    text = json.dumps(facts, ensure_ascii=False, indent=1)
    nonce = hashlib.sha256(text.encode()).hexdigest()[:16]
    text = text.replace("<<<", "<< <")  # untrusted text cannot fake the markers
    system = render_template(f"{template}_system.{lang}.j2")
    user = render_template(f"{template}.{lang}.j2", facts=text, nonce=nonce, schema=schema, **context)
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def facts_digest(facts: Mapping) -> str:
    """The facts' hash, the part of a wording's cache key that changes with the data."""
    return hashlib.sha256(json.dumps(facts, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def cache_key(facts: Mapping, model: str, lang: str) -> str:
    return json.dumps([facts_digest(facts), model, lang])


def word_overview(
    facts: Mapping, cfg: LLMConfig, lang: str, cache: Cache | None = None, client=None, *, waited: float = 0.0
) -> OverviewWording:
    """The checked wording of ``facts`` (:func:`overview_facts`): from the cache, else one request, which
    waits on rate limits for what is left of ``cfg.patience`` after the run's ``waited`` seconds.

    Never raises for the model's failures: the wording then has ``status == "failed"`` and ``error``."""
    return ask_wording(
        facts,
        OverviewAnswer,
        lambda schema: wording_messages(facts, "overview", lang, schema, {"period": facts["period"]}),
        checked,
        cache_key(facts, resolve_model(cfg), lang),
        cfg,
        lang,
        cache,
        client,
        waited=waited,
    )


def ask_wording(
    facts: Mapping,
    answer: type[Shape],
    messages_for: Callable[[str | None], list[dict]],
    check: Callable,
    key: str,
    cfg: LLMConfig,
    lang: str,
    cache: Cache | None = None,
    client=None,
    *,
    waited: float = 0.0,
) -> OverviewWording:
    """One wording request, the overview's and the rollup's: ``check(answer, facts)`` of the ``answer`` cached
    under ``key`` (table ``OVERVIEW_TABLE``), else of one request with the messages ``messages_for(schema)``,
    waiting on rate limits for what is left of ``cfg.patience`` after ``waited`` seconds.

    Never raises for the model's failures: the wording then has ``status == "failed"`` and ``error``."""
    stored = cache.get(OVERVIEW_TABLE, key) if cache is not None else None
    if isinstance(stored, dict):
        try:
            wording = check(answer.model_validate(stored), facts)
            wording.status = "cached"
            return wording
        except ValueError:
            pass  # an unreadable entry is asked again
    spent = OverviewWording(status="failed")
    pushback = Pushback(1, cfg.patience - waited)
    made = None
    try:
        if client is None:
            client = made = make_client(cfg, pushback=pushback)
        analyzer = Analyzer(client, resolve_model(cfg), cfg, lang, pushback=pushback)
        outcome = analyzer.ask(
            lambda schema, _budget: messages_for(schema), answer, answer.model_validate, MAX_TOKENS, 0, spent
        )
    except Exception as exc:  # noqa: BLE001 - the data's wording stands
        spent.error = error_line(f"{type(exc).__name__}: {exc}", os.environ.get("OPENAI_API_KEY"), 160)
        return spent
    finally:
        spent.waited, spent.rate_limited = pushback.waited, pushback.pushed
        if made is not None:
            made.close()
    if outcome.value is None:
        spent.error = outcome.error
        return spent
    if cache is not None:
        cache.put(OVERVIEW_TABLE, key, outcome.value.model_dump())
    wording = check(outcome.value, facts)
    wording.status, wording.requests = "ok", spent.requests
    wording.tokens_in, wording.tokens_out, wording.tokens_reasoning = (
        spent.tokens_in,
        spent.tokens_out,
        spent.tokens_reasoning,
    )
    wording.waited, wording.rate_limited = spent.waited, spent.rate_limited
    return wording


def add_usage(run: AnalysisRun, wording: OverviewWording, cfg: LLMConfig) -> dict:
    """The report's usage with the overview's request added to the run's totals (and cost)."""
    run.requests += wording.requests
    run.input_tokens += wording.tokens_in
    run.output_tokens += wording.tokens_out
    run.reasoning_tokens += wording.tokens_reasoning
    run.waited += wording.waited
    run.rate_limited += wording.rate_limited
    set_cost(run, cfg)
    usage = run.usage()
    usage["overview"] = {
        "status": wording.status,
        "requests": wording.requests,
        "input": wording.tokens_in,
        "output": wording.tokens_out,
        "rejected": list(wording.rejected),
    }
    return usage
