from datetime import UTC, datetime

import pytest

from repodigest.config import AreaRule
from repodigest.models import Commit, FileChange
from repodigest.scoring.areas import path_area, title_areas
from repodigest.scoring.change_type import classify
from repodigest.scoring.heuristic import HIGH_AT, MEDIUM_AT, RepoRules, assess, change_entropy, is_bot
from repodigest.sources.message import parse_co_authors, parse_pr_number, split_message

NOW = datetime(2026, 2, 16, 8, tzinfo=UTC)


def make_commit(title, files, body="", author="Dev", login=None):
    message = title + ("\n\n" + body if body else "")
    return Commit(
        repo="r",
        sha="a" * 40,
        parents=("b" * 40,),
        author_name=author,
        author_email="d@x",
        author_date=NOW,
        committer_name=author,
        committer_email="d@x",
        committer_date=NOW,
        message=message,
        title=title,
        pr_number=parse_pr_number(title),
        co_authors=(),
        files=tuple(FileChange(path=p, status="modified", added_lines=a, deleted_lines=d) for p, a, d in files),
        author_login=login,
    )


@pytest.mark.parametrize(
    "path,area",
    [
        ("python/sglang/srt/layers/quantization/fp8.py", "quantization"),
        ("python/sglang/srt/managers/io_struct.py", "managers"),
        ("python/sglang/multimodal_gen/runtime/x.py", "multimodal_gen"),
        ("python/sglang/srt/server_args.py", "srt"),
        ("crates/ruff_linter/src/rules/pyflakes/mod.rs", "ruff_linter"),
        ("sgl-kernel/csrc/moe/x.cu", "sgl-kernel"),
        ("test/registered/debug_utils/test_x.py", "tests"),
        ("docs/advanced/server.md", "docs"),
        (".github/workflows/ci.yml", "ci"),
        ("README.md", "docs"),
        ("Cargo.lock", "build"),
        ("src/requests/adapters/http.py", "adapters"),
        ("src/requests/models.py", "requests"),
    ],
)
def test_path_area_skips_containers(path, area):
    assert path_area(path, "requests") == area


@pytest.mark.parametrize(
    "title,areas",
    [
        ("[diffusion] fix: LoRA aliasing (#1)", ["diffusion"]),
        ("fix(sgl-kernel): CUDA 13 (#2)", ["sgl-kernel"]),
        ("[ty] Narrow on isinstance", ["ty"]),
        ("[`pyflakes`] Fix F401", ["pyflakes"]),
        ("[2/N] Quantization Refactor", []),
        ("[Fix][AMD] thing", ["amd"]),
        ("plain title", []),
    ],
)
def test_title_areas(title, areas):
    assert title_areas(title) == areas


def test_commit_areas_rules_tags_then_churn():
    rules = RepoRules((AreaRule(pattern="python/sglang/srt/mem_cache/**", area="HiCache"),), "sglang")
    files = [("python/sglang/srt/mem_cache/radix.py", 3, 2), ("python/sglang/srt/layers/moe/a.py", 40, 10)]
    assert assess(make_commit("[AMD] tune", files), rules).areas == ("amd", "moe", "hicache")


def test_a_fix_is_in_the_area_of_its_source_files_whatever_its_tests_change():
    files = [("src/_pytest/pathlib.py", 4, 2), ("testing/test_pathlib.py", 40, 0), ("changelog/1.bugfix.rst", 1, 0)]
    fix = assess(make_commit("Fix rm_rf on read-only symlinks", files), RepoRules(short_name="pytest"))
    assert fix.change_type == "fix" and fix.areas == ("_pytest", "tests", "changelog")
    feature = assess(make_commit("Add a symlink option", files), RepoRules(short_name="pytest"))
    assert feature.areas == ("tests", "_pytest", "changelog")  # by lines changed: the rule is a fix's
    tagged = assess(make_commit("fix(testing): flaky tmp_path", files), RepoRules(short_name="pytest"))
    assert tagged.areas[0] == "testing"  # the title's own word comes first


