"""Build real git repositories for benchmarks and demos, with ``git fast-import``.

- ``from_jsonl``: replay commits in GitHub's REST shape (``../shared/data/*.jsonl``, or ``.jsonl.gz``):
  real paths, messages, authors, dates and per-file line counts, with synthetic line contents; a
  file whose counts GitHub leaves null (its binaries, and diffs too large to show) is written as
  binary content, so git's numstat says ``-`` for it too.
- ``synthetic``: a seeded history of N commits with realistic file counts and sizes.

    python bench/corpus.py ../shared/data/sglang-2026-02.jsonl /tmp/sglang-replay
    python bench/corpus.py ../shared/data/ruff-2023-08-to-2026-07.jsonl.gz /tmp/ruff-replay
    python bench/corpus.py --synthetic 3000 /tmp/synthetic
"""

from __future__ import annotations

import gzip
import json
import random
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

_GIT_FILES = {".gitattributes", ".gitignore", ".mailmap"}


def _ident(name: str, email: str, when: datetime) -> str:
    offset = when.utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    tz = f"{sign}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}"
    clean = (name or "unknown").replace("<", "").replace(">", "").replace("\n", " ")
    return f"{clean} <{(email or 'unknown@example.com').replace('>', '')}> {int(when.timestamp())} {tz}"


class _Stream:
    """Writes a fast-import stream; keeps file contents as line lists to honour +/- counts."""

    def __init__(self, out):
        self.out = out
        self.files: dict[str, list[bytes]] = {}
        self.mark = 0
        self.head = 0  # the mark of main's tip
        self.counter = 0

    def data(self, payload: bytes) -> None:
        self.out.write(b"data %d\n" % len(payload))
        self.out.write(payload)
        self.out.write(b"\n")

    def commit(
        self,
        message: str,
        author: str,
        committer: str,
        changes: list[dict],
        merged_by: str | None = None,
        topic: str = "topic",
    ) -> None:
        """One commit on main; with ``merged_by`` (an identity with a date) the commit goes on a topic
        branch from main's tip, and main gets a merge of it by ``merged_by``, titled by the branch."""
        body = self.changes(changes)
        self.mark += 1
        mark, parent = self.mark, self.head
        ref = b"refs/heads/topics" if merged_by else b"refs/heads/main"
        self.out.write(b"commit %s\nmark :%d\n" % (ref, mark))
        self.out.write(f"author {author}\ncommitter {committer}\n".encode())
        self.data(message.encode("utf-8", "replace"))
        if parent:
            self.out.write(b"from :%d\n" % parent)
        self.out.write(body)
        if merged_by:
            self.mark += 1
            self.out.write(b"commit refs/heads/main\nmark :%d\n" % self.mark)
            self.out.write(f"author {merged_by}\ncommitter {merged_by}\n".encode())
            self.data(f"Merge branch '{topic}'\n".encode())
            if parent:
                self.out.write(b"from :%d\n" % parent)
            self.out.write(b"merge :%d\n" % mark)
            self.out.write(body)  # the merge's tree is the topic's
        self.head = self.mark

    def changes(self, changes: list[dict]) -> bytes:
        """The file commands of one commit (with their contents), as fast-import reads them."""
        out: list[bytes] = []
        for change in changes:
            path, status = change["filename"], change.get("status", "modified")
            if "\n" in path or path.startswith('"'):
                continue  # fast-import cannot take these unquoted; not worth the quoting here
            if status == "removed":
                if path in self.files:
                    del self.files[path]
                    out.append(f"D {path}\n".encode())
                continue
            old = change.get("previous_filename")
            lines = self.files.pop(old, []) if old and status == "renamed" else self.files.get(path, [])
            if old and status == "renamed":
                out.append(f"D {old}\n".encode())
            deletions = min(change.get("deletions") or 0, len(lines))
            lines = lines[deletions:]
            # Files git itself reads (.gitattributes, .gitignore, .mailmap) get comment lines.
            line = b"# line %d of %s\n" if path.rsplit("/", 1)[-1] in _GIT_FILES else b"line %d of %s\n"
            for _ in range(change.get("additions") or 0):
                self.counter += 1
                lines.append(line % (self.counter, path.encode()))
            self.files[path] = lines
            if change.get("additions") is None and change.get("deletions") is None:
                # Null counts: binary content (a NUL byte), new on each change so that git sees one.
                self.counter += 1
                payload = b"\0binary %d of %s\n" % (self.counter, path.encode()) + b"".join(lines)
            else:
                payload = b"".join(lines)
            out.append(f"M 100644 inline {path}\n".encode() + b"data %d\n" % len(payload) + payload + b"\n")
        return b"".join(out)


def _fast_import(target: Path, feed) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(target)], check=True)
    proc = subprocess.Popen(["git", "-C", str(target), "fast-import", "--quiet"], stdin=subprocess.PIPE)
    feed(_Stream(proc.stdin))
    proc.stdin.close()
    if proc.wait() != 0:
        raise RuntimeError("git fast-import failed")
    subprocess.run(["git", "-C", str(target), "checkout", "-q", "-f", "main"], check=True)
    return target


