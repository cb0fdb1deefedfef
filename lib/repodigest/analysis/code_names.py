"""Code names in the model's Markdown: the spans in backticks, and how each is looked up.

**What is a name** (:func:`parse_name`), and how it is looked up. A name is found when every
lookup of one of its readings is found; a lookup of a word is the fixed string with no letter,
digit or ``_`` on either side (``git grep -w -F``), or a file or directory of that name (with or
without its extension: ``bench_serving`` is ``bench_serving.py``); a lookup of
a path is a file or directory whose path holds the written parts in a row (``schemes/base.py``
is ``python/.../schemes/base.py``; ``mem_cache/`` any folder ``mem_cache``), or the path written
as a word in a text.

- calls: ``foo()``, ``foo(x, y)``, ``obj.run(a=1)`` -> the name before the parentheses;
  subscripts and type arguments go too (``choices[0]`` -> ``choices``, ``List<Choice>`` -> ``List``);
- dotted and qualified names ``a.b.c``, ``a::b``: the whole as a word, or every part as a word
  (``Req.finished_reason`` is found where ``Req`` and ``finished_reason`` are), or a file ``a.b.c``;
- paths: text with a ``/``, a name ending in a file extension (``x.py``, ``README.md``), a dotfile
  (``.gitignore``); ``./`` is dropped, and so is a line suffix (``x.py:12``, ``x.py:12-30``,
  ``x.py#L12``) or a test id (``x.py::test_y``); a leading ``/`` (a route such as
  ``/v1/chat/completions``, an absolute path) is looked up as a word and as a path;
- flags ``--flag``, ``--flag=value``, ``--flag value``: the flag as a word, or its name as a word
  with ``_`` or ``-`` (``--api-key`` is found where ``api_key`` is: many parsers derive flags from
  field names); ``--no-x`` also as ``--x``;
- ``KEY=value`` and ``$KEY``/``${KEY}`` (environment variables, config keys, parameters): the key;
- ``@decorator`` -> the name after ``@``;
- an identifier is also found with one or two leading underscores (``register_fixture`` names
  ``_register_fixture``: the underscore marks the name private, it is the same name);
- a few forms read two ways: ``mock.patch`` (a file ``.patch``, or two words), ``.stash`` (a
  dotfile, or an attribute), ``match/case`` (a folder, or two words); ``.cu`` is also any file with
  that extension;
- lists written as one name, read as a path and as the list: names joined by ``/``
  (``enable_value/enable_grad``, ``q/k/positions/cos_sin_cache``) or extensions (``.cu/.cuh``) are
  found when every item is; an item may share the first item's prefix or the last one's suffix
  (``secrets.DOCKERHUB_USERNAME/TOKEN`` is ``secrets.DOCKERHUB_USERNAME`` and
  ``secrets.DOCKERHUB_TOKEN``; ``get/set_value`` is ``get_value`` and ``set_value``; ``x/y.cu/.cuh``
  is ``x/y.cu`` and ``x/y.cuh``). A path with a file in it (``schemes/base.py``), a leading or
  trailing ``/`` is a path only.

**What is not checked** (it is not a name of the repository, or cannot be told from prose):
text with spaces that is not a flag with its value (shell commands such as ``pip install x``,
expressions such as ``SM >= 120``, import lines); literal values (``True``, ``None``, ``null``,
numbers, versions such as ``v0.6.3`` and ``vX.Y.Z``, quoted strings ``"fp8"``); the languages' own
words: keywords (``yield``, ``match``), built-in type names (``bool``, ``int``, ``str``) and dunder
names (``__package__``); URLs, e-mail addresses, home paths (``~/.cache``), commit hashes, globs and
other text with characters no name has (``*``, ``|``, ``<``, ``{``); text with no ASCII letter
or any non-ASCII character. Unchecked spans are left out of the counts and never marked.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

EXTENSIONS = frozenset(
    "py pyi pyx pxd ipynb md rst txt toml yml yaml json jsonl cfg ini conf lock in c h cc cpp cxx hpp hh cu cuh "
    "rs go js mjs cjs ts tsx jsx vue java kt kts scala rb php pl swift m mm cs fs sh bash zsh ps1 bat sql proto "
    "thrift graphql gql html htm css scss less svg xml csv tsv tex bib cmake mk gradle dockerfile env j2 jinja "
    "tmpl tpl mako lua r jl dart ex exs erl hs ml nix zig v sv vhd asm s ld patch diff pem pub onnx pt bin".split()
)
AMBIGUOUS_EXTENSIONS = frozenset("patch lock cfg conf env json in bin diff m h c s r v ml pt ex sh".split())
NOT_NAMES = frozenset(
    "True False None true false null nil NULL undefined NaN nan inf Infinity self cls this super "
    "bool int float str bytes bytearray dict list tuple set frozenset object complex type any Any "
    "void char short long double unsigned signed auto const string number boolean unknown never "
    "i8 i16 i32 i64 u8 u16 u32 u64 usize isize f32 f64 "
    # keywords of the common languages: the language's words, not the repository's
    "and as assert async await break case catch class continue def default del elif else enum except export "
    "extern finally fn for from func function global go if impl import in interface is lambda let loop match "
    "mod mut nonlocal not or package pass pub raise return select static struct switch throw trait try typedef "
    "use var while with yield".split()
)
CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.S)  # a Markdown inline code span
_CALL = re.compile(r"([A-Za-z_$@][\w.:$@]*)\s*\(.*\)\s*", re.S)
_SUBSCRIPT = re.compile(r"(?:\[[^\[\]]*\]|<[^<>]*>)$")
_FLAG = re.compile(r"(--?)([A-Za-z][\w-]*)(?:=\S*|\s+(?:\S+|\"[^\"]*\"|'[^']*'))?")
_ASSIGN = re.compile(r"([A-Za-z_][\w.\-]*)\s*=\s*\S.*")
_LINE_SUFFIX = re.compile(r"(?::L?\d+(?:[-:]L?\d+)?|#L\d+(?:-L?\d+)?)$")
_VERSION = re.compile(r"v?\d+(?:\.\d+)+[\w.+-]*|\d[\w.+-]*")
_SHA = re.compile(r"(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{7,40}")
_NAME_CHARS = re.compile(r"[\w.\-/]+")
_PLACEHOLDER = re.compile(r"v?[A-Z](?:\.[A-Z])+")  # vX.Y.Z
_DUNDER = re.compile(r"__\w+__")  # the language's: __init__, __package__
_IDENTIFIER = re.compile(r"[A-Za-z]\w*")


Lookup = tuple[str, str]  # ("word" | "path" | "ext", key)


@dataclass(frozen=True)
class ParsedName:
    """A name as :func:`parse_name` reads it: found when every lookup of one reading is found, or,
    for a list written as one name, when every item is."""

    text: str  # as written between the backticks
    kind: str  # path | flag | name
    readings: tuple[tuple[Lookup, ...], ...]  # ((("word"|"path"|"ext", key), ...), ...)
    items: tuple[ParsedName, ...] = ()  # a list's items (``a/b``, ``.cu/.cuh``), each read on its own

    def lookups(self) -> Iterator[Lookup]:
        """Every lookup of every reading, the items' included."""
        for reading in self.readings:
            yield from reading
        for item in self.items:
            yield from item.lookups()


