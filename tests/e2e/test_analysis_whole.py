"""The model's analysis reaches the reader whole (issue 11).

A realistic day (tests/fixtures/realistic_day: 14 commits, recorded zh and en answers written the
way a strong model writes them) is built and published in-process as ``repodigest report`` would
(the real openai client over HTTP to the local OpenAI-compatible server), once against a strict
server (it returns only the fields asked for, so promoted commits need a follow-up) and once
against a lax one (it returns everything the model wrote, fields the level does not ask for
included). Then, entry by entry, in report.md (rendered by cmark-gfm, GitHub's own renderer) and
in report.html (what nbconvert wrote): every content item the model wrote is found in its own
section, nothing is doubled, and no heading is left without content.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import cmarkgfm
import pytest
from bs4 import BeautifulSoup, Tag

from isolation import isolate
from published import save
from realistic_day import build_realistic_day, load_commits, load_recordings
from repodigest import build_digest
from repodigest.analysis.grounding import MARK
from repodigest.i18n import strings as load_labels
from repodigest.scoring.blend import blend_levels
from servers.openai_api import OpenAIServer

RANK = {"low": 0, "medium": 1, "high": 2}
LEVEL_FIELDS = {
    "low": ("summary",),
    "medium": ("summary", "scope", "advice", "closing"),
    "high": ("summary", "scope", "insight", "risks", "advice", "closing"),
}
_MARKER = re.compile(r"^\s*(?:\(?\d{1,2}[.)、]|[-*+•·])\s+", re.M)


def squash(text: str) -> str:
    """Text as a reader sees it, for containment checks: no list markers at line starts, no
    Markdown emphasis or code marks, no grounding marks (tests/test_claims.py checks those), no
    whitespace at all."""
    text = _MARKER.sub("", text).replace(MARK, "").replace("*", "").replace("`", "")
    return re.sub(r"\s+", "", text)


def visible(nodes: list) -> str:
    """The text of rendered nodes, line by line, with the same squashing."""
    parts = []
    for node in nodes:
        if isinstance(node, Tag):
            parts.append(node.get_text("\n"))
        else:
            parts.append(str(node))
    return squash("\n".join(parts))


def _blocks(first: Tag) -> list[Tag]:
    """The block elements of one entry: from its anchor to the rule that ends it."""
    out, node = [], first.find_next_sibling()
    while node is not None and node.name != "hr":
        out.append(node)
        node = node.find_next_sibling()
    return out


def _lines(block: Tag) -> list[list]:
    """A paragraph's lines (split at its hard breaks), each a list of nodes; other blocks are one line."""
    if block.name != "p":
        return [[block]]
    lines: list[list] = [[]]
    for node in list(block.children):
        if isinstance(node, Tag) and node.name == "br":
            lines.append([])
        else:
            lines[-1].append(node)
    return [line for line in lines if any(str(n).strip() for n in line)]


def sections(blocks: list[Tag], labels: dict) -> dict[str, list]:
    """Entry content grouped by section: a heading (### label), or a line that starts with a bold label."""
    names = {
        labels[k]: k
        for k in (
            "summary_heading",
            "summary_short",
            "scope",
            "insight",
            "risks",
            "advice",
            "files_changed",
            "coverage",
            "change_type",
            "importance",
            "model_reason",
            "reasons",
        )
    }
    found: dict[str, list] = {"header": []}
    current = "header"
    for block in blocks:
        heading = (
            block.get_text(strip=True).rstrip("¶") if block.name in ("h3", "h4") else None
        )  # nbconvert's anchor link
        if heading in names:
            current = names[heading]
            found.setdefault(current, [])
            continue
        for line in _lines(block):
            first = next((n for n in line if str(n).strip()), None)
            label = first.get_text(strip=True) if isinstance(first, Tag) and first.name == "strong" else None
            if label in names:
                current = names[label]
                rest = line[line.index(first) + 1 :]
                found.setdefault(current, []).extend(n for n in rest if str(n).strip(" ：:"))
            else:
                found.setdefault(current, []).extend(line)
    return found


