"""The model's claims checked against a real commit: names in backticks, and numbers."""

import re
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gitrepo import GitRepo
from repodigest.analysis.code_names import analysis_texts, code_spans, parse_name
from repodigest.analysis.grounding import MARK, diff_paths, ground_analysis, grounding_note, mark_analysis, mark_text
from repodigest.analysis.number_claims import find_claims
from repodigest.i18n import strings
from repodigest.sources.local_git import LocalGitSource
from repodigest.window import Window, resolve_tz

SETUP = {
    "src/pkg/engine.py": "import os\n\n\nclass Engine:\n    def run(self, batch_size):\n"
    "        return helper(batch_size)\n",
    "src/pkg/util.py": "def helper(n):\n    return n\n\n\nMAX_RETRIES = 3\n\n\ndef _private_helper():\n    pass\n",
    "src/pkg/old_name.py": "".join(f"VALUE_{i} = {i}\n" for i in range(20)),
    "README.md": "Run with `--verbose` to see each batch.\n",
    "docs/guide.md": "# Guide\n\nThe engine reads `pkg.toml`.\n",
}
CHANGE = {
    "src/pkg/engine.py": SETUP["src/pkg/engine.py"]
    + (
        "\n    def warmup(self, parser):\n"
        '        parser.add_argument("--max-batch", type=int)\n'
        '        return os.environ.get("PKG_CACHE_DIR")\n'
    ),
    "tests/test_engine.py": "from pkg.engine import Engine\n\n\ndef test_warmup():\n    assert Engine().warmup\n",
}
MESSAGE = "Add Engine.warmup and the --max-batch flag\n\nAsked for in the `fast_path` discussion.\n"


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A repository whose last commit adds a method, a flag and a test, and renames a file."""
    repo = GitRepo(tmp_path_factory.mktemp("project"))
    repo.commit("setup", "2026-02-15T10:00:00+08:00", SETUP)
    repo.git("mv", "src/pkg/old_name.py", "src/pkg/new_name.py")
    sha = repo.commit(MESSAGE, "2026-02-16T10:00:00+08:00", CHANGE)
    source = LocalGitSource(repo.path)
    commit = source.commits(Window(date(2026, 2, 16), 1, resolve_tz("Asia/Shanghai")))[0]
    assert commit.sha == sha
    return source, commit, source.diff(commit)


def ground(project, analysis, tree=True, **kw):
    source, commit, diff = project
    return ground_analysis(
        analysis, diff, files=commit.files, tree_lookup=source.tree_lookup(commit.sha) if tree else None, **kw
    )


def where(grounding) -> dict[str, str]:
    return {n.name: n.where for n in grounding.names}


def test_a_name_that_is_nowhere_is_marked_in_place_and_listed(project):
    analysis = {
        "summary": ["Adds `Engine.warmup` and `cold_start_cache()` to the engine."],
        "risks": [{"title": "Startup", "details": ["`cold_start_cache()` may race `MAX_RETRIES`."]}],
        "closing": "Fine.",
    }
    g = ground(project, analysis)
    assert where(g) == {"Engine.warmup": "diff", "cold_start_cache()": "nowhere", "MAX_RETRIES": "tree"}
    assert g.ungrounded == ("cold_start_cache()",)
    assert [(n.field, n.where) for n in g.names if n.name == "cold_start_cache()"] == [
        ("summary[0]", "nowhere"),
        ("risks[0].details[0]", "nowhere"),
    ]
    marked = mark_analysis(analysis, g.ungrounded)
    assert marked["summary"] == [f"Adds `Engine.warmup` and `cold_start_cache()`{MARK} to the engine."]
    assert marked["risks"][0]["details"] == [f"`cold_start_cache()`{MARK} may race `MAX_RETRIES`."]
    assert analysis["summary"][0].count(MARK) == 0  # the input is not changed
    assert mark_text(marked["summary"][0], g.ungrounded) == marked["summary"][0]  # marking twice marks once


def test_names_in_the_diff_or_the_tree_are_not_marked(project):
    names = {
        # diff: added lines, context lines, headers, the rename's old path
        "warmup": "diff",
        "Engine": "diff",
        "batch_size": "diff",
        "src/pkg/engine.py": "diff",
        "engine.py": "diff",
        "engine.py:8": "diff",
        "./src/pkg/engine.py#L5-L7": "diff",
        "tests/test_engine.py::test_warmup": "diff",
        "old_name.py": "diff",
        "src/pkg/new_name.py": "diff",
        "src/pkg/": "diff",
        "pkg/": "diff",
        "tests": "diff",
        # tree only: files and words of the repository at the commit that this commit does not touch
        "helper": "diff",
        "MAX_RETRIES": "tree",
        "src/pkg/util.py": "tree",
        "util.py": "tree",
        "docs/": "tree",
        "docs/guide.md": "tree",
        "README.md": "tree",
        "README": "tree",
        "--verbose": "tree",
        "pkg.toml": "tree",
    }
    analysis = {"summary": [" and ".join(f"`{n}`" for n in names)]}
    g = ground(project, analysis)
    assert where(g) == names
    assert g.ungrounded == ()
    assert g.counts == {"diff": 14, "tree": 9, "message": 0, "nowhere": 0, "unknown": 0}


def test_calls_dotted_names_flags_and_keys_are_read_as_names(project):
    names = {
        "Engine.run()": "diff",
        "engine.warmup(parser)": "diff",
        "os.environ.get": "diff",
        "Engine.missing_method": "nowhere",
        'parser.add_argument("--max-batch", type=int)': "diff",
        "helper(n=1)": "diff",
        "@Engine.run": "diff",
        "--max-batch": "diff",
        "--max-batch=8": "diff",
        "--max-batch 8": "diff",
        "--no-max-batch": "diff",
        "--turbo-mode": "nowhere",
        "PKG_CACHE_DIR": "diff",
        "PKG_CACHE_DIR=/tmp/x": "diff",
        "$PKG_CACHE_DIR": "diff",
        "${PKG_CACHE_DIR}": "diff",
        "VALUE_3": "tree",
        "batch_size[0]": "diff",
        "Engine::run": "diff",
    }
    g = ground(project, {"scope": [f"`{n}`" for n in names]})
    assert where(g) == names
    assert g.ungrounded == ("Engine.missing_method", "--turbo-mode")
    kinds = {n.name: n.kind for n in g.names}
    assert (kinds["--max-batch=8"], kinds["os.environ.get"], kinds["PKG_CACHE_DIR=/tmp/x"]) == ("flag", "name", "name")


@pytest.mark.parametrize(
    "span",
    [
        "True",
        "false",
        "None",
        "null",
        "0.5",
        "128",
        "v0.6.3",
        "1.2.3rc1",
        '"fp8"',
        "'x'",
        "pip install foo",
        "python -m pytest -q",
        "SM >= 120",
        "a == b",
        "bool | None",
        "bool",
        "from pkg.engine import Engine",
        "https://example.com/x",
        "user@example.com",
        "~/.cache/pkg",
        "*.py",
        "src/**/x.py",
        "9fceb02d0ae5",
        "==",
        "{name}",
        "<T>",
        "x = 1; y = 2",
        "配置项",
        "--",
        "-1",
        "vX.Y.Z",
        "__package__",
        "yield",
        "match",
    ],
)
def test_literal_values_commands_and_expressions_are_not_checked(span):
    assert parse_name(span) is None
    g = ground_analysis({"summary": [f"Uses `{span}` here."]}, "", files=(), tree_lookup=lambda words: ([], set()))
    assert g.names == () and g.ungrounded == ()


@pytest.mark.parametrize(
    "span, kind",
    [
        ("src/x.py", "path"),
        ("x.py", "path"),
        ("dir/", "path"),
        ("x.py:12", "path"),
        (".gitignore", "path"),
        ("/v1/chat/completions", "path"),
        ("foo()", "name"),
        ("a.b.run", "name"),
        ("--flag=value", "flag"),
        ("ENV_VAR", "name"),
        ("List<Choice>", "name"),
        ("response.json()", "name"),
        ("mock.patch", "path"),
    ],
)
def test_kinds_of_names(span, kind):
    assert parse_name(span).kind == kind


def test_a_private_name_written_without_its_underscore_is_the_same_name(project):
    g = ground(project, {"summary": ["`RETRIES` no; `private_helper`, `_private_helper`, `util._private_helper` yes"]})
    assert where(g) == {
        "RETRIES": "nowhere",
        "private_helper": "tree",
        "_private_helper": "tree",
        "util._private_helper": "tree",
    }


def test_names_made_of_keywords_have_a_reading_of_their_own():
    for span in ("self.type", "self.in", "str.int"):
        assert parse_name(span).readings and all(parse_name(span).readings)
    g = ground_analysis(
        {"summary": ["`self.type` and `self.in`"]}, "x = self.type\n", files=(), tree_lookup=lambda words: ([], set())
    )
    assert where(g) == {"self.type": "diff", "self.in": "nowhere"}


def test_forms_read_two_ways_are_found_either_way(project):
    g = ground(project, {"summary": ["`run/warmup`, `.environ`, `os.bin` and `warmup/nothing`"]})
    assert where(g) == {"run/warmup": "diff", ".environ": "diff", "os.bin": "nowhere", "warmup/nothing": "nowhere"}


@pytest.fixture(scope="module")
def kernels(tmp_path_factory):
    """A commit that adds a CUDA kernel and its header, edits the rotary embedding and a config with
    four switches; the release workflow's Docker Hub secrets are in the tree, untouched."""
    repo = GitRepo(tmp_path_factory.mktemp("kernels"))
    repo.commit(
        "setup",
        "2026-02-15T10:00:00+08:00",
        {
            ".github/workflows/release.yml": "jobs:\n  push:\n    steps:\n      - uses: docker/login-action@v3\n"
            "        with:\n          username: ${{ secrets.DOCKERHUB_USERNAME }}\n"
            "          password: ${{ secrets.DOCKERHUB_TOKEN }}\n",
            "srt/layers/rotary.py": "def rotate(x):\n    return x\n",
            "srt/config.py": "class Config:\n    pass\n",
        },
    )
    repo.commit(
        "Add the fused rotary kernel (#18893)",
        "2026-02-16T10:00:00+08:00",
        {
            "csrc/rotary/fused_rotary.cu": '#include "fused_rotary.cuh"\n__global__ void fused_rotary() {}\n',
            "csrc/rotary/fused_rotary.cuh": "#pragma once\n",
            "srt/layers/rotary.py": "def rotate(x):\n    return x\n\n\n"
            "def apply_rotary(q, k, positions, cos_sin_cache):\n    return rotate(q), rotate(k)\n",
            "srt/config.py": "class Config:\n    enable_value = True\n    enable_grad = False\n"
            "    enable_model_value = True\n    enable_model_grad = False\n",
        },
    )
    source = LocalGitSource(repo.path)
    commit = source.commits(Window(date(2026, 2, 16), 1, resolve_tz("Asia/Shanghai")))[0]
    return source, commit, source.diff(commit)


