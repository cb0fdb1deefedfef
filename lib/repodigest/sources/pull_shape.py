"""GitHub's pull-request answers (GraphQL node, REST listing, cache JSON) <-> the PullRequest record.

The GraphQL query asks for the pull request of up to 50 commits at once: one alias per commit,
``cN: object(oid: $oN) { ...PullRequestOfCommit }``, the oids sent as ``GitObjectID!`` variables; with
each pull request its first 100 commits (author, dates, title, line counts: no files), which a merge
that landed it takes as the commits it merged (:func:`with_pull_request`).
"""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import datetime

from ..models import Commit, IssueRef, PullCommit, PullRequest
from .github_shape import parse_date
from .message import merge_title

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
      commits(first: 100) {
        totalCount
        nodes { commit { oid messageHeadline authoredDate committedDate additions deletions
                         author { name email user { login } } } }
      }
    }
  }
}"""


def build_query(count: int) -> str:
    """The GraphQL query for ``count`` commits (variables ``owner``, ``name``, ``o0`` .. ``o{count-1}``)."""
    params = "".join(f", $o{i}: GitObjectID!" for i in range(count))
    aliases = "\n    ".join(f"c{i}: object(oid: $o{i}) {{ ...PullRequestOfCommit }}" for i in range(count))
    return (
        f"query PullRequestsOfCommits($owner: String!, $name: String!{params}) {{\n"
        f"  rateLimit {{ cost remaining resetAt }}\n"
        f"  repository(owner: $owner, name: $name) {{\n    {aliases}\n  }}\n}}\n{FRAGMENT}\n"
    )


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


def _pull_commit(node: dict) -> PullCommit | None:
    """A ``PullRequestCommit`` node -> PullCommit (None when a field it needs is missing)."""
    commit = found if isinstance(found := node.get("commit"), dict) else {}
    author = found if isinstance(found := commit.get("author"), dict) else {}
    authored, committed = _when(commit.get("authoredDate")), _when(commit.get("committedDate"))
    if not isinstance(commit.get("oid"), str) or authored is None or committed is None:
        return None
    return PullCommit(
        sha=commit["oid"],
        title=str(commit.get("messageHeadline") or ""),
        author_name=str(author.get("name") or ""),
        author_email=str(author.get("email") or ""),
        author_login=_login(author.get("user")),
        authored_at=authored,
        committed_at=committed,
        added_lines=int(commit.get("additions") or 0),
        deleted_lines=int(commit.get("deletions") or 0),
    )


def from_graphql(node: dict) -> PullRequest:
    """A ``PullRequest`` GraphQL node -> PullRequest (missing or odd fields become empty)."""
    approvers = dict.fromkeys(a for a in (_login(r.get("author")) for r in _nodes(node.get("reviews"))) if a)
    issues = tuple(
        IssueRef(int(i["number"]), str(i.get("url") or ""), str(i.get("title") or ""))
        for i in _nodes(node.get("closingIssuesReferences"))
        if isinstance(i.get("number"), int)
    )
    return PullRequest(
        number=int(node["number"]),
        url=str(node.get("url") or ""),
        title=str(node.get("title") or ""),
        body=str(node.get("body") or ""),
        labels=tuple(str(n["name"]) for n in _nodes(node.get("labels")) if isinstance(n.get("name"), str)),
        author=_login(node.get("author")),
        merged_by=_login(node.get("mergedBy")),
        merged_at=_when(node.get("mergedAt")),
        review_decision=node.get("reviewDecision") if isinstance(node.get("reviewDecision"), str) else None,
        approvers=tuple(approvers),
        closes_issues=issues,
        base_repo=str((node.get("baseRepository") or {}).get("nameWithOwner") or ""),
        source="graphql",
        commits=tuple(c for c in map(_pull_commit, _nodes(node.get("commits"))) if c is not None),
        commit_count=(node.get("commits") or {}).get("totalCount") if isinstance(node.get("commits"), dict) else None,
    )


def first_pull(connection: dict) -> PullRequest | None:
    """The first pull request of an ``associatedPullRequests`` connection, or None."""
    nodes = [n for n in _nodes(connection) if isinstance(n.get("number"), int)]
    return from_graphql(nodes[0]) if nodes else None


def from_rest(pull) -> PullRequest:
    """A PyGithub ``PullRequest`` of the commit's ``/pulls`` listing -> PullRequest (only listed fields:
    reading any other would cost one more request)."""
    base = pull.base.repo.full_name if pull.base is not None and pull.base.repo is not None else ""
    return PullRequest(
        number=pull.number,
        url=pull.html_url or "",
        title=pull.title or "",
        body=pull.body or "",
        labels=tuple(label.name for label in pull.labels or ()),
        author=pull.user.login if pull.user is not None else None,
        merged_at=pull.merged_at,
        base_repo=base or "",
        source="rest",
    )


def to_json(pr: PullRequest) -> dict:
    """PullRequest -> the cache's JSON."""
    data = asdict(pr)
    data["merged_at"] = pr.merged_at.isoformat() if pr.merged_at else None
    for commit in data["commits"]:
        commit["authored_at"], commit["committed_at"] = (
            commit["authored_at"].isoformat(),
            commit["committed_at"].isoformat(),
        )
    return data