@pytest.mark.parametrize(
    "title,files,expected",
    [
        ('Revert "[Perf] x (#1)" (#2)', ["a.py"], ("revert", "revert")),
        ("feat(api)!: new endpoint", ["a.py"], ("feat", "prefix")),
        ("[Perf] ~9.5x faster loading", ["a.py"], ("perf", "tag")),
        ("Update guide", ["docs/a.md", "README.md"], ("docs", "paths")),
        ("Add cases", ["tests/test_a.py"], ("test", "paths")),
        ("Tweak workflow", [".github/workflows/ci.yml"], ("ci", "paths")),
        ("Bump foo", ["uv.lock"], ("deps", "paths")),
        ("Fix crash on empty batch", ["a.py"], ("fix", "keyword")),
        ("Patch CVE-2026-1234 in parser", ["a.py"], ("security", "keyword")),
        ("Speed up decode 2x", ["a.py"], ("perf", "keyword")),
        ("Something", ["a.py"], ("other", "none")),
        # git's merge titles: branch names are not read as words, a description after a colon is
        ("Merge branch 'issue-11'", ["a.py"], ("other", "none")),
        ("Merge main into issue-15-perf", ["a.py"], ("other", "none")),
        ("Merge branch 'fix-ci' of github.com:o/r into main", ["a.py"], ("other", "none")),
        ("Merge branches 'bugfix-a' and 'hang-b'", ["a.py"], ("other", "none")),
        ("Merge branch 'issue-12': pull-request context (stage A)", ["a.py"], ("other", "none")),
        ("Merge branch 'issue-13': fix the overview's counts", ["a.py"], ("fix", "keyword")),
        ("Merge pull request #12 from someone/fix-crash", ["a.py"], ("fix", "keyword")),
        ("Merge sort speed-up for large inputs", ["a.py"], ("perf", "keyword")),
    ],
)
def test_change_type_rules(title, files, expected):
    assert classify(title, files) == expected


def test_entropy_and_bots():
    assert change_entropy([10]) == 0
    assert change_entropy([5, 5]) == pytest.approx(1.0)
    assert 0 < change_entropy([90, 5, 5]) < 0.7
    assert is_bot("dependabot[bot]") and is_bot("x", "renovate[bot]") and not is_bot("Jane")


def test_big_diffuse_api_change_is_high_with_reasons():
    files = [(f"python/pkg/{area}/m{i}.py", 120, 40) for i, area in enumerate(["api", "core", "io", "net"] * 3)]
    files.append(("python/pkg/__init__.py", 5, 1))
    result = assess(
        make_commit("feat: new public interface", files, body="BREAKING CHANGE: renamed"), RepoRules(short_name="pkg")
    )
    assert result.level == "high" and result.score >= HIGH_AT
    codes = [r.code for r in result.reasons]
    assert {"size", "files", "areas", "public_api", "breaking", "type"} <= set(codes)
    assert result.signals.breaking and result.signals.files == 13


def test_typo_is_low_and_bot_is_capped():
    typo = assess(make_commit("Fix typo in docs", [("docs/a.md", 1, 1)]))
    assert typo.level == "low" and typo.change_type == "docs"
    big_bot = assess(
        make_commit(
            "chore(deps): bump everything", [(f"src/m{i}.py", 300, 300) for i in range(30)], author="dependabot[bot]"
        )
    )
    assert big_bot.level == "low" and any(r.code == "bot" for r in big_bot.reasons)


def test_docs_only_never_high():
    docs = assess(make_commit("Rewrite the manual", [(f"docs/p{i}.md", 500, 400) for i in range(40)]))
    # 36,000 lines of docs weigh no size points (no source file): type, files and spread only.
    assert docs.level == "low" and docs.score < MEDIUM_AT
    assert [r.detail for r in docs.reasons if r.code == "no_source"] == ["+20000/-16000"]


def test_message_parsing():
    assert split_message("title\r\n\r\nbody\r\n") == ("title", "body")
    assert parse_pr_number('Revert "x (#1)" (#2)') == 2
    assert parse_pr_number("Merge pull request #42 from a/b") == 42
    assert parse_pr_number("no pr here #3") is None
    assert parse_co_authors("t\n\nCo-authored-by: A <a@x>\nco-authored-by: A <a@x>\nCo-Authored-By: B <b@x>") == (
        "A <a@x>",
        "B <b@x>",
    )


def _with_labels(commit, *labels):
    from dataclasses import replace

    from repodigest.models import PullRequest

    return replace(commit, pull_request=PullRequest(number=1, url="https://github.com/o/r/pull/1", labels=labels))


