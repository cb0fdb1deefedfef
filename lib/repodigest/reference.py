"""Reference pages generated from the code: the frames' columns, the scoring points and thresholds, the
risk and advice codes with their wording, the config keys and the command line.

    python -m repodigest.reference --write docs/reference    # (re)write the pages
    python -m repodigest.reference --check docs/reference    # exit 1 and name the stale pages

Each page is built from what the code declares (``frame.COLUMNS``, ``scoring.heuristic.POINTS``, the
pydantic models of ``config``, ``cli.build_parser()``...), so it cannot drift from it; tests/test_docs.py
fails when a page on disk differs from what this module writes.
"""

from __future__ import annotations

import argparse
import ast
import functools
import inspect
import io
import re
import sys
import tokenize
import types
import typing
from collections.abc import Callable, Sequence
from pathlib import Path

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

COMMAND = "python -m repodigest.reference --write docs/reference"
GENERATED = f"> Generated from the code by `{COMMAND}`; do not edit."

# What each of scoring.heuristic.POINTS means; generation fails when POINTS holds a key not described here.
POINT_MEANINGS = {
    "size_per_doubling": "size: points per doubling of the lines changed (added + deleted) in source files "
    "above `size_floor_lines` (tests, docs, CI, build, lockfiles, generated and vendored files count no line)",
    "size_floor_lines": "size: source lines changed that earn no size points",
    "size_cap": "size: at most these points",
    "files_per_doubling": "files: points per doubling of the files touched (from 2 files)",
    "files_cap": "files: at most these points",
    "area_each": "areas: points per area beyond the first",
    "areas_cap": "areas: at most these points",
    "entropy": "entropy: points at a perfectly even spread of the lines over the files (scaled by the entropy, 0..1)",
    "public_api": "a changed path looks like public API",
    "security_path": "a changed path looks security-sensitive",
    "build_path": "a build or dependency file changed (not for a build or deps change)",
    "ci_path": "a CI file changed (not for a ci change)",
    "breaking": "a breaking-change marker in the message",
    "recent_fix_each": "recent fixes: points per fix commit of the 90 days before the change that changed one of "
    "its source files (counted in the loaded history)",
    "recent_fixes_cap": "recent fixes: at most these points",
    "hotspot": "touches a hotspot of the loaded window (named in the reasons)",
    "knowledge_island": "touches a knowledge island of the loaded window (named in the reasons)",
    "bot_cap": "a bot's commit scores at most this (low)",
    "support_only_cap": "a docs, test, CI or chore change decided by its paths scores at most this (medium)",
}


def table(header: list[str], rows: Sequence[Sequence[object]]) -> str:
    """A GitHub Markdown table; ``|`` and line breaks in cells are escaped."""

    def cell(value: object) -> str:
        return str(value).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def page(title: str, *parts: str) -> str:
    """A page: its title, the generated line, then ``parts`` separated by blank lines."""
    return "\n\n".join([f"# {title}", GENERATED, *parts]) + "\n"


# ---------------------------------------------------------------------------------------------------
# The frames


def columns_page() -> str:
    """The commit frame's, the file frame's and the outcome table's columns with dtype and meaning."""
    from .evidence import OUTCOME_COLUMNS
    from .frame import COLUMNS, FILE_COLUMNS

    def rows(schema: dict[str, tuple[str, str]]) -> list[list[str]]:
        return [[f"`{name}`", dtype, meaning] for name, (dtype, meaning) in schema.items()]

    header = ["column", "dtype", "meaning"]
    return page(
        "Frame columns",
        "`object` columns hold Python lists (JSON text in the CSV files); `Int64`, `boolean` and `string` "
        "columns hold `<NA>` where a value is missing.",
        "## The commit frame",
        "One row per commit: `digest.frame`, `commits.csv` and `commits.parquet`; declared in "
        "`repodigest.frame.COLUMNS` (`repodigest.describe_columns()` gives this table as a DataFrame).",
        table(header, rows(COLUMNS)),
        "## The file frame",
        "One row per commit and file: `digest.file_frame`, `files.csv` and `files.parquet`; declared in "
        '`repodigest.frame.FILE_COLUMNS` (`repodigest.describe_columns("files")`). A merge\'s rows are the '
        "files of the commits it landed, each with its own author.",
        table(header, rows(FILE_COLUMNS)),
        "## Outcome columns",
        "What `repodigest.evidence.outcome_table(label_outcomes(...))` holds, indexed by `sha`, to join onto "
        "the commit frame (drop the frame's own `reverted_by` first); declared in "
        "`repodigest.evidence.OUTCOME_COLUMNS`. See [analytics](../analytics.md#did-the-levels-hold).",
        table(header, rows(OUTCOME_COLUMNS)),
    )


