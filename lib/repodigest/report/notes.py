"""The lines at the top of a report that say what it lacks: no model analysis, gaps in a clone, gaps
in the pull-request context."""

from __future__ import annotations

from collections.abc import Mapping

from ..config import Settings
from ..i18n import strings
from ..sources import CloneBacked


def heuristic_note(settings: Settings) -> str | None:
    """One line saying the report has no LLM analysis, and why; None when one will run."""
    from ..analysis.endpoint import llm_available  # openai itself is imported only when a client is made

    if llm_available(settings.llm)[0]:
        return None
    words = strings(settings.lang)
    why = words["llm_disabled"] if not settings.llm.enabled else words["no_key"]
    return words["heuristic_only"].format(why=why)


NAMED = 5  # commits named in a note; the rest are counted


def gap_notes(read, sources: Mapping[str, object], lang: str) -> list[str]:
    """One line per repository and kind of gap in what its clone could give (Commit.incomplete), and one
    per repository naming the commits whose time-zone offsets were clamped (Commit.clamped_offsets)."""
    counts: dict[tuple[str, str], int] = {}
    clamped: dict[str, dict[str, set[str]]] = {}  # repo -> short sha -> offsets as written
    for commit, _ in read:
        if commit.incomplete:
            counts[(commit.repo, commit.incomplete)] = counts.get((commit.repo, commit.incomplete), 0) + 1
        for one in (commit, *commit.merged):
            if one.clamped_offsets:
                clamped.setdefault(commit.repo, {}).setdefault(one.short_sha, set()).update(one.clamped_offsets)
    words = strings(lang)
    notes = [
        words[f"gap_note_{kind}"].format(repo=repo, count=count, path=_where(sources[repo], repo))
        for (repo, kind), count in counts.items()
    ]
    for repo, commits in clamped.items():
        shas = sorted(commits)
        named = ", ".join(shas[:NAMED]) + (
            words["landed_more"].format(count=len(shas) - NAMED) if len(shas) > NAMED else ""
        )
        offsets = ", ".join(sorted(set().union(*commits.values())))
        notes.append(words["offset_note"].format(repo=repo, commits=named, offsets=offsets))
    return notes


def _where(source: object, repo: str) -> str:
    """Where a gap can be mended: the clone's folder, else the repository's name."""
    return str(source.path) if isinstance(source, CloneBacked) else repo


def pull_request_notes(lookup, repo: str, lang: str) -> list[str]:
    """One line per kind of gap in the pull-request context of ``repo``."""
    wording = strings(lang)["pr_notes"]
    return [wording[gap.reason].format(repo=repo, count=len(gap.shas), detail=gap.detail) for gap in lookup.gaps]


def cut_short_notes(outcomes, repo: str, shas, days: float, lang: str, tz=None) -> list[str]:
    """What the point of observation of ``outcomes`` (evidence.label_outcomes) leaves unknown among the
    commits ``shas`` of ``repo``: those whose ``days`` of observation it cuts short (outcome open), and
    those not on the branch's line by then (no outcome); each named briefly, at most ``NAMED`` shas."""
    words = strings(lang)["outcome_notes"]
    wanted = list(dict.fromkeys(shas))
    observed = outcomes.observed
    point = (
        words["point"].format(when=observed.when.astimezone(tz).strftime("%Y-%m-%d %H:%M"), sha=observed.sha[:7])
        if observed is not None
        else words["no_point"]
    )
    kept = set(wanted)
    notes = []
    cut = [sha for sha in outcomes.cut_short() if sha in kept]
    if cut:
        notes.append(
            words["cut_short"].format(
                repo=repo, point=point, count=len(cut), total=len(wanted), days=f"{days:g}", shas=_named(cut, words)
            )
        )
    missing = [sha for sha in wanted if sha not in outcomes]
    if missing:
        notes.append(
            words["not_on_line"].format(repo=repo, point=point, count=len(missing), shas=_named(missing, words))
        )
    return notes


NAMED = 3  # shas a note names before it counts the rest


def _named(shas: list[str], words: Mapping) -> str:
    named = ", ".join(sha[:7] for sha in shas[:NAMED])
    return named if len(shas) <= NAMED else words["and_more"].format(named=named, count=len(shas) - NAMED)
