"""The model's claims checked against the diff in the report (issue 21, part 4): on the realistic day,
with the recorded answers, a name the model wrote that is nowhere is marked in its entry and listed in
the coverage line; a name in the diff or the tree never is; a warm run checks without reading a diff."""

from __future__ import annotations

import re

import pytest

from realistic_day import build_realistic_day, load_answers, load_overview
from repodigest import build_digest
from repodigest.analysis.code_names import code_spans
from repodigest.analysis.grounding import MARK
from repodigest.sources.local_git import LocalGitSource
from servers.openai_api import OpenAIServer


@pytest.fixture(scope="module")
def day(tmp_path_factory):
    return build_realistic_day(tmp_path_factory.mktemp("claims") / "repo")


def test_names_nowhere_are_marked_and_names_in_the_diff_never(day, tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-claims")
    with OpenAIServer("recorded", answers=load_answers("en"), strict=False, overview=load_overview("en")) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        digest = build_digest(date="2026-02-16", repos=[str(day.path)], tz="Asia/Shanghai", lang="en", progress=False)
    md = digest.markdown()
    shown = digest.report_frame.set_index("sha")
    source = LocalGitSource(day.path)
    marked_somewhere = 0
    for sha, row in shown.iterrows():
        if sha not in digest.analyses:
            continue
        diff = source.diff(next(c for c in source.commits(digest.window) if c.sha == sha))
        entry = md[md.index(f'<a id="{row["short_sha"]}"></a>') :]
        entry = entry[: entry.index("\n---")]
        for name in row["ungrounded_names"]:
            assert not re.search(rf"(?<![\w./-]){re.escape(name)}(?![\w])", diff), name  # nowhere means not in the diff
            assert f"`{name}`{MARK}" in entry and name in entry.split("**🔎 Analysis coverage**")[1]
            marked_somewhere += 1
        prose = entry.split("**🔎 Analysis coverage**")[0]  # the coverage line names them, unmarked
        for span in {s for text in re.findall(r"`[^`\n]+`(?!\(\?\))", prose) for s in code_spans(text)}:
            assert span not in row["ungrounded_names"]  # an unmarked span is never a name found nowhere
    assert marked_somewhere > 0  # the synthetic day's files hold no code: some names are nowhere
    assert md.count("> (?) after a name") == 1  # the legend, once


def test_a_warm_run_checks_the_claims_from_the_cache(day, tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-claims")
    monkeypatch.setenv("REPODIGEST_CACHE_DIR", str(tmp_path / "cache"))
    with OpenAIServer("recorded", answers=load_answers("zh"), strict=True, overview=load_overview("zh")) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        cold = build_digest(date="2026-02-16", repos=[str(day.path)], tz="Asia/Shanghai", progress=False, lang="zh")
        warm = build_digest(date="2026-02-16", repos=[str(day.path)], tz="Asia/Shanghai", progress=False, lang="zh")
    assert cold.frame["ungrounded_names"].tolist() == warm.frame["ungrounded_names"].tolist()
    assert any(len(names) for names in cold.frame["ungrounded_names"])
    assert "在改动和仓库中都找不到的名称" in warm.markdown()
