"""The lines at the top of a report that say what it lacks: no model analysis, gaps in a clone, gaps
in the pull-request context."""

from __future__ import annotations

from collections.abc import Mapping

from ..config import Settings
from ..i18n import strings


def heuristic_note(settings: Settings) -> str | None:
    """One line saying the report has no LLM analysis, and why; None when one will run."""
    from ..analysis.endpoint import llm_available  # openai itself is imported only when a client is made

    if llm_available(settings.llm)[0]:
        return None
    words = strings(settings.lang)
    why = words["llm_disabled"] if not settings.llm.enabled else words["no_key"]
    return words["heuristic_only"].format(why=why)


def gap_notes(read, sources: Mapping[str, object], lang: str) -> list[str]:
    """One line per repository and kind of gap in what its clone could give (Commit.incomplete)."""
    counts: dict[tuple[str, str], int] = {}
    for commit, _ in read:
        if commit.incomplete:
            counts[(commit.repo, commit.incomplete)] = counts.get((commit.repo, commit.incomplete), 0) + 1
    words = strings(lang)
    return [
        words[f"gap_note_{kind}"].format(repo=repo, count=count, path=getattr(sources[repo], "path", repo))
        for (repo, kind), count in counts.items()
    ]


def pull_request_notes(lookup, repo: str, lang: str) -> list[str]:
    """One line per kind of gap in the pull-request context of ``repo``."""
    wording = strings(lang)["pr_notes"]
    return [wording[gap.reason].format(repo=repo, count=len(gap.shas), detail=gap.detail) for gap in lookup.gaps]