COMPOUNDS = {
    # slash lists: every item is a name of the tree or the diff; a later item may share the first's prefix
    "secrets.DOCKERHUB_USERNAME/TOKEN": "tree",
    "enable_value/enable_grad/enable_model_value/enable_model_grad": "diff",
    "q/k/positions/cos_sin_cache": "diff",
    "apply_rotary/rotate": "diff",
    # extension lists: files of each kind
    ".cu/.cuh": "diff",
    ".cuh": "diff",
    ".yml/.cu": "tree",
    "csrc/rotary/fused_rotary.cu/.cuh": "diff",
    "rotary/fused_rotary.cuh/.cu": "diff",
    # the true marks stay: an item in neither, a made-up key, a path that is not there
    "include_parallel_meta=False": "nowhere",
    "secrets.DOCKERHUB_USERNAME/PASSWORD": "nowhere",
    "enable_value/enable_magic": "nowhere",
    "q/k/v_cache": "nowhere",
    ".cu/.mm": "nowhere",
    "csrc/rotary/missing.cu": "nowhere",
    "srt/layers/attention": "nowhere",
    "csrc/rotary/fused_rotary.cu/.h": "nowhere",
}


def test_names_written_as_lists_are_found_when_every_item_is(kernels):
    source, commit, diff = kernels
    analysis = {"summary": [f"Touches `{name}`." for name in COMPOUNDS]}
    g = ground_analysis(analysis, diff, files=commit.files, tree_lookup=source.tree_lookup(commit.sha))
    assert where(g) == COMPOUNDS
    assert g.ungrounded == tuple(n for n, w in COMPOUNDS.items() if w == "nowhere")
    marked = mark_analysis(analysis, g.ungrounded)["summary"]
    assert marked[0] == "Touches `secrets.DOCKERHUB_USERNAME/TOKEN`."
    assert marked[9] == f"Touches `include_parallel_meta=False`{MARK}."


