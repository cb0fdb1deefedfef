"""The importance scale every module shares: one type, one order (highest first), one way to compare."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal


class Level(StrEnum):
    """A commit's importance. The values are the words the frame, the cache and the model's answers hold,
    so a ``Level`` compares equal to its word (``Level.HIGH == "high"``)."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def rank(self) -> int:
        """2 for high, 1 for medium, 0 for low: the larger, the more important."""
        return len(LEVELS) - 1 - LEVELS.index(self)

    @classmethod
    def of_rank(cls, rank: int) -> Level:
        """The level whose :attr:`rank` is ``rank``."""
        return LEVELS[len(LEVELS) - 1 - rank]


LEVELS: tuple[Level, ...] = tuple(Level)  # the one order: highest first, as the report lists them
# The same words, for pydantic and type hints, written out because a type checker reads only a literal
# (tests/test_layout.py checks they are LEVELS' words in LEVELS' order)
LevelName = Literal["high", "medium", "low"]


def is_level(value: object) -> bool:
    """``value`` is one of the level words."""
    return isinstance(value, str) and value in _WORDS


def rank(level: str) -> int:
    """The :attr:`Level.rank` of a level word."""
    return Level(level).rank


def highest(*levels: str) -> Level:
    """The most important of ``levels``."""
    return max((Level(level) for level in levels), key=lambda level: level.rank)


_WORDS = frozenset(level.value for level in LEVELS)
