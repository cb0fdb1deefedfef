"""Outcomes of past commits (repodigest.evidence): reverts and SZZ fixes on repositories built here."""

import subprocess
from datetime import datetime, timedelta

import pytest

from gitrepo import fast_import_commits
from repodigest.cache import Cache
from repodigest.errors import UserError
from repodigest.evidence import NEWEST, blamed_commits, label_outcomes, observation_point
from repodigest.evidence.annotate import line_origins, renames
from repodigest.evidence.fixlines import block_comment_lines, is_fix
from repodigest.evidence.outcomes import TABLE

START = datetime.fromisoformat("2025-01-01T10:00:00+00:00")
BODY = "".join(f"def f{i}(x):\n    return x + {i}\n\n" for i in range(10))


def day(n: float) -> str:
    return (START + timedelta(days=n)).isoformat()


def edit(text: str, old: str, new: str) -> str:
    assert old in text
    return text.replace(old, new, 1)


@pytest.fixture
def history(make_repo):
    """base (day 0) -> feature (day 10, changes f3 and adds f10) -> fixes and noise -> tip (day 200)."""
    repo = make_repo()
    base = repo.commit(
        "Initial code", day(0), {"src/app.py": BODY, "tests/test_app.py": "x = 1\n", "docs/index.md": "# App\n"}
    )
    src = edit(BODY, "return x + 3", "return x * 3")
    src += "def f10(x):\n    return x - 10\n"
    feature = repo.commit(
        "Add multiply mode",
        day(10),
        {"src/app.py": src, "tests/test_app.py": "x = 1\ny = 2\n", "docs/index.md": "# App\nMultiply.\n"},
    )
    return repo, base, feature, src


def labels(repo, shas, **kwargs):
    kwargs.setdefault("progress", False)
    return label_outcomes(repo.path, shas, **kwargs)


def test_a_fix_that_modifies_a_line_labels_the_commit_that_wrote_it(history):
    repo, base, feature, src = history
    fix = repo.commit("Fix wrong factor in f3", day(15.5), {"src/app.py": edit(src, "return x * 3", "return x * 3.0")})
    repo.commit("Add docs page", day(200), {"docs/more.md": "more\n"})
    out = labels(repo, [base, feature], horizon_days=90)
    assert out[feature].later_fixed and out[feature].fixed_by == (fix,)
    assert out[feature].days_to_fix == pytest.approx(5.5)
    assert out[feature].status == "fixed" and not out[feature].later_reverted
    assert out[base].status == "clean" and out[base].fixed_by == () and out[base].days_to_fix is None
    assert out.stats.fix_commits == 1 and out.stats.blamed_files == 1


def test_a_fix_that_deletes_a_line_labels_the_commit_that_wrote_it(history):
    repo, base, feature, src = history
    without = edit(src, "def f10(x):\n    return x - 10\n", "")
    fix = repo.commit("fix: f10 must not exist", day(40), {"src/app.py": without})
    out = labels(repo, [feature])
    assert out[feature].fixed_by == (fix,) and out[feature].days_to_fix == pytest.approx(30)


def test_a_fix_of_tests_docs_or_whitespace_labels_nothing(history):
    repo, base, feature, src = history
    repo.commit("Fix flaky test", day(20), {"tests/test_app.py": "x = 1\ny = 3\n"})
    repo.commit("Fix docs wording", day(21), {"docs/index.md": "# App\nMultiplies.\n"})
    repo.commit("Fix indentation", day(22), {"src/app.py": edit(src, "    return x * 3", "        return x * 3")})
    repo.commit("Release", day(200), {"docs/more.md": "more\n"})
    out = labels(repo, [base, feature], horizon_days=90)
    assert out[feature].status == "clean" and not out[feature].later_fixed
    assert out.stats.blamed_files == 0
    assert out.stats.skipped["lines"] >= 1  # the re-indented line


