"""Make untrusted text (commit messages, file names, model prose) safe inside Markdown.

Everything from a commit goes through one of these filters before it reaches a template, so a
message cannot open raw HTML, a ``javascript:`` link, a table cell or a heading of its own.
"""

from __future__ import annotations

import re

_WS = re.compile(r"\s+")
# "]" followed by "(", "[" or ":" would close a link text, a reference or a definition.
_LINK_CLOSE = re.compile(r"\](?=[(\[:])")
_TRAILER = re.compile(r"^\s*([A-Za-z-]+-by|Signed-off-by|Change-Id|Reviewed-on|Fixes|Closes)\s*:", re.I)
_SENTENCE_END = re.compile(r"[.!?。！？；;](?=\s|$)")


def one_line(text: str | None) -> str:
    """Collapse all whitespace (newlines included) to single spaces."""
    return _WS.sub(" ", text or "").strip()


_CODE_SPAN = re.compile(r"(`+)(?!`)(.+?)(?<!`)\1(?!`)")


def _escape_prose(text: str) -> str:
    out = text.replace("\\", "\\\\").replace("`", "\\`")
    # "<" is the only way into raw HTML and autolinks; "&" and ">" stay readable in the raw text.
    out = out.replace("<", "&lt;")
    return _LINK_CLOSE.sub(r"\\]", out)


def inline(text: str | None, pipes: bool = False) -> str:
    """Untrusted text for running Markdown prose or a heading: no HTML, no links, no line breaks.

    Code spans (`like this`) are kept: their content is literal in every renderer. With
    ``pipes`` every ``|`` is escaped, which GFM tables need even inside code spans.
    """
    value = one_line(text)
    parts, last = [], 0
    for match in _CODE_SPAN.finditer(value):
        parts.append(_escape_prose(value[last:match.start()]))
        parts.append(match.group(0))
        last = match.end()
    parts.append(_escape_prose(value[last:]))
    out = "".join(parts)
    if pipes:
        out = out.replace("|", "\\|")
    if out.endswith("#"):  # a heading's closing #s would be eaten
        out = out[:-1] + "\\#"
    return out


def cell(text: str | None) -> str:
    """Untrusted text for a table cell: :func:`inline` with pipes escaped."""
    return inline(text, pipes=True)


def link_text(text: str | None) -> str:
    """Untrusted text inside ``[...]`` of a link: brackets escaped unless they balance."""
    out = inline(text)
    depth = 0
    for ch in out:
        depth += {"[": 1, "]": -1}.get(ch, 0)
        if depth < 0:
            break
    if depth != 0:
        out = re.sub(r"(?<!\\)([\[\]])", r"\\\1", out)
    return out


def code(text: str | None) -> str:
    """Text inside a code span; backticks in the text widen the fence instead of breaking it."""
    value = one_line(text)
    longest = max((len(m) for m in re.findall(r"`+", value)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if value.startswith("`") or value.endswith("`") or not value else ""
    return f"{fence}{pad}{value}{pad}{fence}"


def clip(text: str, limit: int) -> str:
    """Cut ``text`` to about ``limit`` characters at a sentence end or word boundary, marking the cut."""
    if len(text) <= limit:
        return text
    head = text[:limit]
    ends = [m.end() for m in _SENTENCE_END.finditer(head)]
    if ends and ends[-1] > limit // 2:
        return head[:ends[-1]].rstrip()
    cut = head.rfind(" ")
    return (head[:cut] if cut > limit // 2 else head).rstrip() + " …"


def first_paragraph(body: str, limit: int = 600) -> str:
    """The commit body's first meaningful paragraph, cleaned: no trailers, no bullets' markup."""
    for block in re.split(r"\n\s*\n", body.replace("\r\n", "\n")):
        lines = [ln for ln in block.split("\n") if ln.strip() and not _TRAILER.match(ln)
                 and not ln.strip().startswith(("<!--", "---", "```", "#"))]
        if not lines:
            continue
        text = one_line(" ".join(re.sub(r"^\s*([-*+]|\d+[.)])\s+", "", ln) for ln in lines))
        if len(text) >= 3:
            return clip(text, limit)
    return ""


def safe_url(url: str | None) -> str | None:
    """Only http(s) links reach the report; anything else is dropped."""
    if not url:
        return None
    url = url.strip()
    if not re.match(r"^https?://[^\s<>\"'`]+$", url):
        return None
    return url.replace("(", "%28").replace(")", "%29")


def shorten(text: str, limit: int = 57) -> str:
    """The title as the TOC shows it: cut to ``limit`` characters then an ellipsis."""
    text = one_line(text)
    return text if len(text) <= limit else text[:limit].rstrip() + "..."
