"""Benchmark: fetching a month of real commits through the GitHub source, cold and warm.

Serves ``../shared/data/ruff-2026-02.jsonl`` (GitHub REST commit JSON, one per line) through the
local test server with 100 ms of latency per request, then times ``GitHubSource.commits`` for
the whole month: cold with concurrency 1, cold with concurrency 8 (fresh caches), and warm (the
concurrency-8 cache again, a new source object). Prints requests and wall time, and the ratio
cold(1) / cold(8) measured in this run.

    .venv/bin/python bench/github_fetch.py [path/to/commits.jsonl] [--latency 0.1]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "lib"))

from tests.servers.github_api import GitHubServer  # noqa: E402

from repodigest.config import RepoConfig, Settings  # noqa: E402
from repodigest.sources.github import open_github_source  # noqa: E402
from repodigest.window import Window, resolve_tz  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "ruff-2026-02.jsonl"


def load(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def run(
    server: GitHubServer, full_name: str, cache_dir: str, window: Window, concurrency: int
) -> tuple[int, float, list]:
    settings = Settings(github={"api_url": server.url, "concurrency": concurrency}, cache_dir=cache_dir)
    server.reset_counts()
    started = time.perf_counter()
    source = open_github_source(RepoConfig(spec=full_name), full_name, settings, progress=False)
    commits = source.commits(window)
    return server.total, time.perf_counter() - started, commits


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="?", default=str(DEFAULT_DATA))
    parser.add_argument("--latency", type=float, default=0.1, help="seconds added to every answer")
    parser.add_argument("--tz", default="Asia/Shanghai")
    args = parser.parse_args(argv)
    path = Path(args.data)
    if not path.is_file():
        print(f"skip: {path} not found (GitHub fetch benchmark needs the recorded commits)")
        return 0
    commits = load(path)
    html = commits[0]["html_url"]  # https://github.com/{owner}/{name}/commit/{sha}
    full_name = "/".join(html.split("/")[3:5])
    tz = resolve_tz(args.tz)
    days = sorted(
        datetime.fromisoformat(c["commit"]["committer"]["date"].replace("Z", "+00:00")).astimezone(tz).date()
        for c in commits
    )
    window = Window(days[-1], (days[-1] - days[0]).days + 1, tz)
    os.environ.setdefault("GITHUB_TOKEN", "bench-token")  # this process only: no 60/hour warning

    rows = []
    with (
        GitHubServer(commits, full_name=full_name, latency=args.latency) as server,
        tempfile.TemporaryDirectory(prefix="repodigest-bench-") as tmp,
    ):
        n1, t1, c1 = run(server, full_name, f"{tmp}/one", window, 1)
        rows.append(("cold", 1, n1, t1))
        n8, t8, c8 = run(server, full_name, f"{tmp}/eight", window, 8)
        rows.append(("cold", 8, n8, t8))
        nw, tw, cw = run(server, full_name, f"{tmp}/eight", window, 8)
        rows.append(("warm", 8, nw, tw))
    assert c1 == c8 == cw, "results differ between runs"

    print(
        f"GitHub fetch: {full_name}, {len(c8)} commits, {window.first_day}..{window.last_day} ({args.tz}), "
        f"{args.latency * 1000:.0f} ms latency per request"
    )
    print(f"{'run':<6} {'concurrency':>11} {'requests':>9} {'wall s':>8}")
    for name, conc, count, seconds in rows:
        print(f"{name:<6} {conc:>11} {count:>9} {seconds:>8.2f}")
    print(
        f"ratio cold(1)/cold(8) wall time: {t1 / t8:.1f}x; warm requests: {nw}; warm/cold(8) wall time: {tw / t8:.3f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