def test_the_fixs_own_added_lines_blame_nothing(history):
    repo, base, feature, src = history
    # A fix that only inserts lines has nothing in its parent to blame.
    added = repo.commit(
        "Fix missing guard",
        day(20),
        {"src/app.py": edit(src, "def f3(x):\n", "def f3(x):\n    assert x is not None\n")},
    )
    later = edit(src, "def f3(x):\n", "def f3(x):\n    assert x is not None\n")
    second = repo.commit(
        "Fix guard message",
        day(25),
        {"src/app.py": edit(later, "    assert x is not None\n", "    assert x is not None, 'x'\n")},
    )
    out = labels(repo, [feature, added])
    assert not out[feature].later_fixed
    assert out[added].fixed_by == (second,)  # the guard's line is the first fix's, not the feature's


def test_a_revert_labels_the_reverted_commit(make_repo):
    repo = make_repo()
    repo.commit("Initial", day(0), {"src/a.py": "a = 1\n"})
    cache_pr = repo.commit("Add cache (#12)", day(1), {"src/a.py": "a = 1\ncache = {}\n"})
    other = repo.commit("Add retry", day(2), {"src/b.py": "retry = 3\n"})
    by_title = repo.commit('Revert "Add cache (#12)" (#14)', day(4), {"src/a.py": "a = 1\n"})
    by_sha = repo.commit(f"Drop retry\n\nThis reverts commit {other}.", day(5), remove=("src/b.py",))
    out = labels(repo, [cache_pr, other])
    assert out[cache_pr].later_reverted and out[cache_pr].reverted_by == (by_title,)
    assert out[other].reverted_by == (by_sha,)
    assert out[cache_pr].days_to_fix == pytest.approx(3)
    assert out[cache_pr].status == out[other].status == "open"  # the tip is 3 days later: not closed


def test_a_commit_younger_than_the_horizon_is_open_never_clean(history):
    repo, base, feature, src = history
    fix = repo.commit("Fix wrong factor in f3", day(30), {"src/app.py": edit(src, "return x * 3", "return x * 4")})
    repo.commit("Add docs page", day(95), {"docs/more.md": "more\n"})
    out = labels(repo, [base, feature, fix], horizon_days=90)
    assert out[base].status == "clean"  # 95 days observed
    assert out[feature].status == "open" and out[feature].later_fixed  # 85 days: seen fixed, not closed
    assert out[fix].status == "open" and not out[fix].later_fixed
    assert out[fix].outcome_horizon == datetime.fromisoformat(day(95))
    assert out[base].outcome_horizon == datetime.fromisoformat(day(90))


def test_a_fix_after_the_horizon_does_not_count(history):
    repo, base, feature, src = history
    repo.commit("Fix wrong factor in f3", day(120), {"src/app.py": edit(src, "return x * 3", "return x * 4")})
    assert labels(repo, [feature], horizon_days=90)[feature].status == "clean"
    assert labels(repo, [feature])[feature].status == "fixed"  # no horizon: up to the newest commit


def test_a_merge_is_the_change_it_lands(make_repo):
    repo = make_repo()
    repo.commit("Initial", day(0), {"src/a.py": "a = 1\nb = 2\n"})
    repo.git("checkout", "-q", "-b", "topic")
    repo.commit("Change b", day(1), {"src/a.py": "a = 1\nb = 3\n"})
    repo.git("checkout", "-q", "main")
    repo.commit("Unrelated", day(2), {"src/c.py": "c = 1\n"})
    env = {"GIT_COMMITTER_DATE": day(3), "GIT_AUTHOR_DATE": day(3)}
    repo.git(
        "merge", "-q", "--no-ff", "topic", "-m", "Merge pull request #7 from someone/topic\n\nChange b to 3", env=env
    )
    merge = repo.head()
    assert is_fix("Merge pull request #9 from someone/fix-b\n\nFix b", ["src/a.py"])
    assert not is_fix("Merge pull request #9 from someone/fix-b\n\nUpdate b", ["src/a.py"])  # the PR's title counts
    fix = repo.commit("Merge pull request #10 from someone/y\n\nFix b overflow", day(5), {"src/a.py": "a = 1\nb = 5\n"})
    out = labels(repo, [merge])
    assert out[merge].fixed_by == (fix,)


