"""A realistic week (2026-02-16 to 2026-02-22, Asia/Shanghai) and the week before it, for the rollups: the
realistic day's commits (tests/realistic_day.py) spread over the week, a ``[1/N] [2/N] [3/N]`` series across
three days, a change of the week before that the week reverts, one that a fix of the week repairs (its
lines are the ones the fix changes), and one setup commit; with the model answers recorded for every
commit, so that each day can be reported against the recorded server.

``fixtures/realistic_week/week.json`` declares the moves and the extra commits; ``answers/{zh,en}/<id>.json``
the extra commits' answers (the realistic day's commits keep theirs); ``rollup/{zh,en}.json`` the model's
wording of the week's rollup (``period``: the period its facts name).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

from gitrepo import GitRepo
from realistic_day import commit_declared
from realistic_day import load_answers as day_answers
from realistic_day import load_commits as day_commits

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "realistic_week"
BASELINE_LINES = 12


@cache
def _week() -> dict:
    return json.loads((FIXTURE / "week.json").read_text(encoding="utf-8"))


def week_days() -> tuple[str, str]:
    """The week's first and last day."""
    first, last = _week()["week"]
    return first, last


def load_commits() -> list[dict]:
    """Every commit after the setup, in committer-date order: the realistic day's, moved, and the extra ones."""
    week = _week()
    moved = []
    for c in day_commits():
        at = datetime.fromisoformat(c["committed"]) + timedelta(days=week["moved"][c["id"]])
        moved.append({**c, "committed": at.isoformat()})
    return sorted(moved + week["extra"], key=lambda c: datetime.fromisoformat(c["committed"]))


def load_answers(lang: str) -> dict[str, dict]:
    """Commit title -> recorded answer in ``lang``, for every commit of the fixture (setup included)."""
    week = _week()
    folder = FIXTURE / "answers" / lang
    extra = {c["id"]: c["title"] for c in [week["setup"], *week["extra"]]}
    recorded = {extra[p.stem]: json.loads(p.read_text(encoding="utf-8"))["answer"] for p in folder.glob("*.json")}
    return {**day_answers(lang), **recorded}


def load_rollups(lang: str) -> dict[str, dict]:
    """The recorded wording of the week's rollup in ``lang``, by the period the model is given:
    ``OpenAIServer(rollups=...)``."""
    recorded = json.loads((FIXTURE / "rollup" / f"{lang}.json").read_text(encoding="utf-8"))
    return {recorded["period"]: recorded["answer"]}


def _setup_sizes(commits: list[dict]) -> dict[str, int]:
    """Lines each file the setup creates needs, so that every declared deletion has lines to delete."""
    sizes: dict[str, int] = {}
    created: set[str] = set()
    for c in commits:
        origin_of = {new: old for old, new in (c.get("rename") or {}).items()}
        for path, counts in c["files"].items():
            origin = origin_of.get(path, path)
            if counts.get("new") or origin in created:
                created.add(path)
            else:
                sizes[origin] = sizes.get(origin, BASELINE_LINES) + counts["deleted"]
    return sizes


def build_realistic_week(path: Path) -> GitRepo:
    """Build the fixture in a new repository at ``path``; ``repo.shas`` maps commit id -> sha.

    Each commit deletes the first ``deleted`` lines of a file and appends ``added`` new ones (``head``:
    puts them first, so that a later commit deleting the first lines changes this commit's lines)."""
    week = _week()
    commits = load_commits()
    repo = GitRepo(path)
    content: dict[str, list[str]] = {}
    serial = 0

    def fresh(name: str, count: int) -> list[str]:  # code, not comments: SZZ blames code lines only
        nonlocal serial
        serial += count
        return [f"line_{i} = {i}" for i in range(serial - count, serial)]

    setup = week["setup"]
    content = {p: fresh(p, n) for p, n in sorted(_setup_sizes(commits).items())}
    repo.shas = {
        "setup": repo.commit(
            f"{setup['title']}\n\n{setup['body']}\n",
            setup["committed"],
            {p: _text(lines) for p, lines in content.items()},
            author=tuple(setup["author"]),
        )
    }
    repo.shas.update(commit_declared(repo, commits, content, fresh))
    return repo


def _text(lines: list[str]) -> str:
    return "".join(line + "\n" for line in lines)
