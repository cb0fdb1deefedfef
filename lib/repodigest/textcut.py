"""Cutting text to a length: the one helper behind every title, label, message and description that
must fit somewhere, so that every cut reads alike and says that it is one."""

from __future__ import annotations

import re

_WHITESPACE = re.compile(r"\s+")
_SENTENCE_END = re.compile(r"[.!?。！？；;](?=\s|$)")
_BOUNDARIES = ("char", "word", "line", "sentence")


def one_line(text: str | None) -> str:
    """``text`` with every run of whitespace (line breaks included) made one space."""
    return _WHITESPACE.sub(" ", text or "").strip()


def truncate(text: str, limit: int, *, at: str = "char", marker: str = "…", keep_end: bool = False) -> str:
    """``text`` when it fits in ``limit`` characters, else at most ``limit`` of them followed by ``marker``.

    ``at`` says where the cut may fall: anywhere (``char``), after the last space or line break
    (``word``), after the last line break or space (``line``: line breaks preferred), or after the
    last sentence end (``sentence``: a text cut there reads whole and gets no marker; without a
    sentence end it is cut at a word). A boundary counts only in the kept text's second half.
    ``{rest}`` in ``marker`` becomes the number of characters cut. ``keep_end`` keeps the end of
    the text instead (the file name of a long path), the marker first.
    """
    if len(text) <= limit:
        return text
    if keep_end:
        tail = text[len(text) - limit :]
        return marker.format(rest=len(text) - limit) + tail
    if at not in _BOUNDARIES:
        raise ValueError(f"at must be one of {', '.join(_BOUNDARIES)}, not {at!r}")
    head = text[:limit]
    if at == "sentence":
        ends = [m.end() for m in _SENTENCE_END.finditer(head)]
        if ends and ends[-1] > limit // 2:
            return head[: ends[-1]].rstrip()
        at = "word"
    if at == "line":
        cut = head.rfind("\n")
        cut = cut if cut > limit // 2 else head.rfind(" ")
    elif at == "word":
        cut = head.rfind(" ")
    else:
        cut = -1
    if cut > limit // 2:
        head = head[:cut]
    return head.rstrip() + marker.format(rest=len(text) - len(head))