def written(answer: dict, fields: set[str] | None) -> dict:
    """What the model wrote that the client received: all of it (lax) or the fields asked for (strict)."""
    return {k: v for k, v in answer.items() if fields is None or k in fields}


def check_entry(blocks: list[Tag], answer: dict, labels: dict, where: str) -> None:
    """Every content item of ``answer`` is in its section of the entry; no section is empty."""
    parts = sections(blocks, labels)
    for name, content in parts.items():
        if name != "header":
            assert visible(content), f"{where}: the {name} section is empty"
    header = visible(parts.get("change_type", []) + parts.get("model_reason", []))
    kind, detail = answer["change_type"], answer.get("change_type_detail")
    assert squash(kind) in header, f"{where}: change type"
    if detail:
        assert squash(detail) in header, f"{where}: change type detail"
    assert squash(answer["importance_reason"]) in header, f"{where}: importance reason"
    summary = visible(parts.get("summary_heading", []) + parts.get("summary_short", []))
    for point in answer["summary"]:
        assert squash(point) in summary, f"{where}: summary point {point[:40]!r}"
    for item in answer.get("scope") or []:
        assert squash(item) in visible(parts.get("scope", [])), f"{where}: scope item {item[:40]!r}"
    for dim, text in (answer.get("insight") or {}).items():
        if text:
            assert squash(text) in visible(parts.get("insight", [])), f"{where}: insight {dim}"
    risks = visible(parts.get("risks", []))
    for risk in answer.get("risks") or []:
        title = risk["title"] if isinstance(risk, dict) else risk
        assert squash(title) in risks, f"{where}: risk {title!r}"
        for detail_text in (risk.get("details") or []) if isinstance(risk, dict) else []:
            assert squash(detail_text) in risks, f"{where}: risk detail {detail_text[:40]!r}"
    advice = visible(parts.get("advice", []))
    for item in answer.get("advice") or []:
        assert squash(item["title"]) in advice and squash(item.get("text") or "") in advice, f"{where}: advice"
    whole = visible(blocks)
    if answer.get("closing"):
        closing = squash(answer["closing"])
        assert whole.count(closing) == 1, f"{where}: closing written {whole.count(closing)} times"
        for opener in ("总体而言，", "综上，", "Overall,", "Insummary,"):
            assert squash(opener) * 2 not in whole, f"{where}: doubled opener {opener!r}"


def render(tmp_path: Path, repo: Path, lang: str, server: OpenAIServer, monkeypatch) -> Path:
    """The report folder of the day, built and published in-process as ``repodigest report`` would."""
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-realistic")
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    monkeypatch.setenv("REPODIGEST_CACHE_DIR", str(tmp_path / f"cache-{lang}"))
    folder = tmp_path / f"out-{lang}" / "2026-02-16"
    digest = build_digest(date="2026-02-16", repos=[str(repo)], tz="Asia/Shanghai", lang=lang, progress=False)
    save(digest, folder)
    return folder


def entry_blocks(soup: BeautifulSoup, short_sha: str) -> list[Tag]:
    anchor = soup.find("a", id=short_sha)
    assert anchor is not None, short_sha
    first = anchor if anchor.parent.name not in ("p",) else anchor.parent
    return _blocks(first)


def github(md: str) -> BeautifulSoup:
    """report.md as GitHub renders it (cmark-gfm; our own <a id> anchors are the only raw HTML it holds)."""
    return BeautifulSoup(
        cmarkgfm.github_flavored_markdown_to_html(md, options=cmarkgfm.Options.CMARK_OPT_UNSAFE), "html.parser"
    )


@pytest.fixture(scope="module")
def day(tmp_path_factory):
    return build_realistic_day(tmp_path_factory.mktemp("realistic") / "repo")


