"""Reports that remember (issue 27): what a day's fixes repair, checked against ``git blame`` run here, and the
watch items of the days before followed up as later days fix or revert them; nothing after the report's day
is known, a warm re-run blames nothing again, and the GitHub API path says what it cannot do."""

from __future__ import annotations

import os
import re
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gitrepo import GitRepo
from repodigest import build_digest
from repodigest.evidence.fixlines import RECORD as FIX_RECORD
from repodigest.report import build_context, render_markdown
from repodigest.report.overview import build_overview
from repodigest.report.text import inline
from repodigest.report.watch import followed_up
from repodigest.scoring.paths import file_kind
from servers.from_git import branch_heads, github_commits
from servers.github_api import GitHubServer
from servers.openai_api import OpenAIServer

TZ = "Asia/Shanghai"
DAYS = ("2026-03-03", "2026-03-04", "2026-03-05", "2026-03-06", "2026-03-07")


def lines(n: int, tag: str) -> str:
    return "".join(f"value_{tag}_{i} = compute({i})\n" for i in range(n))


def changed(text: str, *numbers: int) -> str:
    """``text`` with the lines ``numbers`` (1-based) rewritten."""
    out = text.splitlines(keepends=True)
    for n in numbers:
        out[n - 1] = out[n - 1].replace("compute(", "compute_fixed(")
    return "".join(out)


def at(day: int, hour: int = 10) -> str:
    return f"2026-03-{day:02d}T{hour:02d}:00:00+08:00"


def build_history(path: Path) -> GitRepo:
    """A legacy module older than the observation period, then a week of work in March 2026:

    03-01 parser · 03-02 breaking tokenizer (watched) · 03-03 token checks under auth/ (watched: security)
    · 03-04 a change to those checks (a follow-up by files) · 03-05 a fix of lines from the legacy module,
    the parser and the tokenizer, and of a docs line · 03-06 docs · 03-07 a revert of the token checks."""
    repo = GitRepo(path)
    legacy_text, parse_text, tok_text = lines(6, "l"), lines(10, "p"), lines(300, "t")
    shas = {
        "legacy": repo.commit(
            "Add the legacy reader", "2025-12-01T10:00:00+08:00", {"src/proj/legacy.py": legacy_text}
        ),
        "parser": repo.commit("Add the parser", at(1), {"src/proj/core/parse.py": parse_text}),
        "tokenizer": repo.commit(
            "feat!: a faster tokenizer\n\nBREAKING CHANGE: tokens are bytes",
            at(2),
            {
                "src/proj/core/tok.py": tok_text,
                "src/proj/__init__.py": lines(40, "api"),
                "docs/tok.md": "Tokens.\nBytes.\n",
            },
        ),
        "checks": repo.commit("Add token checks", at(3), {"src/proj/auth/token_check.py": lines(6, "c")}),
    }
    repo.commit("docs: explain the tokens", at(3, 12), {"docs/tokens.md": "How.\n"})
    shas["logging"] = repo.commit(
        "auth: log the token checks", at(4), {"src/proj/auth/token_check.py": lines(6, "c") + "logged = True\n"}
    )
    repo.commit("docs: more on tokens", at(4, 12), {"docs/more.md": "More.\n"})
    shas["fix"] = repo.commit(
        "fix: the tokenizer drops the last token",
        at(5),
        {
            "src/proj/core/tok.py": changed(tok_text, 2, 5),
            "src/proj/core/parse.py": changed(parse_text, 3),
            "src/proj/legacy.py": changed(legacy_text, 1),
            "docs/tok.md": "Tokens.\nBytes, always.\n",
            "tests/test_tok.py": "def test_last():\n    assert True\n",
        },
    )
    repo.commit("docs: the tokenizer's guide", at(6), {"docs/guide.md": "Guide.\n"})
    shas["revert"] = repo.commit(
        f'Revert "Add token checks"\n\nThis reverts commit {shas["checks"]}.',
        at(7),
        remove=("src/proj/auth/token_check.py",),
    )
    repo.shas = shas
    return repo


@pytest.fixture(scope="module")
def week(tmp_path_factory):
    """The repository and the daily report of each of ``DAYS`` (English), built once for the module."""
    root = tmp_path_factory.mktemp("week")
    repo = build_history(root / "proj")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("REPODIGEST_CACHE_DIR", str(root / "cache"))
        for name in ("OPENAI_API_KEY", "GITHUB_TOKEN", "GITHUB_API_URL"):
            patch.delenv(name, raising=False)
        digests = {
            day: build_digest(date=day, repos=[str(repo.path)], lang="en", tz=TZ, progress=False) for day in DAYS
        }
    return repo, digests


