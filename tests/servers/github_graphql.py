"""GitHub's GraphQL API for the local test server: the part of GitHub's schema repodigest reads.

The schema below copies GitHub's own names and types (``Repository.object(oid: GitObjectID)``,
``Commit.associatedPullRequests``, ``PullRequest.closingIssuesReferences``, ``reviewDecision``,
``rateLimit { cost remaining resetAt }`` ...), so a query with a misspelt field or a wrong type
fails here as it would on GitHub. Queries are validated and executed by graphql-core; errors
carry GitHub's top-level ``type`` (``NOT_FOUND``, ``FORBIDDEN`` ...). The point cost follows
GitHub's documented formula: each connection costs the product of its ancestors' ``first``,
summed, divided by 100, rounded (half up, as GitHub's Ruby rounds), at least 1.

Pull requests are kept in one neutral shape (:func:`make_pull`) and rendered both as GraphQL
nodes and as REST objects (``GET /repos/{o}/{r}/commits/{sha}/pulls``). A pull request's ``commits``
(shas of commits the server holds) are rendered as GitHub's ``PullRequest.commits`` connection.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from urllib.parse import urlsplit

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    VariableNode,
    build_schema,
    execute,
    parse,
    validate,
)

SDL = """
scalar GitObjectID
scalar DateTime
scalar GitTimestamp
scalar URI

