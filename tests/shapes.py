"""Repositories of each shape a history takes when work lands with merge commits (issue 20).

Each builder writes commits into a fresh :class:`gitrepo.GitRepo` and returns the shas a test asks
about by name; tests/test_merges.py reads them through a clone, tests/test_github_merges.py through
every source at once.
"""

from __future__ import annotations

import subprocess

MAINTAINER = ("Mia Maintainer", "mia@example.com")
ANN = ("Ann Author", "ann@example.com")
BOB = ("Bob Builder", "bob@example.com")
DEPENDABOT = ("dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com")


def lines(n: int, tag: str) -> str:
    return "".join(f"{tag} line {i}\n" for i in range(n))


def merge(repo, branch: str, message: str, when: str, author=MAINTAINER, *extra: str) -> str:
    """Merge ``branch`` (and ``extra`` branches: an octopus) into the current branch with a merge commit."""
    env = {
        "GIT_COMMITTER_DATE": when,
        "GIT_AUTHOR_DATE": when,
        "GIT_AUTHOR_NAME": author[0],
        "GIT_AUTHOR_EMAIL": author[1],
        "GIT_COMMITTER_NAME": author[0],
        "GIT_COMMITTER_EMAIL": author[1],
    }
    repo.git("merge", "-q", "--no-ff", "-m", message, branch, *extra, env=env)
    return repo.head()


def button(repo, written: tuple[str, str] = ("2026-02-16T09:00:00+08:00", "2026-02-16T09:30:00+08:00")) -> dict:
    """GitHub's merge button: a pull request's two commits by Ann (committed at ``written``), merged by the
    maintainer on 2026-02-16."""
    repo.commit("base", "2026-02-10T10:00:00+08:00", {"src/core/a.py": lines(5, "a")}, author=MAINTAINER)
    repo.git("checkout", "-q", "-b", "soft-deprecate")
    first = repo.commit("Deprecate the allocator", written[0], {"src/core/alloc.py": lines(30, "alloc")}, author=ANN)
    second = repo.commit("Add a note to the docs", written[1], {"docs/alloc.md": lines(4, "d")}, author=ANN)
    repo.git("checkout", "-q", "main")
    sha = merge(
        repo,
        "soft-deprecate",
        "Merge pull request #32334 from ann/soft-deprecate\n\n"
        "MAINT: soft-deprecate the allocator in favour of the raw API\n\nLonger description.",
        "2026-02-16T11:00:00+08:00",
    )
    return {"merge": sha, "first": first, "second": second}


def topics(repo) -> dict:
    """git.git style: the maintainer merges topic branches; every main-line commit is a merge.
    ``written``: lines each author wrote."""
    repo.commit("Initial import", "2026-02-01T10:00:00+08:00", {"core/engine.c": lines(10, "e")}, author=MAINTAINER)
    written = {MAINTAINER[0]: 0, ANN[0]: 0, BOB[0]: 0}
    plan = [
        ("ann/writev", ANN, [("core/io.c", 40)]),
        ("bob/cache", BOB, [("core/cache.c", 25), ("core/io.c", 5)]),
        ("mia/cleanup", MAINTAINER, [("core/engine.c", 12)]),
        ("ann/docs", ANN, [("docs/io.txt", 8)]),
    ]
    for k, (topic, who, changes) in enumerate(plan):
        repo.git("checkout", "-q", "-b", topic, "main")
        for i, (path, count) in enumerate(changes):
            previous = (repo.path / path).read_text() if (repo.path / path).exists() else ""
            repo.commit(
                f"{topic.split('/')[1]}: part {i + 1}",
                f"2026-02-16T0{k + 1}:{10 + i}:00+08:00",
                {path: previous + lines(count, f"{topic}{i}")},
                author=who,
            )
            written[who[0]] += count
        repo.git("checkout", "-q", "main")
        merge(repo, topic, f"Merge branch '{topic}'", f"2026-02-16T0{k + 1}:50:00+08:00")
    return {"written": written}


def bots(repo) -> dict:
    """A dependabot branch merged by the maintainer with the merge button."""
    repo.commit("base", "2026-02-15T10:00:00+08:00", {"requirements.txt": "a==1\n"}, author=MAINTAINER)
    repo.git("checkout", "-q", "-b", "dependabot/pip/a-2")
    bump = repo.commit(
        "Bump a from 1 to 2", "2026-02-16T08:00:00+08:00", {"requirements.txt": "a==2\n"}, author=DEPENDABOT
    )
    repo.git("checkout", "-q", "main")
    sha = merge(
        repo,
        "dependabot/pip/a-2",
        "Merge pull request #9 from o/dependabot/pip/a-2\n\nBump a from 1 to 2",
        "2026-02-16T09:00:00+08:00",
    )
    return {"merge": sha, "bump": bump}


