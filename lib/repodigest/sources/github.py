"""Commits of a GitHub repository through the REST API (PyGithub), cached so re-runs are free.

Rows are the branch's first-parent line, as a clone reads it (:mod:`.github_history`); a merge carries
the commits it landed in ``merged`` and is titled by what it landed.

Cost of one window, cold: ``ceil(N / 100)`` listing requests (N: the commits the listing holds, the
merged branches' included) plus one detail request per row (plus one more per extra 300 files of a
very large commit). Warm (a day that ended before the run started, already fetched once): zero requests.

- **Linear history** (no merge in the window and one tip, as in a squash-merge repository): every
  listed commit is a row; nothing more is asked.
- **A window with merges** (or a branch merged after it): the first-parent line is walked down from the
  branch head, so the head and every commit between it and the window come from the listing of the days
  after the window up to now, cached per finished day like the window's: ``ceil(M / 100)`` more requests
  the first time (M: the commits listed after the window), and for a daily run reporting yesterday one
  request a run (today's listing, which is never cached). Reporting a day long ago lists everything since
  it once; later runs read those days from the cache.
- **Landed commits** come from the same listing: author, dates, message and parents, with no request of
  their own; their files and line counts are not known (``files`` is empty). A merged pull request's
  commits older than the window (not in the window's listing) come with the pull request
  (:mod:`.pull_requests`, :func:`~repodigest.sources.pull_shape.with_pull_request`), with their line counts.
- **Listing**: ``GET /repos/{o}/{r}/commits?since&until[&sha]`` with ``per_page=100``. Without a
  configured branch no ``sha`` is sent, so GitHub uses the default branch and we never spend a
  request asking which branch that is (the repository object is created lazily).
- **Details**: ``GET /repos/{o}/{r}/commits/{sha}`` fetched concurrently
  (``settings.github.concurrency`` threads, each with its own PyGithub client, see
  :mod:`.github_client`). Files beyond the first 300 come from further pages of
  the same endpoint (PyGithub's ``Commit.files`` follows the ``Link`` header); GitHub stops at
  3000 files, and such commits get ``files_truncated=True``.
- **Cache** (:class:`repodigest.cache.Cache`): table ``github_commit`` keyed
  ``{api_host}/{owner/name}@{sha}`` holds the trimmed commit JSON (patches included), immutable
  and kept forever. Table ``github_window`` keyed by repository, branch and one day's bounds holds
  that day's listing (sha, parents, author, dates, message), written only when the day ended before
  the run started (a day that is still open can gain commits). ``refresh=True`` reads nothing and
  rewrites everything.
- **Token** only from ``$GITHUB_TOKEN``; it is sent in the ``Authorization`` header and never
  logged or cached. Without it a warning says GitHub allows 60 unauthenticated requests an hour.
- **Errors**: 401 and unknown repository or branch are :class:`UserError`; rate limits whose
  reset is further away than ``settings.github.max_rate_limit_wait``, persistent 5xx answers,
  timeouts and connection failures are :class:`SourceError` (one line, the reset time in UTC).
  Every request has a timeout (``settings.github.timeout``), retries go through PyGithub's
  ``GithubRetry`` (clients, retries and this translation live in :mod:`.github_client`).

Binary files: GitHub sends no ``patch`` and ``changes == 0`` for them. A file is marked
``binary=True`` (with ``added_lines``/``deleted_lines`` None, "not counted") when it has no
``patch``, ``changes == 0`` and its status is not ``renamed`` (a pure rename also has no patch
and no changes, and is a text-neutral move, counted 0/0). Large text diffs that GitHub omits
keep their counts (``changes > 0``), so they are not mistaken for binaries. An empty file added
or deleted is indistinguishable from a binary one by this rule and is reported as binary.

GitHub's REST dates are UTC (``...Z``): the commit's own offset is not available from the API. A merge's
files are GitHub's: its diff against its first parent (a conflict's resolution included).
"""

from __future__ import annotations

import logging
import warnings
from concurrent.futures import ThreadPoolExecutor, as_completed
from datetime import UTC, date, datetime, timedelta

import requests
from github import GithubException
from tqdm import tqdm  # plain text: the bar is forwarded to the CLI user's terminal

from ..cache import Cache, Table
from ..config import RepoConfig, Settings
from ..errors import RepodigestError, SourceError
from ..models import Commit, CommitRef
from ..window import Window
from . import github_history as history
from .capabilities import Source
from .github_client import GitHubClient
from .github_shape import SHAPE_VERSION, file_change, parse_date, render_diff, to_commit, trim, trim_listed
from .local_git import LocalGitSource
from .message import same_title

log = logging.getLogger(__name__)

