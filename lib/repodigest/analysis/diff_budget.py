"""Fit a commit's diff into a token budget for the model, saying what was left out and why.

In the manner of PR-Agent's diff compression:

1. parse the unified diff (``git show`` text: ``diff --git a/x b/x`` sections) into files;
2. leave out lockfiles, generated and vendored files (by :func:`repodigest.scoring.paths.file_kind`),
   binary files, and the content of deleted files (they are named, not shown);
3. order what is left: source, then tests, then build/CI, then docs; bigger changes first within
   each group;
4. clip each file to ``max_lines_per_file`` diff lines (whole hunks first, then cut the last one);
5. fit the estimated tokens (characters / 4, no tokenizer) into the budget: first every file that
   fits whole, in that order; then the files that did not, each clipped to the room left when
   that room is worth it (``MIN_PARTIAL_TOKENS``), otherwise left out ("budget"). The text keeps
   the order of step 3.

``coverage`` = changed lines (``+``/``-``) shown to the model / changed lines in the whole diff
(1.0 for a diff without changed lines).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from ..scoring.paths import file_kind

CHARS_PER_TOKEN = 4
MAX_LINE_CHARS = 400  # a longer line (minified code, data) is cut
MIN_PARTIAL_TOKENS = 120  # room below which a file is not clipped to fit but skipped
SKIPPED_KINDS = ("lock", "generated", "vendored")
_ORDER = {"source": 0, "test": 1, "build": 2, "ci": 2, "docs": 3}
_DIFF_GIT = re.compile(r'^diff --git "?a/(.+?)"? "?b/(.+?)"?$')
_DIFF_CC = re.compile(r"^diff --(?:cc|combined) (.+)$")
_HUNK = re.compile(r"^(@@+) ")


def estimate_tokens(text: str) -> int:
    """Token estimate without a tokenizer: characters / 4, rounded up."""
    return math.ceil(len(text) / CHARS_PER_TOKEN)


@dataclass
class Hunk:
    header: str
    lines: list[str] = field(default_factory=list)
    parents: int = 1  # 2+ for combined (merge) diffs

    def is_change(self, line: str) -> bool:
        prefix = line[: self.parents]
        return ("+" in prefix or "-" in prefix) and not line.startswith("\\")

    @property
    def changed(self) -> int:
        return sum(1 for line in self.lines if self.is_change(line))


@dataclass
class FileDiff:
    """One file's section of the diff."""

    path: str
    old_path: str | None = None
    status: str = "modified"  # added | modified | deleted | renamed | copied | mode
    header: list[str] = field(default_factory=list)  # "diff --git" .. "+++" lines
    hunks: list[Hunk] = field(default_factory=list)
    binary: bool = False

    @property
    def kind(self) -> str:
        return file_kind(self.path)

    @property
    def added(self) -> int:
        return sum(1 for h in self.hunks for line in h.lines if h.is_change(line) and "+" in line[: h.parents])

    @property
    def deleted(self) -> int:
        return self.changed - self.added

    @property
    def changed(self) -> int:
        return sum(h.changed for h in self.hunks)


@dataclass(frozen=True)
class LeftOut:
    """A file the model did not see in full: ``reason`` is lock, generated, vendored, binary,
    deleted, budget (no room) or clipped (shown in part)."""

    path: str
    reason: str
    lines: int  # changed lines of the file
    seen: int = 0  # changed lines of it that were shown


@dataclass(frozen=True)
class BudgetedDiff:
    """The diff text for the prompt, and an account of what it holds."""

    text: str
    included: tuple[str, ...]  # files shown, whole or clipped, in prompt order
    left_out: tuple[LeftOut, ...]  # files not shown, or shown in part ("clipped")
    lines_changed: int  # changed lines in the whole diff
    lines_seen: int  # changed lines in ``text``
    files_total: int
    tokens: int  # estimate of ``text``
    budget: int

    @property
    def coverage(self) -> float:
        return 1.0 if self.lines_changed == 0 else round(self.lines_seen / self.lines_changed, 4)

    @property
    def skipped(self) -> tuple[LeftOut, ...]:
        """Files not shown at all."""
        return tuple(f for f in self.left_out if f.reason != "clipped")


def _strip_path(text: str) -> str:
    text = text.strip().strip('"')
    return text[2:] if text[:2] in ("a/", "b/") else text


def parse_diff(text: str) -> list[FileDiff]:
    """Split a unified diff into files; anything before the first ``diff --`` line is ignored."""
    files: list[FileDiff] = []
    current: FileDiff | None = None
    hunk: Hunk | None = None
    for line in (text or "").splitlines():
        match = _DIFF_GIT.match(line)
        cc = None if match else _DIFF_CC.match(line)
        header = match or cc
        if header:
            path = match.group(2) if match else header.group(1).strip('"')
            current = FileDiff(path=path, header=[line])
            if match and match.group(1) != match.group(2):
                current.old_path, current.status = match.group(1), "renamed"
            files.append(current)
            hunk = None
            continue
        if current is None:
            continue
        head = _HUNK.match(line)
        if head:
            hunk = Hunk(header=line, parents=len(head.group(1)) - 1)
            current.hunks.append(hunk)
            continue
        if hunk is None:  # extended header lines
            current.header.append(line)
            if line.startswith("new file mode"):
                current.status = "added"
            elif line.startswith("deleted file mode"):
                current.status = "deleted"
            elif line.startswith("rename from "):
                current.old_path, current.status = line[len("rename from ") :], "renamed"
            elif line.startswith("rename to "):
                current.path = line[len("rename to ") :]
            elif line.startswith("copy from "):
                current.old_path, current.status = line[len("copy from ") :], "copied"
            elif line.startswith("copy to "):
                current.path = line[len("copy to ") :]
            elif line.startswith(("Binary files ", "GIT binary patch")):
                current.binary = True
            elif line.startswith("+++ ") and line[4:].strip() != "/dev/null":
                current.path = _strip_path(line[4:])
            continue
        hunk.lines.append(line)
    return files