@pytest.mark.parametrize(
    "span, items",
    [
        ("secrets.DOCKERHUB_USERNAME/TOKEN", ["secrets.DOCKERHUB_USERNAME", "TOKEN"]),
        ("get/set_value", ["get", "set_value"]),
        ("match/case", ["match", "case"]),
        (".cu/.cuh", [".cu", ".cuh"]),
        ("csrc/x.cu/.cuh", ["csrc/x.cu", "csrc/x.cuh"]),
        ("schemes/base.py", []),  # a file in it: a path only
        ("mem_cache/", []),
        ("/v1/chat/completions", []),
        (".cu/x", []),
        (".cu/.notanextension", []),
    ],
)
def test_which_paths_are_also_lists(span, items):
    assert [item.text for item in parse_name(span).items] == items


def test_an_item_shares_the_first_items_prefix_or_the_last_items_suffix():
    tree = ([], set())
    found_in = {"secrets.DOCKERHUB_TOKEN x secrets.DOCKERHUB_USERNAME": "secrets.DOCKERHUB_USERNAME/TOKEN"}
    found_in["get_value(); set_value()"] = "get/set_value"
    for text, span in found_in.items():
        g = ground_analysis({"summary": [f"`{span}`"]}, text, files=(), tree_lookup=lambda words: tree)
        assert where(g) == {span: "diff"}, span
    g = ground_analysis({"summary": ["`get/set_value`"]}, "set_value()", files=(), tree_lookup=lambda words: tree)
    assert where(g) == {"get/set_value": "nowhere"}  # `get` and `get_value` are nowhere


