"""One place for talking to GitHub: PyGithub clients, retries, and one-line errors.

Shared by the commit source (:mod:`.github`, REST) and the pull-request lookups
(:mod:`.pull_requests`, GraphQL with a REST fallback), so both read the token, the API base URL,
the timeouts and the rate-limit rules the same way.

- **Token** only from ``$GITHUB_TOKEN``; it is sent in the ``Authorization`` header and never
  logged or cached.
- **API base URL**: ``[github] api_url``, else ``$GITHUB_API_URL``, else https://api.github.com.
  PyGithub derives the GraphQL endpoint from it (``.../api/v3`` -> ``.../api/graphql``).
- **Retries**: PyGithub's ``GithubRetry`` (GET and POST) for 5xx answers, read timeouts,
  connection errors and rate limits whose reset is at most ``[github] max_rate_limit_wait`` away.
- **Clients** are per thread: a PyGithub ``Requester`` keeps one shared connection object whose
  ``request()``/``getresponse()`` pair is not safe to interleave across threads.
"""

from __future__ import annotations

import math
import os
import threading
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import requests
import urllib3
from github import Auth, Github, GithubException, GithubRetry
from github.GithubException import (
    BadCredentialsException,
    RateLimitExceededExceedsMaxWait,
    RateLimitExceededException,
    UnknownObjectException,
)

from ..config import Settings, github_token
from ..errors import RepodigestError, SourceError, UserError

DEFAULT_API_URL = "https://api.github.com"
# Retries for 5xx answers, read timeouts and connection errors (urllib3 backoff: 0, 2B, 4B ... s).
RETRY_TOTAL = 4
RETRY_BACKOFF = 1.0


class _BoundedRetry(GithubRetry):
    """GithubRetry that also refuses to sleep for a ``Retry-After`` longer than the allowed wait."""

    def get_retry_after(self, response):  # noqa: D102 - urllib3 hook
        value = super().get_retry_after(response)
        if value is not None and self.max_rate_limit_wait is not None and value > self.max_rate_limit_wait:
            raise RateLimitExceededExceedsMaxWait(
                response.status, {"message": f"Retry-After: {value:g}s"}, dict(response.headers), wait=value
            )
        return value


def api_base_url(settings: Settings) -> str:
    """``settings.github.api_url``, else ``$GITHUB_API_URL``, else https://api.github.com."""
    url = settings.github.api_url or os.environ.get("GITHUB_API_URL") or DEFAULT_API_URL
    return url.rstrip("/")


def header(headers, name: str) -> str | None:
    """A response header by case-insensitive name."""
    for key, value in (headers or {}).items():
        if str(key).lower() == name.lower():
            return str(value)
    return None


def message_of(exc: GithubException) -> str:
    """GitHub's ``message`` of an error answer (or PyGithub's own)."""
    data = exc.data if isinstance(exc.data, dict) else {}
    return str(data.get("message") or exc.message or "").strip()


def _root_cause(exc: BaseException) -> BaseException:
    """The urllib3 reason under a requests error (a MaxRetryError's ``reason``), else the error itself."""
    seen = exc
    for _ in range(5):
        inner = seen.args[0] if seen.args and isinstance(seen.args[0], BaseException) else None
        if isinstance(inner, urllib3.exceptions.MaxRetryError):
            return inner.reason or inner
        if inner is None:
            break
        seen = inner
    return seen


def is_rate_limit(exc: GithubException) -> bool:
    """A primary or secondary rate limit answer (403/429 with no requests left, or saying so)."""
    if isinstance(exc, RateLimitExceededException):
        return True
    if exc.status not in (403, 429):
        return False
    return header(exc.headers, "x-ratelimit-remaining") == "0" or "rate limit" in message_of(exc).lower()