def span_content(m: re.Match) -> str:
    """What a :data:`CODE_SPAN` match holds, one space either side dropped (as Markdown does)."""
    content = m.group(2)
    if content.startswith(" ") and content.endswith(" ") and content.strip():
        content = content[1:-1]
    return content


def code_spans(text: str) -> list[str]:
    """The inline code spans of Markdown ``text``, in order (the text between matching backtick runs)."""
    return [span_content(m) for m in CODE_SPAN.finditer(text or "")]


def analysis_texts(analysis: Mapping) -> Iterator[tuple[str, str]]:
    """``(field, text)`` for every text of ``analysis`` (``schema.to_entry_dict``'s shape) the entry shows."""
    for key in ("change_type", "change_type_detail", "importance_reason"):
        if isinstance(analysis.get(key), str):
            yield key, analysis[key]
    for key in ("summary", "scope"):
        for i, text in enumerate(analysis.get(key) or []):
            yield f"{key}[{i}]", text
    for dim, text in (analysis.get("insight") or {}).items():
        if isinstance(text, str):
            yield f"insight.{dim}", text
    for i, risk in enumerate(analysis.get("risks") or []):
        yield f"risks[{i}].title", risk.get("title") or ""
        for j, text in enumerate(risk.get("details") or []):
            yield f"risks[{i}].details[{j}]", text
    for i, advice in enumerate(analysis.get("advice") or []):
        yield f"advice[{i}].title", advice.get("title") or ""
        yield f"advice[{i}].text", advice.get("text") or ""
    if isinstance(analysis.get("closing"), str):
        yield "closing", analysis["closing"]


