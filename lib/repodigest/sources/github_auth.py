"""The GitHub token: only from ``$GITHUB_TOKEN``, read without loading PyGithub (a run without a token
never imports it)."""

from __future__ import annotations

import os


def github_token() -> str:
    """``$GITHUB_TOKEN`` (stripped), or "" when it is not set."""
    return os.environ.get("GITHUB_TOKEN", "").strip()


def can_look_up() -> bool:
    """GitHub's GraphQL API needs a token: without ``$GITHUB_TOKEN`` no lookup is tried."""
    return bool(github_token())
