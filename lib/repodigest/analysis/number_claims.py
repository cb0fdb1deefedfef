"""Numbers the model states about the change itself (lines, files), checked against the data.

A claim is a number followed by a unit (``lines``, ``LOC``, ``additions``, ``deletions``,
``files``; ``行``, ``个文件``), or a ``+N/-M`` pair, that the clause ties to the change with a
word of change right before it or right after it ("adds 120 lines", "120 lines removed", "touches
5 files", "a 3 line change", "in all, 20 files, +2726/-1824 lines"; "新增 120 行", "删除了 30 行",
"涉及 5 个文件", "3 行改动"). A number with no word of change beside it ("the first 12 lines",
"logs are cut at 100 lines", "第 12 行", "每 100 行") is not about the change, and is not checked.

What a claim may match (``plausible``), so that a true statement about a part of the change is
never reported:

- lines "added" match the commit's added lines, one file's, or the sum over any set of files;
  "deleted" likewise; "net" the difference, for the commit or a file; a line count without a
  direction (changes, touches, 改动, 涉及) matches any of added, deleted, their sum or their
  larger, for the commit, a file or a set of files; a ``+N/-M`` pair matches the commit's, a
  file's or a set of files' pair. On a large commit many counts are some set's sum: the check
  catches a number that fits no part of the change, not a loose one;
- files: the commit's file count, or the count of its new, deleted, renamed or modified files
  ("3 new files" only the new ones); a count qualified by another word ("2 test files", "3 个测试
  文件") names a part the data does not delimit, and is not checked;
- a qualifier widens the match: about/around/roughly/~/约/左右 within 25%; over/more than/at least/
  超过/N 多/N 余 at least N; under/less than/up to/不到/少于 at most N; nearly/almost/近/将近 from 75%
  to 105% of N; a round number without a qualifier (a multiple of 10, at least 50) within 10%.

:func:`number_mismatches` returns the claims that match nothing, as written.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..models import FileChange

MAX_PAIR_BITS = 50_000_000  # a +N/-M pair over a bigger commit is taken as plausible (the sums would not fit)

_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "single": 1,
    "a single": 1,
}
_ZH_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_NUM = r"\d{1,3}(?:,\d{3})+|\d+"
_EN_NUM = rf"(?:{_NUM}|(?:a\s+)?single|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
_ZH_NUM = rf"(?:{_NUM}|[一二两三四五六七八九十]{{1,3}})"

_QUALIFIERS = {  # words right before the number -> how the claim is read
    "about": "about",
    "around": "about",
    "roughly": "about",
    "approximately": "about",
    "approx.": "about",
    "~": "about",
    "some": "about",
    "over": "over",
    "more than": "over",
    "at least": "over",
    "just over": "over",
    "under": "under",
    "less than": "under",
    "fewer than": "under",
    "up to": "under",
    "just under": "under",
    "nearly": "nearly",
    "almost": "nearly",
    "close to": "nearly",
    "约": "about",
    "大约": "about",
    "大概": "about",
    "超过": "over",
    "逾": "over",
    "多于": "over",
    "至少": "over",
    "不到": "under",
    "少于": "under",
    "不足": "under",
    "近": "nearly",
    "将近": "nearly",
    "接近": "nearly",
}
_EN_QUAL = (
    r"(?:just over|just under|more than|less than|fewer than|at least|up to|close to|approx\.|about|around|"
    r"roughly|approximately|some|over|under|nearly|almost|only|just|exactly|a total of|~)"
)
_ZH_QUAL = r"(?:大约|大概|超过|多于|至少|不到|少于|不足|将近|接近|约|逾|近|仅|只|了)"

# Words of change: a direction, or "any" for a count of changed lines or files.
_EN_VERBS = [  # in order: the first that ends the text before the number gives the direction
    (r"net", "net"),
    (r"add(?:s|ed|ing)?|insert(?:s|ed|ing)?|introduc(?:es|ed|ing)", "added"),
    (r"remov(?:es|ed|ing)|delet(?:es|ed|ing)|drop(?:s|ped|ping)|eliminat(?:es|ed|ing)", "deleted"),
    (
        r"chang(?:e|es|ed|ing)|touch(?:es|ed|ing)|modif(?:ies|ied|ying)|rewrit(?:es|ing)|rewrote|edit(?:s|ed|ing)|"
        r"totals?|totall?ing|in all|in total|overall|altogether|spann?(?:s|ing)|spread|diff|patch",
        "any",
    ),
]
_ZH_VERBS = [
    (r"净(?:增加|新增|增|减少|删除|删减|减)?", "net"),
    (r"新增|增加|添加|加入|引入|新加|增", "added"),
    (r"删除|删去|删掉|删减|移除|去掉|去除|减少|精简|砍掉|删", "deleted"),
    (r"改动|修改|变更|涉及|触及|合计|总计|总共|一共|共计|共|改|动了|跨越", "any"),
]
_FILLER = r"only|just|in|exactly|another|a|an|over|across"  # may stand between the word of change and the number
_AFTER_EN = {
    "added": "added",
    "inserted": "added",
    "removed": "deleted",
    "deleted": "deleted",
    "dropped": "deleted",
    "changed": "any",
    "modified": "any",
    "touched": "any",
    "of change": "any",
    "of changes": "any",
}
_AFTER_ZH = {
    "新增": "added",
    "增加": "added",
    "删除": "deleted",
    "删减": "deleted",
    "改动": "any",
    "修改": "any",
    "变更": "any",
    "变化": "any",
    "修复": "any",
    "的改动": "any",
    "的修改": "any",
    "的变更": "any",
}
_CHANGE_NOUNS = r"change|fix|patch|diff|commit|edit|tweak|update|pr|pull request|revert|bump"
_FILE_KINDS = {
    "new": "new",
    "added": "new",
    "deleted": "deleted",
    "removed": "deleted",
    "renamed": "renamed",
    "moved": "renamed",
    "changed": "any",
    "modified": "modified",
    "touched": "any",
    "edited": "any",
    "新": "new",
    "新增": "new",
    "新增的": "new",
    "新建的": "new",
    "删除的": "deleted",
    "被删除的": "deleted",
    "重命名的": "renamed",
    "修改的": "modified",
    "改动的": "any",
}

_PAIR = re.compile(rf"(?<![\w+])[+＋]\s?({_NUM})\s*(?:/|,|，|\s)\s*[-−–]\s?({_NUM})(?!\d)(?:\s*(?:lines?|行))?")
_EN_UNIT = re.compile(
    rf"(?<![\w.,])(?P<qual>{_EN_QUAL}\s*)?(?P<n>{_EN_NUM})(?P<plus>\+)?(?P<gap>\s+|-)"
    rf"(?:(?P<kind>new|added|changed|modified|touched|edited|deleted|removed|renamed|moved|[A-Za-z]+)\s+)?"
    rf"(?P<unit>lines?|LOC|additions|insertions|deletions|files?)\b(?P<after>(?:\s+of\s+code)?\s+"
    rf"(?:of changes?|added|inserted|removed|deleted|dropped|changed|modified|touched|{_CHANGE_NOUNS})\b)?",
    re.IGNORECASE,
)
_ZH_UNIT = re.compile(
    rf"(?P<qual>{_ZH_QUAL})?\s*(?P<n>{_ZH_NUM})\s*(?P<plus>多|余|\+)?\s*(?:(?P<files>个\s*(?P<kind>[\u4e00-\u9fff]{{0,4}}?)\s*文件)"
    rf"|(?P<lines>行))(?P<code>代码)?(?P<after>的改动|的修改|的变更|新增|增加|删除|删减|改动|修改|变更|变化|修复)?"
)


@dataclass(frozen=True)
class Claim:
    """One number the model states about the change."""

    text: str  # as written, e.g. "adds 120 lines"
    unit: str  # lines | files | pair
    direction: str  # added | deleted | net | any (lines); new | deleted | renamed | modified | any (files)
    value: int
    qualifier: str = "exact"  # exact | about | over | under | nearly
    second: int | None = None  # the deleted count of a +N/-M pair


def _number(text: str) -> int | None:
    text = text.strip().lower().replace(",", "")
    if text.isdigit():
        return int(text)
    if text in _WORDS:
        return _WORDS[text]
    if text.startswith("a ") and text[2:].strip() in _WORDS:
        return _WORDS[text[2:].strip()]
    if all(ch in _ZH_DIGITS or ch == "十" for ch in text) and text:
        tens, _, ones = text.partition("十")
        if "十" not in text:
            return _ZH_DIGITS[text] if len(text) == 1 else None
        return (_ZH_DIGITS.get(tens, 0) if tens else 1) * 10 + (_ZH_DIGITS.get(ones, 0) if ones else 0)
    return None


def _clause_before(text: str, start: int, limit: int, stops: str) -> str:
    """The text right before ``start`` in the same clause, at most ``limit`` characters."""
    head = text[max(0, start - limit) : start]
    cut = max(head.rfind(ch) for ch in stops)
    return head[cut + 1 :]


def _verb(before: str, verbs, english: bool) -> tuple[str, int] | None:
    """The direction of the word of change that ends ``before`` (a few words at most), and its offset."""
    for pattern, direction in verbs:
        if english:
            found = re.search(rf"\b(?:{pattern})\b(?:\s+(?:{_FILLER}))?\s*[,:]?\s*$", before, re.IGNORECASE)
        else:
            found = re.search(rf"(?:{pattern})[了过]?\s*$", before)
        if found:
            return direction, found.start()
    return None


def _qualifier(words: str | None) -> str:
    words = " ".join((words or "").lower().split())
    return _QUALIFIERS.get(words, "exact")


def find_claims(text: str) -> list[Claim]:
    """The number claims about the change in ``text`` (English and Chinese)."""
    claims: list[Claim] = []
    taken: list[tuple[int, int]] = []
    for m in _PAIR.finditer(text):
        claims.append(
            Claim(
                m.group(0).strip(),
                "pair",
                "pair",
                int(m.group(1).replace(",", "")),
                second=int(m.group(2).replace(",", "")),
            )
        )
        taken.append(m.span())
    for m in _EN_UNIT.finditer(text):
        if any(a <= m.start() < b for a, b in taken):
            continue
        claim = _english(text, m)
        if claim:
            claims.append(claim)
    for m in _ZH_UNIT.finditer(text):
        if any(a <= m.start("n") < b for a, b in taken):
            continue
        claim = _chinese(text, m)
        if claim:
            claims.append(claim)
    return claims


def _english(text: str, m: re.Match) -> Claim | None:
    value = _number(m.group("n"))
    unit = m.group("unit").lower()
    kind = (m.group("kind") or "").lower()
    if value is None:
        return None
    start, end = m.start("qual") if m.group("qual") else m.start("n"), m.end()
    if re.search(r"\b(?:first|last|top|bottom|every|per|each|line|the|than)\s*$", text[:start], re.IGNORECASE):
        return None  # "the first 12 lines", "every 100 lines", "line 12": a place, not a size
    qualifier = "over" if m.group("plus") else _qualifier(m.group("qual"))
    if unit.startswith("file"):
        if kind and kind not in _FILE_KINDS:
            return None  # "2 test files": a part the data does not delimit
        direction = _FILE_KINDS.get(kind, "any")
        unit_name = "files"
    else:
        unit_name = "lines"
        direction = {"additions": "added", "insertions": "added", "deletions": "deleted"}.get(unit, "any")
        if kind and kind not in ("new", "added", "changed", "modified", "deleted", "removed", "touched", "edited"):
            return None  # "12 blank lines", "40 log lines"
        if kind in ("new", "added"):
            direction = "added"
        elif kind in ("deleted", "removed"):
            direction = "deleted"
        if m.group("gap") == "-" and not re.match(rf"\s+(?:{_CHANGE_NOUNS})\b", m.group("after") or "", re.I):
            return None  # "a 40-line helper": the size of a part
    before = _clause_before(text, start, 60, ".;:!?\n()")
    verb = _verb(before, _EN_VERBS, english=True)
    after = (m.group("after") or "").strip().lower()
    if after:
        after_dir = _AFTER_EN.get(after.removeprefix("of code").strip(), "any")
        direction = after_dir if direction == "any" and unit_name == "lines" else direction
    elif verb is None and direction == "any" and unit not in ("additions", "insertions", "deletions"):
        return None  # no word of change beside it
    if verb:
        if verb[0] == "net" and unit_name == "lines":
            direction = "net"
        elif direction == "any" and unit_name == "lines" and verb[0] != "any":
            direction = verb[0]
        if unit_name == "files" and direction == "any" and verb[0] in ("added", "deleted"):
            direction = "new" if verb[0] == "added" else "deleted"
        start = start - len(before) + verb[1]
    return Claim(text[start:end].strip(), unit_name, direction, value, qualifier)


def _chinese(text: str, m: re.Match) -> Claim | None:
    raw = m.group("n")
    value = _number(raw)
    if value is None:
        return None
    start = m.start("qual") if m.group("qual") else m.start("n")
    prev = text[start - 1] if start else ""
    if prev in "第前后每末首":
        return None  # "第 12 行", "前 12 行": a place, not a size
    if m.group("files"):
        kind = m.group("kind") or ""
        if kind and kind not in _FILE_KINDS:
            return None  # "3 个测试文件": a part the data does not delimit
        unit, direction = "files", _FILE_KINDS.get(kind, "any")
    else:
        unit, direction = "lines", "any"
    before = _clause_before(text, start, 12, "。；！？\n，、,;（()")
    verb = _verb(before, _ZH_VERBS, english=False)
    after = m.group("after") or ""
    if verb is None and (not after or (not raw[0].isdigit() and "\u4e00" <= prev <= "\u9fff")):
        return None  # no word of change beside it, or a numeral inside a word ("统一行为")
    qualifier = "over" if m.group("plus") else _qualifier(m.group("qual"))
    if after and unit == "lines":
        direction = _AFTER_ZH.get(after, "any")
    if verb:
        if verb[0] == "net" and unit == "lines":
            direction = "net"
        elif unit == "lines" and direction == "any":
            direction = verb[0]
        elif unit == "files" and direction == "any" and verb[0] in ("added", "deleted"):
            direction = "new" if verb[0] == "added" else "deleted"
        start = start - len(before) + verb[1]
    return Claim(text[start : m.end()].strip(), unit, direction, value, qualifier)


# ------------------------------------------------------------------------------------------------
# Checking


def _sums(values: Iterable[int]) -> int:
    """The sums over every non-empty set of ``values``, as the set bits of an int (bit n: sum n)."""
    bits = 0
    for v in values:
        bits |= (bits << v) | (1 << v)
    return bits


def _span(claimed: int, qualifier: str, top: int) -> tuple[int, int]:
    """The values a claim of ``claimed`` with ``qualifier`` accepts, as an inclusive range."""
    if qualifier == "about":
        slack = max(2.0, 0.25 * claimed)
        lo, hi = claimed - slack, claimed + slack
    elif qualifier == "over":
        lo, hi = claimed, top
    elif qualifier == "under":
        lo, hi = 0, claimed
    elif qualifier == "nearly":
        lo, hi = 0.75 * claimed, 1.05 * claimed
    elif claimed >= 50 and claimed % 10 == 0:  # a round number reads as approximate
        lo, hi = 0.9 * claimed, 1.1 * claimed
    else:
        lo, hi = claimed, claimed
    return max(0, math.ceil(lo)), max(0, math.floor(hi))


def _any_in(bits: int, lo: int, hi: int) -> bool:
    return hi >= lo and (bits >> lo) & ((1 << (hi - lo + 1)) - 1) != 0


def plausible(claim: Claim, files: Sequence[FileChange]) -> bool:
    """Whether ``claim`` matches the commit whose files are ``files`` (the rules in the module doc)."""
    pairs = [(f.added_lines or 0, f.deleted_lines or 0) for f in files]
    added, deleted = sum(a for a, _ in pairs), sum(d for _, d in pairs)
    if claim.unit == "pair":
        if (added + 1) * (deleted + 1) > MAX_PAIR_BITS:
            return True  # too many sets of files to tell: taken as plausible
        width = deleted + 1  # bit a * width + d: a set of files adding a and deleting d lines
        return (
            claim.value <= added
            and (claim.second or 0) <= deleted
            and (_sums(a * width + d for a, d in pairs) >> (claim.value * width + (claim.second or 0))) & 1 == 1
        )
    if claim.unit == "files":
        by_status = {
            "new": sum(f.status == "added" for f in files),
            "deleted": sum(f.status == "deleted" for f in files),
            "renamed": sum(f.status in ("renamed", "copied") for f in files),
            "modified": sum(f.status == "modified" for f in files),
        }
        counts = [len(files), by_status["modified"]] if claim.direction in ("any", "modified") else []
        counts += [by_status[claim.direction]] if claim.direction in by_status else list(by_status.values())
        lo, hi = _span(claim.value, claim.qualifier, len(files))
        return any(lo <= c <= hi for c in counts)
    lo, hi = _span(claim.value, claim.qualifier, added + deleted)
    if claim.direction == "net":
        return any(lo <= abs(a - d) <= hi for a, d in [*pairs, (added, deleted)])
    if claim.direction == "added":
        return _any_in(_sums(a for a, _ in pairs), lo, hi)
    if claim.direction == "deleted":
        return _any_in(_sums(d for _, d in pairs), lo, hi)
    largest = [max(a, d) for a, d in [*pairs, (added, deleted)]]
    return any(lo <= v <= hi for v in largest) or any(
        _any_in(_sums(values), lo, hi)
        for values in ([a for a, _ in pairs], [d for _, d in pairs], [a + d for a, d in pairs])
    )


def number_mismatches(texts: Iterable[str], files: Sequence[FileChange]) -> list[str]:
    """The claims in ``texts`` about lines and files that ``files`` (the commit's) contradict, as
    written, in order, each once."""
    out: list[str] = []
    for text in texts:
        for claim in find_claims(text):
            if not plausible(claim, files) and claim.text not in out:
                out.append(claim.text)
    return out