class GitHubClient:
    """PyGithub clients (one per thread and page size) and error translation for one repository."""

    def __init__(self, full_name: str, settings: Settings, *, branch: str | None = None):
        self.full_name = full_name
        self.branch = branch
        self.settings = settings
        self.api_url = api_base_url(settings)
        self.api_host = urlsplit(self.api_url).netloc or self.api_url
        token = github_token()
        self.auth = Auth.Token(token) if token else None
        self._local = threading.local()

    def github(self, per_page: int) -> Github:
        """This thread's lazy PyGithub client with ``per_page`` items a page (no request is made here)."""
        clients = getattr(self._local, "clients", None)
        if clients is None:
            clients = self._local.clients = {}
        if per_page not in clients:
            gh = self.settings.github
            retry = _BoundedRetry(
                total=RETRY_TOTAL,
                backoff_factor=RETRY_BACKOFF,
                secondary_rate_wait=min(60.0, gh.max_rate_limit_wait),
                max_rate_limit_wait=gh.max_rate_limit_wait,
            )
            clients[per_page] = Github(
                auth=self.auth,
                base_url=self.api_url,
                per_page=per_page,
                timeout=max(1, math.ceil(gh.timeout)),
                retry=retry,
                seconds_between_requests=0,
                seconds_between_writes=0,
                lazy=True,
                user_agent="repodigest",
            )
        return clients[per_page]

    def repo(self, per_page: int):
        """The lazy PyGithub repository object (no request)."""
        return self.github(per_page).get_repo(self.full_name)

    def translate(self, exc: Exception, doing: str) -> RepodigestError:
        """Any failure of a request -> one line: UserError for bad input, SourceError for GitHub's side."""
        name = self.full_name
        if isinstance(exc, RepodigestError):
            return exc
        if isinstance(exc, GithubException):
            message = message_of(exc)
            if isinstance(exc, BadCredentialsException) or exc.status == 401:
                return UserError(
                    "GitHub rejected the token (401): check GITHUB_TOKEN (expired, revoked or for another GitHub host?)"
                )
            if is_rate_limit(exc):
                return SourceError(self.rate_limit_text(exc, doing))
            if (
                exc.status in (404, 409, 422)
                and self.branch
                and ("sha" in message.lower() or "branch" in message.lower())
            ):
                return UserError(f"branch {self.branch!r} not found in GitHub repository '{name}'")
            if exc.status in (404, 422) and doing.startswith("fetching commit"):
                return SourceError(
                    f"GitHub no longer has the listed commit while {doing} for '{name}' "
                    f"(force-pushed away?): {message or exc.status}"
                )
            if isinstance(exc, UnknownObjectException) or exc.status == 404:
                return UserError(
                    f"GitHub repository '{name}' not found or not visible with the current token "
                    f"(private repositories need GITHUB_TOKEN with read access) [{self.api_url}]"
                )
            if exc.status == 403:
                return SourceError(f"GitHub refused {doing} for '{name}' (403): {message or 'forbidden'}")
            if exc.status is not None and exc.status >= 500:
                return SourceError(
                    f"GitHub answered {exc.status} while {doing} for '{name}' after retries: "
                    f"{message or 'server error'}"
                )
            return SourceError(f"GitHub error {exc.status} while {doing} for '{name}': {message or exc}")
        if isinstance(exc, requests.exceptions.RetryError):
            return SourceError(
                f"GitHub kept failing while {doing} for '{name}' ({self.api_url}): "
                f"server errors persisted after {RETRY_TOTAL} retries"
            )
        if isinstance(exc, requests.exceptions.RequestException):
            reason = _root_cause(exc)
            timed_out = isinstance(reason, (requests.exceptions.Timeout, urllib3.exceptions.TimeoutError, TimeoutError))
            if timed_out and not isinstance(reason, urllib3.exceptions.NewConnectionError):  # a subclass, oddly
                return SourceError(
                    f"GitHub did not answer within {self.settings.github.timeout:g}s while {doing} "
                    f"for '{name}' ({self.api_url}), also after {RETRY_TOTAL} retries"
                )
            text = str(reason).splitlines()[0] if str(reason) else type(reason).__name__
            if "Failed to establish a new connection" in text or isinstance(reason, ConnectionRefusedError):
                text = text.split("Failed to establish a new connection:", 1)[-1].strip()
            return SourceError(f"connection to GitHub failed while {doing} for '{name}' ({self.api_url}): {text[:200]}")
        return SourceError(f"unexpected error while {doing} for '{name}': {type(exc).__name__}: {exc}")

    def rate_limit_text(self, exc: GithubException, doing: str) -> str:
        """The rate-limit line, with the reset time in UTC when GitHub sent it."""
        reset = header(exc.headers, "x-ratelimit-reset")
        retry_after = header(exc.headers, "retry-after")
        now = datetime.now(UTC)
        when = None
        if reset and reset.isdigit():
            when = datetime.fromtimestamp(int(reset), UTC)
        elif retry_after and retry_after.isdigit():
            when = now + timedelta(seconds=int(retry_after))
        limit = self.settings.github.max_rate_limit_wait
        hint = "" if self.auth else "; set GITHUB_TOKEN for a higher limit"
        if when is None:
            return f"GitHub rate limit exceeded ({exc.status}) while {doing} for '{self.full_name}'{hint}"
        seconds = max(0, int((when - now).total_seconds()))
        beyond = f", more than github.max_rate_limit_wait={limit:g}s" if seconds > limit else ""
        return (
            f"GitHub rate limit exceeded ({exc.status}) while {doing} for '{self.full_name}': it resets at "
            f"{when.replace(microsecond=0).isoformat().replace('+00:00', 'Z')} (in {seconds}s{beyond}){hint}"
        )