def test_a_warm_run_blames_nothing(history, tmp_path):
    repo, base, feature, src = history
    fix = repo.commit("Fix wrong factor in f3", day(15), {"src/app.py": edit(src, "return x * 3", "return x * 4")})
    cache = Cache(tmp_path / "c")
    cold = labels(repo, [base, feature], cache=cache)
    warm = labels(repo, [base, feature], cache=cache)
    assert cold.stats.blamed_files == 1 and warm.stats.blamed_files == 0 and warm.stats.cached_fixes == 1
    assert dict(warm) == dict(cold) and warm[feature].fixed_by == (fix,)
    key = f"{repo.path.resolve()}|"
    stored = [v for k, v in cache.get_many(TABLE, [f"{key}{fix}"]).items()]
    assert stored and stored[0]["blamed"] == {feature: 1}


def test_a_cached_blame_bounded_too_late_is_blamed_again(history, tmp_path):
    repo, base, feature, src = history
    later = repo.commit("Tune f5", day(12), {"src/app.py": edit(src, "return x + 5", "return x + 55")})
    fixed = edit(edit(src, "return x + 5", "return x + 55"), "return x * 3", "return x * 4")
    fix = repo.commit("Fix f3 and f5", day(15), {"src/app.py": edit(fixed, "return x + 55", "return x + 56")})
    cache = Cache(tmp_path / "c")
    assert labels(repo, [later], cache=cache)[later].fixed_by == (fix,)  # blamed down to `feature` only
    out = labels(repo, [feature, later], cache=cache)
    assert out.stats.blamed_files == 1 and out[feature].fixed_by == (fix,)
    assert labels(repo, [later], cache=cache).stats.blamed_files == 0  # the older bound serves the newer range


def test_a_shallow_clone_does_not_crash_and_never_blames_its_boundary(history, tmp_path):
    repo, base, feature, src = history
    mid = repo.commit("Add f11", day(12), {"src/app.py": src + "def f11(x):\n    return x\n"})
    whole = src + "def f11(x):\n    return x\n"
    fixed = edit(edit(whole, "return x + 0", "return x + 0.0"), "    return x\n", "    return -x\n")
    fix = repo.commit("Fix f0 and f11", day(20), {"src/app.py": fixed})
    clone = tmp_path / "shallow.git"
    subprocess.run(["git", "clone", "-q", "--bare", "--depth", "3", f"file://{repo.path}", str(clone)], check=True)
    out = label_outcomes(clone, [feature, mid, fix], progress=False)
    assert feature in out and mid in out
    assert out[mid].fixed_by == (fix,)
    assert not out[feature].later_fixed  # the boundary: its f0 line is older than the clone
    assert out.stats.boundary_lines == 1
    outside = label_outcomes(clone, [base], progress=False)  # not in the clone: left out, counted
    assert dict(outside) == {} and outside.stats.not_on_line == 1


def test_a_source_that_is_not_a_clone_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match="local clone or mirror"):
        label_outcomes(tmp_path / "nowhere", ["abc"], progress=False)
    with pytest.raises(UserError, match="local clone or mirror"):
        label_outcomes(object(), ["abc"], progress=False)


def _git_blame(repo, bound: str | None, commit: str, path: str) -> dict[int, str]:
    """Line number -> the commit ``git blame --first-parent --root -w`` names (bound's lines left out)."""
    out = repo.git(
        "blame", "--first-parent", "--root", "-w", "--porcelain", f"{bound}..{commit}" if bound else commit, "--", path
    )
    found, boundary, current = {}, set(), None
    for line in out.split("\n"):
        parts = line.split(" ")
        if len(parts[0]) == 40 and len(parts) >= 3 and parts[2].isdigit():
            current = parts[0]
            found[int(parts[2])] = current
        elif line == "boundary":
            boundary.add(current)
    return {n: sha for n, sha in found.items() if sha not in boundary}


