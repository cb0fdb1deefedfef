"""The model's claims checked for a run's commits: analysis.grounding over each commit's whole diff, its
repository at the commit (a clone's ``tree_lookup``; a source with patches only has none) and its message,
two git processes at once, cached by commit, model, prompt, language and the rules' version (a warm run
reads no diff)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor

from ..cache import Cache, Table
from ..models import Commit
from ..sources import CloneBacked
from .grounding import RULES_VERSION, ground_analysis
from .prompt import PROMPT_VERSION

TABLE = Table("llm_grounding", f"{PROMPT_VERSION}+{RULES_VERSION}")


def check_claims(
    analysed: Sequence[tuple[Commit, Mapping]],
    sources: Mapping,
    *,
    model: str,
    lang: str,
    cache: Cache | None,
    diffs: Mapping[str, str] | None = None,
) -> dict[str, dict]:
    """sha -> ``Grounding.as_record()`` of each (commit, its analysis); ``sources`` by repository name;
    ``diffs``: sha -> a diff already read (the analysis's), else the source reads it."""
    keys = {c.sha: json.dumps([c.repo, c.sha, model, lang]) for c, _ in analysed}
    stored = cache.get_many(TABLE, list(keys.values())) if cache is not None else {}
    records = {c.sha: stored[keys[c.sha]] for c, _ in analysed if keys[c.sha] in stored}

    def check(item) -> tuple[str, dict]:
        commit, analysis = item
        source = sources[commit.repo]
        pr = commit.pull_request
        message = "\n\n".join(t for t in (commit.message, pr and pr.title, pr and pr.body) if t)
        clone = isinstance(source, CloneBacked) and commit.incomplete is None
        tree = source.tree_lookup(commit.sha) if clone else None
        diff = diffs[commit.sha] if diffs and commit.sha in diffs else source.diff(commit)
        found = ground_analysis(
            analysis,
            diff,
            files=commit.files,
            message=message,
            tree_lookup=tree,
            check_numbers=not commit.files_truncated and commit.incomplete is None,
        )
        return commit.sha, found.as_record()

    missing = [item for item in analysed if item[0].sha not in records]
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="grounding") as pool:  # git processes, two at once
        for sha, record in pool.map(check, missing):
            records[sha] = record
            if cache is not None:
                cache.put(TABLE, keys[sha], record)
    return records
