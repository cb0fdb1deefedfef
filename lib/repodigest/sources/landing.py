"""What each merge of the branch's first-parent line landed: the history model's one rule, for every
source (docs/sources.md#the-history-model)."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence


def landed_by(
    merges: Sequence[tuple[str, Sequence[str]]], side: Mapping[str, Sequence[str]], boundary: Collection[str] = ()
) -> dict[str, list[str]]:
    """merge sha -> the commits it landed, in walk order. ``merges``: (sha, parents) of the line's merges,
    oldest first; ``side``: sha -> parents of the commits off the line that the range holds. A commit
    belongs to the first merge that reaches it through its other parents; merges among them are only how
    the others travelled: not landed.

    A merge that reaches a root commit (no parent; ``boundary``: a shallow clone's boundary commits, whose
    parents are missing, not absent) brings in a history of its own: ``git subtree add``, ``git merge
    --allow-unrelated-histories``. It lands nothing and reads as one change, its diff against its first
    parent: the imported commits name the paths of another tree (its ``pyproject.toml`` is not this
    repository's) and record work done elsewhere, over years, that this line received on one day."""
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
        imported = any(not side[commit] and commit not in boundary for commit in found)
        landed[sha] = [] if imported else found
    return landed