def test_pull_request_labels_add_documented_points_once_and_capped():
    base = make_commit("Handle empty batches", [("src/a.py", 12, 3)])
    plain = assess(base)
    labelled = assess(_with_labels(base, "High-Priority", "BUG", "bug", "question"))
    added = {r.detail: r.points for r in labelled.reasons if r.code == "pr_label"}
    assert added == {"High-Priority": 15, "BUG": 6}  # any case, "-" as a space, one reason per label
    assert labelled.score == plain.score + 21
    capped = assess(_with_labels(base, "security", "breaking", "high priority"))
    assert sum(r.points for r in capped.reasons if r.code == "pr_label") == 30
    marker = make_commit("feat!: drop the v1 API", [("src/api/v1.py", 2, 40)])
    assert not [r for r in assess(_with_labels(marker, "breaking")).reasons if r.code == "pr_label"]  # counted once
    assert assess(make_commit("Handle empty batches", [("src/a.py", 12, 3)])).score == plain.score  # no PR, no labels


def test_label_points_from_the_config_merge_over_the_defaults():
    base = _with_labels(make_commit("Tune cache", [("src/a.py", 5, 5)]), "P0", "bug", "docs only")
    reasons = assess(base, RepoRules(label_points={"p0": 25, "Bug": 0, "docs-only": -4})).reasons
    assert {r.detail: r.points for r in reasons if r.code == "pr_label"} == {"P0": 25, "docs only": -4}


@pytest.mark.parametrize(
    "path,sensitive",
    [
        ("src/auth/login.py", True),
        ("python/sglang/srt/entrypoints/http_server_auth.py", True),
        ("lib/crypto/aes.rs", True),
        ("config/secrets.yaml", True),
        ("src/api_key.py", True),
        ("core/AccessToken.java", True),
        ("net/tls_config.go", True),
        ("lib/sanitizer.c", True),
        # "token" is text in an LLM server: tokenizers and token dispatchers are not credentials
        ("python/sglang/srt/layers/moe/token_dispatcher/moriep.py", False),
        ("sgl-kernel/csrc/gemm/per_token_group_quant_8bit.cu", False),
        ("python/sglang/srt/managers/tokenizer_manager.py", False),
        ("src/authors.py", False),
        ("tests/test_auth.py", False),
        ("docs/security.md", False),
    ],
)
def test_security_sensitive_paths_are_whole_words(path, sensitive):
    from repodigest.scoring.paths import is_security_sensitive

    assert is_security_sensitive(path) is sensitive


@pytest.mark.parametrize(
    "message,breaking",
    [
        ("feat(api)!: drop the v1 routes", True),
        ("Remove the old flag\n\nBREAKING CHANGE: the flag is gone", True),
        ("Remove the old flag\n\nBREAK\u0131NG-CHANGE: the flag is gone", True),  # dotless i: IGNORECASE reads i
        ("Make the parser backwards incompatible", True),
        ("[breaking] new config format", True),
        ("Keep the old routes working\n\nNothing breaks here.", False),
        ("Résumé: faster parsing, nothing else", False),
    ],
)
def test_breaking_markers_in_any_case_and_script(message, breaking):
    title, _ = split_message(message)
    commit = make_commit(title, [("src/x.py", 3, 1)], body=message.partition("\n")[2].strip("\n"))
    assert assess(commit).signals.breaking is breaking


@pytest.mark.parametrize(
    "title,expected",
    [
        ("F\u0131x the parser", "fix"),  # dotless i: IGNORECASE matches it to i
        ("SPEED UP the lexer", "perf"),
        ("Überarbeitung: remove the old cache", "refactor"),
        ("Merge branch 'fix-ci': add a retry", "feat"),
    ],
)
def test_keyword_rules_ignore_case_in_any_script(title, expected):
    assert classify(title, ["src/x.py"]) == (expected, "keyword")


def lines(n: int, tag: str) -> str:
    return "".join(f"{tag} {i}\n" for i in range(n))