def test_forward_blame_names_what_git_blame_names(make_repo):
    repo = make_repo()
    lines = [f"value_{i} = {i}\n" for i in range(40)]

    def save(message, when, name="src/b.py"):
        return repo.commit(message, day(when), {name: "".join(lines)})

    def current():
        return repo.git("show", "HEAD:src/b.py").splitlines(keepends=True)

    save("Start", 0, name="src/a.py")
    lines[4:7] = ["changed_4 = 1\n", "changed_5 = 1\n"]
    lines[10:10] = ["inserted_a = 1\n", "inserted_b = 2\n"]
    del lines[20]
    first = save("Edit", 1, name="src/a.py")
    repo.git("mv", "src/a.py", "src/b.py")
    lines[30] = "renamed_and_changed = 1\n"
    save("Move a to b", 2)
    repo.git("checkout", "-q", "-b", "topic")
    lines[12:14] = ["topic_12 = 1\n", "topic_13 = 1\n"]
    save("Topic work", 3)
    repo.git("checkout", "-q", "main")
    lines = current()
    lines[25] = "main_25 = 1\n"
    save("Main work", 4)
    repo.merge("topic", "Merge topic", day(5))
    lines = current()
    lines[2] = "    " + lines[2]  # whitespace only: blame -w looks through it
    lines[15] = "late_15 = 1\n"
    fix = save("Reindent and change", 6)
    order = {sha: i for i, sha in enumerate(repo.git("rev-list", "--first-parent", "--reverse", "HEAD").split())}
    size = len(repo.git("show", f"{fix}^:src/b.py").splitlines())
    for bound in (None, first):
        expected = _git_blame(repo, bound, f"{fix}^", "src/b.py")
        assert len(set(expected.values())) == (5 if bound is None else 3)  # start, edit | move, main, merge
        for start in (1, 2, 3):  # every third line, three ways: a line shifted by one changes the counts
            numbers = list(range(start, size + 1, 3))
            counts = {}
            for n in numbers:
                if n in expected:
                    counts[expected[n]] = counts.get(expected[n], 0) + 1
            assert line_origins(repo.path, bound, {fix: {"src/b.py": numbers}}, order, workers=2)[fix] == counts


def test_a_missing_object_is_skipped_and_counted(history):
    repo, base, feature, src = history
    repo.commit("Fix wrong factor in f3", day(15), {"src/app.py": edit(src, "return x * 3", "return x * 4")})
    blob = repo.git("rev-parse", f"{feature}:src/app.py").strip()
    (repo.path / ".git" / "objects" / blob[:2] / blob[2:]).unlink()  # the fix's parent's version is gone
    out = labels(repo, [feature])
    assert out[feature].later_fixed is False and out.stats.unreadable == 1
    with pytest.raises(UserError, match="revision"):
        labels(repo, [feature], revision="no-such-branch")


def test_a_missing_object_on_the_way_back_is_counted_too(history):
    repo, base, feature, src = history
    middle = edit(src, "return x + 7", "return x + 70")
    repo.commit("Tune f7", day(12), {"src/app.py": middle})
    repo.commit("Fix wrong factor in f3", day(15), {"src/app.py": edit(middle, "return x * 3", "return x * 4")})
    blob = repo.git("rev-parse", f"{feature}:src/app.py").strip()  # read only when blaming past "Tune f7"
    (repo.path / ".git" / "objects" / blob[:2] / blob[2:]).unlink()
    out = labels(repo, [feature])
    assert not out[feature].later_fixed and out.stats.unreadable == 1