def test_a_call_on_an_attribute_named_like_an_extension_is_not_a_missing_file(project):
    # `Engine.run` exists; `environ.get()` and `os.environ.json` are attribute-like, not files
    g = ground(project, {"summary": ["`os.environ.get()`, `mock.patch` vs `os.path.json()`"]})
    assert where(g)["os.environ.get()"] == "diff"
    assert where(g)["os.path.json()"] == "nowhere"  # `path` and `json` are in neither


def test_without_a_tree_lookup_nothing_outside_the_diff_is_marked(project):
    analysis = {"summary": ["`warmup` reads `MAX_RETRIES`; `cold_start_cache` and `src/pkg/util.py` are new."]}
    g = ground(project, analysis, tree=False)
    assert where(g) == {
        "warmup": "diff",
        "MAX_RETRIES": "unknown",
        "cold_start_cache": "unknown",
        "src/pkg/util.py": "unknown",
    }
    assert g.ungrounded == () and not g.tree_checked
    assert mark_analysis(analysis, g.ungrounded) == analysis


def test_a_name_from_the_commit_message_is_the_authors_not_the_models(project):
    commit = project[1]
    analysis = {"summary": ["Follows up on `fast_path`."]}
    assert where(ground(project, analysis)) == {"fast_path": "nowhere"}
    assert where(ground(project, analysis, message=commit.message)) == {"fast_path": "message"}