def _seed_lines(commits: list[dict]) -> dict[str, int]:
    """Lines each pre-existing path needs so that the replay deletes exactly what the data says."""
    length: dict[str, int] = {}
    seed: dict[str, int] = {}
    for c in commits:
        for f in c.get("files") or []:
            path, status = f["filename"], f.get("status")
            if status == "removed":
                if path not in length:
                    seed[path] = max(seed.get(path, 0), f.get("deletions") or 0)
                length.pop(path, None)
                continue
            old = f.get("previous_filename")
            current = length.pop(old, None) if old and status == "renamed" else length.get(path)
            if current is None:
                current = 0
                if status != "added":
                    key = old if old and status == "renamed" else path
                    seed.setdefault(key, 0)
            deletions = f.get("deletions") or 0
            if deletions > current:
                key = old if old and status == "renamed" and old in seed else path
                seed[key] = seed.get(key, 0) + deletions - current
                current = deletions
            length[path] = current - deletions + (f.get("additions") or 0)
    return {p: n for p, n in seed.items() if n > 0 or True}


def read_jsonl(source: str | Path) -> list[dict]:
    """The records of a JSONL file, gzip-compressed or not (by the ``.gz`` suffix)."""
    path = Path(source)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def from_jsonl(source: str | Path, target: str | Path, merged_by: tuple[str, str] | None = None) -> Path:
    """Replay a JSONL (or ``.jsonl.gz``) of GitHub REST commits (any order) as a linear first-parent history;
    with ``merged_by`` (name, e-mail), as topic branches of one commit each, every one merged into main by
    that maintainer at the commit's own time (git.git's way of landing work)."""
    commits = read_jsonl(source)
    commits.sort(key=lambda c: datetime.fromisoformat(c["commit"]["committer"]["date"]))
    seed = _seed_lines(commits)

    def feed(stream: _Stream) -> None:
        if seed:  # files that existed before the month, long enough for every deletion to be real
            first = datetime.fromisoformat(commits[0]["commit"]["committer"]["date"]) - timedelta(days=30)
            ident = _ident("Seed", "seed@example.com", first)
            stream.commit(
                "Seed files that predate the replayed history\n",
                ident,
                ident,
                [{"filename": p, "additions": n} for p, n in seed.items()],
            )
        for i, c in enumerate(commits):
            a, m = c["commit"]["author"], c["commit"]["committer"]
            when = datetime.fromisoformat(m["date"])
            stream.commit(
                c["commit"]["message"],
                _ident(a["name"], a["email"], datetime.fromisoformat(a["date"])),
                _ident(m["name"], m["email"], when),
                c.get("files") or [],
                merged_by=_ident(*merged_by, when) if merged_by else None,
                topic=f"topic-{i}",
            )

    return _fast_import(Path(target), feed)


def synthetic(
    count: int, target: str | Path, seed: int = 7, start: str = "2025-01-01T09:00:00+08:00", per_day: int = 40
) -> Path:
    """A seeded history: ``count`` commits, about ``per_day`` a day, over a monorepo-like tree."""
    rng = random.Random(seed)
    areas = [
        f"python/pkg/srt/{a}"
        for a in (
            "layers/quantization",
            "managers",
            "models",
            "mem_cache",
            "speculative",
            "disaggregation",
            "entrypoints",
            "utils",
        )
    ]
    areas += ["sgl-kernel/csrc/moe", "docs/advanced", "test/registered", ".github/workflows", "benchmark"]
    authors = [(f"Dev {i}", f"dev{i}@example.com") for i in range(60)] + [("dependabot[bot]", "bot@example.com")]
    prefixes = ["[Perf] ", "fix: ", "feat: ", "[diffusion] ", "[AMD] ", "refactor: ", "docs: ", "", "", "[CI] "]
    when = datetime.fromisoformat(start)
    step = timedelta(seconds=86400 // per_day)

    def feed(stream: _Stream) -> None:
        nonlocal when
        for i in range(count):
            n_files = min(1 + int(rng.paretovariate(1.6)), 60)
            changes = []
            for _ in range(n_files):
                area = rng.choice(areas)
                path = f"{area}/mod_{rng.randrange(40)}.py"
                changes.append(
                    {
                        "filename": path,
                        "additions": int(rng.paretovariate(1.2) * 5),
                        "deletions": int(rng.paretovariate(1.4) * 2),
                    }
                )
            name, email = rng.choice(authors)
            when += step + timedelta(seconds=rng.randrange(-300, 300))
            title = f"{rng.choice(prefixes)}change {i} in {changes[0]['filename'].split('/')[-2]} (#{10000 + i})"
            stream.commit(
                title + "\n\nSynthetic body line.\n", _ident(name, email, when), _ident(name, email, when), changes
            )

    return _fast_import(Path(target), feed)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--synthetic":
        print(synthetic(int(sys.argv[2]), sys.argv[3]))
    elif len(sys.argv) == 3:
        print(from_jsonl(sys.argv[1], sys.argv[2]))
    else:
        sys.exit(__doc__)
