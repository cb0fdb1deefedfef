"""Everything a reader sees, per language: one catalogue each (``zh.toml``, ``en.toml`` beside this
module) for the report, the overview, the charts, the archive site, chat messages and the fixed
words of the model's prompts."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

from ..errors import UserError

LANGS = ("zh", "en")
_DIR = Path(__file__).resolve().parent


@cache
def strings(lang: str) -> dict:
    """The catalogue of ``lang`` (zh or en); its tables (``chart``, ``history``, ``prompt``...) serve one part each."""
    if lang not in LANGS:
        raise UserError(f"unknown language {lang!r}: use one of {', '.join(LANGS)}")
    return tomllib.loads((_DIR / f"{lang}.toml").read_text(encoding="utf-8"))