@pytest.fixture(scope="module")
def reports(day, tmp_path_factory):
    """``reports(lang, strict)``: the day's report folder against the recorded server in that mode, and the
    requests the server was asked; rendered once per mode for the tests that read them."""
    done: dict[tuple[str, bool], tuple[Path, list[dict]]] = {}

    def report(lang: str, strict: bool) -> tuple[Path, list[dict]]:
        if (lang, strict) not in done:
            recordings = load_recordings(lang)
            answers = {c["title"]: recordings[c["id"]]["answer"] for c in load_commits()}
            work = tmp_path_factory.mktemp(f"{lang}-{'strict' if strict else 'lax'}")
            with (
                OpenAIServer(mode="recorded", answers=answers, strict=strict) as server,
                pytest.MonkeyPatch.context() as env,
            ):
                isolate(env, work / "cache")
                done[(lang, strict)] = render(work, day.path, lang, server, env), list(server.asked)
        return done[(lang, strict)]

    return report


@pytest.mark.parametrize("lang,strict", [("zh", True), ("en", False)])
def test_every_item_the_model_wrote_is_in_its_section(reports, lang, strict):
    recordings = load_recordings(lang)
    folder, requests = reports(lang, strict)
    asked: dict[str, set[str]] = {}
    for request in requests:
        asked.setdefault(request["title"], set()).update(request["fields"] or ())
    frame = json.loads((folder / "status.json").read_text())
    assert frame["partial"] is False
    labels = load_labels(lang)
    md = (folder / "report.md").read_text(encoding="utf-8")
    md_soup = github(md)
    html_soup = BeautifulSoup((folder / "report.html").read_text(encoding="utf-8"), "html.parser")
    import pandas as pd

    rows = pd.read_csv(folder / "commits.csv").set_index("title")
    followups = 0
    for commit in load_commits():
        answer = recordings[commit["id"]]["answer"]
        row = rows.loc[commit["title"]]
        got = written(answer, asked[commit["title"]] if strict else None)
        for name, soup in (("report.md", md_soup), ("report.html", html_soup)):
            check_entry(entry_blocks(soup, row["short_sha"]), got, labels, f"{lang} {name} {commit['id']}")
        # depth follows the final level (or the model's own, when higher)
        final = blend_levels(row["rules_level"], answer["importance"], int(row["score"])).level
        assert row["level"] == final
        depth = max(final, answer["importance"], key=RANK.__getitem__)
        for field in LEVEL_FIELDS[depth]:
            assert got.get(field), f"{commit['id']}: {field} missing at depth {depth}"
        if strict and RANK[depth] > RANK[row["rules_level"]]:
            followups += 1
    assert followups >= 3 if strict else followups == 0
    assert "-" * 3 in md and "<script>" not in md


def test_a_commit_rated_two_levels_above_the_rules_gets_the_full_high_entry(reports):
    recordings = load_recordings("zh")
    two_up = [
        c
        for c in load_commits()
        if c["expected_rules_level"] == "low" and recordings[c["id"]]["answer"]["importance"] == "high"
    ]
    assert two_up, "the fixture has a commit rated low by the rules and high by the model"
    folder, requests = reports("zh", True)  # the strict server: the deeper fields are asked for again
    asked = [r for r in requests if r["title"] == two_up[0]["title"]]
    assert len(asked) == 2 and set(asked[1]["fields"]) == {"scope", "insight", "risks", "advice", "closing"}
    md = (folder / "report.md").read_text(encoding="utf-8")
    soup = github(md)
    import pandas as pd

    row = pd.read_csv(folder / "commits.csv").set_index("title").loc[two_up[0]["title"]]
    parts = sections(entry_blocks(soup, row["short_sha"]), load_labels("zh"))
    assert {"summary_heading", "scope", "insight", "risks", "advice"} <= set(parts)
    assert all(visible(parts[name]) for name in ("summary_heading", "scope", "insight", "risks", "advice"))
