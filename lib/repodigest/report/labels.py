"""Report wording per language, kept in ``i18n/<lang>.toml`` beside this module."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

from ..config import LANGS
from ..errors import UserError

_DIR = Path(__file__).with_name("i18n")


@lru_cache(maxsize=None)
def load_labels(lang: str) -> dict:
    """The labels of ``lang`` (zh or en)."""
    if lang not in LANGS:
        raise UserError(f"unknown language {lang!r}: use one of {', '.join(LANGS)}")
    return tomllib.loads((_DIR / f"{lang}.toml").read_text(encoding="utf-8"))
