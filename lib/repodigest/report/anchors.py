"""Anchor ids for the report's table of contents.

Every TOC target carries an explicit ``<a id="...">`` made of ``[a-z0-9-]`` only, so a link
resolves the same way on GitHub (which prefixes ids but follows ``#id`` links to them), in
nbconvert's HTML and in any CommonMark renderer, whatever the heading text is.
"""

from __future__ import annotations

import re


def slug(text: str) -> str:
    """Lower-case ASCII letters, digits and single dashes."""
    return re.sub(r"-{2,}", "-", re.sub(r"[^a-z0-9]+", "-", text.lower())).strip("-")


class AnchorSet:
    """Hands out unique ids: the wanted one, or it with ``-2``, ``-3``... when already taken."""

    def __init__(self) -> None:
        self._taken: set[str] = set()

    def make(self, wanted: str, fallback: str = "section") -> str:
        base = slug(wanted) or fallback
        anchor, n = base, 1
        while anchor in self._taken:
            n += 1
            anchor = f"{base}-{n}"
        self._taken.add(anchor)
        return anchor
