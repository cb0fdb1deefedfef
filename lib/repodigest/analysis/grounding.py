"""The model's claims checked against the commit: code names and paths it writes, and numbers.

**Where names are read.** Every inline code span (text in backticks) of every field of the
analysis that the entry shows: ``change_type``, ``change_type_detail``, ``importance_reason``,
``summary``, ``scope``, ``insight``, ``risks`` (titles and details), ``advice`` (titles and texts),
``closing``. Each name keeps its field (``"summary[0]"``, ``"insight.performance"``,
``"risks[1].details[0]"``, ``"advice[0].text"``) so that the report can mark it in place. Fenced
code blocks (spans over several lines) are code, not names.

**What is a name** (:func:`parse_name`), and how it is looked up. A name is found when every
lookup of one of its readings is found; a lookup of a word is the fixed string with no letter,
digit or ``_`` on either side (``git grep -w -F``), or a file or directory of that name; a lookup of
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
- ``@decorator`` -> the name after ``@``.

**What is not checked** (it is not a name of the repository, or cannot be told from prose):
text with spaces that is not a flag with its value (shell commands such as ``pip install x``,
expressions such as ``SM >= 120``, import lines); literal values (``True``, ``None``, ``null``,
numbers, versions such as ``v0.6.3``, quoted strings ``"fp8"``); built-in type names (``bool``,
``int``, ``str``); URLs, e-mail addresses, home paths (``~/.cache``), commit hashes, globs and
other text with characters no name has (``*``, ``|``, ``<``, ``{``); text with no ASCII letter
or any non-ASCII character. Unchecked spans are left out of the counts and never marked.

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
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

from ..models import FileChange
from .number_claims import number_mismatches

WHERE = ("diff", "tree", "message", "nowhere", "unknown")
MARK = "(?)"  # plain text: it reads the same in Markdown, HTML, chat and a terminal
LEGEND = {"en": "(?) after a name: found neither in the commit's diff nor in the repository at that commit.",
          "zh": "名称后的 (?)：在该提交的改动和该提交时的仓库中都找不到这个名称。"}
NOTE = {"en": {"names": "not found in the diff or the repository: {names}",
               "numbers": "numbers that differ from the data ({files} files, +{added}/-{deleted} lines): {claims}"},
        "zh": {"names": "在改动和仓库中都找不到的名称：{names}",
               "numbers": "与数据不符的数字（{files} 个文件，+{added}/-{deleted} 行）：{claims}"}}

TreeLookup = Callable[[Sequence[str]], tuple[Iterable[str], Iterable[str]]]
"""``words -> (every file path in the repository at the commit, those of words found as whole
words in some file there)``: one call per commit, e.g. ``git ls-tree -r --name-only <sha>`` and
one ``git grep -o -h -w -F -e W1 -e W2 ... <sha>``."""

EXTENSIONS = frozenset(
    "py pyi pyx pxd ipynb md rst txt toml yml yaml json jsonl cfg ini conf lock in c h cc cpp cxx hpp hh cu cuh "
    "rs go js mjs cjs ts tsx jsx vue java kt kts scala rb php pl swift m mm cs fs sh bash zsh ps1 bat sql proto "
    "thrift graphql gql html htm css scss less svg xml csv tsv tex bib cmake mk gradle dockerfile env j2 jinja "
    "tmpl tpl mako lua r jl dart ex exs erl hs ml nix zig v sv vhd asm s ld patch diff pem pub onnx pt bin".split())
AMBIGUOUS_EXTENSIONS = frozenset("patch lock cfg conf env json in bin diff m h c s r v ml pt ex sh".split())
NOT_NAMES = frozenset(
    "True False None true false null nil NULL undefined NaN nan inf Infinity self cls this super "
    "bool int float str bytes bytearray dict list tuple set frozenset object complex type any Any "
    "void char short long double unsigned signed auto const string number boolean unknown never "
    "i8 i16 i32 i64 u8 u16 u32 u64 usize isize f32 f64".split())
_SPAN = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.S)
_CALL = re.compile(r"([A-Za-z_$@][\w.:$@]*)\s*\(.*\)\s*", re.S)
_SUBSCRIPT = re.compile(r"(?:\[[^\[\]]*\]|<[^<>]*>)$")
_FLAG = re.compile(r"(--?)([A-Za-z][\w-]*)(?:=\S*|\s+(?:\S+|\"[^\"]*\"|'[^']*'))?")
_ASSIGN = re.compile(r"([A-Za-z_][\w.\-]*)\s*=\s*\S.*")
_LINE_SUFFIX = re.compile(r"(?::L?\d+(?:[-:]L?\d+)?|#L\d+(?:-L?\d+)?)$")
_VERSION = re.compile(r"v?\d+(?:\.\d+)+[\w.+-]*|\d[\w.+-]*")
_SHA = re.compile(r"(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{7,40}")
_NAME_CHARS = re.compile(r"[\w.\-/]+")


@dataclass(frozen=True)
class ParsedName:
    """A name as :func:`parse_name` reads it: found when every lookup of one reading is found."""

    text: str  # as written between the backticks
    kind: str  # path | flag | name
    readings: tuple[tuple[tuple[str, str], ...], ...]  # ((("word"|"path", key), ...), ...)


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
        """JSON-ready: ``{"ungrounded": [...], "number_mismatches": [...], "counts": {...}}``."""
        return {"ungrounded": list(self.ungrounded), "number_mismatches": list(self.number_mismatches),
                "counts": self.counts}


# ------------------------------------------------------------------------------------------------
# Reading names


def code_spans(text: str) -> list[str]:
    """The inline code spans of Markdown ``text``, in order (the text between matching backtick runs)."""
    out = []
    for m in _SPAN.finditer(text or ""):
        content = m.group(2)
        if content.startswith(" ") and content.endswith(" ") and content.strip():
            content = content[1:-1]
        out.append(content)
    return out


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


def _words(*keys: str) -> tuple[tuple[str, str], ...]:
    return tuple(("word", k) for k in keys)


def _path(text: str, bare: str) -> ParsedName | None:
    bare = bare.removeprefix("./")
    if "::" in bare:  # a test id: x.py::TestY::test_z
        bare = bare.split("::", 1)[0]
    bare = _LINE_SUFFIX.sub("", bare)
    if not _NAME_CHARS.fullmatch(bare) or not re.search(r"[A-Za-z]", bare):
        return None
    readings = [(("path", bare.strip("/")),), (("word", bare.rstrip("/")),)]
    head, _, ext = bare.rpartition(".")
    if "/" not in bare and ext.lower() in AMBIGUOUS_EXTENSIONS and re.fullmatch(r"[A-Za-z_]\w*", head):
        readings.append(_words(head, ext))  # `mock.patch`, `self.lock`: an attribute as much as a file
    return ParsedName(text, "path", tuple(readings))


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
    if not _NAME_CHARS.fullmatch(s) or "/" in s or s in NOT_NAMES or _VERSION.fullmatch(s) or _SHA.fullmatch(s):
        return None
    parts = [p for p in s.split(".") if p]
    if not parts or s.startswith(".") or s.endswith("."):
        return None
    readings = [_words(s), (("path", s),)]
    if len(parts) > 1:
        readings.append(_words(*[p for p in parts if p not in NOT_NAMES]))
    return ParsedName(text, "name", tuple(readings))


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

    def has_path(self, query: str) -> bool:
        parts = [p for p in query.split("/") if p]
        if not parts:
            return False
        for path_parts, i in self._by_part.get(parts[-1], ()):
            start = i - len(parts) + 1
            if start >= 0 and path_parts[start:i + 1] == parts:
                return True
        return False

    def has_word(self, word: str) -> bool:
        if word in self.words or word in self._stems:
            return True
        return bool(self.text) and re.search(rf"(?<!\w){re.escape(word)}(?!\w)", self.text) is not None

    def has(self, lookup: tuple[str, str]) -> bool:
        kind, key = lookup
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
        if rest.startswith("a/") and rest[half + 1:half + 3] == "b/" and rest[2:half] == rest[half + 3:]:
            paths.append(rest[2:half])
    for m in _BINARY.finditer(diff):
        paths += [p for p in m.groups() if p]
    return list(dict.fromkeys(paths))


def _resolve(lookups: set[tuple[str, str]], places: list[tuple[str, _Place]], found: dict) -> None:
    """Record in ``found`` the first place (in order) holding each lookup it lacks."""
    for where, place in places:
        for lookup in lookups - found.keys():
            if place.has(lookup):
                found[lookup] = where


def ground_analysis(analysis: Mapping, diff: str, *, files: Sequence[FileChange], message: str = "",
                    tree_lookup: TreeLookup | None = None, check_numbers: bool = True) -> Grounding:
    """Check ``analysis`` (``schema.to_entry_dict``'s shape) against its commit: the names it writes
    in backticks against ``diff`` (the full diff, not the budgeted one), the commit's ``files``,
    the repository at the commit (``tree_lookup``, one call) and ``message`` (the commit message
    and the pull request's title and description); its numbers against ``files`` (pass
    ``check_numbers=False`` when the source capped the file list)."""
    texts = list(analysis_texts(analysis))
    written = [(span, field) for field, text in texts for span in code_spans(text)]
    parsed_of = {span: parse_name(span) for span, _ in written}
    parsed = [p for p in parsed_of.values() if p is not None]
    lookups = {lk for p in parsed for reading in p.readings for lk in reading}
    in_diff = _Place(diff, [*diff_paths(diff), *(f.path for f in files), *(f.old_path or "" for f in files)])
    found: dict[tuple[str, str], str] = {}
    _resolve(lookups, [("diff", in_diff)], found)
    places: list[tuple[str, _Place]] = []
    missing = lookups - found.keys()
    if tree_lookup is not None and missing:
        words = sorted({key for kind, key in missing if kind == "word"})
        tree_paths, tree_words = tree_lookup(words)
        places.append(("tree", _Place(paths=tree_paths, words=tree_words)))
    if message:
        places.append(("message", _Place(message)))
    _resolve(lookups, places, found)
    rank = {w: i for i, w in enumerate(WHERE)}
    fallback = "nowhere" if tree_lookup is not None else "unknown"
    names: list[NameCheck] = []
    for span, field in dict.fromkeys(written):
        p = parsed_of[span]
        if p is None:
            continue
        reached = [max((found.get(lk, fallback) for lk in reading), key=rank.__getitem__) for reading in p.readings]
        names.append(NameCheck(p.text, field, min(reached, key=rank.__getitem__), p.kind))
    mismatches = number_mismatches((t for _, t in texts), files) if check_numbers else []
    return Grounding(tuple(names), tuple(mismatches), tree_lookup is not None)


# ------------------------------------------------------------------------------------------------
# Showing the result


def mark_text(text: str, ungrounded: Collection[str], mark: str = MARK) -> str:
    """``text`` with ``mark`` right after every inline code span whose name is in ``ungrounded``."""
    if not ungrounded or not text:
        return text
    wanted = set(ungrounded)

    def marked(m: re.Match) -> str:
        content = m.group(2)
        if content.startswith(" ") and content.endswith(" ") and content.strip():
            content = content[1:-1]
        already = m.string.startswith(mark, m.end())
        return m.group(0) + mark if content.strip() in wanted and not already else m.group(0)

    return _SPAN.sub(marked, text)


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
        out["risks"] = [{**r, "title": m(r.get("title")), "details": [m(t) for t in r.get("details") or []]}
                        for r in out["risks"]]
    if out.get("advice"):
        out["advice"] = [{**a, "title": m(a.get("title")), "text": m(a.get("text"))} for a in out["advice"]]
    return out


def grounding_note(ungrounded: Sequence[str], mismatches: Sequence[str], lang: str, *, files: int = 0,
                   added: int = 0, deleted: int = 0) -> str:
    """The sentence for the entry's coverage line (``lang`` zh or en), or "" when all is grounded."""
    texts = NOTE[lang]
    parts = []
    if ungrounded:
        parts.append(texts["names"].format(names=("、" if lang == "zh" else ", ").join(f"`{n}`" for n in ungrounded)))
    if mismatches:
        claims = ("、" if lang == "zh" else ", ").join(f"“{c}”" for c in mismatches)
        parts.append(texts["numbers"].format(files=files, added=added, deleted=deleted, claims=claims))
    return ("；" if lang == "zh" else "; ").join(parts)
