"""The records of an analysis run: what is asked about a commit, what came back, and the run's totals."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ..models import Commit


@dataclass(frozen=True)
class AnalysisRequest:
    """One commit to analyse: its rules' level (which sets the detail asked for) and reasons."""

    repo: str
    commit: Commit
    level: str  # the rules' level: high | medium | low
    reasons: Sequence[str] = ()  # short, human-readable signals, e.g. "size +120/-30 (+19)"
    # unified diff text (source.diff(commit)), or a no-argument callable returning it, called in the
    # worker only when the commit is not cached (so a warm run reads no diff); None when unavailable
    diff: str | Callable[[], str | None] | None = None
    score: int | None = None  # the rules' score: with the model's level it sets the final level (scoring.blend)


@dataclass
class CommitAnalysis:
    """What the model said about one commit, and what it cost."""

    sha: str
    status: str  # ok | cached | failed
    analysis: dict | None = None  # report.context.build_entry's shape (plus importance keys)
    error: str | None = None  # one line, when failed
    tokens_in: int = 0  # spent in this run (0 when cached)
    tokens_out: int = 0  # the thought's included
    tokens_reasoning: int = 0  # of tokens_out, the model's thought before its answer
    coverage: float | None = None  # share of the diff's changed lines the model saw
    model_level: str | None = None  # the model's importance
    model_reason: str | None = None  # its one-line reason
    requests: int = 0
    mode: str | None = None  # json_schema | json_object | text: how the answer was obtained
    left_out: list[dict] = field(default_factory=list)  # [{path, reason, lines, seen}]
    completed: bool = False  # a follow-up request added the fields the final level needs


@dataclass
class AnalysisRun:
    """Per-commit results (by sha) and the run's totals."""

    model: str
    results: dict[str, CommitAnalysis] = field(default_factory=dict)
    requests: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    reasoning_tokens: int = 0  # of output_tokens, thought before the answers
    cached: int = 0
    failed: int = 0
    completions: int = 0  # follow-up requests for the fields of a level the first answer did not hold
    cost: float | None = None  # USD estimate from cfg.prices[model]; None without a price
    seconds: float = 0.0
    waited: float = 0.0  # seconds the run paused because the server pushed back (HTTP 429)
    rate_limited: int = 0  # 429 answers

    @property
    def analyses(self) -> dict[str, dict]:
        """sha -> analysis dict, for the commits that have one (Digest.analyses)."""
        return {sha: r.analysis for sha, r in self.results.items() if r.analysis}

    def usage(self) -> dict:
        """The report's usage line: {requests, input, output, reasoning, cost, cached, failed, completions,
        model, waited (seconds, one decimal), rate_limited}."""
        return {
            "requests": self.requests,
            "input": self.input_tokens,
            "output": self.output_tokens,
            "reasoning": self.reasoning_tokens,
            "cost": "n/a" if self.cost is None else f"${self.cost:.4f}",
            "cached": self.cached,
            "failed": self.failed,
            "completions": self.completions,
            "model": self.model,
            "waited": round(self.waited, 1),
            "rate_limited": self.rate_limited,
        }


def reason_lines(assessment) -> list[str]:
    """The rules' reasons as short lines for the prompt: ``"size +120/-30 (+19)"``."""
    return [f"{r.code} {r.detail}".strip() + f" ({r.points:+.0f})" for r in assessment.reasons]


def request_for(commit: Commit, assessment, diff, repo: str | None = None) -> AnalysisRequest:
    """The request for one scored commit: ``assessment`` is its scoring.Assessment; ``diff`` the
    source's ``diff(commit)`` text, or a no-argument callable returning it (read only on a cache
    miss, in the worker thread), or None."""
    return AnalysisRequest(
        repo=repo or commit.repo,
        commit=commit,
        level=assessment.level,
        reasons=tuple(reason_lines(assessment)),
        diff=diff,
        score=assessment.score,
    )
