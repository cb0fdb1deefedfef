"""The documentation stays true to the code: generated reference pages are current, every relative link
in README.md and docs/ reaches a file and an anchor that exist, and the README names every command-line
option and environment variable the code reads."""

import ast
import re
import unicodedata
from pathlib import Path

import pytest

from repodigest import reference
from repodigest.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
README = ROOT / "README.md"
PAGES = [README, *sorted(DOCS.rglob("*.md"))]
FENCE = re.compile(r"^(```|~~~).*?^\1\s*$", re.M | re.S)
CODE_SPAN = re.compile(r"(`+)(?!`).+?(?<!`)\1(?!`)", re.S)
LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.M)
EXPLICIT_ID = re.compile(r"<a\s+(?:id|name)=\"([^\"]+)\"")


def github_slug(text: str) -> str:
    """The anchor GitHub gives a heading (github-slugger): its text lower-cased, punctuation dropped, each
    space a hyphen."""
    text = CODE_SPAN.sub(lambda m: m.group(0).strip("`"), text)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # a link's text
    kept = [c for c in text.lower() if c in " -_" or unicodedata.category(c)[0] in "LNM"]
    return "".join(kept).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """Every anchor a Markdown file offers: its headings' slugs (numbered when repeated) and explicit ids."""
    text = FENCE.sub("", path.read_text(encoding="utf-8"))
    found, seen = set(EXPLICIT_ID.findall(text)), {}
    for heading in HEADING.findall(text):
        slug = github_slug(heading)
        found.add(f"{slug}-{seen[slug]}" if slug in seen else slug)
        seen[slug] = seen.get(slug, 0) + 1
    return found


def links(path: Path) -> list[str]:
    """The link targets of a Markdown file, outside code blocks and code spans."""
    text = CODE_SPAN.sub("", FENCE.sub("", path.read_text(encoding="utf-8")))
    return LINK.findall(text)


def test_github_slug_follows_githubs_rules():
    assert github_slug("What the reader sees of the model's analysis") == "what-the-reader-sees-of-the-models-analysis"
    assert github_slug("Did the levels hold?") == "did-the-levels-hold"
    assert github_slug("`[[repos]] areas`") == "repos-areas"
    assert github_slug("🧭 The day at a glance") == "-the-day-at-a-glance"


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_relative_links_reach_a_file_and_an_anchor(path):
    broken = []
    for target in links(path):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto:
            continue
        where, _, anchor = target.partition("#")
        file = (path.parent / where).resolve() if where else path
        if not file.exists():
            broken.append(f"{target}: no file {file}")
        elif anchor and file.suffix == ".md" and anchor not in anchors(file):
            broken.append(f"{target}: no anchor #{anchor} in {file.relative_to(ROOT)}")
    assert not broken, broken


def test_the_link_check_finds_a_broken_link(tmp_path):
    page = tmp_path / "a.md"
    (tmp_path / "b.md").write_text("# Title\n\n## A part\n", encoding="utf-8")
    page.write_text(
        "[ok](b.md#a-part) [bad](b.md#no-part) `[code](c.md)`\n```\n[fenced](d.md)\n```\n", encoding="utf-8"
    )
    assert links(page) == ["b.md#a-part", "b.md#no-part"]
    assert anchors(tmp_path / "b.md") == {"title", "a-part"}


def test_generated_reference_pages_are_current():
    stale = reference.stale_pages(DOCS / "reference")
    assert not stale, f"stale: {stale}; run {reference.COMMAND}"


def test_a_changed_page_is_stale(tmp_path):
    reference.write_pages(tmp_path)
    assert reference.stale_pages(tmp_path) == []
    (tmp_path / "columns.md").write_text("edited by hand\n", encoding="utf-8")
    (tmp_path / "cli.md").unlink()
    assert reference.stale_pages(tmp_path) == ["columns.md", "cli.md"]
    assert reference.main(["--check", str(tmp_path)]) == 1


def test_generated_pages_hold_what_the_code_declares():
    from repodigest.config import Settings
    from repodigest.frame import COLUMNS, FILE_COLUMNS
    from repodigest.scoring.heuristic import HIGH_AT, MEDIUM_AT, POINTS

    pages = reference.pages()
    assert all(f"| `{name}` |" in pages["columns.md"] for name in [*COLUMNS, *FILE_COLUMNS])
    assert all(f"| `{key}` | {value} |" in pages["scoring.md"] for key, value in POINTS.items())
    assert f"`HIGH_AT` ({HIGH_AT})" in pages["scoring.md"]
    assert f"`MEDIUM_AT` ({MEDIUM_AT})" in pages["scoring.md"]
    assert all(
        f"| `{key}` |" in pages["config.md"]
        for key in Settings.model_fields
        if key not in ("github", "llm", "scoring", "charts")
    )
    assert "| `--window-days` | WINDOW_DAYS |" in pages["cli.md"]
    assert all(page.splitlines()[2] == reference.GENERATED for page in pages.values())


def test_every_config_key_says_what_it_is():
    from repodigest import config

    comments = reference.field_comments(config)
    models = [
        config.Settings,
        config.RepoConfig,
        config.AreaRule,
        config.GitHubConfig,
        config.LLMConfig,
        config.ScoringConfig,
        config.ChartsConfig,
        config.DeliveryConfig,
    ]
    silent = [
        f"{m.__name__}.{name}"
        for m in models
        for name, field in m.model_fields.items()
        if not comments[m.__name__].get(name)
        and not (isinstance(field.annotation, type) and issubclass(field.annotation, config.BaseModel))
    ]
    assert not silent, f"add a comment on the field's line in config.py: {silent}"


def test_readme_names_every_command_line_option():
    text = README.read_text(encoding="utf-8")
    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a.choices, dict)).choices
    missing = [
        f"{name} {option}"
        for name, sub in commands.items()
        for action in sub._actions
        for option in action.option_strings
        if option.startswith("--") and option != "--help" and option not in text
    ]
    missing += [f"repodigest {name}" for name in commands if f"repodigest {name}" not in text]
    assert not missing, missing


def test_readme_names_every_environment_variable_the_code_reads():
    read = set()
    for path in (ROOT / "lib" / "repodigest").rglob("*.py"):
        read |= set(re.findall(r"os\.environ(?:\.get\(|\[)\"([A-Z][A-Z0-9_]+)\"", path.read_text(encoding="utf-8")))
    text = README.read_text(encoding="utf-8")
    assert {"GITHUB_TOKEN", "OPENAI_API_KEY"} <= read
    assert not [name for name in sorted(read | {"BROWSER_PATH"}) if f"`{name}`" not in text]


def test_readme_is_a_front_door():
    assert len(README.read_bytes()) < 12 * 1024


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_python_examples_parse(path):
    for block in re.findall(r"^```python\n(.*?)^```", path.read_text(encoding="utf-8"), re.M | re.S):
        ast.parse(block)


def test_the_site_builds_strictly(tmp_path):
    pytest.importorskip("mkdocs")
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    build(load_config(str(ROOT / "mkdocs.yml"), site_dir=str(tmp_path / "site"), strict=True))
    assert (tmp_path / "site" / "reference" / "columns" / "index.html").is_file()
