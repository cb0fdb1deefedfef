"""GitHub's pull-request answers (GraphQL node, REST listing, cache JSON) <-> the PullRequest record.

The GraphQL query asks for the pull request of up to 50 commits at once: one alias per commit,
``cN: object(oid: $oN) { ...PullRequestOfCommit }``, the oids sent as ``GitObjectID!`` variables.
"""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import datetime

from ..models import Commit, IssueRef, PullRequest
from .github_shape import parse_date

FRAGMENT = """fragment PullRequestOfCommit on Commit {
  associatedPullRequests(first: 1) {
    nodes {
      number title body url mergedAt reviewDecision
      labels(first: 20) { nodes { name } }
      author { login }
      mergedBy { login }
      baseRepository { nameWithOwner }
      reviews(states: [APPROVED], first: 20) { nodes { author { login } } }
      closingIssuesReferences(first: 10) { nodes { number url title } }
    }
  }
}"""


def build_query(count: int) -> str:
    """The GraphQL query for ``count`` commits (variables ``owner``, ``name``, ``o0`` .. ``o{count-1}``)."""
    params = "".join(f", $o{i}: GitObjectID!" for i in range(count))
    aliases = "\n    ".join(f"c{i}: object(oid: $o{i}) {{ ...PullRequestOfCommit }}" for i in range(count))
    return (f"query PullRequestsOfCommits($owner: String!, $name: String!{params}) {{\n"
            f"  rateLimit {{ cost remaining resetAt }}\n"
            f"  repository(owner: $owner, name: $name) {{\n    {aliases}\n  }}\n}}\n{FRAGMENT}\n")


# -- shapes ------------------------------------------------------------------------------------------

def _login(actor) -> str | None:
    return actor.get("login") if isinstance(actor, dict) and isinstance(actor.get("login"), str) else None


def _nodes(connection) -> list[dict]:
    nodes = connection.get("nodes") if isinstance(connection, dict) else None
    return [n for n in nodes or [] if isinstance(n, dict)]


def _when(text) -> datetime | None:
    try:
        return parse_date(text) if isinstance(text, str) and text else None
    except ValueError:
        return None


def from_graphql(node: dict) -> PullRequest:
    """A ``PullRequest`` GraphQL node -> PullRequest (missing or odd fields become empty)."""
    approvers = dict.fromkeys(a for a in (_login(r.get("author")) for r in _nodes(node.get("reviews"))) if a)
    issues = tuple(IssueRef(int(i["number"]), str(i.get("url") or ""), str(i.get("title") or ""))
                   for i in _nodes(node.get("closingIssuesReferences")) if isinstance(i.get("number"), int))
    return PullRequest(
        number=int(node["number"]), url=str(node.get("url") or ""), title=str(node.get("title") or ""),
        body=str(node.get("body") or ""),
        labels=tuple(str(n["name"]) for n in _nodes(node.get("labels")) if isinstance(n.get("name"), str)),
        author=_login(node.get("author")), merged_by=_login(node.get("mergedBy")),
        merged_at=_when(node.get("mergedAt")),
        review_decision=node.get("reviewDecision") if isinstance(node.get("reviewDecision"), str) else None,
        approvers=tuple(approvers), closes_issues=issues,
        base_repo=str((node.get("baseRepository") or {}).get("nameWithOwner") or ""), source="graphql")


def first_pull(connection: dict) -> PullRequest | None:
    """The first pull request of an ``associatedPullRequests`` connection, or None."""
    nodes = [n for n in _nodes(connection) if isinstance(n.get("number"), int)]
    return from_graphql(nodes[0]) if nodes else None


def from_rest(pull) -> PullRequest:
    """A PyGithub ``PullRequest`` of the commit's ``/pulls`` listing -> PullRequest (only listed fields:
    reading any other would cost one more request)."""
    base = pull.base.repo.full_name if pull.base is not None and pull.base.repo is not None else ""
    return PullRequest(number=pull.number, url=pull.html_url or "", title=pull.title or "", body=pull.body or "",
                       labels=tuple(label.name for label in pull.labels or ()),
                       author=pull.user.login if pull.user is not None else None, merged_at=pull.merged_at,
                       base_repo=base or "", source="rest")


def to_json(pr: PullRequest) -> dict:
    """PullRequest -> the cache's JSON."""
    data = asdict(pr)
    data["merged_at"] = pr.merged_at.isoformat() if pr.merged_at else None
    return data


def from_json(data: dict) -> PullRequest:
    """The cache's JSON -> PullRequest."""
    issues = tuple(IssueRef(**i) for i in data.get("closes_issues") or ())
    return PullRequest(**{**data, "labels": tuple(data.get("labels") or ()), "approvers": tuple(data.get("approvers") or ()),
                          "closes_issues": issues, "merged_at": _when(data.get("merged_at"))})


def with_pull_request(commit: Commit, pr: PullRequest) -> Commit:
    """``commit`` with its pull request attached; its number and page replace the title's."""
    return replace(commit, pull_request=pr, pr_number=pr.number, pr_url=pr.url or commit.pr_url)
