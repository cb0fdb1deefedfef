"""Pull-request context for commits: GitHub's GraphQL API in batches, a REST fallback, a cache by sha.

Cost of N commits, cold: ``ceil(N / 50)`` GraphQL requests, each asking for the associated pull
request of up to 50 commits at once (aliases ``c0 .. c49`` over ``object(oid: $oN)``, the oids
sent as ``GitObjectID!`` variables) plus ``rateLimit { cost remaining resetAt }``. By GitHub's
formula (each connection counts the product of its ancestors' ``first``; the sum divided by 100,
rounded) an alias holds five connections under ``associatedPullRequests(first: 1)`` (itself, labels,
reviews, closing issues and the pull request's ``commits(first: 100)``, each counting 1): 250 for a
batch of 50, 2.5 points, which GitHub's rounding makes 3 (2 without the commits) of the 5,000 an hour;
at most 50 x 151 = 7,550 nodes of the 500,000 allowed. The points GitHub charged are logged and
returned. Warm: zero.

- **Fields**: number, title, body, url, labels, author, merged by, merged at, review decision,
  approvers (reviews in state APPROVED), closing issue references, base repository, and the first 100
  commits (sha, title, author name, email and login, dates, line counts; the total count).
- **Another repository's pull request** (``baseRepository`` is not this repository: a fork's)
  is not this commit's: it is ignored, and said so.
- **REST fallback** when GitHub refuses GraphQL (HTTP 401/403/404 on ``/graphql``: GitHub
  Enterprise without it, a token without the scope; or a GraphQL error of type ``FORBIDDEN`` /
  ``INSUFFICIENT_SCOPES``): ``GET /repos/{o}/{r}/commits/{sha}/pulls`` per commit (N requests,
  ``[github] concurrency`` at once). That answer has no reviews, merged-by or linked issues.
  When that fails too, the commit keeps the ``(#N)`` of its title and a gap says why.
- **Cache**: table ``github_pull`` keyed ``{api_host}/{owner/name}@{sha}``, kept forever (the
  pull request a merged commit came from does not change): the pull request, or "none", or
  "another repository's". Commits GitHub does not know (not pushed yet) and failed lookups are
  not cached. ``refresh`` re-reads (a description may have been edited).
- **Never fatal**: rate limits, 5xx after retries, timeouts and odd answers end the lookups of
  that repository with a :class:`Gap` (the commits keep no pull-request context); the report
  goes on. Clients, retries and error lines are :mod:`.github_client`'s.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from github import GithubException
from tqdm import tqdm

from ..cache import Cache, Table
from ..config import Settings
from ..models import PullRequest
from .github_client import GitHubClient, header, is_rate_limit, message_of
from .pull_shape import build_query, first_pull, from_json, from_rest, to_json

log = logging.getLogger(__name__)

BATCH = 50  # commits per GraphQL request
PULL_TABLE = Table("github_pull", "2")  # 2: with the pull request's commits
REST_PER_PAGE = 30  # the commit's pull requests: one page is plenty
REFUSED = {"FORBIDDEN", "INSUFFICIENT_SCOPES"}
DOING = "reading pull requests"


@dataclass(frozen=True)
class Gap:
    """Commits left without pull-request context, and why.

    ``reason``: ``failed`` (GitHub failed or refused; ``detail`` is the one-line error),
    ``not_on_github`` (GitHub does not know the commit), ``other_repo`` (the pull request belongs
    to another repository; ``detail`` names it), ``partial`` (the pull request is kept, but GitHub
    refused or failed a field of it: ``detail``), ``rest`` (read through the REST fallback, so
    without approvers and linked issues; ``detail`` says why GraphQL was refused; no shas).
    """

    reason: str
    shas: tuple[str, ...]
    detail: str = ""


@dataclass
class PullRequestLookup:
    """What the lookups found for one repository, and what they cost."""

    repo: str
    found: dict[str, PullRequest] = field(default_factory=dict)
    without: set[str] = field(default_factory=set)  # GitHub says: no pull request of this repository
    gaps: list[Gap] = field(default_factory=list)
    cached: int = 0
    graphql_requests: int = 0
    rest_requests: int = 0
    points: int = 0  # GraphQL points GitHub charged (its rateLimit.cost)
    remaining: int | None = None  # GraphQL points left in the hour, as last reported

    def figures(self) -> dict:
        """The cost and the outcome as plain numbers (status.json, logs)."""
        return {
            "with_pr": len(self.found),
            "without_pr": len(self.without),
            "cached": self.cached,
            "graphql_requests": self.graphql_requests,
            "graphql_points": self.points,
            "graphql_remaining": self.remaining,
            "rest_requests": self.rest_requests,
            "missing": sum(len(g.shas) for g in self.gaps if g.reason in ("failed", "not_on_github")),
        }


@dataclass
class _Answer:
    """One GraphQL answer, sorted by what happened to each commit."""

    prs: dict[str, PullRequest | None] = field(default_factory=dict)  # None: no pull request
    partial: dict[str, str] = field(default_factory=dict)  # sha -> error of a field (the PR is kept)
    failed: dict[str, str] = field(default_factory=dict)  # sha -> error
    refused: list[str] = field(default_factory=list)
    refusal: str = ""
    unknown: list[str] = field(default_factory=list)


def _error_text(error: dict) -> str:
    kind, message = error.get("type"), str(error.get("message") or "error")[:200]
    return f"{kind}: {message}" if kind else message


class _Refused(Exception):
    """GitHub will not answer GraphQL here: use REST."""


class _Stop(Exception):
    """Further lookups would fail the same way (rate limit, outage): stop, keep what we have."""


# -- lookups -----------------------------------------------------------------------------------------


class PullRequestFetcher:
    """Pull requests of one GitHub repository's commits; see the module docstring."""

    def __init__(
        self, full_name: str, settings: Settings, cache: Cache, *, progress: bool = True, label: str | None = None
    ):
        self.api = GitHubClient(full_name, settings)
        self.full_name = full_name
        self.owner, self.name = full_name.split("/", 1)
        self.settings = settings
        self.cache = cache
        self.progress = progress
        self.label = label or full_name

    def key(self, sha: str) -> str:
        return f"{self.api.api_host}/{self.full_name}@{sha}"

    def lookup(self, shas: list[str]) -> PullRequestLookup:
        """The pull request of each commit: from the cache, else GraphQL, else REST."""
        result = PullRequestLookup(self.full_name)
        shas = list(dict.fromkeys(shas))
        stored = self.cache.get_many(PULL_TABLE, [self.key(s) for s in shas])
        others: list[tuple[str, str]] = []
        missing = []
        for sha in shas:
            value = stored.get(self.key(sha))
            if isinstance(value, dict) and "pr" in value:
                result.cached += 1
                self._keep(result, sha, from_json(value["pr"]) if value.get("pr") else None, value.get("other"), others)
            else:
                missing.append(sha)
        rest = self._graphql(missing, result, others) if missing else []
        if rest:
            self._rest(rest, result, others)
        if others:
            result.gaps.append(
                Gap("other_repo", tuple(s for s, _ in others), ", ".join(dict.fromkeys(o for _, o in others)))
            )
        log.info(
            "%s: pull requests of %d commits: %d found, %d cached, %d GraphQL requests (%d points, %s left), "
            "%d REST requests",
            self.label,
            len(shas),
            len(result.found),
            result.cached,
            result.graphql_requests,
            result.points,
            result.remaining,
            result.rest_requests,
        )
        return result

    def _keep(
        self,
        result: PullRequestLookup,
        sha: str,
        pr: PullRequest | None,
        other: str | None,
        others: list,
        store: bool = False,
    ) -> None:
        """Record one answer; ``store`` writes it to the cache (answers GitHub gave, never failures)."""
        if pr is not None and pr.base_repo and pr.base_repo.lower() != self.full_name.lower():
            other, pr = f"{pr.base_repo}#{pr.number}", None
        if store:
            self.cache.put(PULL_TABLE, self.key(sha), {"pr": to_json(pr) if pr else None, "other": other})
        if pr is not None:
            result.found[sha] = pr
        else:
            result.without.add(sha)
            if other:
                others.append((sha, other))

    # -- GraphQL -------------------------------------------------------------------------------------
    def _graphql(self, shas: list[str], result: PullRequestLookup, others: list) -> list[str]:
        """Ask in batches; return the shas left for the REST fallback."""
        batches = [shas[i : i + BATCH] for i in range(0, len(shas), BATCH)]
        bar = tqdm(
            total=len(shas), desc=f"{self.label}: pull requests", unit="commit", disable=not self.progress, leave=False
        )
        try:
            for index, batch in enumerate(batches):
                later = [s for b in batches[index + 1 :] for s in b]
                try:
                    answer = self._ask(batch, result)
                except _Refused as exc:
                    result.gaps.append(Gap("rest", (), str(exc)))
                    return batch + later
                except _Stop as exc:
                    result.gaps.append(Gap("failed", tuple(batch + later), str(exc)))
                    return []
                self._read(answer, result, others)
                bar.update(len(batch))
                if answer.refused:  # GitHub refused some commits only: REST for them and the rest
                    result.gaps.append(Gap("rest", (), answer.refusal))
                    return answer.refused + later
        finally:
            bar.close()
        return []

    def _ask(self, batch: list[str], result: PullRequestLookup) -> _Answer:
        """One GraphQL request for up to BATCH commits."""
        variables = {"owner": self.owner, "name": self.name, **{f"o{i}": sha for i, sha in enumerate(batch)}}
        requester = self.api.github(REST_PER_PAGE).requester
        result.graphql_requests += 1
        errors: list = []
        body: dict[str, Any] | None
        try:
            headers, body = requester.graphql_query(build_query(len(batch)), variables)
        except GithubException as exc:  # PyGithub raises for any "errors", partial answers included
            body = exc.data if isinstance(exc.data, dict) else None
            if body is None or "errors" not in body:  # an HTTP error, not a GraphQL answer
                if exc.status in (401, 403, 404) and not is_rate_limit(exc):
                    raise _Refused(
                        f"HTTP {exc.status} from {self.api.api_url} GraphQL: {message_of(exc) or 'refused'}"
                    ) from None
                raise _Stop(str(self.api.translate(exc, DOING))) from None
            headers = exc.headers or {}
            errors = [e for e in body.get("errors") or [] if isinstance(e, dict)]
        except Exception as exc:  # noqa: BLE001 - timeouts, connection errors, odd bodies: one line
            raise _Stop(str(self.api.translate(exc, DOING))) from None
        data = body.get("data") if isinstance(body, dict) else None
        if isinstance(data, dict):
            self._count_points(data.get("rateLimit"), result)
        repo = data.get("repository") if isinstance(data, dict) else None
        if not isinstance(repo, dict):
            raise self._whole_failure(errors, headers, data)
        by_alias: dict[str, dict] = {}
        for error in errors:
            path = error.get("path")
            if isinstance(path, list) and len(path) > 1 and path[0] == "repository":
                by_alias.setdefault(str(path[1]), error)
        answer = _Answer()
        for i, sha in enumerate(batch):
            obj, error = repo.get(f"c{i}"), by_alias.get(f"c{i}")
            connection = obj.get("associatedPullRequests") if isinstance(obj, dict) else None
            if isinstance(connection, dict):
                answer.prs[sha] = first_pull(connection)
                if error is not None:  # a field of it was refused or failed: the rest is still good
                    answer.partial[sha] = _error_text(error)
            elif error is not None and error.get("type") in REFUSED:
                answer.refused.append(sha)
                answer.refusal = answer.refusal or f"GraphQL {_error_text(error)}"
            elif error is not None:
                answer.failed[sha] = _error_text(error)
            else:
                answer.unknown.append(sha)  # GitHub does not know the commit (not pushed?)
        if len(answer.refused) == len(batch):
            raise _Refused(answer.refusal)
        return answer

    def _whole_failure(self, errors: list, headers, data) -> Exception:
        """The answer has no repository: why, as the exception that decides what happens next."""
        types = {e.get("type") for e in errors}
        first = next((_error_text(e) for e in errors), "")
        if types & REFUSED:
            return _Refused(f"GraphQL {first}")
        if "RATE_LIMITED" in types:
            reset = header(headers, "x-ratelimit-reset")
            when = (
                datetime.fromtimestamp(int(reset), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
                if reset and reset.isdigit()
                else "an unknown time"
            )
            return _Stop(
                f"GitHub GraphQL rate limit exceeded while {DOING} for '{self.full_name}': it resets at {when}"
            )
        if "NOT_FOUND" in types:
            return _Stop(
                f"GitHub repository '{self.full_name}' not found or not visible with the current token "
                f"[{self.api.api_url}]"
            )
        if errors:
            return _Stop(f"GitHub's GraphQL API answered errors while {DOING} for '{self.full_name}': {first}")
        what = "no repository data" if isinstance(data, dict) else "not GraphQL data"
        return _Stop(f"GitHub's GraphQL answer for '{self.full_name}' has {what} ({self.api.api_url})")

    @staticmethod
    def _count_points(rate, result: PullRequestLookup) -> None:
        if isinstance(rate, dict):
            result.points += int(rate.get("cost") or 0)
            if isinstance(rate.get("remaining"), int):
                result.remaining = rate["remaining"]

    def _read(self, answer: _Answer, result: PullRequestLookup, others: list) -> None:
        for sha, pr in answer.prs.items():
            self._keep(result, sha, pr, None, others, store=True)
        if answer.partial:
            result.gaps.append(Gap("partial", tuple(answer.partial), next(iter(answer.partial.values()))))
        if answer.failed:
            result.gaps.append(
                Gap(
                    "failed",
                    tuple(answer.failed),
                    f"GitHub's GraphQL API answered errors for "
                    f"'{self.full_name}': {next(iter(answer.failed.values()))}",
                )
            )
        if answer.unknown:
            result.gaps.append(Gap("not_on_github", tuple(answer.unknown)))

    # -- REST fallback -------------------------------------------------------------------------------
    def _rest(self, shas: list[str], result: PullRequestLookup, others: list) -> None:
        stop = threading.Event()
        lock = threading.Lock()

        def one(sha: str):
            if stop.is_set():
                return None
            with lock:
                result.rest_requests += 1
            try:
                page = self.api.repo(REST_PER_PAGE).get_commit(sha).get_pulls().get_page(0)
                pulls = [from_rest(p) for p in page]
            except GithubException as exc:
                if exc.status in (404, 422) and not is_rate_limit(exc):
                    return "unknown"
                stop.set()
                return self.api.translate(exc, DOING)
            except Exception as exc:  # noqa: BLE001 - one line
                stop.set()
                return self.api.translate(exc, DOING)
            mine = [p for p in pulls if not p.base_repo or p.base_repo.lower() == self.full_name.lower()]
            return mine[0] if mine else (pulls[0] if pulls else "none")

        workers = max(1, min(self.settings.github.concurrency, len(shas)))
        unknown, failed, error = [], [], None
        with (
            ThreadPoolExecutor(max_workers=workers, thread_name_prefix="github-pulls") as pool,
            tqdm(
                total=len(shas),
                desc=f"{self.label}: pull requests (REST)",
                unit="commit",
                disable=not self.progress,
                leave=False,
            ) as bar,
        ):
            for sha, outcome in zip(shas, pool.map(one, shas)):
                bar.update(1)
                if isinstance(outcome, PullRequest):
                    self._keep(result, sha, outcome, None, others, store=True)
                elif outcome == "none":
                    self._keep(result, sha, None, None, others, store=True)
                elif outcome == "unknown":
                    unknown.append(sha)
                else:
                    failed.append(sha)
                    error = error or outcome
        if unknown:
            result.gaps.append(Gap("not_on_github", tuple(unknown)))
        if failed:
            result.gaps.append(Gap("failed", tuple(failed), str(error or "not asked after an earlier failure")))


def look_up_pull_requests(
    full_name: str,
    shas: list[str],
    settings: Settings,
    cache: Cache,
    *,
    progress: bool = True,
    label: str | None = None,
) -> PullRequestLookup:
    """The pull requests of ``shas`` in GitHub repository ``full_name`` ("owner/name"); never raises
    for GitHub's failures (they become gaps)."""
    return PullRequestFetcher(full_name, settings, cache, progress=progress, label=label).lookup(shas)
