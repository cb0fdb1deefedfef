"""The prompts of an analysis and the reading of its answers: the texts sent, the JSON back.

The commit message and the diff go into the prompt as untrusted data, between markers whose id
is derived from the commit (so the message cannot predict and fake them); the file list and the
line counts come from git, and are the only numbers the model is told it may state.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import jinja2

from ..i18n import strings
from ..models import Commit, PullRequest
from ..scoring.paths import file_kind
from ..templating import folder_environment
from ..textcut import truncate
from .diff_budget import CHARS_PER_TOKEN, BudgetedDiff, estimate_tokens
from .records import AnalysisRequest
from .schema import FIELDS_BY_LEVEL

PROMPT_VERSION = "2026-12-07.1"  # bump when a prompt template or the schema changes: old cache entries stop matching

MESSAGE_CHARS = 4000  # the commit message is clipped to this
PR_SHARE = 4  # the pull request's description takes at most 1/PR_SHARE of the token budget ...
PR_MAX_TOKENS = 1000  # ... and at most this many tokens; the diff gets the rest
MAX_FILES_LISTED = 80  # file lines in the prompt; the rest are counted
MAX_LANDED_LISTED = 30  # titles of the commits a merge landed; the rest are counted
_PROMPTS = Path(__file__).with_name("prompts")


# ----------------------------------------------------------------------------------------------
# Prompts


@cache
def _environment() -> jinja2.Environment:
    # made at the first prompt, not at import: its compiled templates go to the cache directory of that run
    return folder_environment(_PROMPTS, autoescape=False, trim=False, keep_trailing_newline=False)


def render_template(name: str, **values) -> str:
    """The prompt template ``name`` (in ``prompts/``) rendered with ``values``, without surrounding whitespace."""
    return _environment().get_template(name).render(**values).strip()


def _nonce(commit: Commit) -> str:
    return hashlib.sha256(f"{commit.sha}\n{commit.message}".encode("utf-8", "replace")).hexdigest()[:16]


def _defuse(text: str) -> str:
    """Untrusted text cannot fake our markers."""
    return text.replace("<<<BEGIN_UNTRUSTED", "<< <BEGIN_UNTRUSTED").replace("<<<END_UNTRUSTED", "<< <END_UNTRUSTED")


def _clip_message(message: str) -> str:
    return truncate((message or "").strip(), MESSAGE_CHARS, marker="\n… [message clipped: {rest} more characters]")


@dataclass(frozen=True)
class PullRequestText:
    """The pull request's part of a prompt: its title, labels, linked issues and description, the
    description cut to its share of the token budget."""

    number: int
    title: str
    labels: tuple[str, ...]
    issues: tuple[str, ...]  # "#12 title" of the issues it closes
    body: str  # as shown to the model
    body_chars: int  # the whole description's length
    tokens: int  # estimate of everything above

    @property
    def cut(self) -> bool:
        return len(self.body) < self.body_chars


def pull_request_text(pr: PullRequest | None, token_budget: int) -> PullRequestText | None:
    """What the prompt says of ``pr`` within ``token_budget // PR_SHARE`` tokens (at most ``PR_MAX_TOKENS``)."""
    if pr is None:
        return None
    body = (pr.body or "").strip()
    issues = tuple(f"#{i.number} {i.title}".strip() for i in pr.closes_issues)
    head = estimate_tokens(" ".join((pr.title, *pr.labels, *issues)))
    room = max(0, min(PR_MAX_TOKENS, token_budget // PR_SHARE) - head) * CHARS_PER_TOKEN
    shown = truncate(body, room, at="sentence", marker="")
    return PullRequestText(
        number=pr.number,
        title=pr.title,
        labels=tuple(pr.labels),
        issues=issues,
        body=shown,
        body_chars=len(body),
        tokens=head + estimate_tokens(shown),
    )


def render_prompt(
    req: AnalysisRequest,
    lang: str,
    budgeted: BudgetedDiff | None,
    schema: str | None = None,
    pull: PullRequestText | None = None,
) -> tuple[str, str]:
    """The (system, user) prompt texts for one commit (``pull``: its pull request's part, when it has one)."""
    if lang not in ("zh", "en"):
        raise ValueError(f"unknown language {lang!r}")
    c = req.commit
    files = [
        {
            "path": f.path,
            "old_path": f.old_path,
            "status": f.status,
            "added": f.added_lines or 0,
            "deleted": f.deleted_lines or 0,
            "binary": f.binary,
            "kind": file_kind(f.path),
        }
        for f in c.files[:MAX_FILES_LISTED]
    ]
    totals = {
        "files": len(c.files),
        "added": c.added_lines,
        "deleted": c.deleted_lines,
        "binary": sum(1 for f in c.files if f.binary),
    }
    words = strings(lang)["prompt"]
    why = words["why"]
    left_out = [
        {"path": f.path, "why": why[f.reason].format(lines=f.lines, seen=f.seen)}
        for f in (budgeted.left_out if budgeted else ())
    ][:MAX_FILES_LISTED]
    if budgeted and budgeted.text:
        note = words["diff_note"].format(seen=budgeted.lines_seen, total=budgeted.lines_changed)
    else:
        note = words["diff_note"].format(seen=0, total=c.added_lines + c.deleted_lines)
    system = render_template(f"system.{lang}.j2")
    user = render_template(
        f"analysis.{lang}.j2",
        repo=req.repo,
        sha=c.sha,
        totals=totals,
        files_truncated=c.files_truncated,
        level=req.level,
        reasons=[" ".join(str(r).split()) for r in req.reasons],
        files=files,
        hidden_files=max(0, len(c.files) - MAX_FILES_LISTED),
        nonce=_nonce(c),
        landed=[
            {"title": _defuse(m.title), "author": _defuse(m.author_name)}
            for m in (c.authored if c.merged else ())[:MAX_LANDED_LISTED]
        ],
        landed_more=max(0, len(c.authored) - MAX_LANDED_LISTED) if c.merged else 0,
        message=_defuse(_clip_message(c.message)),
        diff=_defuse(budgeted.text) if budgeted else "",
        diff_note=note,
        left_out=left_out,
        schema=schema,
        fields=FIELDS_BY_LEVEL.get(req.level, FIELDS_BY_LEVEL["medium"]),
        pull=None
        if pull is None
        else {
            "number": pull.number,
            "title": _defuse(pull.title),
            "labels": [_defuse(x) for x in pull.labels],
            "issues": [_defuse(x) for x in pull.issues],
            "body": _defuse(pull.body),
            "cut": pull.cut,
            "shown": len(pull.body),
            "total": pull.body_chars,
        },
    )
    return system, user


def render_followup(lang: str, fields: tuple[str, ...], importance: str, target: str, schema: str | None = None) -> str:
    """The follow-up turn asking for ``fields``, the ones an entry of level ``target`` still lacks."""
    return render_template(f"followup.{lang}.j2", fields=fields, importance=importance, target=target, schema=schema)


def coverage_text(
    budgeted: BudgetedDiff | None, lang: str, coverage: float, pull: PullRequestText | None = None
) -> str:
    """A human-readable line for the entry when the model did not see the whole diff (or the whole
    pull request description), else ""."""
    words = strings(lang)["prompt"]
    cut = words["pr_cut"].format(shown=len(pull.body), total=pull.body_chars) if pull is not None and pull.cut else ""
    if budgeted is None or (coverage >= 1.0 and not budgeted.left_out):
        return cut
    line, left = words["coverage"], words["left_out"]
    text = line.format(percent=int(coverage * 100), seen=len(budgeted.included), total=budgeted.files_total)
    if cut:
        text += words["separator"] + cut
    skipped = [f for f in budgeted.left_out]
    if skipped:
        reason_words = words["reason_word"]
        names = ", ".join(f"{f.path} ({reason_words.get(f.reason, f.reason)})" for f in skipped[:6])
        if len(skipped) > 6:
            names += f", … (+{len(skipped) - 6})"
        text += words["separator"] + left.format(files=names)
    return text


# ----------------------------------------------------------------------------------------------
# Answers


def extract_json(text: str | None) -> dict | None:
    """The first JSON object in ``text`` (the whole text, a fenced block, or one inside prose)."""
    if not text:
        return None
    stripped = text.strip()
    try:
        value = json.loads(stripped)
        return value if isinstance(value, dict) else None
    except ValueError:
        pass
    decoder = json.JSONDecoder()
    start = 0
    for _ in range(200):
        i = stripped.find("{", start)
        if i < 0:
            return None
        try:
            value, _end = decoder.raw_decode(stripped, i)
            if isinstance(value, dict):
                return value
        except ValueError:
            pass
        start = i + 1
    return None


def is_pure_json(text: str | None) -> bool:
    """The whole text is one JSON object (no prose around it)."""
    try:
        return isinstance(json.loads((text or "").strip()), dict)
    except ValueError:
        return False