def blamed_by_git(repo: GitRepo, fix: str, period_days: int = 90) -> tuple[dict[str, datetime], set[str]]:
    """What ``git blame --first-parent -w`` in the fix's parent names for each source line the fix deletes or
    modifies: {commit: its committer date} within ``period_days`` before the fix, and every commit named."""
    fixed_at = datetime.fromisoformat(repo.git("log", "-1", "--format=%cI", fix).strip())
    named: dict[str, datetime] = {}
    for path in repo.git("diff", "--name-only", f"{fix}^", fix).split():
        if file_kind(path) != "source":
            continue
        for match in re.finditer(r"^@@ -(\d+)(?:,(\d+))? ", repo.git("diff", "-U0", f"{fix}^", fix, "--", path), re.M):
            start, count = int(match.group(1)), int(match.group(2) or 1)
            for n in range(start, start + count):
                porcelain = repo.git(
                    "blame", "--first-parent", "-w", "--porcelain", "-L", f"{n},{n}", f"{fix}^", "--", path
                )
                sha = porcelain.split()[0]
                when = int(re.search(r"^committer-time (\d+)$", porcelain, re.M).group(1))
                named[sha] = datetime.fromtimestamp(when, UTC)
    kept = {sha: when for sha, when in named.items() if when >= fixed_at - timedelta(days=period_days)}
    return kept, set(named)


def test_a_fix_lists_the_commits_git_blame_names_in_its_parent(week):
    repo, digests = week
    shas, digest = repo.shas, digests["2026-03-05"]
    kept, named = blamed_by_git(repo, shas["fix"])
    assert shas["legacy"] in named and shas["legacy"] not in kept  # blamed, but older than the period
    row = digest.frame.set_index("sha").loc[shas["fix"]]
    assert row["repairs"] == sorted(kept, key=kept.get)  # the same commits, oldest first
    assert row["repairs"] == [shas["parser"], shas["tokenizer"]]
    entry = [ln.rstrip() for ln in digest.markdown().splitlines() if ln.startswith("**🩹 Repairs**")]
    levels = digest.earlier.set_index("sha")["level"]
    assert entry == [
        f"**🩹 Repairs**: `{shas['parser'][:7]}` Add the parser (landed 2026-03-01, rated "
        f"{LEVEL[levels[shas['parser']]]} then)",
        f"**🩹 Repairs**: `{shas['tokenizer'][:7]}` feat!: a faster tokenizer (landed 2026-03-02, rated "
        f"{LEVEL[levels[shas['tokenizer']]]} then)",
    ]


LEVEL = {"high": "🔴 High", "medium": "🟡 Medium", "low": "🟢 Low"}


def test_the_follow_ups_part_counts_the_repairing_commits_and_puts_the_high_ones_first(week):
    repo, digests = week
    shas = repo.shas
    part = digests["2026-03-05"].glance().repairs
    assert part.count == 1
    levels = digests["2026-03-05"].earlier.set_index("sha")["level"]
    assert levels[shas["tokenizer"]] == "high" and levels[shas["parser"]] != "high"
    assert [r.commit.sha for r in part.repaired] == [shas["tokenizer"], shas["parser"]]  # the 🔴 first
    assert [(b.kind, b.commit.sha) for b in part.repaired[0].by] == [("fix", shas["fix"])]
    md = digests["2026-03-05"].markdown()
    assert "**🩹 Follow-ups**\n\nCommits of the day that repair earlier work: 1.\n" in md
    assert (
        f"- `{shas['tokenizer'][:7]}` feat!: a faster tokenizer (landed 2026-03-02, rated 🔴 High then): fixed by [`{shas['fix'][:7]}`](#{shas['fix'][:7]})"
        in md
    )
    reverts = digests["2026-03-07"].glance().repairs  # a revert is a follow-up too
    assert reverts.count == 1 and [(b.kind, b.commit.sha) for b in reverts.repaired[0].by] == [
        ("revert", shas["revert"])
    ]
    assert reverts.repaired[0].commit.sha == shas["checks"]


def followed(digest) -> dict[str, tuple[str, list[str]]]:
    return {f.commit.sha: (f.status, [c.sha for c in f.by]) for f in digest.glance().followed}


