import re

import pytest

from repodigest.errors import UserError
from repodigest.explore import filter_commits, load_range, top_commits
from repodigest.levels import LEVELS
from servers.openai_api import OpenAIServer


def test_range_filters_and_top(make_repo):
    repo = make_repo()
    repo.commit("[Perf] big (#1)", "2026-02-10T09:00:00+08:00", {"src/p/core/a.py": "a\n" * 500}, author=("Ann", "a@x"))
    repo.commit("docs: typo", "2026-02-12T09:00:00+08:00", {"docs/x.md": "t\n"}, author=("Bob", "b@x"))
    repo.commit("fix: io bug", "2026-02-14T09:00:00+08:00", {"src/p/io/b.py": "b\n" * 30}, author=("Ann", "a@x"))
    digest = load_range(repos=[str(repo.path)], default_days=3)  # latest day 02-14: 12th..14th
    assert list(digest.days) == ["2026-02-12", "2026-02-13", "2026-02-14"] and len(digest.frame) == 2
    full = load_range("2026-02-01", "2026-02-14", repos=[str(repo.path)]).frame
    assert len(full) == 3 and full["in_report"].all()
    assert filter_commits(full, author="ann")["title"].tolist() == ["fix: io bug", "[Perf] big (#1)"]
    assert filter_commits(full, area="docs")["title"].tolist() == ["docs: typo"]
    assert filter_commits(full, path="src/p/io/*")["title"].tolist() == ["fix: io bug"]
    assert filter_commits(full, level=["high", "medium"], author="bob").empty
    assert top_commits(full, n=1)["title"].tolist() == ["[Perf] big (#1)"]
    with pytest.raises(UserError, match="must be a day on or before"):
        load_range("2026-02-20", "2026-02-14", repos=[str(repo.path)])


def test_exploration_never_starts_llm_requests_on_its_own(make_repo, monkeypatch, capsys):
    repo = make_repo()
    for i, day in enumerate(("2026-02-10", "2026-02-12", "2026-02-14")):
        repo.commit(f"feat: step {i}", f"{day}T09:00:00+08:00", {f"src/p/m{i}.py": "x\n" * 20})
    with OpenAIServer(mode="schema") as server:
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test-explore")
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("OPENAI_MODEL", "test-model")
        chat = lambda: sum(r["path"].endswith("/chat/completions") for r in server.requests)  # noqa: E731
        cold = load_range("2026-02-10", "2026-02-14", repos=[str(repo.path)], progress=False)
        assert chat() == 0 and (cold.frame["analysis_status"] == "none").all() and not cold.analyses
        assert "0 of 3 commits cached; analyze=True would make 3 requests" in cold.llm_plan
        one = load_range("2026-02-14", "2026-02-14", repos=[str(repo.path)], progress=False, analyze=True)
        assert "1 requests to make for 1 of 1 commits" in one.llm_plan and one.llm_plan in capsys.readouterr().err
        assert chat() == 1 and one.frame["analysis_status"].tolist() == ["ok"]
        warm = load_range("2026-02-10", "2026-02-14", repos=[str(repo.path)], progress=False)
        assert chat() == 1 and "1 of 3 commits cached; analyze=True would make 2 requests" in warm.llm_plan
        assert warm.frame["analysis_status"].tolist() == ["cached", "none", "none"]  # shown, not asked for
        assert list(warm.analyses) == [warm.frame.loc[0, "sha"]] and warm.frame.loc[0, "model_level"] in LEVELS
        full = load_range("2026-02-10", "2026-02-14", repos=[str(repo.path)], progress=False, analyze=True)
        assert "2 requests to make for 2 of 3 commits (1 cached" in full.llm_plan
        assert chat() == 1 + 2 and full.usage["requests"] == 2
        assert full.frame["analysis_status"].tolist() == ["cached", "ok", "ok"]
    monkeypatch.delenv("OPENAI_API_KEY")
    with pytest.raises(UserError, match="OPENAI_API_KEY is not set"):
        load_range("2026-02-10", "2026-02-14", repos=[str(repo.path)], progress=False, analyze=True)
    keyless = load_range("2026-02-10", "2026-02-14", repos=[str(repo.path)], progress=False)
    assert keyless.frame["analysis_status"].tolist() == ["cached"] * 3  # the cache answers without a key


def test_ranges_longer_than_a_year_load_whole(make_repo):
    repo = make_repo()
    repo.commit("feat: old", "2023-03-01T09:00:00+08:00", {"src/p/a.py": "a\n"})
    repo.commit("feat: mid", "2024-08-01T09:00:00+08:00", {"src/p/a.py": "b\n"})
    repo.commit("feat: new", "2026-02-14T09:00:00+08:00", {"src/p/b.py": "c\n"})
    digest = load_range("2023-01-01", "2026-02-14", repos=[str(repo.path)], progress=False)
    assert len(digest.days) == 1141 and digest.frame["title"].tolist() == ["feat: new", "feat: mid", "feat: old"]
    assert digest.frame["in_report"].all() and len(digest.file_frame) == 3


def test_figures_show_in_jupyterlab_and_in_exported_html(monkeypatch):
    import plotly.graph_objects as go
    from IPython.core.formatters import DisplayFormatter

    from repodigest import explore

    monkeypatch.setitem(explore._PLOTLYJS, "inlined", False)  # a fresh kernel
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(obj))
    explore.show(
        go.Figure(go.Bar(x=[1], y=[2]), layout_title_text="first"), ("second", go.Figure(go.Bar(x=[3], y=[4])))
    )
    bundles = [DisplayFormatter().format(obj)[0] for obj in shown]
    assert [b["application/vnd.plotly.v1+json"]["data"][0]["y"] for b in bundles] == [[2], [4]]
    assert [b["text/html"].count("plotly.js v") for b in bundles] == [1, 0]  # plotly.js inlined once
    assert all("Plotly.newPlot" in b["text/html"] for b in bundles) and bundles[0]["text/plain"] == "<figure: first>"


def test_the_range_s_charts_follow_its_language(make_repo):
    repo = make_repo()
    repo.commit("feat: core", "2026-02-12T09:00:00+08:00", {"src/p/core/a.py": "a\n" * 20}, author=("Ann", "a@x"))
    repo.commit("docs: guide", "2026-02-14T09:00:00+08:00", {"docs/guide.md": "g\n"}, author=("Bob", "b@x"))
    titles = {
        lang: [
            figure.layout.title.text
            for _, figure in load_range(repos=[str(repo.path)], tz="Asia/Shanghai", lang=lang, progress=False).charts()
        ]
        for lang in ("en", "zh")
    }
    assert titles["en"] and not [t for t in titles["en"] if re.search("[\u4e00-\u9fff]", t)]
    assert all(re.search("[\u4e00-\u9fff]", t) for t in titles["zh"])