def test_every_shown_field_is_read_with_its_place():
    analysis = {
        "change_type": "Refactor `a1`",
        "change_type_detail": "`a2`",
        "importance": "high",
        "importance_reason": "`a3`",
        "summary": ["`a4`"],
        "scope": ["x", "`a5`"],
        "insight": {"performance": "`a6`", "security": None},
        "risks": [{"title": "`a7`", "details": ["`a8`"]}],
        "advice": [{"title": "`a9`", "text": "`a10`"}],
        "closing": "`a11`",
        "coverage": "`not_read`",
    }
    fields = [(field, code_spans(text)) for field, text in analysis_texts(analysis) if code_spans(text)]
    assert fields == [
        ("change_type", ["a1"]),
        ("change_type_detail", ["a2"]),
        ("importance_reason", ["a3"]),
        ("summary[0]", ["a4"]),
        ("scope[1]", ["a5"]),
        ("insight.performance", ["a6"]),
        ("risks[0].title", ["a7"]),
        ("risks[0].details[0]", ["a8"]),
        ("advice[0].title", ["a9"]),
        ("advice[0].text", ["a10"]),
        ("closing", ["a11"]),
    ]
    marked = mark_analysis(analysis, [f"a{i}" for i in range(1, 12)])
    assert all(text.count(MARK) == ("`" in text) for _, text in analysis_texts(marked))
    assert marked["coverage"] == "`not_read`"


def test_code_spans_follow_markdown():
    assert code_spans("a `x` b ``y`z`` c") == ["x", "y`z"]
    assert code_spans("```python\nx = 1\n```") == ["python\nx = 1\n"]  # a block: not a name (parse_name: None)
    assert parse_name("python\nx = 1\n") is None
    assert code_spans("an odd ` tick") == []


def test_diff_paths_include_renames_copies_and_binary_files():
    diff = (
        "diff --git a/a b.txt b/a b.txt\nindex 1..2 100644\n--- a/a b.txt\n+++ b/a b.txt\n@@ -1 +1 @@\n-x\n+y\n"
        "diff --git a/old.py b/new.py\nsimilarity index 90%\nrename from old.py\nrename to new.py\n"
        "diff --git a/img.png b/img.png\nnew file mode 100644\nBinary files /dev/null and b/img.png differ\n"
        "diff --git a/gone.bin b/gone.bin\ndeleted file mode 100644\n"
        "Binary files a/gone.bin and /dev/null differ\n"
    )
    assert set(diff_paths(diff)) == {"a b.txt", "old.py", "new.py", "img.png", "gone.bin"}


# ------------------------------------------------------------------------------------------------
# Properties: what is in the diff or the tree is never marked; what is in neither always is


def _tokens(texts) -> list[str]:
    return sorted({t for text in texts for t in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text)})


PRESENT_WORDS = _tokens([*SETUP.values(), *CHANGE.values()])
PRESENT_PATHS = sorted({*SETUP, *CHANGE, "src/pkg/new_name.py"} - {"src/pkg/old_name.py"})


def _dressed(draw, name: str, is_path: bool) -> str:
    if is_path:
        parts = name.split("/")
        tail = "/".join(parts[draw(st.integers(0, len(parts) - 1)) :])
        return draw(st.sampled_from([tail, f"./{name}", f"{tail}:{draw(st.integers(1, 99))}", f"{tail}#L3"]))
    return draw(st.sampled_from([name, f"{name}()", f"{name}(x, y=1)", f"{name}[0]", f"@{name}", f"{name}=1"]))


@st.composite
def present_names(draw):
    chosen = draw(
        st.lists(
            st.one_of(
                st.sampled_from(PRESENT_WORDS).map(lambda w: (w, False)),
                st.sampled_from(PRESENT_PATHS).map(lambda p: (p, True)),
            ),
            min_size=1,
            max_size=8,
        )
    )
    return [_dressed(draw, name, is_path) for name, is_path in chosen]


