"""The model's claims checked against the commit: code names and paths it writes, and numbers.

**Where names are read.** Every inline code span (text in backticks) of every field of the
analysis that the entry shows: ``change_type``, ``change_type_detail``, ``importance_reason``,
``summary``, ``scope``, ``insight``, ``risks`` (titles and details), ``advice`` (titles and texts),
``closing``. Each name keeps its field (``"summary[0]"``, ``"insight.performance"``,
``"risks[1].details[0]"``, ``"advice[0].text"``) so that the report can mark it in place. Fenced
code blocks (spans over several lines) are code, not names.

**What is a name**, how it is looked up, and what is not checked: :mod:`.code_names`.

**Where a name is found**, in this order: ``"diff"`` (the commit's diff text: file headers,
rename and copy lines, hunk headers, added, deleted and context lines; and the paths of the
commit's files, old paths included), ``"tree"`` (the repository at the commit, through
``tree_lookup``), ``"message"`` (only in the commit message or the pull request's text, which the
model was shown: a name the author wrote is not the model's invention), else ``"nowhere"``; with
no ``tree_lookup`` (a source with patches only), ``"unknown"``. Only ``"nowhere"`` is marked.
Lookups are case-sensitive and literal.

**Numbers** about the change are checked by :mod:`.number_claims`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

from ..i18n import strings
from ..models import FileChange
from .code_names import (
    CODE_SPAN,
    Lookup,
    ParsedName,
    analysis_texts,
    code_spans,
    parse_name,
    span_content,
    spellings,
    word_pattern,
)
from .number_claims import number_mismatches

RULES_VERSION = "2026-12-08.1"  # bump when a rule here, in .code_names or .number_claims changes
WHERE = ("diff", "tree", "message", "nowhere", "unknown")
MARK = "(?)"  # plain text: it reads the same in Markdown, HTML, chat and a terminal

TreeLookup = Callable[[Sequence[str]], tuple[Iterable[str], Iterable[str]]]
"""``words -> (every file path in the repository at the commit, those of words found as whole
words in some file there)``, e.g. ``git ls-tree -r --name-only <sha>`` and one batched ``git grep
-o -h -w -F -e W1 -e W2 ... <sha>`` (``LocalGitSource.tree_lookup``). Called once per analysis,
and a second time with ``_``-prefixed spellings of the words the first call did not find."""


@dataclass(frozen=True)
class NameCheck:
    """One name written in one field, and where it was found."""

    name: str  # as written between the backticks
    field: str  # "summary[0]", "insight.performance", "risks[1].details[0]", ...
    where: str  # diff | tree | message | nowhere | unknown
    kind: str  # path | flag | name


@dataclass(frozen=True)
class Grounding:
    """What :func:`ground_analysis` found: every checked name where it was written, and the number
    claims the data contradicts."""

    names: tuple[NameCheck, ...]  # in order of appearance, one per (name, field)
    number_mismatches: tuple[str, ...]  # claims as written ("adds 120 lines"), in order
    tree_checked: bool  # a tree lookup was made: names outside the diff are "tree" or "nowhere"

    @property
    def ungrounded(self) -> tuple[str, ...]:
        """The names found nowhere, each once, in order of appearance: the ones to mark."""
        return tuple(dict.fromkeys(n.name for n in self.names if n.where == "nowhere"))

    @property
    def counts(self) -> dict[str, int]:
        """Distinct names per place found (``WHERE``)."""
        where = {n.name: n.where for n in self.names}
        return {w: sum(1 for v in where.values() if v == w) for w in WHERE}

    def as_record(self) -> dict:
        """JSON-ready, for a cache: ``{"ungrounded", "number_mismatches", "counts", "tree_checked", "rules"}``."""
        return {
            "ungrounded": list(self.ungrounded),
            "number_mismatches": list(self.number_mismatches),
            "counts": self.counts,
            "tree_checked": self.tree_checked,
            "rules": RULES_VERSION,
        }


# ------------------------------------------------------------------------------------------------
# Looking names up


class _Place:
    """Texts and file paths in which names are looked up."""

    def __init__(self, text: str = "", paths: Iterable[str] = (), words: Iterable[str] = ()):
        self.text = text
        self.paths = [p for p in dict.fromkeys(paths) if p]
        self.words = set(words)

    @cached_property
    def _by_part(self) -> dict[str, list[tuple[list[str], int]]]:
        index: dict[str, list[tuple[list[str], int]]] = {}
        for path in self.paths:
            parts = path.split("/")
            for i, part in enumerate(parts):
                index.setdefault(part, []).append((parts, i))
        return index

    @cached_property
    def _stems(self) -> set[str]:
        return {part.split(".", 1)[0] for part in self._by_part} | set(self._by_part)

    @cached_property
    def _extensions(self) -> set[str]:
        return {"." + name.rsplit(".", 1)[1] for name in self._by_part if "." in name.lstrip(".")}

    def has_path(self, query: str) -> bool:
        parts = [p for p in query.split("/") if p]
        if not parts:
            return False
        for path_parts, i in self._by_part.get(parts[-1], ()):
            start = i - len(parts) + 1
            if start >= 0 and path_parts[start : i + 1] == parts:
                return True
        return False

    def has_word(self, word: str) -> bool:
        if any(w in self.words or w in self._stems for w in spellings(word)):
            return True
        # the substring test first: it is fast, and most lookups that fail fail there
        return word in self.text and re.search(word_pattern(word), self.text) is not None

    def has(self, lookup: Lookup) -> bool:
        kind, key = lookup
        if kind == "ext":
            return key in self._extensions
        return self.has_path(key) if kind == "path" else self.has_word(key)


_DIFF_PATH = re.compile(r"^(?:--- a/|\+\+\+ b/|rename from |rename to |copy from |copy to )(.+?)\s*$", re.M)
_DIFF_GIT = re.compile(r"^diff --git (.+)$", re.M)
_BINARY = re.compile(r"^Binary files (?:a/(.+?)|/dev/null) and (?:b/(.+?)|/dev/null) differ$", re.M)


def diff_paths(diff: str) -> list[str]:
    """Every path a unified diff names: headers, renames' and copies' old and new paths, binary files."""
    paths = [m.group(1).strip('"') for m in _DIFF_PATH.finditer(diff)]
    for m in _DIFF_GIT.finditer(diff):
        rest = m.group(1)
        half = (len(rest) - 1) // 2
        if rest.startswith("a/") and rest[half + 1 : half + 3] == "b/" and rest[2:half] == rest[half + 3 :]:
            paths.append(rest[2:half])
    for m in _BINARY.finditer(diff):
        paths += [p for p in m.groups() if p]
    return list(dict.fromkeys(paths))


def _resolve(lookups: set[Lookup], places: list[tuple[str, _Place]], found: dict) -> None:
    """Record in ``found`` the first place (in order) holding each lookup it lacks."""
    for where, place in places:
        for lookup in lookups - found.keys():
            if place.has(lookup):
                found[lookup] = where


def ground_analysis(
    analysis: Mapping,
    diff: str,
    *,
    files: Sequence[FileChange],
    message: str = "",
    tree_lookup: TreeLookup | None = None,
    check_numbers: bool = True,
) -> Grounding:
    """Check ``analysis`` (``schema.to_entry_dict``'s shape) against its commit: the names it writes
    in backticks against ``diff`` (the full diff, not the budgeted one), the commit's ``files``,
    the repository at the commit (``tree_lookup``, one call) and ``message`` (the commit message
    and the pull request's title and description); its numbers against ``files`` (pass
    ``check_numbers=False`` when the source capped the file list)."""
    texts = list(analysis_texts(analysis))
    written = [(span, field) for field, text in texts for span in code_spans(text)]
    parsed_of = {span: parse_name(span) for span, _ in written}
    parsed = [p for p in parsed_of.values() if p is not None]
    lookups = {lk for p in parsed for lk in p.lookups()}
    in_diff = _Place(diff, [*diff_paths(diff), *(f.path for f in files), *(f.old_path or "" for f in files)])
    found: dict[Lookup, str] = {}
    _resolve(lookups, [("diff", in_diff)], found)
    places: list[tuple[str, _Place]] = []
    missing = lookups - found.keys()
    if tree_lookup is not None and missing:
        words = sorted({key for kind, key in missing if kind == "word"})
        tree_paths, tree_words = tree_lookup(words)
        tree_words = set(tree_words)
        private = sorted({s for w in words if w not in tree_words for s in spellings(w)[1:]})
        if private:  # a second call, for the words not found as written: most are, and stop the first early
            tree_words |= set(tree_lookup(private)[1])
        places.append(("tree", _Place(paths=tree_paths, words=tree_words)))
    if message:
        places.append(("message", _Place(message)))
    _resolve(lookups, places, found)
    fallback = "nowhere" if tree_lookup is not None else "unknown"
    names: list[NameCheck] = []
    for span, field in dict.fromkeys(written):
        p = parsed_of[span]
        if p is not None:
            names.append(NameCheck(p.text, field, _where(p, found, fallback), p.kind))
    mismatches = number_mismatches((t for _, t in texts), files) if check_numbers else []
    return Grounding(tuple(names), tuple(mismatches), tree_lookup is not None)


_RANK = {w: i for i, w in enumerate(WHERE)}


def _where(p: ParsedName, found: Mapping[Lookup, str], fallback: str) -> str:
    """The nearest place (``WHERE`` order) where ``p`` is found: its best reading (a reading is as far
    as its farthest lookup), or, for a list, its farthest item."""
    reached = [max((found.get(lk, fallback) for lk in reading), key=_RANK.__getitem__) for reading in p.readings]
    if p.items:
        reached.append(max((_where(item, found, fallback) for item in p.items), key=_RANK.__getitem__))
    return min(reached, key=_RANK.__getitem__)


# ------------------------------------------------------------------------------------------------
# Showing the result


def mark_text(text: str, ungrounded: Collection[str], mark: str = MARK) -> str:
    """``text`` with ``mark`` right after every inline code span whose name is in ``ungrounded``."""
    if not ungrounded or not text:
        return text
    wanted = set(ungrounded)

    def marked(m: re.Match) -> str:
        already = m.string.startswith(mark, m.end())
        return m.group(0) + mark if span_content(m).strip() in wanted and not already else m.group(0)

    return CODE_SPAN.sub(marked, text)


def mark_analysis(analysis: Mapping, ungrounded: Collection[str], mark: str = MARK) -> dict:
    """A copy of ``analysis`` with every ungrounded name marked in every field :func:`analysis_texts` reads."""
    if not ungrounded:
        return dict(analysis)
    out = dict(analysis)

    def m(text):
        return mark_text(text, ungrounded, mark) if isinstance(text, str) else text

    for key in ("change_type", "change_type_detail", "importance_reason", "closing"):
        if key in out:
            out[key] = m(out[key])
    for key in ("summary", "scope"):
        if out.get(key):
            out[key] = [m(t) for t in out[key]]
    if out.get("insight"):
        out["insight"] = {d: m(t) for d, t in out["insight"].items()}
    if out.get("risks"):
        out["risks"] = [
            {**r, "title": m(r.get("title")), "details": [m(t) for t in r.get("details") or []]} for r in out["risks"]
        ]
    if out.get("advice"):
        out["advice"] = [{**a, "title": m(a.get("title")), "text": m(a.get("text"))} for a in out["advice"]]
    return out


def grounding_note(
    ungrounded: Sequence[str], mismatches: Sequence[str], lang: str, *, files: int = 0, added: int = 0, deleted: int = 0
) -> str:
    """The sentence for the entry's coverage line (``lang`` zh or en), or "" when all is grounded."""
    texts = strings(lang)["grounding"]
    parts = []
    if ungrounded:
        parts.append(texts["names"].format(names=texts["list_sep"].join(f"`{n}`" for n in ungrounded)))
    if mismatches:
        claims = texts["list_sep"].join(f"“{c}”" for c in mismatches)
        parts.append(texts["numbers"].format(files=files, added=added, deleted=deleted, claims=claims))
    return texts["parts_sep"].join(parts)
