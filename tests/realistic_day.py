"""A realistic report day (2026-02-16, Asia/Shanghai) of a busy ML-serving repository, and the
model answers recorded for it: the material the LLM path and the report are tested against.

``fixtures/realistic_day/commits.json`` declares each commit (title, body, author, committer date,
per-file added/deleted lines, removals, renames); :func:`build_realistic_day` turns it into a real
git repository whose ``--numstat`` counts equal the declared ones. ``answers/{zh,en}/<id>.json``
holds, per commit, ``{"answer": <what the model wrote>, "covers": [<what the case exercises>]}``, and
``overview/{zh,en}.json`` the model's wording of the day's overview (same shape).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from pathlib import Path

from gitrepo import GitRepo

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "realistic_day"
BASELINE_LINES = 12  # untouched lines kept in every pre-existing file, so no edit empties it by accident


@cache
def _day() -> dict:
    return json.loads((FIXTURE / "commits.json").read_text(encoding="utf-8"))


def load_commits() -> list[dict]:
    """The day's commits as declared in commits.json, in commit order."""
    return _day()["commits"]


def load_recordings(lang: str) -> dict[str, dict]:
    """Commit id -> ``{"answer": ..., "covers": [...]}`` for ``lang`` (zh or en)."""
    folder = FIXTURE / "answers" / lang
    if not folder.is_dir():
        raise ValueError(f"no recorded answers for language {lang!r}")
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))}


def load_answers(lang: str) -> dict[str, dict]:
    """Commit title -> the recorded answer object in ``lang``: what ``OpenAIServer(mode="recorded")`` serves."""
    by_id = load_recordings(lang)
    return {c["title"]: by_id[c["id"]]["answer"] for c in load_commits() if c["id"] in by_id}


def load_overview(lang: str) -> dict:
    """The recorded answer to the day's overview request in ``lang``: ``OpenAIServer(overview=...)``."""
    return json.loads((FIXTURE / "overview" / f"{lang}.json").read_text(encoding="utf-8"))["answer"]


def _setup_sizes(commits: list[dict]) -> dict[str, int]:
    """Lines each pre-existing file needs on the setup day so that every declared deletion has content."""
    sizes: dict[str, int] = {}
    created: set[str] = set()  # files a day commit creates
    for c in commits:
        origin_of = {new: old for old, new in (c.get("rename") or {}).items()}
        for path, counts in c["files"].items():
            origin = origin_of.get(path, path)
            if counts.get("new") or origin in created:
                created.add(path)
            else:
                base = 0 if path in (c.get("remove") or ()) else BASELINE_LINES
                sizes[origin] = sizes.get(origin, base) + counts["deleted"]
    return sizes


def build_realistic_day(path: Path) -> GitRepo:
    """Build the day in a new repository at ``path``; ``repo.day_shas`` maps commit id -> sha.

    Setup commits on ``setup_date`` (outside the report day, inside the default trend window)
    create the files the day edits; each day commit then deletes the first ``deleted`` lines of a
    file and appends ``added`` new ones. Every line is unique, so git counts exactly those.
    """
    day = _day()
    commits = day["commits"]
    repo = GitRepo(path)
    content: dict[str, list[str]] = {}
    serial = 0

    def fresh(name: str, count: int) -> list[str]:
        nonlocal serial
        serial += count
        return [f"# {name}: line {i}" for i in range(serial - count, serial)]

    setup = sorted(_setup_sizes(commits).items())
    for top in sorted({p.split("/", 1)[0] for p, _ in setup}):
        batch = {p: fresh(p, n) for p, n in setup if p.split("/", 1)[0] == top}
        content.update(batch)
        repo.commit(
            f"Import {top}/ as of the last release",
            day["setup_date"],
            {p: _text(lines) for p, lines in batch.items()},
            author=("Release Bot", "release@example.com"),
        )
    repo.day_shas = commit_declared(repo, commits, content, fresh)
    return repo


def commit_declared(
    repo: GitRepo, commits: list[dict], content: dict[str, list[str]], fresh: Callable[[str, int], list[str]]
) -> dict[str, str]:
    """Commit each declared commit over ``content`` (path -> its lines, kept up to date): renames, then per
    file its first ``deleted`` lines dropped and ``added`` new lines from ``fresh`` appended (put first
    with ``head``), then removals. Returns commit id -> sha; a count the files cannot hold is an error."""
    shas = {}
    for c in commits:
        for old, new in (c.get("rename") or {}).items():
            repo.git("mv", old, new)
            content[new] = content.pop(old)
        files = {}
        for name, counts in c["files"].items():
            if name in (c.get("remove") or ()):
                if len(content.get(name, ())) != counts["deleted"]:
                    raise ValueError(f"{c['id']}: {name} is removed, so deleted must be its {len(content[name])} lines")
                continue
            lines = content.get(name, [])
            if counts["deleted"] > len(lines):
                raise ValueError(f"{c['id']}: {name} has {len(lines)} lines, cannot delete {counts['deleted']}")
            added = fresh(name, counts["added"])
            kept = lines[counts["deleted"] :]
            content[name] = added + kept if counts.get("head") else kept + added
            files[name] = _text(content[name])
        for name in c.get("remove") or ():
            content.pop(name, None)
        message = c["title"] + (f"\n\n{c['body']}" if c.get("body") else "") + "\n"
        shas[c["id"]] = repo.commit(
            message, c["committed"], files, author=tuple(c["author"]), remove=tuple(c.get("remove") or ())
        )
    return shas


def _text(lines: list[str]) -> str:
    return "".join(line + "\n" for line in lines)


if __name__ == "__main__":  # what the library's rules say today: .venv/bin/python tests/realistic_day.py
    import os
    import tempfile

    import repodigest

    with tempfile.TemporaryDirectory() as tmp:
        os.environ.pop("OPENAI_API_KEY", None)  # the rules only: never a real model
        os.environ["REPODIGEST_CACHE_DIR"] = str(Path(tmp) / "cache")
        build_realistic_day(Path(tmp) / "repo")
        frame = repodigest.build_digest(
            date=_day()["day"], repos=[str(Path(tmp) / "repo")], tz=_day()["tz"], progress=False
        ).frame
        shown = frame[frame["in_report"]].set_index("title")
        for c in load_commits():
            row = shown.loc[c["title"]]
            print(f"{c['id']:26} {row['rules_level']:7} {row['score']:3}  {c['title'][:70]}")