def _words(*keys: str) -> tuple[Lookup, ...]:
    return tuple(("word", k) for k in keys)


_LIST_ITEM = re.compile(r"[A-Za-z_][\w.\-]*|\.[A-Za-z0-9]+")
_SIBLINGS = re.compile(r"([\w.\-/]*[\w\-])(\.[A-Za-z0-9]+)((?:/\.[A-Za-z0-9]+)+)")
_JOINT = re.compile(r"[_.]")  # where an item's shared prefix ends, or its shared suffix starts


def _list_items(bare: str) -> tuple[ParsedName, ...]:
    """The items of ``bare`` read as a list (module doc), or () when it is not one."""
    sibling = _SIBLINGS.fullmatch(bare)
    if sibling:  # `csrc/x.cu/.cuh`: the file, and the same file with each other extension
        stem, first, others = sibling.group(1), sibling.group(2), sibling.group(3).split("/")[1:]
        if all(e[1:].lower() in EXTENSIONS for e in (first, *others)):
            return tuple(p for p in (parse_name(stem + e) for e in (first, *others)) if p is not None)
    parts = bare.split("/")
    if len(parts) < 2 or len(parts) > 16 or not all(_LIST_ITEM.fullmatch(p) for p in parts):
        return ()
    dotted = [p.startswith(".") for p in parts]
    if any(dotted):  # extensions only: `.cu/.cuh`
        if not all(dotted) or any(p[1:].lower() not in EXTENSIONS for p in parts):
            return ()
        return tuple(p for p in (parse_name(part) for part in parts) if p is not None)
    first, last = parts[0], parts[-1]
    cut = [m.end() for m in _JOINT.finditer(first)]
    prefix = first[: cut[-1]] if cut else ""
    start = _JOINT.search(last)
    suffix = last[start.start() :] if start else ""
    items = []
    for i, part in enumerate(parts):
        if _is_path(part) and part.rpartition(".")[2].lower() not in AMBIGUOUS_EXTENSIONS:
            return ()  # a file name: `schemes/base.py` is a path, not a list
        spelled = [part]
        if i > 0 and prefix and not _JOINT.search(part):
            spelled.append(prefix + part)  # `DOCKERHUB_USERNAME/TOKEN`: DOCKERHUB_TOKEN
        if i < len(parts) - 1 and suffix and not _JOINT.search(part):
            spelled.append(part + suffix)  # `get/set_value`: get_value
        readings: list[tuple[Lookup, ...]] = []
        for text in spelled:
            parsed = parse_name(text)
            if parsed is not None:
                readings += parsed.readings
            elif _IDENTIFIER.fullmatch(text):
                readings.append(_words(text))  # a keyword (`match/case`) is a word here
        if not readings:
            return ()
        items.append(ParsedName(part, "name", tuple(dict.fromkeys(readings))))
    return tuple(items)


def _path(text: str, bare: str) -> ParsedName | None:
    bare = bare.removeprefix("./")
    if "::" in bare:  # a test id: x.py::TestY::test_z
        bare = bare.split("::", 1)[0]
    bare = _LINE_SUFFIX.sub("", bare)
    if not _NAME_CHARS.fullmatch(bare) or not re.search(r"[A-Za-z]", bare):
        return None
    readings: list[tuple[Lookup, ...]] = [(("path", bare.strip("/")),), (("word", bare.rstrip("/")),)]
    head, _, ext = bare.rpartition(".")
    if "/" not in bare and ext.lower() in AMBIGUOUS_EXTENSIONS and re.fullmatch(r"[A-Za-z_]\w*", head):
        readings.append(_words(*[w for w in (head, ext) if w not in NOT_NAMES]))  # `mock.patch`: an attribute too
    if re.fullmatch(r"\.[A-Za-z_]\w*", bare):
        readings.append(_words(bare[1:]))  # `.stash`: an attribute as much as a dotfile
    if re.fullmatch(r"\.[A-Za-z0-9]+", bare) and ext.lower() in EXTENSIONS:
        readings.append((("ext", bare),))  # `.cu`: the files of that kind
    return ParsedName(text, "path", tuple(r for r in readings if r), _list_items(bare))


