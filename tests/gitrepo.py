"""Build real git repositories with commits at controlled dates, for tests and benchmarks."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path


class GitRepo:
    """A throwaway repository; ``commit`` writes files and commits them at a given date."""

    def __init__(self, path: Path, branch: str = "main"):
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", branch)
        self.git("config", "user.name", "Test User")
        self.git("config", "user.email", "test@example.com")
        self.git("config", "commit.gpgsign", "false")

    def git(self, *args: str, env: dict | None = None, input: bytes | None = None) -> str:
        full_env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", **(env or {})}
        proc = subprocess.run(
            ["git", "-C", str(self.path), *args], capture_output=True, env=full_env, input=input, check=True
        )
        return proc.stdout.decode("utf-8", "replace")

    def write(self, name: str, content: str | bytes) -> None:
        target = self.path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")

    def commit(
        self,
        message: str | bytes,
        date: str,
        files: dict[str, str | bytes] | None = None,
        author: tuple[str, str] = ("Test User", "test@example.com"),
        author_date: str | None = None,
        remove: tuple[str, ...] = (),
        allow_empty: bool = False,
    ) -> str:
        """Commit ``files`` with committer date ``date`` (ISO 8601 with offset); return the sha."""
        for name, content in (files or {}).items():
            self.write(name, content)
        for name in remove:
            self.git("rm", "-q", name)
        self.git("add", "-A")
        env = {
            "GIT_COMMITTER_DATE": date,
            "GIT_AUTHOR_DATE": author_date or date,
            "GIT_AUTHOR_NAME": author[0],
            "GIT_AUTHOR_EMAIL": author[1],
        }
        raw = message if isinstance(message, bytes) else message.encode()
        args = ["commit", "-q", "--no-verify", "-F", "-"] + (["--allow-empty"] if allow_empty else [])
        self.git(*args, env=env, input=raw)
        return self.head()

    def merge(self, branch: str, message: str, date: str, author_date: str | None = None) -> str:
        """Merge ``branch`` into the checked-out branch with a merge commit (``--no-ff``) dated ``date``, as a
        merge button does; return its sha."""
        env = {"GIT_COMMITTER_DATE": date, "GIT_AUTHOR_DATE": author_date or date}
        self.git("merge", "-q", "--no-ff", branch, "-m", message, env=env)
        return self.head()

    def head(self) -> str:
        return self.git("rev-parse", "HEAD").strip()


def fast_import_commits(path: Path, commits: list[dict]) -> None:
    """Append commits with ``git fast-import`` (thousands per second): each dict has message, date
    (epoch seconds), tz ("+0800"), files {path: text}, and optional gitlinks {path: sha}, author
    ("Name <email>"), parent (the index in ``commits`` of its first parent; default the one before) and
    merge (the indexes of its other parents). The branch ends at the last commit."""
    lines: list[bytes] = []
    for mark, c in enumerate(commits, start=1):
        message = c["message"].encode() if isinstance(c["message"], str) else c["message"]
        when = f"{c['date']} {c.get('tz', '+0800')}"
        ident = f"Load Tester <load@example.com> {when}".encode()
        lines += [
            b"commit refs/heads/main",
            b"mark :%d" % mark,
            f"author {c.get('author', 'Load Tester <load@example.com>')} {when}".encode(),
            b"committer " + ident,
            b"data %d" % len(message),
            message,
        ]
        if mark > 1:
            lines.append(b"from :%d" % (c["parent"] + 1 if "parent" in c else mark - 1))
            lines += [b"merge :%d" % (other + 1) for other in c.get("merge", ())]
        else:
            head = subprocess.run(
                ["git", "-C", str(path), "rev-parse", "--verify", "-q", "main"], capture_output=True, text=True
            ).stdout.strip()
            if head:
                lines.append(f"from {head}".encode())
        for name, text in c.get("files", {}).items():
            data = text.encode()
            lines += [f"M 100644 inline {name}".encode(), b"data %d" % len(data), data]
        for name, sha in c.get("gitlinks", {}).items():
            lines.append(f"M 160000 {sha} {name}".encode())
    subprocess.run(["git", "-C", str(path), "fast-import", "--quiet"], input=b"\n".join(lines) + b"\n", check=True)
    subprocess.run(["git", "-C", str(path), "checkout", "-q", "-f", "main"], check=True)