def test_watch_items_are_followed_up_as_later_days_fix_or_revert_them(week):
    repo, digests = week
    shas = repo.shas
    tokenizer, checks = shas["tokenizer"], shas["checks"]
    kinds = {f.commit.sha: f.kinds for f in digests["2026-03-03"].glance().followed}
    assert "breaking" in kinds[tokenizer] and "high" in kinds[tokenizer]
    logging = shas["logging"]  # a change under auth/: a watch item of its own
    assert followed(digests["2026-03-03"]) == {tokenizer: ("open", [])}  # the first report after its day
    # 03-04: the tokenizer is still open (not repeated); the checks' first report, a commit changed their file
    assert followed(digests["2026-03-04"]) == {checks: ("follow_up", [logging])}
    assert followed(digests["2026-03-05"]) == {tokenizer: ("fixed", [shas["fix"]]), logging: ("open", [])}
    assert followed(digests["2026-03-06"]) == {}  # nothing changed: nothing repeated
    assert followed(digests["2026-03-07"]) == {
        checks: ("reverted", [shas["revert"]]),
        logging: ("follow_up", [shas["revert"]]),  # the revert deletes the file it changed
    }
    md = digests["2026-03-05"].markdown()
    assert (
        f"- `{tokenizer[:7]}` feat!: a faster tokenizer (🔴 high, breaking change, 2026-03-02): ✅ fixed by "
        f"[`{shas['fix'][:7]}`](#{shas['fix'][:7]})" in md
    )
    assert "⏳ nothing yet" in digests["2026-03-03"].markdown()
    assert "↩️ reverted by" in digests["2026-03-07"].markdown()


def test_a_report_knows_nothing_after_its_day(week):
    repo, digests = week
    shas = repo.shas
    before = digests["2026-03-04"]
    md = before.markdown()
    assert shas["fix"][:7] not in md and "🩹" not in md  # the fix lands the day after
    assert not before.frame["repairs"].map(len).any()
    assert before.earlier["day"].max() < "2026-03-04"
    # The later report's data, asked about 03-04, says what 03-04's report said: nothing later leaks in.
    later = digests["2026-03-07"]
    shown, more = followed_up(later.frame, ["2026-03-04"], later.earlier)
    assert {f.commit.sha: (f.status, [c.sha for c in f.by]) for f in shown} == followed(before) and not more


def test_the_parts_are_worded_in_chinese_too(week):
    repo, digests = week
    digest = digests["2026-03-05"]
    overview = build_overview(digest.frame, digest.repos, digest.days, "zh", earlier=digest.earlier)
    md = render_markdown(
        build_context(digest.frame, digest.repos, digest.days, "zh", overview=overview, earlier=digest.earlier)
    )
    fix, tokenizer = repo.shas["fix"][:7], repo.shas["tokenizer"][:7]
    assert (
        f"**🩹 后续修复**\n\n本日有 1 个提交修复了此前的工作。\n- `{tokenizer}` feat!: a faster tokenizer（2026-03-02 提交，当时评为 🔴高）：由 [`{fix}`](#{fix}) 修复"
        in md
    )
    assert "**🔁 跟进**" in md and f"（🔴 高、不兼容变更，2026-03-02）：✅ 已由 [`{fix}`](#{fix}) 修复" in md
    assert f"**🩹 修复了**：`{tokenizer}` feat!: a faster tokenizer（2026-03-02 提交，当时评为 🔴高）" in md


def test_the_level_given_then_includes_the_models_when_the_cache_holds_its_analysis(tmp_path, monkeypatch):
    repo = build_history(tmp_path / "proj")
    shas = repo.shas
    with OpenAIServer(mode="schema", importance="low") as server:  # the model rated the tokenizer low
        monkeypatch.setenv("OPENAI_API_KEY", "test-key")
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        then = build_digest(date="2026-03-02", repos=[str(repo.path)], lang="en", tz=TZ, progress=False)
    monkeypatch.delenv("OPENAI_API_KEY")  # the later report runs without a key: the cache still holds it
    row = then.frame.set_index("sha").loc[shas["tokenizer"]]
    assert (row["rules_level"], row["model_level"]) == ("high", "low")
    digest = build_digest(date="2026-03-05", repos=[str(repo.path)], lang="en", tz=TZ, progress=False)
    rated = f"{LEVEL[row['level']]} (rules 🔴 High, model 🟢 Low)"
    assert f"feat!: a faster tokenizer (landed 2026-03-02, rated {rated} then)" in digest.markdown()
    [item] = [f for f in digest.glance().followed if f.commit.sha == shas["tokenizer"]]
    assert "disagreement" in item.kinds and item.status == "fixed"  # the watch list of that day had it