def from_json(data: dict) -> PullRequest:
    """The cache's JSON -> PullRequest."""
    issues = tuple(IssueRef(**i) for i in data.get("closes_issues") or ())
    commits = tuple(
        PullCommit(**{**c, "authored_at": _when(c["authored_at"]), "committed_at": _when(c["committed_at"])})
        for c in data.get("commits") or ()
    )
    return PullRequest(
        **{
            **data,
            "labels": tuple(data.get("labels") or ()),
            "approvers": tuple(data.get("approvers") or ()),
            "closes_issues": issues,
            "merged_at": _when(data.get("merged_at")),
            "commits": commits,
        }
    )


def with_pull_request(commit: Commit, pr: PullRequest) -> Commit:
    """``commit`` with its pull request attached; its number and page replace the title's, and its title
    replaces a merge title's guess (a merge's, or a cherry-picked merge's on one parent). A merge also
    takes the pull request's commits as commits it landed (:func:`landed_from_pull`)."""
    merged = landed_from_pull(commit, pr) if commit.is_merge else commit.merged
    title = pr.title if pr.title.strip() and merge_title(commit.subject, "") is not None else commit.title
    return replace(
        commit, pull_request=pr, pr_number=pr.number, pr_url=pr.url or commit.pr_url, merged=merged, title=title
    )


def landed_from_pull(merge: Commit, pr: PullRequest) -> tuple[Commit, ...]:
    """What ``merge`` landed: its ``merged``, with the pull request's commits it does not hold (a source that
    lists the window only misses those committed before it) and their line counts where its own are not
    known (listed, no files); newest first. A pull request's commit titled as a merge (``Merge branch
    'main' into ...``) is only how commits travelled, and GitHub gives no parents to tell it otherwise: left out."""
    found = {c.sha: c for c in merge.merged}
    page = pr.url.split("/pull/")[0] if "/pull/" in pr.url else None
    for pc in pr.commits:
        counts = (pc.added_lines, pc.deleted_lines)
        if pc.sha in found:
            known = found[pc.sha]
            if not known.files and known.line_counts is None:
                found[pc.sha] = replace(known, line_counts=counts)
        elif merge_title(pc.title, "") is None:
            found[pc.sha] = Commit(
                repo=merge.repo,
                sha=pc.sha,
                parents=(),
                author_name=pc.author_name,
                author_email=pc.author_email,
                author_date=pc.authored_at,
                committer_name="",
                committer_email="",
                committer_date=pc.committed_at,
                message=pc.title,
                title=pc.title,
                pr_number=None,
                co_authors=(),
                files=(),
                author_login=pc.author_login,
                url=f"{page}/commit/{pc.sha}" if page else None,
                subject=pc.title,
                line_counts=counts,
            )
    return tuple(sorted(found.values(), key=lambda c: (c.committer_date, c.sha), reverse=True))
