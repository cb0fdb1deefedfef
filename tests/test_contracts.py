"""Contracts every module keeps: options are named (a typo raises TypeError, for every kind of source),
and what a source offers is a type callers check with isinstance."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from repodigest import build_digest, daily_report
from repodigest.config import RepoConfig, Settings, load_settings
from repodigest.explore import load_range
from repodigest.sources import SOURCES, CloneBacked, LocalGitSource, Source, open_source, open_sources
from repodigest.sources.github import GitHubSource
from repodigest.sources.mirror import open_mirror_source

PACKAGE = Path(__file__).resolve().parents[1] / "lib" / "repodigest"
# Functions whose ``**`` holds data, not options: each forwards it whole to a callee that checks it.
DATA_KWARGS = {
    "analysis/prompt.py:render_template": "the template's values (StrictUndefined)",
    "charts/daily_charts.py:styled": "a plotly layout, validated by plotly",
    "charts/history.py:_figure": "a plotly layout, validated by plotly",
    "publish/kernel.py:client": "jupyter_client's own signature, overridden",
    "pipeline.py:paused": "build_digest's options, forwarded whole to it (the collector paused around it)",
}


def test_no_function_swallows_options_it_does_not_name():
    found = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.args.kwarg is not None:
                found.add(f"{path.relative_to(PACKAGE).as_posix()}:{node.name}")
    assert found == set(DATA_KWARGS), "name the options (keyword-only), or say here why ** holds data"


@pytest.fixture
def clone(make_repo):
    repo = make_repo("clone")
    repo.commit("Add a", "2026-02-16T09:00:00+08:00", {"a.py": "a = 1\n"})
    return repo


@pytest.mark.parametrize("spec", ["clone", "o/r"])
def test_a_misspelt_option_raises_type_error_for_every_kind_of_source(spec, clone):
    repos = [str(clone.path) if spec == "clone" else spec]
    with pytest.raises(TypeError, match="outcome"):
        load_range("2026-02-10", "2026-02-16", repos=repos, progress=False, outcome=True)
    with pytest.raises(TypeError, match="outcome"):
        build_digest(date="2026-02-16", repos=repos, progress=False, outcome=True)
    with pytest.raises(TypeError, match="outcome"):
        daily_report(date="2026-02-16", repos=repos, progress=False, outcome=True)
    settings = load_settings(repos=repos)
    with pytest.raises(TypeError, match="refesh"):
        open_sources(settings, refesh=True)
    with pytest.raises(TypeError, match="refesh"):
        open_source(settings.repos[0], settings, refesh=True)
    for factory in SOURCES.values():
        with pytest.raises(TypeError, match="refesh"):
            factory(settings.repos[0], repos[0], settings, refesh=True)
    with pytest.raises(TypeError, match="langs"):
        load_settings(langs="en")


def test_settings_and_the_options_they_hold_are_not_both_taken(clone):
    settings = Settings(repos=(RepoConfig(spec=str(clone.path)),))
    with pytest.raises(TypeError, match="settings or lang, not both"):
        build_digest(date="2026-02-16", settings=settings, lang="en", progress=False)
    assert build_digest(date="2026-02-16", settings=settings, progress=False).settings is settings


CAPABILITIES = {"path", "revision", "revision_at", "tree_lookup", "iter_commits", "github_repo", "find_commit"}


def _code(path: Path) -> str:
    """A module's text, or a notebook's code cells (its magics left out)."""
    if path.suffix != ".ipynb":
        return path.read_text(encoding="utf-8")
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    lines = [line for c in cells if c["cell_type"] == "code" for line in "".join(c["source"]).splitlines()]
    return "\n".join(line for line in lines if not line.lstrip().startswith(("%", "!")))


def test_no_caller_asks_a_source_by_hasattr_or_getattr():
    asked = []
    for path in [*PACKAGE.rglob("*.py"), *PACKAGE.rglob("*.ipynb")]:
        for node in ast.walk(ast.parse(_code(path))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("hasattr", "getattr")
                and len(node.args) > 1
                and isinstance(node.args[1], ast.Constant)
                and node.args[1].value in CAPABILITIES
            ):
                asked.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert not asked, "ask isinstance(source, Source / CloneBacked) (repodigest.sources.capabilities)"


def test_each_source_states_what_it_offers(clone, tmp_path, monkeypatch):
    settings = Settings(cache_dir=str(tmp_path / "cache"), base_dir=str(tmp_path))
    local = LocalGitSource(clone.path)
    mirror = open_mirror_source(RepoConfig(spec="o/r", mirror=True), "o/r", settings, remote_url=str(clone.path))
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_contracts")
    github = GitHubSource(RepoConfig(spec="o/r"), "o/r", settings)  # no request is made here
    assert all(isinstance(source, Source) for source in (local, mirror, github))
    assert isinstance(local, CloneBacked) and isinstance(mirror, CloneBacked) and not isinstance(github, CloneBacked)
    assert (local.github_repo, mirror.github_repo, github.github_repo) == (None, "o/r", "o/r")
