"""Benchmark: what pull-request context costs for a day of N commits, GraphQL against the REST fallback.

Serves N synthetic commits, each with a pull request (labels, two approvers, a closed issue, a
400-character description), through the local GitHub server with 100 ms of latency per
request, and looks their pull requests up: cold over GraphQL (fresh cache), warm (same cache),
and cold through the REST fallback (the server refuses ``/graphql`` with 404, as GitHub
Enterprise without GraphQL does). Prints requests, GraphQL points (GitHub's formula, as the
server charges them) and wall time, and the ratio REST / GraphQL measured in this run.

    .venv/bin/python bench/pr_context.py [--n 40 120] [--latency 0.1]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "lib"))

from tests.servers.github_api import GitHubServer, make_commit  # noqa: E402
from tests.servers.github_graphql import make_pull  # noqa: E402

from repodigest.cache import Cache  # noqa: E402
from repodigest.config import Settings  # noqa: E402
from repodigest.sources.pull_requests import look_up_pull_requests  # noqa: E402

TOKEN = "bench-token"


def lookup(server: GitHubServer, shas: list[str], cache_dir: str) -> tuple[dict, float]:
    server.reset_counts()
    started = time.perf_counter()
    result = look_up_pull_requests(
        "o/r", shas, Settings(github={"api_url": server.url}), Cache(cache_dir), progress=False
    )
    return {**result.figures(), "requests": server.total}, time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="+", default=[40, 120])
    parser.add_argument("--latency", type=float, default=0.1, help="seconds added to every answer")
    args = parser.parse_args(argv)
    os.environ["GITHUB_TOKEN"] = TOKEN
    for n in args.n:
        commits = [make_commit(f"bench{i}", "2026-02-16T01:00:00Z") for i in range(n)]
        with GitHubServer(commits, token=TOKEN, latency=args.latency) as server, tempfile.TemporaryDirectory() as tmp:
            for i, commit in enumerate(commits):
                server.add_pull(
                    make_pull(
                        1000 + i,
                        f"PR {i}",
                        body="Why: " + "x" * 400,
                        labels=["bug", "perf"],
                        approvers=["ann", "bob"],
                        closes=[(10 + i, "issue")],
                    ),
                    [commit["sha"]],
                )
            shas = [c["sha"] for c in commits]
            cold, cold_s = lookup(server, shas, f"{tmp}/graphql")
            points = server.graphql_points
            warm, warm_s = lookup(server, shas, f"{tmp}/graphql")
            server.add_fault(404, kind="graphql")
            rest, rest_s = lookup(server, shas, f"{tmp}/rest")
            print(
                f"N = {n}: GraphQL cold {cold['graphql_requests']} requests, {points} points, {cold_s:.2f} s "
                f"({cold['with_pr']} pull requests); warm {warm['requests']} requests, {warm_s:.3f} s; "
                f"REST fallback {rest['rest_requests']} + {rest['graphql_requests']} refused GraphQL requests, "
                f"{rest_s:.2f} s ({rest['with_pr']} pull requests); REST / GraphQL time {rest_s / cold_s:.1f}x"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
