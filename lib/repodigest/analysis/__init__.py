"""LLM analysis of commits through the openai client: structured, budgeted, cached, never truncated.

One request per commit, against any OpenAI-compatible endpoint (``OPENAI_BASE_URL``), and a
second one when the entry must be deeper than the first answer:

- **Depth follows the final level**: the first answer holds the fields of the rules' level; when
  the final level (:mod:`repodigest.scoring.blend`) or the model's own importance is higher, one
  follow-up in the same conversation asks for the missing fields only (``completion_schema``).

- **Structured**: the answer is asked for with ``client.chat.completions.parse(response_format=<pydantic
  model of the commit's level>)``. Servers that reject ``json_schema`` (HTTP 400/422) or ignore it
  (prose around the JSON) are handled by a fallback chain: ``json_schema`` -> ``{"type": "json_object"}``
  -> plain text with the JSON schema in the prompt, taking the first JSON object out of the prose.
  A model that reasons first is answered by what follows its thought (``<think>...</think>``, or a
  ``reasoning_content`` field), never by a draft inside it (:mod:`.reasoning`).
  The mode that works is remembered per endpoint (base URL + model), so later requests skip the
  modes that failed. Every answer is validated with pydantic; an invalid one is asked again
  (``INVALID_RETRIES`` times).
- **Never truncated**: an answer with ``finish_reason == "length"`` is never used. It is asked again
  with twice the output tokens, then with half the diff budget (twice), then the commit fails.
- **Patient with rate limits**: a 429 pauses the whole run for the time the server names and halves
  the requests in flight; the pauses add up against ``cfg.patience`` (:mod:`.pushback`).
- **Budgeted**: the diff goes through :func:`repodigest.analysis.diff_budget.budget_diff`
  (``cfg.diff_token_budget`` tokens); the prompt says what was left out, and the result carries
  the coverage.
- **Cached**: by (repo, sha, model, lang) in the cache table ``llm_analysis`` at ``PROMPT_VERSION``;
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

Modules: :mod:`.records` (requests and results), :mod:`.client` (the client, endpoint modes, one
commit's requests), :mod:`.run` (the cached, concurrent run), :mod:`.prompt` and ``prompts/`` (the
texts sent), :mod:`.schema` (the answer's shape), :mod:`.diff_budget` (what of the diff fits),
:mod:`.reasoning` (the answer after a thought), :mod:`.pushback` (rate limits).

Names load on first use, each from its module (importing one, e.g. :mod:`.grounding`, loads no other).
"""

from ..lazy import lazy_exports

_LAZY = {
    "CACHE_TABLE": "run",
    "DEFAULT_MODEL": "endpoint",
    "PROMPT_VERSION": "prompt",
    "AnalysisRequest": "records",
    "AnalysisRun": "records",
    "CommitAnalysis": "records",
    "analyze_commits": "run",
    "cache_key": "run",
    "cached_analyses": "run",
    "llm_available": "endpoint",
    "make_client": "endpoint",
    "reason_lines": "records",
    "request_for": "records",
    "resolve_model": "endpoint",
    "stored_analyses": "run",
}
__all__ = list(_LAZY)

__getattr__ = lazy_exports(__name__, _LAZY, globals())