def test_a_submodule_pointer_is_never_blamed(make_repo):
    repo = make_repo()
    fast_import_commits(
        repo.path,
        [
            {
                "message": "Initial",
                "date": 1735725600,
                "files": {"src/app.py": BODY},
                "gitlinks": {"vendored-meson/meson": "a" * 40},
            },
            {"message": "Update meson", "date": 1735812000, "gitlinks": {"vendored-meson/meson": "b" * 40}},
            {
                "message": "Fix the build with the new meson",
                "date": 1736676000,
                "files": {"src/app.py": edit(BODY, "return x + 3", "return x - 3")},
                "gitlinks": {"vendored-meson/meson": "c" * 40},
            },
        ],
    )
    shas = repo.git("rev-list", "--reverse", "HEAD").split()
    out = labels(repo, shas[:2])
    assert not out[shas[1]].later_fixed  # its one line is the pointer the fix moved on
    assert out[shas[0]].fixed_by == (shas[2],)  # the code line still counts
    assert out.stats.skipped["files"] == 1 and out.stats.blamed_files == 1


C_BODY = "/*\n * Add two numbers.\n * Overflow is the caller's.\n */\nint add(int a, int b)\n{\n    return a + b;\n}\n"


def test_lines_of_a_c_block_comment_are_not_blamed(make_repo):
    repo = make_repo()
    repo.commit("Initial", day(0), {"src/add.c": "int zero = 0;\n"})
    code = repo.commit("Add add()", day(1), {"src/add.c": "int zero = 0;\n" + C_BODY})
    wording = "int zero = 0;\n" + edit(edit(C_BODY, "Add two", "Sum two"), "caller's.", "caller's, see add.h.\n */")
    comment = repo.commit("Reword the comment", day(2), {"src/add.c": wording.replace(" */\n */", " */")})
    reworded = (repo.path / "src/add.c").read_text()
    fixed = edit(edit(reworded, "/*\n * Sum two", "/* Sum two"), " * Overflow is the caller's, see add.h.\n */\n", "")
    fix = repo.commit("Fix the comment of add()", day(3), {"src/add.c": fixed})
    out = labels(repo, [code, comment])
    assert not out[comment].later_fixed and not out[code].later_fixed  # a fix of comments blames no code
    assert out.stats.skipped["lines"] >= 3
    wrong = edit(fixed, "return a + b;", "return a + b + 0;")
    real = repo.commit("Fix add() off by zero", day(4), {"src/add.c": wrong})
    assert labels(repo, [code])[code].fixed_by == (real,)
    assert fix not in labels(repo, [code])[code].fixed_by


def test_a_merge_that_says_nothing_is_no_fix_whatever_its_branch_is_called(make_repo):
    for title in ("Merge pull request #28642 from someone/issue-28641", "Merge branch 'issue-28641'"):
        assert not is_fix(title, ["src/a.py"]) and not is_fix(title + "\n\n", ["src/a.py"])
        assert is_fix(title + "\n\nBUG: fix the overflow in add", ["src/a.py"])  # its body is what it says
    repo = make_repo()
    repo.commit("Initial", day(0), {"src/a.py": "a = 1\nb = 2\n"})
    change = repo.commit("Change b", day(1), {"src/a.py": "a = 1\nb = 3\n"})
    repo.commit("Merge pull request #9 from someone/fix-b", day(2), {"src/a.py": "a = 1\nb = 4\n"})
    repo.commit("Merge branch 'bugfix-b'", day(3), {"src/a.py": "a = 1\nb = 5\n"})
    out = labels(repo, [change])
    assert not out[change].later_fixed and out.stats.fix_commits == 0


def test_the_point_of_observation_is_the_lines_newest_commit_at_the_moment_asked(history):
    repo, base, feature, src = history
    fix = repo.commit("Fix wrong factor in f3", day(30), {"src/app.py": edit(src, "return x * 3", "return x * 4")})
    tip = repo.commit("Add docs page", day(200), {"docs/more.md": "more\n"})
    assert observation_point(repo.path).sha == tip and observation_point(repo.path, NEWEST).sha == tip
    assert observation_point(repo.path, (START + timedelta(days=30)).date()).sha == fix  # the end of that day
    assert observation_point(repo.path, (START + timedelta(days=29)).date().isoformat()).sha == feature
    assert observation_point(repo.path, day(29.9)).sha == feature and observation_point(repo.path, fix[:10]).sha == fix
    assert observation_point(repo.path, "2024-12-31") is None  # before the first commit
    seen = labels(repo, [feature], as_of=day(29.9))
    assert not seen[feature].later_fixed and seen.observed.sha == feature and seen.cut_short() == [feature]
    assert labels(repo, [feature], as_of=fix)[feature].fixed_by == (fix,)


