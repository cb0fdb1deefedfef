"""A small GitHub REST server on 127.0.0.1 for tests and benchmarks.

It speaks just enough of the REST shapes PyGithub uses to read commits:

- ``GET /repos/{o}/{r}``                  repository object (``default_branch``)
- ``GET /repos/{o}/{r}/commits``          listing: ``per_page``, ``page``, ``since``, ``until``, ``sha``:
                                          like GitHub, every commit REACHABLE from the branch head (or the
                                          sha), following all parents, in git's order (the head first, then
                                          by committer date), filtered by committer date (inclusive), each
                                          with its ``parents``; ``Link`` pagination; no files
- ``GET /repos/{o}/{r}/commits/{sha}``    one commit with ``files`` paginated (300 a page, ``Link``),
                                          capped at 3000 files like GitHub
- ``GET /repos/{o}/{r}/branches/{b}``     branch object, or 404 "Branch not found"
- ``GET /repos/{o}/{r}/commits/{sha}/pulls``  the commit's pull requests (REST "pull request simple")
- ``GET /search/commits?q=repo:{o}/{r} "phrase"``  commits whose message holds the phrase, newest
                                          first (the lookup of a reverted commit by its title)
- ``GET /rate_limit``
- ``POST /graphql``                        GitHub's GraphQL API over the part of its schema in
                                          :mod:`.github_graphql` (validated, executed, point cost);
                                          401 without a token

Every answer carries ``X-RateLimit-Limit/Remaining/Reset``. Tests switch faults on with
:meth:`GitHubServer.add_fault` (401, 404, 403/429 rate limits, 500, delays; persistent or for the
first K matching requests; ``kind="graphql"`` with ``graphql_error="RATE_LIMITED"`` answers 200
with a GraphQL error) and :attr:`GitHubServer.object_errors` (sha or "*" -> (type, message): that
commit's alias is null with a typed error, as GitHub answers a field it refuses), and read
:attr:`GitHubServer.counts` (``list``, ``detail``, ``pulls``, ``graphql``, ``search``, ``other``),
:attr:`GitHubServer.graphql_points`, :attr:`GitHubServer.graphql_queries` and
:attr:`GitHubServer.auth_headers`. Pull requests: :meth:`GitHubServer.add_pull` with
:func:`.github_graphql.make_pull`.

History: each branch has a head (:meth:`GitHubServer.set_head`, or ``heads=``); the default branch's
head is, unless told, the newest commit given (by committer date). Commits built by :func:`make_commit`
without ``parents`` stand for a linear history the test did not spell out: the server links those of the
default branch in committer-date order (each one's parent is the next older one). A branch only named in
commits' ``branches`` (and no head) lists those commits, as the test declared them. A real repository's
commits and heads come from :mod:`.from_git`.

Usage::

    with GitHubServer([make_commit(1, "2026-02-16T10:00:00Z")], full_name="o/r") as server:
        settings = github_settings(server, tmp_path)
"""

from __future__ import annotations

import hashlib
import heapq
import json
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote, urlsplit

from repodigest.config import RepoConfig, Settings

from .github_graphql import PullRequestsMixin, github_error
from .loopback import LoopbackServer

FILES_PER_PAGE = 300
MAX_FILES = 3000