# ---------------------------------------------------------------------------------------------------
# Scoring


def _constants(module) -> Callable[[str], str]:
    """Replace ``NAME`` (an upper-case constant of ``module``) in docstring text by `NAME` (value)."""

    def sub(text: str) -> str:
        def value(match: re.Match) -> str:
            name = match.group(1)
            found = getattr(module, name, None)
            return f"`{name}` ({found})" if isinstance(found, (int, float)) else f"`{name}`"

        return re.sub(r"``([A-Z_][A-Z0-9_]*)``", value, text).replace("``", "`")

    return sub


def _docstring_table(module) -> list[list[str]]:
    """The rows of the Markdown table in ``module``'s docstring (header row first, no rule row)."""
    rows = []
    for line in (inspect.getdoc(module) or "").splitlines():
        if line.startswith("|") and not set(line) <= set("|- "):
            rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    return rows


def scoring_page() -> str:
    """Levels and thresholds, the points of every signal, the label points, the blend, the reasons,
    and the risk and advice codes with their wording in each language."""
    from .i18n import LANGS, strings
    from .levels import LEVELS
    from .scoring import blend, findings, heuristic

    words = {lang: strings(lang) for lang in LANGS}
    unknown = set(heuristic.POINTS) - set(POINT_MEANINGS)
    if unknown:
        raise KeyError(f"POINTS keys without a meaning in reference.POINT_MEANINGS: {sorted(unknown)}")
    by_lang = [f"wording ({lang})" for lang in LANGS]
    level_rows = [
        [
            f"`{level.value}`",
            " ".join(words[lang][f"level_{level.value}"] for lang in LANGS),
            f"score >= `HIGH_AT` ({heuristic.HIGH_AT})"
            if level.value == "high"
            else f"score >= `MEDIUM_AT` ({heuristic.MEDIUM_AT})"
            if level.value == "medium"
            else f"score < `MEDIUM_AT` ({heuristic.MEDIUM_AT})",
        ]
        for level in LEVELS
    ]
    type_rows = [
        [f"`{kind}`", points, *(words[lang]["types"].get(kind, "") for lang in LANGS)]
        for kind, points in heuristic.TYPE_POINTS.items()
    ]
    point_rows = [[f"`{name}`", value, POINT_MEANINGS[name]] for name, value in heuristic.POINTS.items()]
    label_rows = [[f"`{label}`", points] for label, points in heuristic.LABEL_POINTS.items()]
    reason_rows = [[f"`{code}`", *(words[lang]["reason"][code] for lang in LANGS)] for code in words["en"]["reason"]]
    risk_text = {lang: words[lang]["risk"] for lang in LANGS}
    tips = {lang: words[lang]["tips"] for lang in LANGS}
    sub = _constants(findings)
    rule = _docstring_table(findings)
    when = table(rule[0], [[sub(cell) for cell in row] for row in rule[1:]])
    return page(
        "Scoring",
        "The rules' points, thresholds and codes, as `repodigest.scoring` declares them. How they combine "
        "is in [the report](../report.md#levels-and-how-they-are-decided).",
        "## Levels",
        "The rules' level comes from the score (0..100); the order is `repodigest.levels.LEVELS`.",
        table(["level", "shown as", "rules' level when"], level_rows),
        "## Change types",
        "The base points of each change type (`scoring.heuristic.TYPE_POINTS`) and its name in the report.",
        table(["type", "points", *(f"name ({lang})" for lang in LANGS)], type_rows),
        "## Signal points",
        "`scoring.heuristic.POINTS`: what each signal adds, and the caps.",
        table(["key", "value", "meaning"], point_rows),
        "## Pull-request labels",
        f"`scoring.heuristic.LABEL_POINTS`, keys compared in lower case with `-` and `_` read as spaces; at "
        f"most `LABELS_CAP` ({heuristic.LABELS_CAP}) points in all; a breaking label adds nothing when the "
        "message has a breaking-change marker. A repository's `label_points` in the config is merged over "
        "these ([configuration](../configuration.md)).",
        table(["label", "points"], label_rows),
        "## The model's level",
        f"`scoring.blend.MODEL_POINTS` = {blend.MODEL_POINTS}: the model's level moves the score by this many "
        "points per level of difference, then the thresholds above apply.",
        "## Reasons",
        "The codes of the frame's `reasons` column and how an entry words them on its `🧭` line (`{detail}` "
        "comes from the data); an analysed entry adds the `blend` line.",
        table(["code", *by_lang], reason_rows),
        "## Risks and advice",
        "The rules' risks and advice (`scoring.findings`, frame columns `rule_risks` and `rule_advice`): "
        "an entry without the model's analysis shows them, worded by the catalogue of its language "
        "(`repodigest/i18n/*.toml`, tables `[risk]` and `[tips]`).",
        when,
        table(
            ["risk", *by_lang], [[f"`{code}`", *(risk_text[lang][code] for lang in LANGS)] for code in risk_text["en"]]
        ),
        table(
            ["advice", *by_lang],
            [[f"`{code}`", *(words[lang]["colon"].join(tips[lang][code]) for lang in LANGS)] for code in tips["en"]],
        ),
    )