type Query {
  repository(owner: String!, name: String!, followRenames: Boolean = true): Repository
  rateLimit(dryRun: Boolean = false): RateLimit
}
type RateLimit { cost: Int! limit: Int! nodeCount: Int! remaining: Int! resetAt: DateTime! used: Int! }
type Repository {
  nameWithOwner: String!
  object(oid: GitObjectID, expression: String): GitObject
}
interface GitObject { oid: GitObjectID! }
type Blob implements GitObject { oid: GitObjectID! }
type Commit implements GitObject {
  oid: GitObjectID!
  message: String!
  messageHeadline: String!
  authoredDate: DateTime!
  committedDate: DateTime!
  author: GitActor
  additions: Int!
  deletions: Int!
  associatedPullRequests(first: Int, last: Int, after: String, before: String): PullRequestConnection
}
type GitActor { name: String email: String date: GitTimestamp user: User }
interface Actor { login: String! }
type User implements Actor { login: String! }
type Bot implements Actor { login: String! }
enum PullRequestReviewDecision { APPROVED CHANGES_REQUESTED REVIEW_REQUIRED }
enum PullRequestReviewState { PENDING COMMENTED APPROVED CHANGES_REQUESTED DISMISSED }
type PullRequestConnection { nodes: [PullRequest] totalCount: Int! }
type PullRequest {
  number: Int!
  title: String!
  body: String!
  url: URI!
  mergedAt: DateTime
  reviewDecision: PullRequestReviewDecision
  author: Actor
  mergedBy: Actor
  baseRepository: Repository
  labels(first: Int, last: Int, after: String, before: String): LabelConnection
  reviews(first: Int, last: Int, after: String, before: String, states: [PullRequestReviewState!], author: String): PullRequestReviewConnection
  closingIssuesReferences(first: Int, last: Int, after: String, before: String): IssueConnection
  commits(first: Int, last: Int, after: String, before: String): PullRequestCommitConnection!
}
type PullRequestCommitConnection { nodes: [PullRequestCommit] totalCount: Int! }
type PullRequestCommit { commit: Commit! }
type LabelConnection { nodes: [Label] totalCount: Int! }
type Label { name: String! }
type PullRequestReviewConnection { nodes: [PullRequestReview] totalCount: Int! }
type PullRequestReview { author: Actor state: PullRequestReviewState! }
type IssueConnection { nodes: [Issue] totalCount: Int! }
type Issue { number: Int! url: URI! title: String! }
"""

CONNECTIONS = {"associatedPullRequests", "labels", "reviews", "closingIssuesReferences", "commits"}
MAX_FIRST = 100


def make_pull(
    number: int,
    title: str | None = None,
    *,
    body: str = "",
    labels=(),
    author: str = "jane",
    merged_by: str | None = "maintainer",
    approvers=(),
    reviewers_commented=(),
    closes=(),
    base: str = "o/r",
    merged_at: str | None = "2026-02-16T03:00:00Z",
    review_decision: str | None = "APPROVED",
    commits=(),
) -> dict:
    """One pull request in a neutral shape; ``closes``: (number, title) pairs of issues in ``base``;
    ``commits``: the shas of its commits (held by the server), oldest first."""
    return {
        "number": number,
        "title": title if title is not None else f"Change {number}",
        "body": body,
        "commits": list(commits),
        "labels": list(labels),
        "author": author,
        "merged_by": merged_by,
        "merged_at": merged_at,
        "approvers": list(approvers),
        "commented": list(reviewers_commented),
        "base": base,
        "review_decision": review_decision,
        "closes": [{"number": n, "title": t, "url": f"https://github.com/{base}/issues/{n}"} for n, t in closes],
    }


def _actor(login):
    if not login:
        return None
    return {"__typename": "Bot" if login.endswith("[bot]") else "User", "login": login}


def graphql_commit(commit: dict) -> dict:
    """A commit the server holds (GitHub's REST shape) as a GraphQL ``Commit`` value."""
    info = commit["commit"]
    message = info.get("message") or ""
    files = commit.get("files") or []
    login = (commit.get("author") or {}).get("login")
    return {
        "__typename": "Commit",
        "oid": commit["sha"],
        "message": message,
        "messageHeadline": message.split("\n", 1)[0],
        "authoredDate": info["author"]["date"],
        "committedDate": info["committer"]["date"],
        "author": {
            "name": info["author"].get("name"),
            "email": info["author"].get("email"),
            "date": info["author"]["date"],
            "user": {"__typename": "User", "login": login} if login else None,
        },
        "additions": sum(int(f.get("additions") or 0) for f in files),
        "deletions": sum(int(f.get("deletions") or 0) for f in files),
    }


def graphql_node(pull: dict, commit_of=lambda sha: None) -> dict:
    """The neutral pull request as a GraphQL ``PullRequest`` value (connections resolved below);
    ``commit_of``: sha -> the held commit's GraphQL value, or None."""
    reviews = [{"author": _actor(a), "state": "APPROVED"} for a in pull["approvers"]] + [
        {"author": _actor(a), "state": "COMMENTED"} for a in pull["commented"]
    ]
    return {
        "number": pull["number"],
        "title": pull["title"],
        "body": pull["body"],
        "url": f"https://github.com/{pull['base']}/pull/{pull['number']}",
        "mergedAt": pull["merged_at"],
        "reviewDecision": pull["review_decision"],
        "author": _actor(pull["author"]),
        "mergedBy": _actor(pull["merged_by"]),
        "baseRepository": {"nameWithOwner": pull["base"]},
        "_labels": [{"name": n} for n in pull["labels"]],
        "_reviews": reviews,
        "_closing": pull["closes"],
        "_commits": [{"commit": c} for c in map(commit_of, pull.get("commits") or ()) if c is not None],
    }


def rest_pull(pull: dict, api_url: str) -> dict:
    """The neutral pull request as GitHub's REST "pull request simple" (the commit's /pulls listing)."""
    owner, name = pull["base"].split("/", 1)
    base_api = f"{api_url}/repos/{pull['base']}"
    return {
        "url": f"{base_api}/pulls/{pull['number']}",
        "id": 100000 + pull["number"],
        "number": pull["number"],
        "state": "closed" if pull["merged_at"] else "open",
        "title": pull["title"],
        "body": pull["body"] or None,
        "html_url": f"https://github.com/{pull['base']}/pull/{pull['number']}",
        "user": {"login": pull["author"], "id": 1, "type": "User"},
        "labels": [{"id": i, "name": n, "color": "ededed", "default": False} for i, n in enumerate(pull["labels"])],
        "merged_at": pull["merged_at"],
        "draft": False,
        "base": {
            "ref": "main",
            "label": f"{owner}:main",
            "repo": {
                "id": 1,
                "name": name,
                "full_name": pull["base"],
                "owner": {"login": owner},
                "url": base_api,
                "html_url": f"https://github.com/{pull['base']}",
            },
        },
        "head": {"ref": f"feature-{pull['number']}", "label": f"{pull['author']}:feature-{pull['number']}"},
    }


def _slice(items: list, first=None, last=None) -> list:
    if first is not None:
        return items[:first]
    return items[-last:] if last else items


def _schema():
    schema = build_schema(SDL)
    fields = {name: schema.get_type(name).fields for name in ("Query", "Repository", "Commit", "PullRequest")}
    fields["Query"]["repository"].resolve = lambda root, info, owner, name, **_: root.graphql_repository(owner, name)
    fields["Query"]["rateLimit"].resolve = lambda root, info, **_: info.context["rate"]
    fields["Repository"]["nameWithOwner"].resolve = lambda repo, info: (
        repo["nameWithOwner"] if isinstance(repo, dict) else f"{repo.owner}/{repo.name}"
    )
    fields["Repository"]["object"].resolve = lambda repo, info, oid=None, **_: info.root_value.graphql_object(repo, oid)
    fields["Commit"]["associatedPullRequests"].resolve = lambda commit, info, first=None, last=None, **_: (
        {"nodes": _slice(commit["_pulls"], first, last), "totalCount": len(commit["_pulls"])}
    )
    fields["PullRequest"]["labels"].resolve = lambda pr, info, first=None, last=None, **_: (
        {"nodes": _slice(pr["_labels"], first, last), "totalCount": len(pr["_labels"])}
    )
    fields["PullRequest"]["closingIssuesReferences"].resolve = lambda pr, info, first=None, last=None, **_: (
        {"nodes": _slice(pr["_closing"], first, last), "totalCount": len(pr["_closing"])}
    )
    fields["PullRequest"]["commits"].resolve = lambda pr, info, first=None, last=None, **_: (
        {"nodes": _slice(pr["_commits"], first, last), "totalCount": len(pr["_commits"])}
    )

    def reviews(pr, info, first=None, last=None, states=None, **_):
        chosen = [r for r in pr["_reviews"] if not states or r["state"] in states]
        return {"nodes": _slice(chosen, first, last), "totalCount": len(chosen)}

    fields["PullRequest"]["reviews"].resolve = reviews
    return schema


SCHEMA = _schema()


def _int_argument(field: FieldNode, names: tuple[str, ...], variables: dict) -> int | None:
    for argument in field.arguments or ():
        if argument.name.value in names:
            value = argument.value
            if isinstance(value, VariableNode):
                return variables.get(value.name.value)
            return int(value.value)
    return None


def cost_and_limits(document, variables: dict) -> tuple[int, list[str]]:
    """GitHub's point cost of ``document``, and its pagination errors (connections need first/last <= 100)."""
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    total, problems = 0, []

    def walk(selection_set, multiplier: int) -> None:
        nonlocal total
        for selection in selection_set.selections:
            if isinstance(selection, FragmentSpreadNode):
                walk(fragments[selection.name.value].selection_set, multiplier)
            elif isinstance(selection, InlineFragmentNode):
                walk(selection.selection_set, multiplier)
            elif isinstance(selection, FieldNode):
                size, inner = None, multiplier
                if selection.name.value in CONNECTIONS:
                    size = _int_argument(selection, ("first", "last"), variables)
                    if size is None:
                        problems.append(
                            f"You must provide a `first` or `last` value to properly paginate "
                            f"the `{selection.name.value}` connection."
                        )
                    elif size > MAX_FIRST:
                        problems.append(
                            f"Requesting {size} records on the `{selection.name.value}` connection "
                            f"exceeds the `first` limit of {MAX_FIRST} records."
                        )
                    total += multiplier
                    inner = multiplier * (size or 1)
                if selection.selection_set is not None:
                    walk(selection.selection_set, inner)

    walk(operation.selection_set, 1)
    return max(1, math.floor(total / 100 + 0.5)), problems


def github_error(message: str, kind: str | None = None, path=None) -> dict:
    error = {"message": message}
    if kind:
        error["type"] = kind
    if path:
        error["path"] = path
    return error


def run_query(root, query: str, variables: dict, rate: dict) -> tuple[dict, int]:
    """Execute one request's query: (GitHub-shaped answer, points charged)."""
    try:
        document = parse(query)
    except GraphQLError as exc:
        return {"errors": [github_error(exc.message)]}, 0
    invalid = validate(SCHEMA, document)
    if invalid:
        return {"errors": [github_error(e.message) for e in invalid]}, 0
    cost, problems = cost_and_limits(document, variables)
    if problems:
        return {"errors": [github_error(p, "MISSING_PAGINATION_BOUNDARIES") for p in problems]}, 0
    rate = {**rate, "cost": cost, "remaining": max(rate["remaining"] - cost, 0), "used": rate["used"] + cost}
    result = execute(SCHEMA, document, root_value=root, variable_values=variables, context_value={"rate": rate})
    answer: dict = {"data": result.data}
    if result.errors:
        answer["errors"] = [github_error(e.message, (e.extensions or {}).get("type"), e.path) for e in result.errors]
    return answer, cost


class PullRequestsMixin:
    """The pull-request half of the GitHub test server: ``POST /graphql`` and the commit's ``/pulls``.

    Needs from the server: ``repos`` (owner/name -> repo with ``commits``, ``pulls``, ``known``),
    ``lock``, ``token``, ``graphql_points``, ``graphql_queries``, ``object_errors``, ``_admit``, ``url``.
    """

    def add_pull(self, pull: dict, shas, full_name: str | None = None) -> None:
        """Associate the pull request ``pull`` (:func:`make_pull`) with commits ``shas``."""
        repo = self.repos[full_name.lower()] if full_name else next(iter(self.repos.values()))
        for sha in shas:
            repo.pulls.setdefault(sha, []).append(pull)
            repo.known.add(sha)

    def add_known(self, shas, full_name: str | None = None) -> None:
        """Commits GitHub knows without a pull request (pushed straight to the branch)."""
        repo = self.repos[full_name.lower()] if full_name else next(iter(self.repos.values()))
        repo.known.update(shas)

    def _pulls(self, handler, repo, ref, headers) -> None:
        if len(ref) != 40 or not (ref in repo.known or any(c["sha"] == ref for c in repo.commits)):
            return handler.reply(422, {"message": f"No commit found for SHA: {ref}"}, headers)
        return handler.reply(200, [rest_pull(p, self.url) for p in repo.pulls.get(ref, [])], headers)

    # -- GraphQL ---------------------------------------------------------------------------------
    def handle_post(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        path = urlsplit(handler.path).path
        if path.rstrip("/") != "/graphql":
            self._admit(handler, "other", path)
            return handler.reply(404, {"message": "Not Found"}, {})
        headers, auth = self._admit(handler, "graphql", path)
        if headers is None:
            return
        if auth is None:
            return handler.reply(
                401,
                {
                    "message": "This endpoint requires you to be authenticated.",
                    "documentation_url": "https://docs.github.com/graphql",
                },
                headers,
            )
        if self.token is not None and auth.split()[-1] != self.token:
            return handler.reply(401, {"message": "Bad credentials"}, headers)
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            return handler.reply(400, {"message": "Problems parsing JSON"}, headers)
        query, variables = body.get("query") or "", body.get("variables") or {}
        with self.lock:
            self.graphql_queries.append((query, variables))
            used = self.graphql_points
        rate = {
            "limit": 5000,
            "used": used,
            "remaining": 5000 - used,
            "nodeCount": 0,
            "resetAt": datetime.fromtimestamp(int(headers["X-RateLimit-Reset"]), UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        answer, cost = run_query(self, query, variables, rate)
        with self.lock:
            self.graphql_points += cost
        return handler.reply(200, answer, headers)

    def graphql_repository(self, owner: str, name: str):
        repo = self.repos.get(f"{owner}/{name}".lower())
        if repo is None:
            raise GraphQLError(
                f"Could not resolve to a Repository with the name '{owner}/{name}'.", extensions={"type": "NOT_FOUND"}
            )
        return repo

    def graphql_object(self, repo, oid: str | None) -> dict | None:
        refusal = self.object_errors.get(oid or "") or self.object_errors.get("*")
        if refusal is not None:
            raise GraphQLError(refusal[1], extensions={"type": refusal[0]})
        held = {c["sha"]: c for c in repo.commits}
        if not oid or not (oid in repo.known or oid in held):
            return None  # GitHub answers null for an object it does not have
        node = (
            graphql_commit(held[oid])
            if oid in held
            else {
                "__typename": "Commit",
                "oid": oid,
                "message": "",
                "messageHeadline": "",
                "authoredDate": "",
                "committedDate": "",
                "author": None,
                "additions": 0,
                "deletions": 0,
            }
        )

        def commit_of(sha: str) -> dict | None:
            return graphql_commit(held[sha]) if sha in held else None

        return {**node, "_pulls": [graphql_node(p, commit_of) for p in repo.pulls.get(oid, [])]}