def test_repository_titles_are_escaped_in_the_follow_ups(make_repo):
    repo = make_repo("hostile")
    repo.commit("Add [a](javascript:alert(1)) <b>x</b> | cell", at(1), {"src/a.py": lines(5, "a")})
    repo.commit("fix: a", at(2), {"src/a.py": changed(lines(5, "a"), 2)})
    digest = build_digest(date="2026-03-02", repos=[str(repo.path)], lang="en", tz=TZ, progress=False)
    [line] = [ln for ln in digest.markdown().splitlines() if ln.startswith("- `") and "fixed by" in ln]
    title = digest.frame["title"].iloc[-1]
    assert f" {inline(title)} (landed 2026-03-01" in line and title not in line  # the report's own escaping


def git_wrapper(tmp_path: Path) -> Path:
    """A ``git`` first on PATH that logs each call's arguments, then runs the real git."""
    folder, log = tmp_path / "bin", tmp_path / "git-calls.log"
    folder.mkdir()
    script = folder / "git"
    script.write_text(f'#!/bin/sh\necho "$*" >> "{log}"\nexec "{shutil.which("git")}" "$@"\n')
    script.chmod(0o755)
    return log


def test_a_warm_rerun_blames_nothing_and_each_fix_is_blamed_once(week, tmp_path, monkeypatch):
    repo, digests = week
    log = git_wrapper(tmp_path)
    monkeypatch.setenv("PATH", f"{log.parent / 'bin'}{os.pathsep}{os.environ['PATH']}")

    def blame_passes(cache: str, **options) -> tuple[int, object]:
        monkeypatch.setenv("REPODIGEST_CACHE_DIR", str(tmp_path / cache))
        log.write_text("")
        digest = build_digest(date="2026-03-05", repos=[str(repo.path)], lang="en", tz=TZ, progress=False, **options)
        # A fix's reading (evidence.fixlines), told from the source's own git log --no-walk by its record mark;
        # split on newlines alone: the mark holds \x1e, which str.splitlines takes for a line end.
        calls = log.read_text().split("\n")
        return sum("--no-walk=unsorted" in call and f"--format={FIX_RECORD}" in call for call in calls), digest

    alone, _ = blame_passes("a", track_record=False)  # the follow-ups alone blame the day's fix
    cold, digest = blame_passes("b")  # the track record's labelling blames it too: the cache is shared
    warm, again = blame_passes("b")
    assert cold == alone > 0  # one blame pass per fix
    assert warm == 0  # nothing blamed again
    assert again.frame["repairs"].tolist() == digest.frame["repairs"].tolist()
    assert digest.frame["repairs"].tolist() == digests["2026-03-05"].frame["repairs"].tolist()


def test_the_github_api_path_says_follow_ups_need_a_clone(week, tmp_path):
    repo, _ = week
    server = GitHubServer(github_commits(repo.path), full_name="o/r", heads=branch_heads(repo.path))
    server.start()
    try:
        config = tmp_path / "repodigest.toml"
        config.write_text(f'[github]\napi_url = "{server.url}"\n')
        digest = build_digest(date="2026-03-07", repos=["o/r"], config=config, lang="en", tz=TZ, progress=False)
    finally:
        server.stop()
    notes = [n for n in digest.notes if "follow-ups" in n]
    assert notes == [
        "o/r: the follow-ups (which earlier commits the day's fixes repair) need a clone: set mirror = true for this repository in the config"
    ]
    assert not digest.frame["repairs"].map(len).any()  # no blame without a clone
    shas = repo.shas  # reverts and follow-ups by files are still known; the tokenizer's fix is a follow-up only
    assert followed(digest) == {
        shas["checks"]: ("reverted", [shas["revert"]]),
        shas["logging"]: ("follow_up", [shas["revert"]]),
    }
    statuses = followed_up(digest.frame, ["2026-03-05"], digest.earlier)[0]
    assert [(f.commit.sha, f.status) for f in statuses if f.commit.sha == shas["tokenizer"]] == [
        (shas["tokenizer"], "follow_up")
    ]