def _cut(line: str) -> str:
    return line if len(line) <= MAX_LINE_CHARS else line[:MAX_LINE_CHARS] + " …[line cut]"


def _render(f: FileDiff, max_lines: int | None, max_tokens: int | None) -> tuple[str, int]:
    """The file's text with at most ``max_lines`` hunk lines and ``max_tokens`` tokens; changed lines shown."""
    header = [f.header[0]] + [h for h in f.header[1:] if not h.startswith("index ")]
    out = list(header)
    used = estimate_tokens("\n".join(out)) + 1
    shown_lines = 0
    seen = 0
    for n, hunk in enumerate(f.hunks):
        room_lines = None if max_lines is None else max_lines - shown_lines
        head_tokens = estimate_tokens(hunk.header) + 1
        if (room_lines is not None and room_lines <= 0) or (max_tokens is not None and used + head_tokens > max_tokens):
            rest = sum(h.changed for h in f.hunks[n:])
            out.append(f"… [{len(f.hunks) - n} more hunk(s), {rest} changed lines not shown]")
            break
        out.append(hunk.header)
        used += head_tokens
        for i, raw in enumerate(hunk.lines):
            line = _cut(raw)
            cost = estimate_tokens(line) + 1
            if (max_lines is not None and shown_lines >= max_lines) or (
                max_tokens is not None and used + cost > max_tokens
            ):
                rest = sum(1 for x in hunk.lines[i:] if hunk.is_change(x))
                out.append(f"… [hunk clipped: {rest} more changed lines not shown]")
                later = sum(h.changed for h in f.hunks[n + 1 :])
                if later:
                    out.append(f"… [{len(f.hunks) - n - 1} more hunk(s), {later} changed lines not shown]")
                return "\n".join(out), seen
            out.append(line)
            used += cost
            shown_lines += 1
            if hunk.is_change(raw):
                seen += 1
    return "\n".join(out), seen


def budget_diff(text: str, token_budget: int = 6000, max_lines_per_file: int = 300) -> BudgetedDiff:
    """Choose and clip the files of ``text`` to fit ``token_budget`` (see the module docstring)."""
    files = parse_diff(text)
    lines_changed = sum(f.changed for f in files)
    left_out: list[LeftOut] = []
    candidates: list[FileDiff] = []
    for f in files:
        kind = f.kind
        if kind in SKIPPED_KINDS:
            left_out.append(LeftOut(f.path, kind, f.changed))
        elif f.binary:
            left_out.append(LeftOut(f.path, "binary", f.changed))
        elif f.status == "deleted":
            left_out.append(LeftOut(f.path, "deleted", f.changed))
        else:
            candidates.append(f)
    candidates.sort(key=lambda f: (_ORDER.get(f.kind, 3), -f.changed))
    chosen: dict[int, tuple[str, str, int]] = {}  # order -> (path, text, seen)
    used = 0
    deferred: list[tuple[int, FileDiff]] = []
    for order, f in enumerate(candidates):  # pass 1: whole (per-file clipped) files that fit
        whole, seen = _render(f, max_lines_per_file, None)
        cost = estimate_tokens(whole) + 1
        if cost <= token_budget - used:
            chosen[order] = (f.path, whole, seen)
            used += cost
        else:
            deferred.append((order, f))
    for order, f in deferred:  # pass 2: what did not fit, clipped to the room left
        room = token_budget - used
        whole, seen = _render(f, max_lines_per_file, room - 1) if room >= MIN_PARTIAL_TOKENS else ("", 0)
        cost = estimate_tokens(whole) + 1
        if not whole or cost > room or (seen == 0 and f.changed):
            left_out.append(LeftOut(f.path, "budget", f.changed))
            continue
        chosen[order] = (f.path, whole, seen)
        used += cost
    parts: list[str] = []
    included: list[str] = []
    seen_total = 0
    by_path = {f.path: f for f in candidates}
    for order in sorted(chosen):
        path, whole, seen = chosen[order]
        if seen < by_path[path].changed:
            left_out.append(LeftOut(path, "clipped", by_path[path].changed, seen))
        parts.append(whole)
        included.append(path)
        seen_total += seen
    body = "\n".join(parts)
    return BudgetedDiff(
        text=body,
        included=tuple(included),
        left_out=tuple(left_out),
        lines_changed=lines_changed,
        lines_seen=seen_total,
        files_total=len(files),
        tokens=estimate_tokens(body),
        budget=token_budget,
    )
