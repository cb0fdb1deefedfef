"""What each merge of the branch's first-parent line landed: the history model's one rule, for every
source (docs/sources.md#the-history-model)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence


def landed_by(merges: Sequence[tuple[str, Sequence[str]]], side: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """merge sha -> the commits it landed, in walk order. ``merges``: (sha, parents) of the line's merges,
    oldest first; ``side``: sha -> parents of the commits off the line that the range holds. A commit
    belongs to the first merge that reaches it through its other parents; merges among them are only how
    the others travelled: not landed."""
    taken: set[str] = set()
    landed: dict[str, list[str]] = {}
    for sha, parents in merges:
        stack, found = list(parents[1:]), []
        while stack:
            commit = stack.pop()
            if commit in taken or commit not in side:
                continue
            taken.add(commit)
            if len(side[commit]) <= 1:
                found.append(commit)
            stack.extend(side[commit])
        landed[sha] = found
    return landed