COMMIT_TABLE = Table("github_commit", SHAPE_VERSION)
# a day's listing, {"commits": [trim_listed entries]}: its own version (1 was a sha list), then the shape's
WINDOW_TABLE = Table("github_window", f"2.{SHAPE_VERSION}")
LIST_PER_PAGE = 100  # GitHub's maximum for the commit listing
FILES_PER_PAGE = 300  # GitHub's maximum (and default) for a commit's files
SEARCH_PER_PAGE = 20  # commit search results read (one page) when a revert names a title
TITLE_TABLE = Table("github_title_lookup", "1")  # a reverted commit found by its title: cached like commit details
UNAUTHENTICATED_WARNING = (
    "GITHUB_TOKEN is not set: unauthenticated GitHub API access is limited to 60 requests per hour "
    "(a token allows 5000); set GITHUB_TOKEN in the environment"
)


def _aware(moment: datetime) -> datetime:
    """PyGithub returns UTC datetimes, naive in some versions."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class GitHubSource(Source):
    """One GitHub repository, read through the REST API; see the module docstring."""

    kind = "github"

    def __init__(
        self,
        repo: RepoConfig,
        full_name: str,
        settings: Settings,
        *,
        refresh: bool = False,
        cache: Cache | None = None,
        progress: bool = True,
    ):
        self.full_name = full_name
        self.github_repo = full_name  # pull-request lookups go to the same repository
        self.name = repo.name or full_name
        self.branch = repo.branch
        self.settings = settings
        self.api = GitHubClient(full_name, settings, branch=repo.branch)
        self.api_url, self.api_host = self.api.api_url, self.api.api_host
        if cache is None:
            cache = Cache(settings.cache_dir, refresh=refresh)
        elif refresh and not cache.refresh:
            cache = Cache(cache.dir, refresh=True)
        self.cache = cache
        self.progress = progress
        self.run_started = datetime.now(UTC)
        if self.api.auth is None:
            warnings.warn(UNAUTHENTICATED_WARNING, stacklevel=3)
            log.warning(UNAUTHENTICATED_WARNING)

    def __repr__(self) -> str:
        return f"GitHubSource({self.full_name!r}, api={self.api_url!r}, branch={self.branch!r})"

    def _repo(self, per_page: int = LIST_PER_PAGE):
        return self.api.repo(per_page)  # lazy: no request

    def _translate(self, exc: Exception, doing: str) -> RepodigestError:
        return self.api.translate(exc, doing)

    # -- listing ---------------------------------------------------------------------------------
    def _window_key(self, since: datetime, until: datetime) -> str:
        return f"{self.api_host}/{self.full_name}@{self.branch or ''}|{_utc_text(since)}|{_utc_text(until)}"

    def _list_span(self, since: datetime, until: datetime) -> list[dict]:
        """The listing between two UTC instants (inclusive), as :func:`trim_listed` entries, in GitHub's order.

        The pages are read as JSON through PyGithub's requester (its retries and errors): a listed commit
        read as a PyGithub object would fetch its details to give a field the listing left out."""
        requester = self.api.github(LIST_PER_PAGE).requester
        url: str | None = f"/repos/{self.full_name}/commits"
        query: dict | None = {
            "since": _utc_text(since),
            "until": _utc_text(until),
            "per_page": LIST_PER_PAGE,
            **({"sha": self.branch} if self.branch else {}),
        }
        entries: list[dict] = []
        try:
            while url:
                headers, page = requester.requestJsonAndCheck("GET", url, parameters=query)
                if not isinstance(page, list):
                    raise SourceError(
                        f"GitHub answered something that is not a commit listing for "
                        f"'{self.full_name}' ({self.api_url}); try again later"
                    )
                entries += [trim_listed(c) for c in page]
                url, query = _next_page(headers), None  # the next page's URL carries the query
        except Exception as exc:  # noqa: BLE001 - translated to one line
            raise self._translate(exc, "listing commits") from None
        return entries

    def _listing(self, days: list[date], tz, fresh: bool = False) -> tuple[dict[date, list[dict]], bool]:
        """Each of ``days`` (consecutive) -> its listed commits, and whether any day came from the cache. Each
        finished day is cached on its own, so a 14-day trend window that moves by a day lists only the new
        day; the days not cached are listed in one go. ``fresh``: list every day again."""
        bounds = {d: Window(d, 1, tz) for d in days}
        keys = {
            d: self._window_key(b.start.astimezone(UTC), (b.end - timedelta(seconds=1)).astimezone(UTC))
            for d, b in bounds.items()
        }
        cached = {} if fresh else self.cache.get_many(WINDOW_TABLE, list(keys.values()))
        by_day: dict[date, list[dict]] = {}
        for day in days:
            value = cached.get(keys[day])
            if isinstance(value, dict) and isinstance(value.get("commits"), list):
                by_day[day] = value["commits"]
        missing = [d for d in days if d not in by_day]
        if missing:
            span = days[days.index(missing[0]) : days.index(missing[-1]) + 1]
            listed = self._list_span(
                bounds[span[0]].start.astimezone(UTC),
                (bounds[span[-1]].end - timedelta(seconds=1)).astimezone(UTC),
            )
            for day in span:
                by_day[day] = []
            for entry in listed:
                day = history.committed(entry).astimezone(tz).date()
                if span[0] <= day <= span[-1]:
                    by_day[day].append(entry)
            for day in span:
                if bounds[day].end <= self.run_started:  # a day still running may get more commits
                    self.cache.put(WINDOW_TABLE, keys[day], {"commits": by_day[day]})
        return by_day, len(missing) < len(days)

    def _line(self, window: Window, inside: list[dict]) -> tuple[list[dict], dict[str, dict]]:
        """The first-parent line (newest first) down through the window, and the listed commits off it by sha.

        Linear history needs nothing more; else the walk starts at the branch head, which the listing of
        the days after the window up to now holds (with every commit between it and the window)."""
        if history.linear(inside):
            return inside, {}
        today = self.run_started.astimezone(window.tz).date()
        after_days = [window.last_day + timedelta(days=i) for i in range(1, (today - window.last_day).days + 1)]
        by_sha = {e["sha"]: e for e in inside}
        fresh = False
        while True:
            after, cached = self._listing(after_days, window.tz, fresh) if after_days else ({}, False)
            later = [e for day in reversed(after_days) for e in after[day] if e["sha"] not in by_sha]
            line = history.first_parent_line(later + inside)
            if fresh or not cached or not history.stops_above(line, window.end):
                break
            fresh = True  # a cached day misses a commit pushed after it was listed: list them again
        log.info(
            "%s: merges in the window: the first-parent line from the head read from %d days after it",
            self.name,
            len(after_days),
        )
        on_line = {e["sha"] for e in line}
        return line, {e["sha"]: e for e in later + inside if e["sha"] not in on_line}

    # -- details ---------------------------------------------------------------------------------
    def _commit_key(self, sha: str) -> str:
        return f"{self.api_host}/{self.full_name}@{sha}"

    def _fetch_detail(self, sha: str) -> dict:
        try:
            commit = self._repo().get_commit(sha, commit_files_per_page=FILES_PER_PAGE)
            data = commit.raw_data  # GET .../commits/{sha}?page=1&per_page=300
            files = [f.raw_data for f in commit.files]  # further pages via the Link header
        except Exception as exc:  # noqa: BLE001 - translated to one line
            raise self._translate(exc, f"fetching commit {sha[:12]}") from None
        if not isinstance(data, dict) or data.get("sha") != sha or not isinstance(data.get("commit"), dict):
            # A proxy's error page or a truncated body: never cache it, never guess from it.
            raise SourceError(
                f"GitHub answered something that is not commit {sha[:12]} for '{self.full_name}' "
                f"({self.api_url}); try again later"
            )
        return trim(data, files)

    def _details(self, shas: list[str]) -> dict[str, dict]:
        keys = {sha: self._commit_key(sha) for sha in shas}
        found = self.cache.get_many(COMMIT_TABLE, list(keys.values()))
        result = {sha: found[key] for sha, key in keys.items() if key in found}
        missing = [sha for sha in dict.fromkeys(shas) if sha not in result]
        if not missing:
            return result
        workers = min(self.settings.github.concurrency, len(missing))
        bar = tqdm(
            total=len(missing), desc=f"{self.name}: commits", unit="commit", disable=not self.progress, leave=False
        )
        pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="github")
        futures: dict = {}
        error: BaseException | None = None
        try:
            futures = {pool.submit(self._fetch_detail, sha): sha for sha in missing}
            for future in as_completed(futures):
                error = future.exception()
                if error is not None:
                    break
                self._store(futures[future], future.result(), keys, result)
                bar.update(1)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)  # on failure: stop queued work, finish running
            bar.close()
        if error is not None:
            for future, sha in futures.items():  # keep what finished meanwhile: the next run skips it
                if sha not in result and future.done() and not future.cancelled() and future.exception() is None:
                    self._store(sha, future.result(), keys, result)
            raise error
        return result

    def _store(self, sha: str, raw: dict, keys: dict[str, str], result: dict[str, dict]) -> None:
        self.cache.put(COMMIT_TABLE, keys[sha], raw)
        result[sha] = raw

    # -- the Source interface ----------------------------------------------------------------------
    def commits(self, window: Window) -> list[Commit]:
        """The first-parent commits whose committer date falls inside ``window``, newest first; a merge with
        the listed commits it landed (files not known: see the module docstring)."""
        days = window.day_list()
        listed, _ = self._listing(days, window.tz)
        inside = [e for day in reversed(days) for e in listed[day]]
        line, side = self._line(window, inside)
        rows = [e for e in line if window.contains(history.committed(e))]
        merges = [e for e in reversed(rows) if len(e["parents"]) > 1]  # oldest first
        landed = {
            sha: tuple(to_commit(e, self.name, self.full_name) for e in found)
            for sha, found in history.landed(merges, side).items()
        }
        raws = self._details([e["sha"] for e in rows])
        commits = [to_commit(raws[e["sha"]], self.name, self.full_name, merged=landed.get(e["sha"], ())) for e in rows]
        commits.sort(key=lambda c: c.committer_date, reverse=True)  # stable: keeps GitHub's order on ties
        return commits

    def latest_commit_time(self) -> datetime | None:
        """Committer date of the newest commit on the branch (one small request, never cached)."""
        options = {"sha": self.branch} if self.branch else {}
        try:
            page = self._repo(per_page=1).get_commits(**options)
            first = next(iter(page), None)
            if first is None:
                return None
            return first.commit.committer.date
        except GithubException as exc:
            if exc.status == 409:  # "Git Repository is empty."
                return None
            raise self._translate(exc, "reading the latest commit") from None
        except Exception as exc:  # noqa: BLE001
            raise self._translate(exc, "reading the latest commit") from None

    def diff(self, commit: Commit) -> str:
        """Unified-diff-like text built from GitHub's per-file patches (binary files summarised)."""
        files = commit.files
        if files and not any(f.patch for f in files):  # a Commit built elsewhere: try the cache
            raw = self.cache.get(COMMIT_TABLE, self._commit_key(commit.sha))
            if raw is not None:
                files = tuple(file_change(f) for f in raw["files"])
        return render_diff(files)

    def find_commit(
        self, sha: str | None = None, title: str | None = None, before: datetime | None = None
    ) -> CommitRef | None:
        """The commit ``sha`` names (the commit cache, else one REST request), else the newest commit
        before ``before`` whose title is ``title`` (one request to GitHub's commit search, its answer
        cached). None when GitHub does not know it or the request fails: a lookup never stops a report."""
        try:
            if sha:
                raw = self.cache.get(COMMIT_TABLE, self._commit_key(sha)) if len(sha) == 40 else None
                if raw is None:
                    raw = self._fetch_detail(sha)
                    self.cache.put(COMMIT_TABLE, self._commit_key(raw["sha"]), raw)
                commit = to_commit(raw, self.name, self.full_name)
                return CommitRef(commit.sha, commit.subject, commit.committer_date, commit.url)
            if title:
                key = f"{self.api_host}/{self.full_name}|{before.isoformat() if before else ''}|{title}"
                hit = self.cache.get(TITLE_TABLE, key)  # history before a past moment does not change
                if hit is None:
                    hit = self._search_title(title, before)
                    self.cache.put(TITLE_TABLE, key, hit)
                return (
                    CommitRef(hit["sha"], hit["title"], parse_date(hit["date"]), hit["url"]) if hit.get("sha") else None
                )
        except Exception as exc:  # noqa: BLE001 - the revert's entry then says the target was not found
            log.info(
                "looking up %s in %s failed: %s",
                sha or repr(title),
                self.full_name,
                self._translate(exc, "looking up a reverted commit"),
            )
        return None

    def _search_title(self, title: str, before: datetime | None) -> dict:
        """The newest commit before ``before`` titled ``title``, by one commit search ({} when none)."""
        phrase = " ".join(title.replace('"', " ").split())[:200]  # GitHub search has no quote escape
        found = self.api.github(SEARCH_PER_PAGE).search_commits(
            f'repo:{self.full_name} "{phrase}"', sort="committer-date", order="desc"
        )
        for item in found.get_page(0):
            subject = (item.commit.message or "").split("\n", 1)[0].strip()
            when = _aware(item.commit.committer.date)
            if same_title(subject, title) and (before is None or when < before):
                return {"sha": item.sha, "title": subject, "date": _utc_text(when), "url": item.html_url}
        return {}


def _next_page(headers: dict) -> str | None:
    """The ``rel="next"`` URL of a paginated answer's ``Link`` header, or None on the last page."""
    link = next((value for key, value in (headers or {}).items() if key.lower() == "link"), "")
    return next((item["url"] for item in requests.utils.parse_header_links(link) if item.get("rel") == "next"), None)


def open_github_source(
    repo: RepoConfig,
    full_name: str,
    settings: Settings,
    *,
    refresh: bool = False,
    cache: Cache | None = None,
    progress: bool = True,
) -> GitHubSource | LocalGitSource:
    """The source for GitHub repository ``full_name`` ("owner/name"); no request is made here."""
    if repo.mirror:
        from .mirror import open_mirror_source

        return open_mirror_source(repo, full_name, settings)
    return GitHubSource(repo, full_name, settings, refresh=refresh, cache=cache, progress=progress)
