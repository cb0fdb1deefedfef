"""The rollup's context: the documented dict ``templates/rollup.md.j2`` places, built from a
:class:`~.rollup_data.Rollup`.

Strings stay raw (the template escapes them); a cited commit is ``{short_sha, anchor, url}`` as in
:mod:`.citations`: ``anchor`` is its 🔴 item's id when the rollup lists it there, else None and the
template links its page (``url``) or prints the short sha.

Shape::

    {lang, period, title, strings, notes: [str], usage: {...} | None, plan: str | None,
     charts: {anchor, markdown} | None, multi_repo, glance: {anchor, heading, compared, now, before},
     repos: [{name, anchor, headline, note, figures: [{label, now, before}],
              areas: [{area, commits, previous, flag}], more_areas: str,
              threads: [{rank, kind, key, area, line, days: [str], commits: [cited]}], threads_total, more_threads: str,
              red: [{anchor, commit: cited, area, reason, followed: [{kind, commit: cited}]}],
              repairs: [{kind, commit: cited, repaired: [{commit: cited, previous_red}]}] (those that repaired
              something), unmatched: [cited] (the fixes and reverts that repaired nothing found), repairs_total,
              people: {new: [str], history_days, active: [str], by_area: [str]}, track_record: str | None}]}

    cited = {short_sha, anchor, url, title, day, level (the level word, or "")}
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..i18n import strings
from ..levels import LEVELS
from .anchors import AnchorSet
from .citations import cite
from .context import track_record_line
from .rollup_data import Cited, RepoRollup, Rollup


def rollup_context(
    rollup: Rollup,
    *,
    notes: tuple[str, ...] | list[str] = (),
    usage: Mapping | None = None,
    plan: str | None = None,
    charts_markdown: str | None = None,
) -> dict:
    """The context of ``rollup`` (shape in the module docstring)."""
    words = strings(rollup.lang)
    w = words["rollup"]
    anchors = AnchorSet()
    kind = rollup.period
    glance_anchor = anchors.make("glance")
    repo_anchors = [anchors.make(r.repo, "repo") for r in rollup.repos]
    charts_anchor = anchors.make("charts")
    red_anchor = {
        red.commit.commit.sha: anchors.make(red.commit.commit.short_sha, "commit")
        for r in rollup.repos
        for red in r.red
    }
    first, last = rollup.days[0], rollup.days[-1]
    before = rollup.previous_days
    return {
        "lang": rollup.lang,
        "period": kind,
        "title": w[f"title_{kind}"].format(first=first, last=last, month=last[:7]),
        "strings": words,
        "notes": list(notes),
        "usage": dict(usage) if usage else None,
        "plan": plan,
        "charts": {"anchor": charts_anchor, "markdown": charts_markdown} if charts_markdown is not None else None,
        "multi_repo": len(rollup.repos) > 1,
        "glance": {
            "anchor": glance_anchor,
            "heading": w[f"glance_{kind}"],
            "compared": w[f"compared_{kind}"].format(first=before[0], last=before[-1]) if before else "",
            "now": w[f"now_{kind}"],
            "before": w[f"before_{kind}"],
        },
        "repos": [_repo(r, anchor, red_anchor, words) for r, anchor in zip(rollup.repos, repo_anchors)],
    }


def _cited(c: Cited, anchor_of: Mapping[str, str], words: Mapping) -> dict:
    return {
        **cite(c.commit.sha, anchor_of, c.commit.url),
        "title": c.commit.title,
        "day": c.day,
        "level": words[f"level_{c.level}"] if c.level else "",
    }


def _flag(area, w: Mapping) -> str:
    return w["new_area"] if area.new else w["grew"] if area.grew else ""


def _repo(r: RepoRollup, anchor: str, anchor_of: Mapping[str, str], words: Mapping) -> dict[str, Any]:
    w = words["rollup"]
    figures = [
        {"label": w["row_commits"], "now": r.current.commits, "before": r.previous.commits},
        {"label": w["row_contributors"], "now": r.current.contributors, "before": r.previous.contributors},
    ] + [
        {
            "label": words[f"level_{lvl.value}"],
            "now": r.current.levels[lvl.value],
            "before": r.previous.levels[lvl.value],
        }
        for lvl in LEVELS
    ]
    return {
        "name": r.repo,
        "anchor": anchor,
        "headline": r.headline,
        "note": r.note,
        "figures": figures,
        "areas": [{"area": a.area, "commits": a.commits, "previous": a.previous, "flag": _flag(a, w)} for a in r.areas],
        "more_areas": words["ov_more_themes"].format(count=r.more_areas) if r.more_areas else "",
        "threads": [
            {
                "rank": t.rank,
                "kind": w[f"kind_{t.kind}"],
                "key": t.key,
                "area": t.area,
                "line": t.line,
                "days": t.days,
                "commits": [_cited(c, anchor_of, words) for c in t.commits],
            }
            for t in r.threads
        ],
        "threads_total": len(r.threads) + r.more_threads,
        "more_threads": w["more_threads"].format(count=r.more_threads) if r.more_threads else "",
        "red": [
            {
                "anchor": anchor_of[red.commit.commit.sha],
                "commit": _cited(red.commit, anchor_of, words),
                "author": red.commit.author,
                "area": red.area,
                "reason": red.reason,
                "followed": [{"kind": f["kind"], "commit": _cited(f["by"], anchor_of, words)} for f in red.followed],
            }
            for red in r.red
        ],
        "repairs": [
            {
                "kind": x.kind,
                "commit": _cited(x.fix, anchor_of, words),
                "repaired": [
                    {"commit": _cited(y["commit"], anchor_of, words), "previous_red": y["previous_red"]}
                    for y in x.repaired
                ],
            }
            for x in r.repairs
            if x.repaired
        ],
        "unmatched": [_cited(x.fix, anchor_of, words) for x in r.repairs if not x.repaired],
        "repairs_total": len(r.repairs),
        "people": {
            "new": list(r.people.new),
            "history_days": r.people.history_days,
            "active": [w["person_count"].format(name=name, count=n) for name, n in r.people.active],
            "by_area": [
                w["area_people"].format(area=area, names=words["ov_sep"].join(names))
                for area, names in r.people.by_area
            ],
        },
        "track_record": track_record_line(r.track_record, words),
    }