@pytest.fixture(scope="module")
def rules_day(tmp_path_factory):
    """A report day (2026-02-16, UTC) whose commits differ in one thing each, judged by the whole pipeline.

    Before it: src/core/engine.py written (2025-09-01), fixed on 2025-10-01 (over 90 days before), on
    2026-01-20 (before the 14-day window: read from the clone's 90 days before it) and on 2026-02-10.
    """
    from gitrepo import GitRepo
    from repodigest import build_digest

    root = tmp_path_factory.mktemp("rules")
    repo = GitRepo(root / "repo")
    engine = lines(100, "engine")
    repo.commit("feat: engine", "2025-09-01T10:00:00+00:00", {"src/core/engine.py": engine})
    for n, day in enumerate(("2025-10-01", "2026-01-20", "2026-02-10")):
        engine = engine.replace(f"engine {n}\n", f"engine {n} fixed\n")
        repo.commit(f"fix: engine bug {n}", f"{day}T10:00:00+00:00", {"src/core/engine.py": engine})
    repo.commit("feat: tests for the engine", "2026-02-11T10:00:00+00:00", {"tests/test_engine.py": lines(5, "t")})
    day = [
        ("feat: engine streaming", {"src/core/engine.py": engine + lines(40, "stream")}),
        ("feat: widget", {"src/ui/widget.py": lines(40, "widget")}),
        (
            "feat: the big test and docs drop",
            {
                **{f"tests/suite{i}/test_{i}.py": lines(900, f"t{i}") for i in range(6)},
                **{f"docs/guide{i}.md": lines(700, f"d{i}") for i in range(4)},
            },
        ),
        ("feat: big source, small test", {"src/core/big.py": lines(300, "b"), "tests/test_big.py": lines(10, "tb")}),
        (
            "feat: small source, big test",
            {"src/core/small.py": lines(10, "s"), "tests/test_small.py": lines(300, "ts")},
        ),
    ]
    for hour, (title, files) in enumerate(day):
        repo.commit(title, f"2026-02-16T{9 + hour:02d}:00:00+00:00", files)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("REPODIGEST_CACHE_DIR", str(root / "cache"))
        digest = build_digest(date="2026-02-16", repos=[str(repo.path)], tz="UTC", lang="en", progress=False)
    frame = digest.frame.set_index("title")
    frame.attrs["markdown"] = digest.markdown()
    return frame


def reason(row, code):
    return [(r["detail"], r["points"]) for r in row["reasons"] if r["code"] == code]


def test_a_change_touching_no_source_file_is_never_high_by_size(rules_day):
    row = rules_day.loc["feat: the big test and docs drop"]
    assert row["lines_added"] == 8200 and row["source_file_count"] == 0
    assert reason(row, "size") == [] and reason(row, "no_source") == [("+8200/-0", 0.0)]
    assert row["rules_level"] != "high"
    assert sum(r["points"] for r in row["reasons"]) == row["score"]  # every point has its reason
    # The entry says why its 8,200 lines weigh nothing.
    assert "no source file changed: its +8200/-0 lines (tests, docs, CI, build" in rules_day.attrs["markdown"]


def test_source_lines_drive_the_size_points(rules_day):
    big, small = rules_day.loc["feat: big source, small test"], rules_day.loc["feat: small source, big test"]
    assert big["lines_added"] == small["lines_added"] == 310
    assert reason(big, "size") == [("+300/-0", 35.0)]  # 7 per doubling above 8 lines, at most 35
    assert reason(small, "size") == [("+10/-0", 2.3)]
    assert big["score"] - small["score"] == pytest.approx(35 - 2.25, abs=1)


def test_recent_fixes_of_the_source_files_add_points_with_their_reason(rules_day):
    fixed, fresh = rules_day.loc["feat: engine streaming"], rules_day.loc["feat: widget"]
    # Two fixes in the 90 days before (one read from before the window), the third too old; the
    # test-only commit touched no source file of it.
    assert reason(fixed, "recent_fixes") == [("2", 10.0)] and reason(fresh, "recent_fixes") == []
    assert reason(fixed, "size") == reason(fresh, "size")
    assert fixed["score"] - fresh["score"] == 10
    assert "2 fix commits changed its source files in the 90 days before" in rules_day.attrs["markdown"]
    assert reason(rules_day.loc["fix: engine bug 2"], "recent_fixes") == [("1", 5.0)]  # a trend day's commit too
    # the days before the window are read with it (one read) for the count, and are no rows of the frame
    assert "fix: engine bug 1" not in rules_day.index and "fix: engine bug 2" in rules_day.index