# ---------------------------------------------------------------------------------------------------
# The config


def field_comments(module) -> dict[str, dict[str, str]]:
    """class name -> field -> the comment on the field's line, else the comment lines just above it."""
    source = inspect.getsource(module)
    comments: dict[int, str] = {}
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            comments[token.start[0]] = token.string.lstrip("#").strip()
    lines = source.splitlines()
    found: dict[str, dict[str, str]] = {}
    for node in ast.parse(source).body:
        if not isinstance(node, ast.ClassDef):
            continue
        fields = found.setdefault(node.name, {})
        for item in node.body:
            if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                text = comments.get(item.end_lineno or item.lineno)
                if text is None:
                    above: list[str] = []
                    at = item.lineno - 1
                    while at in comments and lines[at - 1].lstrip().startswith("#"):
                        above.insert(0, comments[at])
                        at -= 1
                    text = " ".join(above)
                fields[item.target.id] = text
    return found


def type_name(annotation) -> str:
    """A field's type in the words of a TOML file."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Literal:
        return " or ".join(f'"{a}"' for a in args)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(type_name(a) for a in args if a is not type(None))
    if origin is tuple:
        inner = args[0]
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            return "array of tables"
        return f"array of {type_name(inner)}"
    if origin is dict:
        return f"table of {type_name(args[1])}"
    return {str: "string", int: "integer", float: "number", bool: "boolean"}.get(annotation, str(annotation))


def _default(field) -> str:
    if field.default_factory is not None:
        return "from the environment"  # the machine's zone, the locale's language: the meaning says which
    if field.default is PydanticUndefined:
        return "required"
    value = field.default
    if isinstance(value, BaseModel):
        return ""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, str):
        return f'`"{value}"`'
    if isinstance(value, (tuple, list)):
        return "`[]`" if not value else f"`{list(value)}`"
    if isinstance(value, dict):
        return "`{}`" if not value else f"`{value}`"
    return f"`{value}`"


def _bounds(field) -> str:
    marks = {"ge": ">=", "gt": ">", "le": "<=", "lt": "<"}
    found = []
    for item in field.metadata:
        for name, mark in marks.items():
            if getattr(item, name, None) is not None:
                found.append(f"{mark} {getattr(item, name)}")
    return ", ".join(found)


def config_page() -> str:
    """Every key of repodigest.toml: the pydantic models of ``repodigest.config``, table by table."""
    from . import config

    comments = field_comments(config)
    sections: list[tuple[str, type[BaseModel], str]] = [
        ("top level", config.Settings, "The file's own keys."),
        (
            "[[repos]]",
            config.RepoConfig,
            (
                "One table per followed repository, in the report's order; "
                "a plain string in `repos = [...]` is its `spec`."
            ),
        ),
        (
            "[[repos]] areas",
            config.AreaRule,
            ('Area rules of one repository: `areas = [{ pattern = "...", area = "..." }]`, the first match wins.'),
        ),
        ("[github]", config.GitHubConfig, "GitHub's API: commits (REST) and pull requests (GraphQL)."),
        ("[llm]", config.LLMConfig, "The model's analysis (OpenAI-compatible endpoint)."),
        ("[scoring]", config.ScoringConfig, "How levels are decided, and the evidence shown for them."),
        ("[charts]", config.ChartsConfig, "The report's charts."),
        ("[[delivery]]", config.DeliveryConfig, "One table per chat channel the summary is posted to."),
    ]
    parts = [
        (
            "The keys of `repodigest.toml` (`--config`), from the pydantic models of `repodigest.config`; "
            "an unknown key is an error (exit 2). Parameters of the command line and of the notebook "
            "override the top-level keys they name. How to use them: [configuration](../configuration.md)."
        )
    ]
    for heading, model, about in sections:
        rows = []
        for name, field in model.model_fields.items():
            annotation = field.annotation
            if isinstance(annotation, type) and issubclass(annotation, BaseModel):
                continue  # a table of its own, below
            kind = type_name(annotation)
            bounds = _bounds(field)
            rows.append(
                [
                    f"`{name}`",
                    f"{kind} ({bounds})" if bounds else kind,
                    _default(field),
                    comments.get(model.__name__, {}).get(name, ""),
                ]
            )
        parts += [
            f"## `{heading}`" if heading != "top level" else "## Top level",
            about,
            table(["key", "type", "default", "meaning"], rows),
        ]
    return page("Configuration keys", *parts)


# ---------------------------------------------------------------------------------------------------
# The command line


def cli_page() -> str:
    """Every command of ``repodigest`` with its options, from ``cli.build_parser()``."""
    from .cli import EXIT_CODES, build_parser

    parser = build_parser()
    # argparse keeps its actions in ``_actions``, the commands in a ``_SubParsersAction``: the one way to
    # read them back from a built parser.
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    helps = {c.dest: c.help for c in commands._choices_actions}
    parts = [f"`repodigest --help` in tables ({parser.description})."]
    for name, sub in commands.choices.items():
        sub.formatter_class = functools.partial(argparse.HelpFormatter, width=100)
        rows = []
        for action in sub._actions:
            if action.dest == "help":
                continue
            flag = ", ".join(f"`{o}`" for o in action.option_strings) or f"`{action.metavar or action.dest.upper()}`"
            value = "" if action.nargs == 0 or not action.option_strings else (action.metavar or action.dest.upper())
            default = "" if action.default in (None, False) or action.nargs == 0 else f"`{action.default}`"
            rows.append([flag, value, default, action.help or ""])
        parts += [
            f"## `repodigest {name}`",
            helps.get(name) or "",
            "```\n" + sub.format_usage().strip() + "\n```",
            table(["option", "value", "default", "meaning"], rows),
        ]
    codes = " ".join(EXIT_CODES.split()).split(":", 1)[1].split("|")
    parts += ["## Exit codes", table(["code", "meaning"], [c.strip().split(" ", 1) for c in codes])]
    return page("Command line", *parts)


# ---------------------------------------------------------------------------------------------------
# The pages

PAGES: dict[str, Callable[[], str]] = {
    "columns.md": columns_page,
    "scoring.md": scoring_page,
    "config.md": config_page,
    "cli.md": cli_page,
}


def pages() -> dict[str, str]:
    """File name -> Markdown of every reference page."""
    return {name: make() for name, make in PAGES.items()}


def write_pages(folder: str | Path) -> list[Path]:
    """Write every page into ``folder``; return the paths written."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in pages().items():
        path = out / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def stale_pages(folder: str | Path) -> list[str]:
    """The pages in ``folder`` that are missing or differ from what :func:`pages` makes now."""
    out = Path(folder)
    return [
        name
        for name, text in pages().items()
        if not (out / name).is_file() or (out / name).read_text(encoding="utf-8") != text
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m repodigest.reference", description=__doc__.splitlines()[0])
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--write", metavar="DIR", help="write the pages into DIR (e.g. docs/reference)")
    what.add_argument("--check", metavar="DIR", help="exit 1 when a page in DIR is missing or stale")
    args = parser.parse_args(argv)
    if args.write:
        for path in write_pages(args.write):
            print(path)
        return 0
    stale = stale_pages(args.check)
    for name in stale:
        print(f"stale: {Path(args.check) / name} (run {COMMAND})", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
