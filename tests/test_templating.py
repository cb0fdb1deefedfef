"""Compiled templates kept between processes (repodigest.templating): a fresh environment, as a later process
makes, loads what an earlier one compiled and renders the same text; a changed template is compiled again;
an environment set up differently never reads another's code; a folder that is not private changes nothing.
The folder is ``templates/`` of the cache directory, which tests/isolation.py makes each test's own."""

import os
from pathlib import Path

import jinja2
import pytest

from repodigest import build_digest
from repodigest.report.markdown import environment, render_markdown
from repodigest.templating import keep_compiled


@pytest.fixture
def private_tmp():
    """Where the compiled templates go: ``templates/`` of this test's cache directory."""
    return Path(os.environ["REPODIGEST_CACHE_DIR"]) / "templates"


def _fresh(folder, **options) -> jinja2.Environment:
    return keep_compiled(jinja2.Environment(loader=jinja2.FileSystemLoader(str(folder)), **options))


def _kept(cache_dir) -> dict[str, int]:
    return {p.name: p.stat().st_ino for p in cache_dir.iterdir()}


def test_a_later_environment_renders_what_an_earlier_one_compiled(tmp_path, private_tmp):
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "page.j2").write_text("{% for x in xs %}<{{ x }}>{% endfor %}\n{% include 'part.j2' %}")
    (folder / "part.j2").write_text("part one")
    first = _fresh(folder, trim_blocks=True).get_template("page.j2").render(xs=[1, 2])
    kept = _kept(private_tmp)
    assert first == "<1><2>part one" and len(kept) == 2 and all(n.startswith("__repodigest_") for n in kept)
    # A fresh environment loads the code: nothing is compiled, so nothing is written again.
    assert _fresh(folder, trim_blocks=True).get_template("page.j2").render(xs=[1, 2]) == first
    assert _kept(private_tmp) == kept
    # Settings that shape the code have their own entries: the text follows the settings.
    assert _fresh(folder, autoescape=True).get_template("page.j2").render(xs=["&"]) == "<&amp;>\npart one"
    assert len(_kept(private_tmp)) == 4
    (folder / "part.j2").write_text("part two")  # a changed source is compiled again, in place
    assert _fresh(folder, trim_blocks=True).get_template("page.j2").render(xs=[1]) == "<1>part two"
    assert len(_kept(private_tmp)) == 4


def test_a_folder_others_may_write_to_means_compiling_every_time(tmp_path, private_tmp):
    private_tmp.mkdir(parents=True)
    private_tmp.chmod(0o777)  # what it holds is run as code: only a folder of the user's alone is used
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "t.j2").write_text("{{ 1 + 1 }}")
    env = _fresh(folder)
    assert env.bytecode_cache is None and env.get_template("t.j2").render() == "2"
    assert not list(private_tmp.iterdir())
    private_tmp.rmdir()
    private_tmp.write_text("not a folder")
    assert _fresh(folder).bytecode_cache is None and _fresh(folder).get_template("t.j2").render() == "2"


def test_the_report_renders_the_same_from_kept_code(make_repo, private_tmp):
    repo = make_repo()
    repo.commit("fix: the parser's crash (#1)", "2026-02-16T09:00:00+00:00", {"src/a.py": "x\n"})
    context = build_digest(date="2026-02-16", repos=[str(repo.path)], tz="UTC", lang="en").context()
    environment.cache_clear()
    try:
        first = render_markdown(context)  # compiled, and kept
        kept = _kept(private_tmp)
        environment.cache_clear()  # a fresh environment, as the next process makes
        assert render_markdown(context) == first and _kept(private_tmp) == kept and kept
    finally:
        environment.cache_clear()  # later tests make theirs over the usual temporary folder
