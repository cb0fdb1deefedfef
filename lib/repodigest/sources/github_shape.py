"""GitHub's REST commit JSON <-> repodigest's Commit: what the cache keeps, and how it maps.

Binary rule: GitHub sends no ``patch`` for binary files and counts 0 changes; a file without a
patch, with 0 changes and not a pure rename is binary (its line counts are None, not 0).
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from ..models import Commit, FileChange
from .message import landed_title, parse_co_authors, parse_pr_number, split_message

SHAPE_VERSION = "1"  # the version of the cached commit and listing tables: bump when the trimmed shape changes
FILES_CAP = 3000  # GitHub returns at most this many files of one commit

_STATUS = {
    "added": "added",
    "modified": "modified",
    "removed": "deleted",
    "renamed": "renamed",
    "copied": "copied",
    "changed": "type_changed",
    "unchanged": "unknown",
}
_FILE_KEYS = ("filename", "status", "additions", "deletions", "changes", "patch", "previous_filename")


def parse_date(text: str) -> datetime:
    """GitHub's ISO 8601 date (``...Z``) as an aware datetime."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def trim(data: dict, files: list[dict]) -> dict:
    """The part of GitHub's commit JSON the Commit needs, patches included (what the cache stores)."""
    info = data.get("commit") or {}
    return {
        "sha": data["sha"],
        "html_url": data.get("html_url"),
        "parents": [p["sha"] for p in data.get("parents") or []],
        "commit": {"author": info.get("author"), "committer": info.get("committer"), "message": info.get("message")},
        "author_login": (data.get("author") or {}).get("login"),
        "files": [{k: f[k] for k in _FILE_KEYS if f.get(k) is not None} for f in files],
        "total_files": len(files),
    }


def trim_listed(data: dict) -> dict:
    """A commit of the listing (which has no files) in the cache's shape, without ``files``: enough for
    the first-parent walk (``parents``) and for a commit a merge landed (author, dates, message)."""
    trimmed = trim(data, [])
    del trimmed["files"], trimmed["total_files"]
    return trimmed


def file_change(f: dict) -> FileChange:
    """GitHub's file entry -> FileChange (see the module docstring for the binary rule)."""
    status = _STATUS.get(f.get("status", ""), "unknown")
    patch = f.get("patch")
    binary = patch is None and not f.get("changes") and status != "renamed"
    return FileChange(
        path=f["filename"],
        status=status,
        added_lines=None if binary else int(f.get("additions") or 0),
        deleted_lines=None if binary else int(f.get("deletions") or 0),
        old_path=f.get("previous_filename"),
        binary=binary,
        patch=patch,
    )


def render_diff(files) -> str:
    """``diff --git`` text from FileChange records that carry GitHub's per-file ``patch``."""
    out: list[str] = []
    for f in files:
        old = f.old_path or f.path
        out.append(f"diff --git a/{old} b/{f.path}")
        if f.status == "renamed" and f.old_path:
            out += [f"rename from {f.old_path}", f"rename to {f.path}"]
        elif f.status == "copied" and f.old_path:
            out += [f"copy from {f.old_path}", f"copy to {f.path}"]
        elif f.status == "added":
            out.append("new file mode 100644")
        elif f.status == "deleted":
            out.append("deleted file mode 100644")
        src = "/dev/null" if f.status == "added" else f"a/{old}"
        dst = "/dev/null" if f.status == "deleted" else f"b/{f.path}"
        if f.binary:
            out.append(f"Binary files {src} and {dst} differ")
        elif f.patch:
            out += [f"--- {src}", f"+++ {dst}", f.patch.rstrip("\n")]
        elif f.churn:
            out.append(f"(diff not available from GitHub: +{f.added_lines or 0} -{f.deleted_lines or 0})")
    return "\n".join(out) + ("\n" if out else "")


def to_commit(raw: dict, repo_name: str, full_name: str, merged: tuple[Commit, ...] = ()) -> Commit:
    """A cached (trimmed) GitHub commit -> Commit; the PR link is built on the commit page's host. A merge
    title names what it landed (:func:`~repodigest.sources.message.landed_title`) and carries
    ``merged``; a listed commit (no ``files`` key) has no files."""
    info = raw["commit"]
    message = info.get("message") or ""
    subject, body = split_message(message)
    pr = parse_pr_number(subject)
    parents = tuple(raw.get("parents", ()))
    html_url = raw.get("html_url")
    pr_url = None
    if pr and html_url:
        parts = urlsplit(html_url)
        pr_url = f"{parts.scheme}://{parts.netloc}/{full_name}/pull/{pr}"
    files = tuple(file_change(f) for f in raw.get("files", []))
    author, committer = info.get("author") or {}, info.get("committer") or {}
    return Commit(
        repo=repo_name,
        sha=raw["sha"],
        parents=parents,
        author_name=author.get("name") or "",
        author_email=author.get("email") or "",
        author_date=parse_date(author["date"]),
        committer_name=committer.get("name") or "",
        committer_email=committer.get("email") or "",
        committer_date=parse_date(committer["date"]),
        message=message,
        title=landed_title(subject, body),
        pr_number=pr,
        co_authors=parse_co_authors(message),
        files=files,
        author_login=raw.get("author_login"),
        url=html_url,
        pr_url=pr_url,
        files_truncated=raw.get("total_files", len(files)) >= FILES_CAP,
        merged=merged,
        subject=subject,
    )
