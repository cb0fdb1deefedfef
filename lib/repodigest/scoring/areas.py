"""Areas of a commit: what part of the project it touches, said in the project's own words.

Three sources, in this order of precedence:
1. per-repository rules from the config (a glob over the path -> an area);
2. tags in the title: ``[diffusion] ...``, ``fix(sgl-kernel): ...``, ``[`pyflakes`] ...``;
3. the path itself, skipping containers that say nothing (``src/``, ``lib/``, ``crates/``,
   ``python/<package>/``): ``python/sglang/srt/layers/quantization/fp8.py`` -> ``quantization``.
"""

from __future__ import annotations

import fnmatch
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache

from ..config import AreaRule
from . import paths

# Directory names that hold code but name no feature. "srt" (SGLang runtime) and "layers" are
# listed because the first users' monorepo nests every feature under them.
GENERIC_DIRS = frozenset(
    {
        "src",
        "lib",
        "libs",
        "python",
        "crates",
        "packages",
        "pkg",
        "pkgs",
        "internal",
        "source",
        "sources",
        "srt",
        "layers",
        "modules",
        "main",
        "java",
        "kotlin",
        "scala",
        "go",
        "cmd",
        "csrc",
        "include",
    }
)
# Top-level directories whose role is the area, whatever lies below them.
ROLE_DIRS = {
    "test": "tests",
    "tests": "tests",
    "testing": "tests",
    "docs": "docs",
    "doc": "docs",
    ".github": "ci",
    ".circleci": "ci",
    "ci": "ci",
    "docker": "docker",
    "benchmark": "benchmark",
    "benchmarks": "benchmark",
    "bench": "benchmark",
    "examples": "examples",
    "example": "examples",
    "scripts": "scripts",
    "tools": "tools",
    "third_party": "third_party",
    "3rdparty": "third_party",
}
# Bracket tags and conventional-commit words that state a change type, not an area.
TYPE_WORDS = frozenset(
    {
        "fix",
        "fixes",
        "fixed",
        "bugfix",
        "bug",
        "hotfix",
        "feat",
        "feature",
        "features",
        "perf",
        "performance",
        "refactor",
        "refactoring",
        "doc",
        "docs",
        "documentation",
        "test",
        "tests",
        "ci",
        "build",
        "chore",
        "misc",
        "minor",
        "style",
        "revert",
        "security",
        "wip",
        "deps",
        "dependencies",
        "release",
        "breaking",
        "new",
        "cleanup",
        "improvement",
        "enhancement",
        "opt",
        "optimization",
        "update",
        "draft",
        "rfc",
        "nit",
        "typo",
        "lint",
        "format",
        "auto sync",
    }
)
_LEADING_TAGS = re.compile(r"^\s*((?:\[[^\[\]\n]{1,40}\]\s*)+)")
_ONE_TAG = re.compile(r"\[([^\[\]\n]{1,40})\]")
_CONVENTIONAL = re.compile(r"^\s*([A-Za-z]+)(?:\(([^)\n]{1,40})\))?(!)?:\s")
_STEP = re.compile(r"^\d+\s*/\s*(\d+|n)$", re.IGNORECASE)


def normalize_area(text: str) -> str:
    """Areas compare case-insensitively and without decoration: ``[`Pyflakes`]`` -> ``pyflakes``."""
    return re.sub(r"\s+", " ", text.strip().strip("`'\" ").lower())


def title_areas(title: str) -> list[str]:
    """Areas named by bracket tags and conventional-commit scopes in ``title``."""
    found: list[str] = []
    leading = _LEADING_TAGS.match(title)
    if leading:
        found += _ONE_TAG.findall(leading.group(1))
    conventional = _CONVENTIONAL.match(title[leading.end() :] if leading else title)
    if conventional and conventional.group(2):
        found += re.split(r"[,/]\s*", conventional.group(2))
    areas = []
    for tag in found:
        area = normalize_area(tag)
        if area and area not in TYPE_WORDS and not _STEP.match(area) and area not in areas:
            areas.append(area)
    return areas


@lru_cache(maxsize=1 << 16)  # a history changes the same files again and again
def path_area(path: str, repo_short_name: str = "") -> str:
    """The area of one path: the first directory below the uninformative containers."""
    parts = [p for p in path.strip('"').split("/") if p] or [path]
    dirs = parts[:-1]
    if not dirs:
        if paths.is_doc(path):
            return "docs"
        if paths.is_build(path):
            return "build"
        if paths.is_ci(path):
            return "ci"
        return "root"
    first = dirs[0].lower()
    if first in ROLE_DIRS:
        return ROLE_DIRS[first]
    skip = {repo_short_name.lower()} if repo_short_name else set()
    last_skipped = dirs[0]
    for index, part in enumerate(dirs):
        lowered = part.lower()
        # python/<package>/...: the package directory repeats the project's name.
        after_python = index == 1 and dirs[0].lower() == "python"
        if lowered in GENERIC_DIRS or lowered in skip or after_python:
            last_skipped = part
            continue
        return ROLE_DIRS.get(lowered, lowered)
    return ROLE_DIRS.get(last_skipped.lower(), last_skipped.lower())


def rule_area(path: str, rules: Sequence[AreaRule]) -> str | None:
    """The area of the first config rule whose glob matches ``path``."""
    for rule in rules:
        if fnmatch.fnmatchcase(path, rule.pattern) or fnmatch.fnmatchcase(path, rule.pattern.rstrip("/") + "/*"):
            return normalize_area(rule.area)
    return None


def file_area(path: str, rules: Sequence[AreaRule] = (), repo_short_name: str = "") -> str:
    """The area of one file: the first config rule that matches it, else its path."""
    return (rules and rule_area(path, rules)) or path_area(path, repo_short_name)


def area_weights(areas_churns: Iterable[tuple[str, int]]) -> Counter[str]:
    """Lines changed per area; ``areas_churns`` holds ``(area of a file, its lines changed)`` pairs."""
    weight: dict[str, int] = {}
    for area, churn in areas_churns:
        weight[area] = weight.get(area, 0) + max(churn, 1)  # a binary or empty change still touches its area
    return Counter(weight)


def order_areas(title: str, weights: Counter[str], lead: Counter[str] | None = None) -> list[str]:
    """Title tags first, then the areas of ``lead`` by its lines changed (a fix's source files: a fix's
    area is where the fix is), then the other path areas by lines changed (ties by name)."""
    ordered = title_areas(title)
    for counts in (lead or Counter(), weights):
        for area, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            if area not in ordered:
                ordered.append(area)
    return ordered