def octopus_empty_nested_conflict(repo) -> dict:
    """On 2026-02-16: an octopus merge, an empty merge, a topic that merged a subtopic and main (a back-merge)
    before landing, and a merge whose conflict was resolved by hand."""
    repo.commit(
        "base", "2026-02-15T10:00:00+08:00", {"a.txt": lines(3, "a"), "conflict.txt": "base\n"}, author=MAINTAINER
    )
    # octopus: three branches at once
    for name, who in (("o1", ANN), ("o2", BOB), ("o3", ANN)):
        repo.git("checkout", "-q", "-b", name, "main")
        repo.commit(f"{name} work", "2026-02-16T08:00:00+08:00", {f"{name}.txt": lines(2, name)}, author=who)
    repo.git("checkout", "-q", "main")
    octopus = merge(
        repo, "o1", "Merge branches 'o1', 'o2' and 'o3'", "2026-02-16T09:00:00+08:00", MAINTAINER, "o2", "o3"
    )
    # empty: the other side holds nothing main does not have (git itself would not make it: plumbing does)
    env = {
        "GIT_COMMITTER_DATE": "2026-02-16T09:10:00+08:00",
        "GIT_AUTHOR_DATE": "2026-02-16T09:10:00+08:00",
        "GIT_AUTHOR_NAME": MAINTAINER[0],
        "GIT_AUTHOR_EMAIL": MAINTAINER[1],
    }
    empty = repo.git(
        "commit-tree", "HEAD^{tree}", "-p", "HEAD", "-p", "HEAD~1", "-m", "Merge branch 'already-in'", env=env
    ).strip()
    repo.git("update-ref", "refs/heads/main", empty)
    repo.git("reset", "-q", "--hard", "main")
    # nested: the topic merged a subtopic, and main into itself (a back-merge), before landing
    repo.git("checkout", "-q", "-b", "topic", "main")
    inner = repo.commit("topic: first", "2026-02-16T10:00:00+08:00", {"t.txt": lines(4, "t")}, author=ANN)
    repo.git("checkout", "-q", "-b", "subtopic", "topic")
    sub = repo.commit("subtopic: deep", "2026-02-16T10:05:00+08:00", {"s.txt": lines(6, "s")}, author=BOB)
    repo.git("checkout", "-q", "topic")
    merge(repo, "subtopic", "Merge branch 'subtopic' into topic", "2026-02-16T10:10:00+08:00", ANN)
    repo.git("checkout", "-q", "main")
    mainline = repo.commit("main moves on", "2026-02-16T10:20:00+08:00", {"m.txt": "m\n"}, author=MAINTAINER)
    repo.git("checkout", "-q", "topic")
    merge(repo, "main", "Merge branch 'main' into topic", "2026-02-16T10:30:00+08:00", ANN)  # back-merge
    repo.git("checkout", "-q", "main")
    nested = merge(repo, "topic", "Merge branch 'topic'", "2026-02-16T11:00:00+08:00")
    # conflict: both sides change one line; the resolution is part of the merge's diff
    repo.git("checkout", "-q", "-b", "clash", "main")
    repo.commit("clash: theirs", "2026-02-16T12:00:00+08:00", {"conflict.txt": "theirs\n"}, author=BOB)
    repo.git("checkout", "-q", "main")
    repo.commit("main: ours", "2026-02-16T12:10:00+08:00", {"conflict.txt": "ours\n"}, author=MAINTAINER)
    env = {"GIT_COMMITTER_DATE": "2026-02-16T12:30:00+08:00", "GIT_AUTHOR_DATE": "2026-02-16T12:30:00+08:00"}
    subprocess.run(
        ["git", "-C", str(repo.path), "merge", "-q", "--no-ff", "clash"], capture_output=True, check=False
    )  # stops at the conflict
    (repo.path / "conflict.txt").write_text("resolved\nboth\n")
    repo.git("add", "conflict.txt")
    repo.git(
        "commit", "-q", "--no-edit", env={**env, "GIT_AUTHOR_NAME": MAINTAINER[0], "GIT_AUTHOR_EMAIL": MAINTAINER[1]}
    )
    return {
        "octopus": octopus,
        "empty": empty,
        "inner": inner,
        "sub": sub,
        "mainline": mainline,
        "nested": nested,
        "resolved": repo.head(),
    }


def imported(repo) -> dict:
    """On 2026-02-16: another project's history (its own root commit, its files at its own root) brought in
    under ``core/`` as ``git subtree add`` does it: a merge of unrelated histories whose tree holds that
    project under a prefix. Both repositories have a ``pyproject.toml`` at their root."""
    repo.commit("base", "2026-02-15T10:00:00+08:00", {"pyproject.toml": "[project]\n", "app.py": lines(3, "a")})
    repo.git("checkout", "-q", "--orphan", "core")
    repo.git("rm", "-rq", "--cached", ".")
    for name in ("pyproject.toml", "app.py"):
        (repo.path / name).unlink()
    root = repo.commit("core: start", "2026-02-16T08:00:00+08:00", {"pyproject.toml": "[core]\n"}, author=BOB)
    grown = repo.commit("core: engine", "2026-02-16T08:30:00+08:00", {"src/lib.rs": lines(5, "c")}, author=ANN)
    repo.git("checkout", "-q", "-f", "main")
    repo.git("merge", "-q", "-s", "ours", "--no-commit", "--allow-unrelated-histories", "core")
    repo.git("read-tree", "--prefix=core/", "-u", "core")
    env = {
        "GIT_COMMITTER_DATE": "2026-02-16T09:00:00+08:00",
        "GIT_AUTHOR_DATE": "2026-02-16T09:00:00+08:00",
        "GIT_AUTHOR_NAME": MAINTAINER[0],
        "GIT_AUTHOR_EMAIL": MAINTAINER[1],
    }
    repo.git("commit", "-q", "-m", f"Add 'core/' from commit '{grown}'\n\ngit-subtree-dir: core", env=env)
    after = repo.commit("app: use core", "2026-02-16T10:00:00+08:00", {"app.py": lines(4, "a")})
    return {"root": root, "grown": grown, "import": repo.git("rev-parse", "HEAD~1").strip(), "after": after}