def _analysis(spans: list[str], fields: list[int]) -> dict:
    analysis = {"summary": [], "scope": [], "insight": {}, "risks": [], "advice": [], "closing": ""}
    for span, f in zip(spans, fields, strict=False):
        text = f"Here `{span}` is named."
        if f == 0:
            analysis["summary"].append(text)
        elif f == 1:
            analysis["insight"]["performance"] = analysis["insight"].get("performance", "") + text
        elif f == 2:
            analysis["risks"].append({"title": "r", "details": [text]})
        else:
            analysis["advice"].append({"title": text, "text": ""})
    return analysis


@pytest.fixture(scope="module")
def memory_tree(project):
    """The project's tree at the commit, looked up in memory (the same answers as git: tested below)."""
    source, commit, _ = project
    lookup = source.tree_lookup(commit.sha)
    paths, _ = lookup([])
    everything = set(_tokens([*SETUP.values(), *CHANGE.values()])) | {"--verbose", "--max-batch"}

    def tree(words):
        return paths, {w for w in words if w in everything}

    return tree


@settings(max_examples=150, deadline=None)
@given(spans=present_names(), fields=st.lists(st.integers(0, 3), min_size=8, max_size=8))
def test_property_nothing_in_the_diff_or_the_tree_is_marked(project, memory_tree, spans, fields):
    _, commit, diff = project
    g = ground_analysis(_analysis(spans, fields), diff, files=commit.files, tree_lookup=memory_tree)
    assert g.ungrounded == ()
    assert {n.where for n in g.names} <= {"diff", "tree"}


@settings(max_examples=100, deadline=None)
@given(
    made_up=st.from_regex(r"zq[a-z]{3,8}(_[a-z]{2,6})?", fullmatch=True),
    dress=st.sampled_from(["{}", "{}()", "Engine.{}", "{}.py", "src/{}/", "--{}", "{}=1"]),
    fields=st.lists(st.integers(0, 3), min_size=8, max_size=8),
)
def test_property_a_made_up_name_is_marked_with_a_tree_and_never_without(project, memory_tree, made_up, dress, fields):
    _, commit, diff = project
    span = dress.format(made_up.replace("_", "-") if dress.startswith("--") else made_up)
    analysis = _analysis([span, "warmup"], fields)
    g = ground_analysis(analysis, diff, files=commit.files, tree_lookup=memory_tree)
    assert g.ungrounded == (span,)
    marked = mark_analysis(analysis, g.ungrounded)
    assert sum(text.count(f"`{span}`{MARK}") for _, text in analysis_texts(marked)) == 1
    assert [t.replace(MARK, "") for _, t in analysis_texts(marked)] == [t for _, t in analysis_texts(analysis)]
    blind = ground_analysis(analysis, diff, files=commit.files)
    assert blind.ungrounded == () and where(blind)[span] == "unknown"


# ------------------------------------------------------------------------------------------------
# Numbers


@pytest.fixture(scope="module")
def counted(tmp_path_factory):
    """A commit of 3 files: +30/-10, +5/-0 (new), +0/-2: 35 added, 12 deleted."""
    repo = GitRepo(tmp_path_factory.mktemp("counted"))
    repo.commit(
        "setup",
        "2026-02-15T10:00:00+08:00",
        {"a.py": "".join(f"a{i}\n" for i in range(40)), "c.py": "".join(f"c{i}\n" for i in range(5))},
    )
    repo.commit(
        "change",
        "2026-02-16T10:00:00+08:00",
        {
            "a.py": "".join(f"a{i}\n" for i in range(10, 40)) + "".join(f"n{i}\n" for i in range(30)),
            "b.py": "".join(f"b{i}\n" for i in range(5)),
            "c.py": "".join(f"c{i}\n" for i in range(2, 5)),
        },
    )
    source = LocalGitSource(repo.path)
    commit = source.commits(Window(date(2026, 2, 16), 1, resolve_tz("Asia/Shanghai")))[0]
    assert (len(commit.files), commit.added_lines, commit.deleted_lines) == (3, 35, 12)
    return commit


