"""Benchmark: LLM analysis wall time with concurrency, and tokens sent with vs without the diff budget.

Starts the local OpenAI-compatible test server with 300 ms per answer and analyses 41 synthetic
commits (the size of the reference day) with concurrency 8, cold (no cache), then warm. The goal
for the cold run is 1.5 x ceil(41 / 8) x 0.3 s; the run prints the measured time and the ratio.

Then it sends the same commits (each with a lockfile and a big generated file in its diff) with
the diff budget (``diff_token_budget`` = 6000) and without it (the raw diff as it is) and prints
the prompt tokens per commit, as the server counted them.

    .venv/bin/python bench/llm_latency.py [--latency 0.3] [--commits 41] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import math
import os
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "lib"))

from tests.servers.openai_api import OpenAIServer  # noqa: E402

from repodigest.analysis import AnalysisRequest, analyze_commits  # noqa: E402
from repodigest.analysis import client as llm_module  # noqa: E402
from repodigest.analysis.diff_budget import BudgetedDiff, estimate_tokens, parse_diff  # noqa: E402
from repodigest.cache import Cache  # noqa: E402
from repodigest.config import LLMConfig  # noqa: E402
from repodigest.models import Commit, FileChange  # noqa: E402

T0 = datetime(2026, 2, 16, 10, 0, tzinfo=timezone(timedelta(hours=8)))


def _section(path: str, added: int, deleted: int, rng: random.Random) -> str:
    body = [f"-    old_value_{i} = compute({rng.randint(0, 999)})" for i in range(deleted)]
    body += [f"+    new_value_{i} = compute_faster({rng.randint(0, 999)}, cache=True)" for i in range(added)]
    return "\n".join(
        [
            f"diff --git a/{path} b/{path}",
            "index 1111111..2222222 100644",
            f"--- a/{path}",
            f"+++ b/{path}",
            f"@@ -10,{deleted + 2} +10,{added + 2} @@ class Engine:",
            "     def run(self):",
            *body,
            "     return None",
        ]
    )


def synthetic(n: int, seed: int = 7) -> list[AnalysisRequest]:
    """``n`` commits: 1-4 source files, a test, a lockfile and a big generated file each."""
    rng = random.Random(seed)
    levels = ["high"] * 6 + ["medium"] * 20 + ["low"] * 15
    out = []
    for i in range(n):
        files = [
            (f"python/pkg/module_{i}_{k}.py", rng.randint(5, 160), rng.randint(0, 60)) for k in range(rng.randint(1, 4))
        ]
        files.append((f"tests/test_module_{i}.py", rng.randint(5, 60), 0))
        files.append(("uv.lock", rng.randint(100, 600), rng.randint(50, 400)))
        files.append((f"python/pkg/generated/schema_{i}.pb.go", rng.randint(800, 2500), rng.randint(0, 300)))
        title = f"[Perf] Engine change {i} (#{18000 + i})"
        commit = Commit(
            repo="bench/repo",
            sha=f"{i + 1:040x}",
            parents=(f"{i + 100000:040x}",),
            author_name="Dev",
            author_email="d@x",
            author_date=T0,
            committer_name="Dev",
            committer_email="d@x",
            committer_date=T0,
            message=f"{title}\n\nSpeeds up the engine.",
            title=title,
            pr_number=18000 + i,
            co_authors=(),
            files=tuple(FileChange(p, "modified", a, d) for p, a, d in files),
        )
        diff = "\n".join(_section(p, a, d, rng) for p, a, d in files) + "\n"
        out.append(AnalysisRequest("bench/repo", commit, levels[i % len(levels)], ["type perf (+14)"], diff))
    return out


def whole_diff(text: str, token_budget: int = 0, **_kw) -> BudgetedDiff:
    """No budget: the raw diff as it is, every file, nothing clipped or left out."""
    files = parse_diff(text)
    changed = sum(f.changed for f in files)
    return BudgetedDiff(
        text=text,
        included=tuple(f.path for f in files),
        left_out=(),
        lines_changed=changed,
        lines_seen=changed,
        files_total=len(files),
        tokens=estimate_tokens(text),
        budget=token_budget,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--latency", type=float, default=0.3)
    parser.add_argument("--commits", type=int, default=41)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    items = synthetic(args.commits)
    started = time.monotonic()
    import openai  # noqa: F401 - a one-off cost of the process, not of the analysis

    print(f"(openai import, once per process: {time.monotonic() - started:.2f} s, not counted below)")
    os.environ["OPENAI_API_KEY"] = "sk-bench-not-a-real-key"
    with OpenAIServer("schema", delay=args.latency) as server, tempfile.TemporaryDirectory() as tmp:
        os.environ["OPENAI_BASE_URL"] = server.base_url
        cfg = LLMConfig(model="bench-model", concurrency=args.concurrency, max_retries=0, timeout=30)
        cache = Cache(Path(tmp) / "cache")
        started = time.monotonic()
        cold = analyze_commits(items, cfg, "zh", cache, progress=False)
        cold_s = time.monotonic() - started
        started = time.monotonic()
        warm = analyze_commits(items, cfg, "zh", cache, progress=False)
        warm_s = time.monotonic() - started
        goal = 1.5 * math.ceil(args.commits / args.concurrency) * args.latency
        ok = sum(r.status == "ok" for r in cold.results.values())
        print(
            f"LLM analysis: {args.commits} commits, {args.latency * 1000:.0f} ms per answer, "
            f"concurrency {args.concurrency}"
        )
        print(f"  cold: {cold_s:.2f} s wall, {cold.requests} requests, {ok} ok, max in flight {server.max_inflight}")
        print(
            f"  goal: 1.5 x ceil({args.commits}/{args.concurrency}) x {args.latency} s = {goal:.2f} s; "
            f"ratio wall/goal = {cold_s / goal:.2f} ({'met' if cold_s <= goal else 'MISSED'})"
        )
        print(
            f"  sequential would be {args.commits * args.latency:.1f} s; speed-up {args.commits * args.latency / cold_s:.1f}x"
        )
        print(f"  warm: {warm_s:.3f} s wall, {warm.requests} requests, {warm.cached} cached")

        server.reset(mode="schema")
        server.delay = 0.0
        tokens = {}
        for label, budget in (("with budget (6000)", 6000), ("without budget", None)):
            if budget is None:
                llm_module.budget_diff, saved = whole_diff, llm_module.budget_diff
            try:
                run = analyze_commits(
                    items,
                    LLMConfig(
                        model="bench-model",
                        concurrency=args.concurrency,
                        max_retries=0,
                        diff_token_budget=budget or 6000,
                    ),
                    "zh",
                    None,
                    progress=False,
                )
            finally:
                if budget is None:
                    llm_module.budget_diff = saved
            tokens[label] = run.input_tokens / len(items)
            cov = sum(r.coverage or 0 for r in run.results.values()) / len(items)
            print(
                f"  prompt tokens per commit {label}: {tokens[label]:.0f} (mean coverage {cov:.0%}, "
                f"{run.requests} requests, {sum(r.status == 'ok' for r in run.results.values())} ok)"
            )
        with_b, without_b = tokens["with budget (6000)"], tokens["without budget"]
        print(f"  ratio with/without budget = {with_b / without_b:.3f} ({without_b / with_b:.1f}x fewer tokens)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
