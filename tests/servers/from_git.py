"""A real git repository as GitHub's REST API shows it, to feed :class:`.github_api.GitHubServer`.

Two ``git log --all`` runs read every commit of every ref: one for the metadata, the files' status and
line counts (``--raw --numstat``), one for the patches (``-p``); a merge's files are its diff against
its first parent, as GitHub's commit detail gives them. GitHub shows names and emails as written
(no ``.mailmap``) and dates in UTC (``...Z``).
"""

from __future__ import annotations

import re
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from repodigest.sources.gitlog import LOG_FORMAT, parse_log

# GitHub applies no .mailmap: the names and emails as written
_FORMAT = LOG_FORMAT.replace("%aN", "%an").replace("%aE", "%ae").replace("%cN", "%cn").replace("%cE", "%ce")
_DIFF = ["--diff-merges=first-parent", "-M", "--no-color", "--no-ext-diff", "--no-textconv"]
_STATUS = {
    "added": "added",
    "modified": "modified",
    "deleted": "removed",
    "renamed": "renamed",
    "copied": "copied",
    "type_changed": "changed",
}
_NOREPLY = re.compile(r"^(?:\d+\+)?([^@]+)@users\.noreply\.github\.com$")
PATCH_MARK = "\x1ePATCH"


def _git(path: Path, *args: str) -> bytes:
    return subprocess.run(
        ["git", "-C", str(path), "-c", "core.quotepath=off", *args], capture_output=True, check=True
    ).stdout


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _login(email: str, logins: dict[str, str]) -> str | None:
    """The account GitHub shows for ``email``: given, else a users.noreply.github.com address's."""
    found = _NOREPLY.match(email)
    return logins.get(email) or (found.group(1) if found else None)


def _patches(path: Path) -> dict[str, list[str | None]]:
    """sha -> each file's patch (the hunks, GitHub's ``patch``; None for a binary file or no hunk)."""
    out = _git(path, "log", "--all", "-p", *_DIFF, f"--format={PATCH_MARK}%H").decode("utf-8", "replace")
    found: dict[str, list[str | None]] = {}
    for record in ("\n" + out).split("\n" + PATCH_MARK)[1:]:  # a record starts a line; a patch line cannot
        sha, _, text = record.partition("\n")
        patches = found[sha.strip()] = []
        for section in re.split(r"^diff --git .*$\n?", text, flags=re.MULTILINE)[1:]:
            hunk = re.search(r"^@@", section, flags=re.MULTILINE)
            binary = re.search(r"^(Binary files |GIT binary patch)", section, flags=re.MULTILINE)
            patches.append(None if binary or not hunk else section[hunk.start() :].rstrip("\n"))
    return found


def github_commits(path: str | Path, full_name: str = "o/r", logins: dict[str, str] | None = None) -> list[dict]:
    """Every commit of every ref of the repository at ``path`` in GitHub's REST shape (sha, html_url,
    parents, commit {author, committer, message}, author/committer {login} or null, stats, files);
    ``logins``: email -> GitHub login (besides users.noreply.github.com addresses)."""
    path, logins = Path(path), logins or {}
    raws = parse_log(
        _git(path, "log", "--all", "-z", "--raw", "--numstat", "--no-abbrev", *_DIFF, f"--format={_FORMAT}")
    )
    patches = _patches(path)
    commits = []
    for raw in raws:
        texts = patches.get(raw.sha, [])
        if len(texts) != len(raw.files):
            raise AssertionError(f"{raw.sha}: {len(raw.files)} files but {len(texts)} patches")
        files = []
        for change, patch in zip(raw.files, texts):
            added, deleted = change.added_lines or 0, change.deleted_lines or 0
            entry = {
                "sha": None,
                "filename": change.path,
                "status": _STATUS.get(change.status, "modified"),
                "additions": added,
                "deletions": deleted,
                "changes": added + deleted,
            }
            if patch is not None:
                entry["patch"] = patch
            if change.old_path is not None:
                entry["previous_filename"] = change.old_path
            files.append(entry)
        author, committer = _login(raw.author_email, logins), _login(raw.committer_email, logins)
        commits.append(
            {
                "sha": raw.sha,
                "node_id": f"C_{raw.sha[:10]}",
                "url": None,
                "html_url": f"https://github.com/{full_name}/commit/{raw.sha}",
                "parents": [{"sha": p} for p in raw.parents],
                "commit": {
                    "author": {"name": raw.author_name, "email": raw.author_email, "date": _utc(raw.author_date)},
                    "committer": {
                        "name": raw.committer_name,
                        "email": raw.committer_email,
                        "date": _utc(raw.committer_date),
                    },
                    "message": raw.message,
                },
                "author": {"login": author, "id": 1, "type": "Bot" if author.endswith("[bot]") else "User"}
                if author
                else None,
                "committer": {"login": committer, "id": 2, "type": "User"} if committer else None,
                "stats": {
                    "additions": sum(f["additions"] for f in files),
                    "deletions": sum(f["deletions"] for f in files),
                    "total": sum(f["changes"] for f in files),
                },
                "files": files,
            }
        )
    return commits


def branch_heads(path: str | Path) -> dict[str, str]:
    """branch -> head sha of the repository at ``path`` (one ``git for-each-ref``)."""
    out = _git(Path(path), "for-each-ref", "--format=%(refname:short) %(objectname)", "refs/heads").decode()
    return dict(line.split(" ", 1) for line in out.splitlines() if line.strip())