@pytest.mark.parametrize(
    "text, wrong",
    [
        ("Adds 35 lines and removes 12 lines across the engine.", []),
        ("In all, 3 files, +35/-12 lines.", []),
        ("Touches 3 files; `a.py` (+30/-10) carries the logic, and adds 1 new file.", []),
        ("Adds about 40 lines.", []),
        ("A 47 line change.", []),
        ("Removes 2 lines from `c.py` and adds 30 to `a.py`.", []),  # a file's own counts
        ("Adds 120 lines.", ["Adds 120 lines"]),
        ("Touches 7 files, +35/-12.", ["Touches 7 files"]),
        ("In all, +120/-30 lines.", ["+120/-30 lines"]),
        ("`a.py` and `b.py` together: +35/-10.", []),  # a set of files' pair
        ("The first 12 lines of the log are cut at 100 lines.", []),  # about something else
        ("Changes 2 test files.", []),  # a part the data does not delimit
        ("新增 35 行、删除 12 行，共 3 个文件。", []),
        ("整个提交涉及 3 个文件，新增 2726 行。", ["新增 2726 行"]),
        ("修改了 5 个文件。", ["修改了 5 个文件"]),
        ("只改了一行，位于第 12 行。", ["改了一行"]),
        ("新增两个文件。", ["新增两个文件"]),
        ("统一行为，每 100 行打印一次。", []),
        ("约 40 行改动。", []),
        ("净增 23 行；a net 23 lines added.", []),
        ("净减少 50 行。", ["净减少 50 行"]),
        ("Splits the 600-line `a.py` into three files.", []),  # the size of a part, and no word of change
        ("新增的测试覆盖 40 行。", []),
    ],
)
def test_number_claims_in_english_and_chinese(counted, text, wrong):
    g = ground_analysis({"summary": [text]}, "", files=counted.files)
    assert list(g.number_mismatches) == wrong
    assert (
        list(ground_analysis({"summary": [text]}, "", files=counted.files, check_numbers=False).number_mismatches) == []
    )


def test_number_claims_keep_the_clause_that_makes_them():
    claims = find_claims("In all, 20 files, +2726/-1824 lines; a one-line fix; 3 行改动")
    assert [(c.text, c.unit, c.value) for c in claims] == [
        ("+2726/-1824 lines", "pair", 2726),
        ("In all, 20 files", "files", 20),
        ("one-line fix", "lines", 1),
        ("3 行改动", "lines", 3),
    ]


def test_the_note_and_the_legend_in_both_languages():
    en = grounding_note(["cold_start"], ["adds 120 lines"], "en", files=3, added=35, deleted=12)
    assert en == (
        "not found in the diff or the repository: `cold_start`; numbers that differ from the data "
        "(3 files, +35/-12 lines): “adds 120 lines”"
    )
    zh = grounding_note(["a", "b"], [], "zh")
    assert zh == "在改动和仓库中都找不到的名称：`a`、`b`"
    assert grounding_note([], [], "en") == ""
    assert all(MARK in strings(lang)["grounding"]["legend"] for lang in ("en", "zh"))


@settings(max_examples=200, deadline=None)
@given(
    text=st.lists(
        st.sampled_from(
            [
                "`",
                "``",
                "self",
                "type",
                "in",
                ".",
                "/",
                "a",
                "b_c",
                "--",
                "-",
                "=",
                "(",
                ")",
                "[0]",
                "<T>",
                "::",
                "$",
                "@",
                '"',
                "'",
                " ",
                "\n",
                "12",
                "+",
                "行",
                "个文件",
                "adds",
                "lines",
                ".py",
                ":3",
                "新增",
            ]
        ),
        max_size=30,
    ).map("".join)
)
def test_property_any_text_is_read_without_error_and_marking_only_adds_marks(text):
    analysis = {"summary": [text], "risks": [{"title": text, "details": [text]}]}
    g = ground_analysis(analysis, "", files=(), tree_lookup=lambda words: ([], set()))
    assert set(g.ungrounded) <= {n.name for n in g.names}
    marked = mark_analysis(analysis, g.ungrounded)
    assert marked["summary"][0].replace(MARK, "") == text.replace(MARK, "")