def _is_path(text: str) -> bool:
    if "/" in text:
        return True
    if text.startswith(".") and text.count(".") == 1 and len(text) > 1:
        return True  # a dotfile
    head, _, ext = text.rpartition(".")
    return bool(head) and re.split(r"[:#]", ext)[0].lower() in EXTENSIONS


def _flag(text: str, s: str) -> ParsedName | None:
    flag = _FLAG.fullmatch(s)
    if not flag:
        return None
    dashes, name = flag.groups()
    keys = [f"{dashes}{name}"]
    if dashes == "--":  # parsers derive long flags from field names: --api-key from api_key
        keys += [name.replace("-", "_"), name]
        if name.startswith("no-"):
            keys += [f"--{name[3:]}", name[3:].replace("-", "_")]
    return ParsedName(text, "flag", tuple((("word", k),) for k in dict.fromkeys(keys)))


def parse_name(span: str) -> ParsedName | None:
    """How the code span ``span`` is looked up, or None when it is not a name (module doc)."""
    text = span.strip()
    s = text.rstrip(",;")
    if s.endswith(".") and not s.endswith(".."):
        s = s[:-1]
    if not s or "\n" in s or not s.isascii() or not re.search(r"[A-Za-z]", s) or s[0] in "\"'~<{[(":
        return None
    if "://" in s or s.startswith("www.") or re.fullmatch(r"[^@\s]+@[^@\s]+\.\w+", s):
        return None
    if s.startswith("-"):
        return _flag(text, s)
    call = _CALL.fullmatch(s)
    if call:
        s = call.group(1)
    elif "==" in s or "!=" in s:
        return None  # an expression
    else:
        assign = _ASSIGN.fullmatch(s)
        if assign and "/" not in assign.group(1) and not any(ch.isspace() for ch in s):
            s = assign.group(1)
    if s.startswith("$"):
        s = s[1:].strip("{}")
    s = s.removeprefix("@")
    while _SUBSCRIPT.search(s) and _SUBSCRIPT.sub("", s):
        s = _SUBSCRIPT.sub("", s)
    if not s or any(ch.isspace() for ch in s):
        return None
    if not call and _is_path(s):
        return _path(text, s)
    s = s.replace("::", ".").replace("->", ".")
    if (
        not _NAME_CHARS.fullmatch(s)
        or "/" in s
        or s in NOT_NAMES
        or _VERSION.fullmatch(s)
        or _SHA.fullmatch(s)
        or _PLACEHOLDER.fullmatch(s)
        or _DUNDER.fullmatch(s)
    ):
        return None
    parts = [p for p in s.split(".") if p]
    if not parts or s.startswith(".") or s.endswith("."):
        return None
    readings = [_words(s), (("path", s),)]
    if len(parts) > 1:
        readings.append(_words(*[p for p in parts if p not in NOT_NAMES]))
    return ParsedName(text, "name", tuple(r for r in readings if r))  # a part list of keywords only is no reading


def spellings(word: str) -> tuple[str, ...]:
    """The spellings a word is found under: an identifier also with one or two leading underscores
    (`register_fixture` names ``_register_fixture``: the underscore marks it private, it is the same name)."""
    return (word, f"_{word}", f"__{word}") if _IDENTIFIER.fullmatch(word) else (word,)


def word_pattern(word: str) -> str:
    """A regular expression for ``word`` as a whole word in a text, under all its :func:`spellings`."""
    lead = "_{0,2}" if _IDENTIFIER.fullmatch(word) else ""
    return rf"(?<!\w){lead}{re.escape(word)}(?!\w)"
