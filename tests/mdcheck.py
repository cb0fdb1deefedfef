"""Checks on rendered Markdown shared by the report tests."""

import re


def anchors_resolve(md: str) -> int:
    """Assert every in-page link has an explicit ``<a id>`` target; return the number of links."""
    ids = set(re.findall(r'<a id="([a-z0-9-]+)"></a>', md))
    links = re.findall(r"\]\(#([^)]+)\)", md)
    assert links and set(links) <= ids, set(links) - ids
    return len(links)


def entry_of(md: str, short_sha: str) -> str:
    """The entry of a commit: from its anchor to the rule that ends it."""
    start = md.index(f'<a id="{short_sha}"></a>')
    return md[start : md.index("\n---\n", start)]
