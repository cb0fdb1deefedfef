"""The model's wording of a rollup (a week, a month): one request per repository, never one per commit.

What the rollup shows is picked and counted by the data (:mod:`repodigest.report.rollup`); the model
only words a repository's headline and its thread lines, from the facts of :func:`rollup_facts`: the
period's and the previous period's counts, the areas, the threads with their commits' titles and the
cached per-commit analyses, the 🔴 commits and the fixes and reverts, never a diff. The approach is the
overview's (:mod:`.overview_wording`):

- **One request** per repository, the overview's (:func:`.overview_wording.ask_wording`: the client
  machinery of :mod:`.client`, rate limits waited on within the run's patience), answer schema
  :class:`RollupAnswer`.
- **Cached** in the overview's cache table by (the facts' hash, model, ``PROMPT_VERSION``,
  ``ROLLUP_VERSION``, language): a warm re-run sends no request.
- **No number the data does not hold**: every number in the headline and in each line must appear as a
  number in the facts (:func:`.overview_wording.unsupported_numbers`); what fails keeps the data's
  wording (:attr:`OverviewWording.rejected` says which and why).
- **Never fatal**: a failed request leaves the data's wording, which then says so.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from pydantic import Field

from ..cache import Cache
from ..config import LLMConfig
from .endpoint import resolve_model
from .overview_wording import (
    HighlightLine,
    OverviewWording,
    ask_wording,
    checked_wording,
    facts_digest,
    wording_messages,
)
from .prompt import PROMPT_VERSION
from .schema import Line, Shape

ROLLUP_VERSION = "2026-12-01.1"  # bump when rollup*.j2, RollupAnswer or rollup_facts change
THREAD_COMMITS = 8  # commits of a thread whose titles and analyses the model is given
MAX_HIGH = 30  # 🔴 commits the model is given (the report lists every one)


class RollupAnswer(Shape):
    """What the model writes for a repository's rollup."""

    headline: Line = Field(description="one or two sentences: what the period amounted to")
    threads: list[HighlightLine] = Field(description="one line per thread of the data, same ids, same order")


def _analysis(analysis: Mapping | None) -> dict | None:
    if not analysis:
        return None
    return {
        "change_type": analysis.get("change_type"),
        "importance_reason": analysis.get("importance_reason"),
        "summary": list(analysis.get("summary") or [])[:2],
    }


def rollup_facts(repo: Mapping, period: str, days: list[str], analyses: Mapping[str, Mapping]) -> dict:
    """What the model is given for one repository: ``repo`` is one of ``Rollup.to_dict()["repos"]``,
    ``analyses`` sha -> analysis."""
    now, before = repo["current"], repo["previous"]
    return {
        "kind": period,
        "repository": repo["repo"],
        "period": f"{days[0]} .. {days[-1]}",
        "previous_period": f"{before['first']} .. {before['last']}",
        "commits": now["commits"],
        "previous_commits": before["commits"],
        "contributors": now["contributors"],
        "previous_contributors": before["contributors"],
        "levels": now["levels"],
        "previous_levels": before["levels"],
        "data_headline": repo["data_headline"],
        "areas": [
            {"area": a["area"], "commits": a["commits"], "previous": a["previous"], "grew": a["grew"], "new": a["new"]}
            for a in repo["areas"]
        ],
        "threads": [
            {
                "id": t["rank"],
                "kind": t["kind"],
                "key": t["key"],
                "days": t["days"],
                "commits": [
                    {
                        "title": c["commit"]["title"],
                        "day": c["day"],
                        "level": c["level"],
                        "analysis": _analysis(analyses.get(c["commit"]["sha"])),
                    }
                    for c in t["commits"][:THREAD_COMMITS]
                ],
                "more_commits": max(0, len(t["commits"]) - THREAD_COMMITS),
                "earlier_commits": t["earlier"],
            }
            for t in repo["threads"]
        ],
        "high": [
            {"title": r["commit"]["commit"]["title"], "day": r["commit"]["day"], "why": r["reason"]}
            for r in repo["red"][:MAX_HIGH]
        ],
        "repairs": [
            {
                "kind": x["kind"],
                "title": x["fix"]["commit"]["title"],
                "repaired": [y["commit"]["commit"]["title"] for y in x["repaired"]],
            }
            for x in repo["repairs"]
            if x["repaired"]
        ],
        "new_contributors": len(repo["people"]["new"]),
    }


def checked(answer: RollupAnswer, facts: Mapping) -> OverviewWording:
    """The answer's headline and thread lines that hold only numbers of ``facts``; the rest is left out."""
    return checked_wording(answer.headline, answer.threads, {t["id"] for t in facts["threads"]}, facts, "thread")


def cache_key(facts: Mapping, model: str, lang: str) -> str:
    return json.dumps([facts_digest(facts), model, PROMPT_VERSION, ROLLUP_VERSION, lang])


def word_rollup(
    facts: Mapping, cfg: LLMConfig, lang: str, cache: Cache | None = None, client=None, *, waited: float = 0.0
) -> OverviewWording:
    """The checked wording of ``facts`` (:func:`rollup_facts`): from the cache, else one request, which
    waits on rate limits for what is left of ``cfg.patience`` after the run's ``waited`` seconds.

    Never raises for the model's failures: the wording then has ``status == "failed"`` and ``error``."""
    return ask_wording(
        facts,
        RollupAnswer,
        lambda schema: wording_messages(
            facts, "rollup", lang, schema, {k: facts[k] for k in ("period", "kind", "repository")}
        ),
        checked,
        cache_key(facts, resolve_model(cfg), lang),
        cfg,
        lang,
        cache,
        client,
        waited=waited,
    )