def test_what_a_fix_repairs_is_the_same_blame_on_its_own(history, tmp_path):
    repo, base, feature, src = history
    fix = repo.commit("Fix wrong factor in f3", day(30), {"src/app.py": edit(src, "return x * 3", "return x * 4")})
    other = repo.commit("Add a docs page", day(31), {"docs/more.md": "more\n"})
    cache = Cache(tmp_path / "c")
    assert blamed_commits(repo.path, [fix, other], since=START, cache=cache) == {fix: {feature: 1}, other: {}}
    assert blamed_commits(repo.path, [fix], since=START + timedelta(days=11), cache=cache) == {fix: {}}  # too old
    assert labels(repo, [feature], cache=cache).stats.cached_fixes == 1  # the outcomes reuse its blame


@pytest.mark.parametrize(
    "lines, expected",
    [
        (["/*", " * Add two numbers.", " */", "int add(int a, int b);"], [True, True, True, False]),
        ([" * a continuation whose opening is above the hunk", " * more */"], [True, True]),
        (["/* one */ int y;", "/** doc */", "*p = 1;", "x = a */ b;"], [False, True, False, False]),
        (["int y; /* opens here", "   plain words", "*/"], [False, True, True]),
        (['const glob = "src/*.c";', "x = 1;"], [False, False]),  # a "/*" inside a string opens nothing
    ],
)
def test_block_comment_lines(lines, expected):
    assert block_comment_lines(lines) == expected


def test_record_separator_bytes_in_a_message_and_an_offset_beyond_any_clock_are_read(history):
    repo, base, feature, src = history
    message = "Fix wrong factor in f3\n\nseen in \x1elogs\x1e\nThis reverts commit 0000000."
    fix = repo.commit(message, day(15.5), {"src/app.py": edit(src, "return x * 3", "return x * 3.0")})
    tip = int(datetime.fromisoformat(day(200)).timestamp())
    repo.commit("Add docs page", f"@{tip} +9959", {"docs/more.md": "more\n"})
    out = labels(repo, [base, feature], horizon_days=90)
    assert out[feature].fixed_by == (fix,) and out[feature].days_to_fix == pytest.approx(5.5)
    assert out[feature].status == "fixed" and out[base].status == "clean"


def test_bytes_like_a_record_mark_in_a_patch_line_or_a_path_cannot_cut_a_fix(make_repo):
    repo = make_repo()
    base = repo.commit("Initial code", day(0), {"src/app.py": "s = '\x1eFIX x'\n" + BODY})
    src = "s = '\x1eFIX x'\n" + edit(BODY, "return x + 3", "return x * 3")
    feature = repo.commit("Add multiply mode", day(10), {"src/app.py": src})
    fixed = edit(edit(src, "\x1eFIX x", "\x1eFIX y"), "return x * 3", "return x * 3.0")
    fix = repo.commit("Fix wrong factor in f3", day(15), {"src/app.py": fixed, "notes/\x1eFIX n.txt": "n\n"})
    out = labels(repo, [base, feature])
    assert out[feature].fixed_by == (fix,) and out[base].fixed_by == (fix,)


def test_renames_are_read_whatever_bytes_their_paths_hold(make_repo):
    repo = make_repo()
    repo.commit("Initial", day(0), {"src/x\x1ey.py": BODY})
    repo.git("mv", "src/x\x1ey.py", "src/\x1eR100\n.py")
    moved = repo.commit("Move", day(1))
    assert renames(repo.path, None, moved) == [("src/x\x1ey.py", "src/\x1eR100\n.py")]
