"""The kind of a change, decided by the first rule that applies, in this order:

1. a revert (``Revert "..."`` or ``revert:``);
2. a conventional-commit prefix (``fix:``, ``feat(scope)!:``);
3. a bracket tag (``[Fix]``, ``[Perf]``, ``[Doc]``);
4. the paths, when every file is docs, tests, CI or build/dependency files;
5. keywords in the title (security words first, then fix, perf, refactor, deps, feat, docs); in a
   merge of branches git names (``Merge branch 'issue-11'``, ``Merge main into fix-ci``) only the
   description after a colon counts, since a branch name ("issue-11") is a label, not a sentence;
6. otherwise ``other``.
The rule that decided is returned with the type, so the report can say why.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from . import paths

# Words as people write them in prefixes and tags -> our type.
_WORD_TYPE = {
    "feat": "feat",
    "feature": "feat",
    "features": "feat",
    "new": "feat",
    "model": "feat",
    "enhancement": "feat",
    "fix": "fix",
    "fixes": "fix",
    "fixed": "fix",
    "bugfix": "fix",
    "bug": "fix",
    "hotfix": "fix",
    "perf": "perf",
    "performance": "perf",
    "opt": "perf",
    "optimization": "perf",
    "optimize": "perf",
    "refactor": "refactor",
    "refactoring": "refactor",
    "cleanup": "refactor",
    "style": "chore",
    "doc": "docs",
    "docs": "docs",
    "documentation": "docs",
    "typo": "docs",
    "test": "test",
    "tests": "test",
    "ci": "ci",
    "build": "build",
    "deps": "deps",
    "dependencies": "deps",
    "chore": "chore",
    "misc": "chore",
    "minor": "chore",
    "lint": "chore",
    "format": "chore",
    "release": "chore",
    "revert": "revert",
    "security": "security",
    "sec": "security",
}
_CONVENTIONAL = re.compile(r"^\s*(?:\[[^\]\n]{1,40}\]\s*)*([A-Za-z]+)(?:\([^)\n]{0,40}\))?(!)?:\s")
_TAGS = re.compile(r"\[([^\]\n]{1,40})\]")
_REVERT = re.compile(r"^\s*(revert\b|\[revert\])", re.IGNORECASE)
# git's own merge titles; "Merge pull request #N from owner/branch" is not one (GitHub's, and its
# branch name is all the title says).
_GIT_MERGE = re.compile(
    r"^\s*Merge (?:remote-tracking )?(?:branch(?:es)? '[^']*'(?:,? (?:and )?'[^']*')*"
    r"(?: of \S+)?|\S+)(?: into \S+)?(?::\s*(?P<text>.*))?$"
)
# Keyword rules, most specific first: "fix perf regression" is a fix.
_KEYWORDS: Sequence[tuple[str, re.Pattern]] = [
    ("security", re.compile(r"\b(cve-\d+|vulnerab\w*|security|xss|csrf|ssrf|rce|injection|exploit)\b", re.I)),
    (
        "fix",
        re.compile(
            r"\b(fix\w*|bug\w*|crash\w*|hang\w*|deadlock\w*|regression|broken|incorrect|wrong|"
            r"leak\w*|nan|oom|race|error|failure|fail\w*|issue)\b",
            re.I,
        ),
    ),
    (
        "perf",
        re.compile(
            r"\b(perf|performance|speed\w*|faster|optimi[sz]\w*|accelerat\w*|latency|throughput|"
            r"\d+(\.\d+)?x)\b",
            re.I,
        ),
    ),
    (
        "refactor",
        re.compile(
            r"\b(refactor\w*|clean\s?up|cleanup|rename\w*|mov(e|es|ed|ing)|simplif\w*|"
            r"restructur\w*|reorganiz\w*|split\w*|extract\w*|remove\w*|deprecat\w*|unify)\b",
            re.I,
        ),
    ),
    ("chore", re.compile(r"\b(pre-commit|lint\w*|reformat\w*|formatting|code style|bump version)\b", re.I)),
    ("deps", re.compile(r"\b(bump\w*|upgrade\w*|pin|unpin|dependenc\w*)\b", re.I)),
    (
        "feat",
        re.compile(
            r"\b(add\w*|support\w*|implement\w*|introduc\w*|enabl\w*|new|allow\w*|improv\w*|"
            r"enhanc\w*|expos\w*|collect\w*|extend\w*)\b",
            re.I,
        ),
    ),
    ("docs", re.compile(r"\b(docs?|readme|documentation|typo\w*|comment\w*)\b", re.I)),
]
# The same rules without IGNORECASE, for a lowered title (faster): they match alike wherever the title has
# none of the non-ASCII letters that IGNORECASE matches to ASCII ones (İ ı ſ K), since each rule is lower case.
_KEYWORDS_LOWER = [(kind, re.compile(pattern.pattern)) for kind, pattern in _KEYWORDS]
_FOLDS_TO_ASCII = ("\u0130", "\u0131", "\u017f", "\u212a")


def _paths_only(files: Sequence[str]) -> str | None:
    if not files:
        return None
    for kind, test in (("docs", paths.is_doc), ("test", paths.is_test), ("ci", paths.is_ci)):
        if all(test(f) for f in files):
            return kind
    if all(paths.is_lockfile(f) or paths.is_build(f) and "requirements" in f.lower() for f in files):
        return "deps"
    if all(paths.is_build(f) for f in files):
        return "build"
    return None


def classify(title: str, files: Sequence[str], subject: str | None = None) -> tuple[str, str]:
    """Return ``(change type, rule)`` where rule names what decided: revert, prefix, tag, paths, keyword, none.

    ``subject``: the message's first line when ``title`` is what a merge landed; a git merge title there
    (``Merge branch 'topic'``) means the title is a branch name, whose words are no keywords."""
    if _REVERT.match(title):
        return "revert", "revert"
    conventional = _CONVENTIONAL.match(title)
    if conventional and conventional.group(1).lower() in _WORD_TYPE:
        return _WORD_TYPE[conventional.group(1).lower()], "prefix"
    for tag in _TAGS.findall(title.split(":")[0] if title.lstrip().startswith("[") else ""):
        word = tag.strip("` ").lower()
        if word in _WORD_TYPE:
            return _WORD_TYPE[word], "tag"
    by_path = _paths_only(files)
    if by_path:
        return by_path, "paths"
    merge = _GIT_MERGE.match(subject or title)
    words = (merge.group("text") or "") if merge else title
    rules = _KEYWORDS
    if words.isascii() or not any(c in words for c in _FOLDS_TO_ASCII):
        rules, words = _KEYWORDS_LOWER, words.lower()
    for kind, pattern in rules:
        if pattern.search(words):
            return kind, "keyword"
    return "other", "none"
