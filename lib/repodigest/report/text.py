"""Make untrusted text (commit messages, file names, model prose) safe inside Markdown.

Everything from a commit goes through one of these filters before it reaches a template, so a
message cannot open raw HTML, a ``javascript:`` link, a table cell or a heading of its own.
"""

from __future__ import annotations

import re

from ..textcut import one_line, truncate

# "]" followed by "(", "[" or ":" would close a link text, a reference or a definition.
_LINK_CLOSE = re.compile(r"\](?=[(\[:])")
_TRAILER = re.compile(r"^\s*([A-Za-z-]+-by|Signed-off-by|Change-Id|Reviewed-on|Fixes|Closes)\s*:", re.I)


_CODE_SPAN = re.compile(r"(`+)(?!`)(.+?)(?<!`)\1(?!`)")


def _escape_prose(text: str) -> str:
    out = text.replace("\\", "\\\\").replace("`", "\\`")
    # "<" is the only way into raw HTML and autolinks; "&" and ">" stay readable in the raw text.
    out = out.replace("<", "&lt;")
    # "2*3*4" is arithmetic, not emphasis; "**bold**" (flanked by spaces or punctuation) stays bold.
    out = _INTRAWORD_STAR.sub(r"\\*", out)
    return _LINK_CLOSE.sub(r"\\]", out)


_INTRAWORD_STAR = re.compile(r"(?<=[0-9A-Za-z])\*(?=[0-9A-Za-z])")
_PUNCTUATION = set("!\"#$%'()*+,-./:;=?@[\\]^_`{|}~")


def _html_code(content: str) -> str:
    """A code span as raw ``<code>``: GFM tables split cells at every ``|``, even inside backticks,
    and renderers differ on ``\\|`` there; escaped pipes outside a backtick span read the same everywhere."""
    out = []
    for ch in content:
        out.append({"<": "&lt;", ">": "&gt;", "&": "&amp;"}.get(ch) or ("\\" + ch if ch in _PUNCTUATION else ch))
    return "<code>" + "".join(out) + "</code>"


def inline(text: str | None, pipes: bool = False) -> str:
    """Untrusted text for running Markdown prose or a heading: no HTML, no links, no line breaks.

    Code spans (`like this`) are kept: their content is literal in every renderer. With
    ``pipes`` every ``|`` is escaped, which GFM tables need even inside code spans.
    """
    value = one_line(text)
    parts, last = [], 0
    for match in _CODE_SPAN.finditer(value):
        parts.append(
            _escape_prose(value[last : match.start()]).replace("|", "\\|")
            if pipes
            else _escape_prose(value[last : match.start()])
        )
        span = match.group(0)
        parts.append(_html_code(match.group(2).strip() or match.group(2)) if pipes and "|" in span else span)
        last = match.end()
    rest = _escape_prose(value[last:])
    parts.append(rest.replace("|", "\\|") if pipes else rest)
    out = "".join(parts)
    if out.endswith("#"):  # a heading's closing #s would be eaten
        out = out[:-1] + "\\#"
    return out


def cell(text: str | None) -> str:
    """Untrusted text for a table cell: :func:`inline` with pipes escaped, each line of a multi-line
    text (a list inside the field) kept apart by ``<br>``."""
    lines = [line for line in (text or "").replace("\r\n", "\n").split("\n") if line.strip()]
    return "<br>".join(inline(line, pipes=True) for line in lines)


_OWN_MARKER = re.compile(r"^\s*(?:\(?\d{1,2}[.)、]|[-*+•·])\s+(?=\S)")
_LIST_LINE = re.compile(r"^(?:\d{1,9}[.)]|[-*+])(?:\s|$)")
_RULE_LINE = re.compile(r"^(?:[-=_*]\s*){2,}$")


def item(text: str | None) -> str:
    """A list item as the model wrote it, without its own leading number or bullet (the report's list numbers it)."""
    text = (text or "").strip()
    stripped = _OWN_MARKER.sub("", text, count=1)
    return stripped if stripped.strip() else text


def _line(line: str) -> str:
    out = inline(line)
    if out.startswith("#"):  # a line of its own would become a heading
        out = "\\" + out
    elif _RULE_LINE.match(out):  # ... or a rule, or underline the line above into a heading
        out = "\\" + out
    return out


def block(text: str | None, indent: int = 0) -> str:
    """Untrusted multi-line text (a model's field) as Markdown block content: line breaks and the
    lists inside it keep their meaning; continuation lines are indented by ``indent`` spaces so
    the whole text stays inside the list item it is written in. Nothing is cut."""
    out: list[str] = []
    previous = None
    for raw in (text or "").replace("\r\n", "\n").split("\n"):
        line = raw.strip()
        if not line:
            if out and out[-1]:
                out.append("")
            continue
        kind = "list" if _LIST_LINE.match(line) else "text"
        if out and out[-1] and previous and kind != previous:
            out.append("")  # a list after a sentence (or a sentence after a list) needs a blank line
        elif out and out[-1] and kind == "text":
            out[-1] += "  "  # a line break the model wrote stays one (a hard break, not a space)
        out.append(_line(line))
        previous = kind
    while out and not out[-1]:
        out.pop()
    pad = " " * indent
    return "\n".join([out[0], *[(pad + line) if line else "" for line in out[1:]]]) if out else ""


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


def first_paragraph(body: str, limit: int = 600) -> str:
    """The commit body's first meaningful paragraph, cleaned: no trailers, no bullets' markup."""
    for block in re.split(r"\n\s*\n", body.replace("\r\n", "\n")):
        lines = [
            ln
            for ln in block.split("\n")
            if ln.strip() and not _TRAILER.match(ln) and not ln.strip().startswith(("<!--", "---", "```", "#"))
        ]
        if not lines:
            continue
        text = one_line(" ".join(re.sub(r"^\s*([-*+]|\d+[.)])\s+", "", ln) for ln in lines))
        if len(text) >= 3:
            return truncate(text, limit, at="sentence", marker=" …")
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
    """A title on one line, cut to ``limit`` characters and "..." (the TOC's and the tables')."""
    return truncate(one_line(text), limit, marker="...")