_MESSAGES = {
    401: "Bad credentials",
    403: "API rate limit exceeded for 127.0.0.1. (But here's the good news: Authenticated requests get a higher rate limit.)",
    404: "Not Found",
    429: "API rate limit exceeded for 127.0.0.1.",
    500: "Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}


def github_settings(
    server: GitHubServer,
    folder: Path,
    *repos: RepoConfig,
    cache: str = "cache",
    tz: str = "Asia/Shanghai",
    lang: str = "zh",
    **github,
) -> Settings:
    """Settings whose GitHub requests go to ``server`` (``github``: more of the ``[github]`` table), with
    ``repos``, the cache in ``folder / cache`` and ``folder`` as the base folder; the report's zone and
    language are the tests' fixtures' (the team's zh and Asia/Shanghai), never the machine's."""
    return Settings(
        repos=repos,
        github={"api_url": server.url, **github},
        cache_dir=str(folder / cache),
        base_dir=str(folder),
        tz=tz,
        lang=lang,
    )


def _iso(value) -> str:
    """``datetime`` or ISO text -> GitHub's ``YYYY-MM-DDTHH:MM:SSZ`` (UTC)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def fake_sha(seed) -> str:
    return hashlib.sha1(str(seed).encode()).hexdigest()


def make_file(
    filename: str,
    status: str = "modified",
    additions: int = 1,
    deletions: int = 0,
    patch: str | None = "auto",
    previous_filename: str | None = None,
) -> dict:
    """One entry of a commit's ``files`` in GitHub's shape (``patch=None``: binary / too large)."""
    if patch == "auto":
        lines = [f"@@ -1,{deletions} +1,{additions} @@"]
        lines += [f"-old line {i}" for i in range(deletions)]
        lines += [f"+new line {i} of {filename}" for i in range(additions)]
        patch = "\n".join(lines)
    entry = {
        "sha": fake_sha(filename + status),
        "filename": filename,
        "status": status,
        "additions": additions,
        "deletions": deletions,
        "changes": additions + deletions,
    }
    if patch is not None:
        entry["patch"] = patch
    if previous_filename is not None:
        entry["previous_filename"] = previous_filename
    return entry


def make_commit(
    sha_seed,
    date,
    files=None,
    message: str | None = None,
    *,
    author: str = "Jane Doe",
    email: str = "jane@example.com",
    login: str | None = "jane",
    committer_date=None,
    parents: list[str] | None = None,
    full_name: str = "o/r",
    branches: tuple[str, ...] = (),
) -> dict:
    """A synthetic commit in GitHub REST shape.

    ``files``: None (one small modified file), an int (that many modified files), or a list of
    dicts (entries from :func:`make_file`, or partial dicts that it completes).
    ``date`` is the author date and, unless ``committer_date`` is given, the committer date.
    ``branches``: extra (non-default) branches the commit is on.
    """
    sha = fake_sha(sha_seed)
    linked = parents is None  # the server links it into its branch's line (see the module docstring)
    if files is None:
        files = [make_file(f"src/file_{sha[:6]}.py", additions=3, deletions=1)]
    elif isinstance(files, int):
        files = [make_file(f"pkg/m{i:05d}.py", additions=1, deletions=1) for i in range(files)]
    else:
        files = [f if "changes" in f else make_file(**f) for f in files]
    committed = committer_date if committer_date is not None else date
    return {
        "sha": sha,
        "node_id": "C_" + sha[:10],
        "url": None,  # filled in by the server (it knows its own address)
        "html_url": f"https://github.com/{full_name}/commit/{sha}",
        "parents": [{"sha": p} for p in (parents if parents is not None else [fake_sha(f"parent-{sha_seed}")])],
        "commit": {
            "author": {"name": author, "email": email, "date": _iso(date)},
            "committer": {"name": "GitHub", "email": "noreply@github.com", "date": _iso(committed)},
            "message": message
            if message is not None
            else f"Change number {sha_seed} (#{1000 + hash(str(sha_seed)) % 9000})",
        },
        "author": {"login": login, "id": 1, "type": "User"} if login else None,
        "committer": {"login": "web-flow", "id": 2, "type": "User"},
        "stats": {
            "additions": sum(f["additions"] for f in files),
            "deletions": sum(f["deletions"] for f in files),
            "total": sum(f["changes"] for f in files),
        },
        "files": files,
        "_branches": list(branches),
        "_linked": linked,
    }


@dataclass
class Fault:
    """Answer ``status`` (or only sleep, with status None) to matching requests.

    ``kind``: "list", "detail", "other", "repo", "branch" or None (any); ``path``: substring of the
    request path; ``times``: answer the first ``times`` matches, then stop (None = always).
    """

    status: int | None
    kind: str | None = None
    path: str | None = None
    times: int | None = None
    message: str | None = None
    reset: int | None = None  # epoch seconds for X-RateLimit-Reset
    retry_after: int | None = None
    delay: float = 0.0
    garbage: bool = False  # answer 200 with a body that is not JSON
    graphql_error: str | None = None  # answer 200 with one GraphQL error of this type (e.g. RATE_LIMITED)
    drop: bool = False  # reset the connection without answering
    hits: int = 0

    def matches(self, kind: str, path: str) -> bool:
        if (
            self.kind is not None
            and self.kind != kind
            and not (self.kind == "other" and kind in ("repo", "branch", "rate"))
        ):
            return False
        if self.path is not None and self.path not in path:
            return False
        return self.times is None or self.hits < self.times


@dataclass
class _Repo:
    owner: str
    name: str
    default_branch: str
    commits: list[dict] = field(default_factory=list)
    pulls: dict[str, list[dict]] = field(default_factory=dict)  # sha -> neutral pull requests (make_pull)
    known: set[str] = field(default_factory=set)  # shas GitHub knows besides ``commits`` (local clones' pushes)
    heads: dict[str, str] = field(default_factory=dict)  # branch -> head sha (told)

    def link(self) -> None:
        """Chain the default branch's :func:`make_commit` commits without parents by committer date."""
        chained = sorted(
            (c for c in self.commits if c.get("_linked") and not c.get("_only_branch")),
            key=lambda c: _parse_time(c["commit"]["committer"]["date"]),
        )
        for older, newer in zip(chained, chained[1:]):
            newer["parents"] = [{"sha": older["sha"]}]

    def reachable(self, start: str) -> list[dict]:
        """The commits reachable from ``start`` (all parents held here), in git log's order: a walk
        that always takes the newest commit (committer date) of those met, beginning with ``start``."""
        by_sha = {c["sha"]: c for c in self.commits}
        if start not in by_sha:
            return []
        met, order, out = {start}, 0, []
        queue = [(-_parse_time(by_sha[start]["commit"]["committer"]["date"]).timestamp(), order, start)]
        while queue:
            _, _, sha = heapq.heappop(queue)
            commit = by_sha[sha]
            out.append(commit)
            for parent in commit.get("parents") or ():
                if parent["sha"] in by_sha and parent["sha"] not in met:
                    met.add(parent["sha"])
                    order += 1
                    when = _parse_time(by_sha[parent["sha"]]["commit"]["committer"]["date"]).timestamp()
                    heapq.heappush(queue, (-when, order, parent["sha"]))
        return out

    def head(self, branch: str) -> str | None:
        """The branch's head sha: told, else (the default branch) the newest commit given."""
        if branch in self.heads:
            return self.heads[branch]
        if branch != self.default_branch:
            return None
        mine = [c for c in self.commits if not c.get("_only_branch")]
        newest = max(mine, key=lambda c: _parse_time(c["commit"]["committer"]["date"]), default=None)
        return newest["sha"] if newest else None


class GitHubServer(PullRequestsMixin, LoopbackServer):
    """The server: ``start()``/``stop()`` (or a ``with`` block); ``url`` is the API base URL."""

    def __init__(
        self,
        commits: list[dict] | None = None,
        *,
        full_name: str = "o/r",
        default_branch: str = "main",
        token: str | None = None,
        latency: float = 0.0,
        rate_limit: int = 5000,
        heads: dict[str, str] | None = None,
    ):
        self.repos: dict[str, _Repo] = {}
        self.add_repo(full_name, list(commits or []), default_branch, heads)
        self.token = token  # when set, any other Authorization token gets 401
        self.latency = latency  # seconds slept before every answer
        self.rate_limit = rate_limit
        self.faults: list[Fault] = []
        self.lock = threading.Lock()
        self.counts: dict[str, int] = {}
        self.requests: list[tuple[str, str]] = []  # (kind, path with query)
        self.auth_headers: list[str | None] = []
        self.graphql_points = 0
        self.graphql_queries: list[tuple[str, dict]] = []
        self.object_errors: dict[str, tuple[str, str]] = {}
        super().__init__()

    # -- control ---------------------------------------------------------------------------------
    thread_name = "github-api"

    def handler_class(self):
        return type("Handler", (_Handler,), {"app": self})

    @property
    def url(self) -> str:
        return self.root_url if self._httpd is not None else ""

    def add_repo(
        self, full_name: str, commits: list[dict], default_branch: str = "main", heads: dict[str, str] | None = None
    ) -> None:
        owner, name = full_name.split("/", 1)
        repo = self.repos[full_name.lower()] = _Repo(
            owner, name, default_branch, list(commits), heads=dict(heads or {})
        )
        repo.link()

    def add_commits(self, commits: list[dict], full_name: str | None = None) -> None:
        repo = self._repo_named(full_name)
        repo.commits.extend(commits)
        repo.link()

    def set_head(self, branch: str, sha: str, full_name: str | None = None) -> None:
        """Point ``branch`` at commit ``sha`` (a push)."""
        self._repo_named(full_name).heads[branch] = sha

    def _repo_named(self, full_name: str | None) -> _Repo:
        return self.repos[full_name.lower()] if full_name else next(iter(self.repos.values()))

    def add_fault(self, status: int | None, **options) -> Fault:
        fault = Fault(status, **options)
        with self.lock:
            self.faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        with self.lock:
            self.faults.clear()

    def reset_counts(self) -> None:
        with self.lock:
            self.counts.clear()
            self.requests.clear()
            self.auth_headers.clear()
            self.graphql_queries.clear()

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    # -- request handling --------------------------------------------------------------------------
    def _classify(self, parts: list[str]) -> tuple[str, _Repo | None, list[str]]:
        if parts == ["rate_limit"]:
            return "rate", None, []
        if parts == ["search", "commits"]:
            return "search", None, []
        if len(parts) >= 3 and parts[0] == "repos":
            repo = self.repos.get(f"{parts[1]}/{parts[2]}".lower())
            rest = parts[3:]
            if not rest:
                return "repo", repo, rest
            if rest == ["commits"]:
                return "list", repo, rest
            if len(rest) == 2 and rest[0] == "commits":
                return "detail", repo, rest
            if len(rest) == 3 and rest[0] == "commits" and rest[2] == "pulls":
                return "pulls", repo, rest
            if len(rest) >= 2 and rest[0] == "branches":
                return "branch", repo, rest
        return "unknown", None, []

    def _admit(self, handler: _Handler, kind: str, path: str) -> tuple[dict | None, str | None]:
        """Count the request, sleep, apply a matching fault: (headers, Authorization), headers None if answered."""
        counted = kind if kind in ("list", "detail", "pulls", "graphql", "search") else "other"
        with self.lock:
            self.counts[counted] = self.counts.get(counted, 0) + 1
            self.requests.append((counted, handler.path))
            auth = handler.headers.get("Authorization")
            self.auth_headers.append(auth)
            remaining = max(self.rate_limit - sum(self.counts.values()), 0)
            fault = next((f for f in self.faults if f.matches(kind, path)), None)
            if fault is not None:
                fault.hits += 1
        if self.latency:
            time.sleep(self.latency)
        reset = int(time.time()) + 3600
        headers = {
            "X-RateLimit-Limit": str(self.rate_limit),
            "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": str(reset),
            "X-RateLimit-Resource": "graphql" if kind == "graphql" else "core",
        }
        if fault is None:
            return headers, auth
        if fault.delay:
            time.sleep(fault.delay)
        if fault.drop:  # SO_LINGER 0: close() sends a TCP reset, as a crashed proxy would
            handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            handler.close_connection = True
            handler.connection.close()
            return None, auth
        if fault.garbage:
            data = b"<html>502 Bad Gateway</html>\x00\xff not json"
            handler.send_response(200)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(data)))
            handler.end_headers()
            handler.wfile.write(data)
            return None, auth
        if fault.graphql_error:
            message = fault.message or {"RATE_LIMITED": "API rate limit exceeded for user ID 1."}.get(
                fault.graphql_error, ""
            )
            if fault.graphql_error == "RATE_LIMITED":
                headers["X-RateLimit-Remaining"] = "0"
                headers["X-RateLimit-Reset"] = str(fault.reset if fault.reset is not None else reset)
            handler.reply(200, {"errors": [github_error(message, fault.graphql_error)]}, headers)
            return None, auth
        if fault.status is not None:
            if fault.status in (403, 429) and (fault.message is None or "rate limit" in fault.message.lower()):
                headers["X-RateLimit-Remaining"] = "0"
                headers["X-RateLimit-Reset"] = str(fault.reset if fault.reset is not None else reset)
            if fault.retry_after is not None:
                headers["Retry-After"] = str(fault.retry_after)
            message = fault.message or _MESSAGES.get(fault.status, "Error")
            handler.reply(
                fault.status, {"message": message, "documentation_url": "https://docs.github.com/rest"}, headers
            )
            return None, auth
        return headers, auth

    def handle(self, handler: _Handler) -> None:
        split = urlsplit(handler.path)
        parts = [unquote(p) for p in split.path.strip("/").split("/") if p]
        query = {k: v[-1] for k, v in parse_qs(split.query).items()}
        kind, repo, rest = self._classify(parts)
        headers, auth = self._admit(handler, kind, split.path)
        if headers is None:
            return
        reset = int(headers["X-RateLimit-Reset"])
        remaining = int(headers["X-RateLimit-Remaining"])
        if self.token is not None and auth is not None and auth.split()[-1] != self.token:
            return handler.reply(401, {"message": "Bad credentials"}, headers)
        if kind == "rate":
            core = {
                "limit": self.rate_limit,
                "remaining": remaining,
                "reset": reset,
                "used": self.rate_limit - remaining,
            }
            return handler.reply(200, {"resources": {"core": core}, "rate": core}, headers)
        if kind == "search":
            return self._search(handler, query.get("q", ""), headers)
        if repo is None:
            return handler.reply(404, {"message": "Not Found"}, headers)
        base = f"{self.url}/repos/{repo.owner}/{repo.name}"
        if kind == "repo":
            body = {
                "id": 1,
                "name": repo.name,
                "full_name": f"{repo.owner}/{repo.name}",
                "owner": {"login": repo.owner},
                "default_branch": repo.default_branch,
                "url": base,
                "private": False,
                "html_url": f"https://github.com/{repo.owner}/{repo.name}",
            }
            return handler.reply(200, body, headers)
        if kind == "branch":
            branch = "/".join(rest[1:])
            tip = self._on_branch(repo, branch)
            if tip is None:
                return handler.reply(404, {"message": "Branch not found"}, headers)
            return handler.reply(200, {"name": branch, "commit": {"sha": tip[0]["sha"] if tip else None}}, headers)
        if kind == "list":
            return self._list(handler, repo, base, query, headers)
        if kind == "pulls":
            return self._pulls(handler, repo, rest[1], headers)
        return self._detail(handler, repo, base, rest[1], query, headers)

    def _search(self, handler, q: str, headers) -> None:
        """GitHub's commit search, as far as the lookup of a title uses it: ``repo:o/r "phrase"``."""
        found = re.search(r"repo:(\S+)", q)
        phrase = re.search(r'"([^"]*)"', q)
        repo = self.repos.get(found.group(1).lower()) if found else None
        if repo is None or phrase is None:
            return handler.reply(422, {"message": "Validation Failed"}, headers)
        base = f"{self.url}/repos/{repo.owner}/{repo.name}"
        words = phrase.group(1).split()
        items = [
            dict(self._public(c, base, files=False), score=1.0)
            for c in self._on_branch(repo, None) or []
            if " ".join(c["commit"]["message"].replace('"', " ").split()).find(" ".join(words)) >= 0
        ]
        return handler.reply(
            200, {"total_count": len(items), "incomplete_results": False, "items": items[:100]}, headers
        )

    def _on_branch(self, repo: _Repo, branch: str | None) -> list[dict] | None:
        """The commits the listing of ``branch`` (a branch name or a sha; None: the default branch) holds,
        in its order; None when GitHub knows no such branch or commit."""
        head = repo.head(branch or repo.default_branch)
        if head is not None:
            return repo.reachable(head)
        if branch is None or branch == repo.default_branch:
            return []  # no commit yet
        if any(c["sha"] == branch for c in repo.commits):  # a sha works too
            return repo.reachable(branch)
        if not any(branch in c.get("_branches", ()) for c in repo.commits):
            return None
        ordered = sorted(repo.commits, key=lambda c: c["commit"]["committer"]["date"], reverse=True)
        return [c for c in ordered if branch in c.get("_branches", ())]  # as the test declared it

    def _public(self, commit: dict, base: str, files: bool) -> dict:
        body = {k: v for k, v in commit.items() if not k.startswith("_") and (files or k not in ("files", "stats"))}
        body["url"] = f"{base}/commits/{commit['sha']}"
        return body

    def _list(self, handler, repo, base, query, headers) -> None:
        commits = self._on_branch(repo, query.get("sha"))
        if commits is None:
            return handler.reply(404, {"message": f"No commit found for SHA: {query.get('sha')}"}, headers)
        since = _parse_time(query["since"]) if "since" in query else None
        until = _parse_time(query["until"]) if "until" in query else None
        chosen = [
            c
            for c in commits
            if (since is None or _parse_time(c["commit"]["committer"]["date"]) >= since)
            and (until is None or _parse_time(c["commit"]["committer"]["date"]) <= until)
        ]
        per_page = min(int(query.get("per_page", 30)), 100)
        page = int(query.get("page", 1))
        items = chosen[(page - 1) * per_page : page * per_page]
        last = max((len(chosen) + per_page - 1) // per_page, 1)
        extra = {k: v for k, v in query.items() if k not in ("page", "per_page")}
        headers = dict(headers)
        link = self._link(f"{base}/commits", extra, per_page, page, last)
        if link:
            headers["Link"] = link
        return handler.reply(200, [self._public(c, base, files=False) for c in items], headers)

    def _detail(self, handler, repo, base, ref, query, headers) -> None:
        commit = next(
            (c for c in repo.commits if c["sha"] == ref or (len(ref) >= 7 and c["sha"].startswith(ref))), None
        )
        if commit is None:
            return handler.reply(
                422 if len(ref) != 40 else 404, {"message": f"No commit found for SHA: {ref}"}, headers
            )
        files = commit.get("files", [])[:MAX_FILES]
        per_page = min(int(query.get("per_page", FILES_PER_PAGE)), FILES_PER_PAGE)
        page = int(query.get("page", 1))
        body = self._public(commit, base, files=True)
        body["files"] = files[(page - 1) * per_page : page * per_page]
        last = max((len(files) + per_page - 1) // per_page, 1)
        headers = dict(headers)
        link = self._link(f"{base}/commits/{commit['sha']}", {}, per_page, page, last)
        if link:
            headers["Link"] = link
        return handler.reply(200, body, headers)

    @staticmethod
    def _link(url: str, params: dict, per_page: int, page: int, last: int) -> str | None:
        if last <= 1:
            return None

        def at(n: int) -> str:
            query = "&".join(
                f"{k}={quote(str(v), safe='')}" for k, v in {**params, "per_page": per_page, "page": n}.items()
            )
            return f"<{url}?{query}>"

        links = []
        if page > 1:
            links += [f'{at(page - 1)}; rel="prev"', f'{at(1)}; rel="first"']
        if page < last:
            links += [f'{at(page + 1)}; rel="next"', f'{at(last)}; rel="last"']
        return ", ".join(links) or None


class _Handler(BaseHTTPRequestHandler):
    app: GitHubServer
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        # headers and body go out in two writes: without this, Nagle + delayed ACK add ~40 ms each
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        try:
            self.app.handle(self)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        try:
            self.app.handle_post(self)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def reply(self, status: int, body, headers: dict[str, str]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format, *args) -> None:  # quiet
        pass
