"""The diff budget: what the model is shown of a commit, and the account of what it was not."""

import pytest

from repodigest.analysis.diff_budget import MAX_LINE_CHARS, budget_diff, estimate_tokens, parse_diff


def file_diff(
    path: str, added: int, deleted: int = 0, *, status: str = "modified", width: int = 30, old_path: str | None = None
) -> str:
    """One ``git show``-style file section with ``added``/``deleted`` changed lines in one hunk."""
    a = old_path or path
    head = [f"diff --git a/{a} b/{path}"]
    if status == "added":
        head += ["new file mode 100644", "index 0000000..1111111", "--- /dev/null", f"+++ b/{path}"]
    elif status == "deleted":
        head += ["deleted file mode 100644", "index 1111111..0000000", f"--- a/{path}", "+++ /dev/null"]
    elif status == "renamed":
        head += [
            "similarity index 90%",
            f"rename from {a}",
            f"rename to {path}",
            "index 1..2 100644",
            f"--- a/{a}",
            f"+++ b/{path}",
        ]
    else:
        head += ["index 1111111..2222222 100644", f"--- a/{path}", f"+++ b/{path}"]
    lines = (
        [" context line"]
        + [f"-old {i} " + "x" * width for i in range(deleted)]
        + [f"+new {i} " + "y" * width for i in range(added)]
        + [" context line"]
    )
    hunk = f"@@ -1,{deleted + 2} +1,{added + 2} @@ def f():"
    return "\n".join(head + [hunk] + lines)


def join(*parts: str) -> str:
    return "\n".join(parts) + "\n"


def test_parse_git_show_text_with_preamble_statuses_and_binary():
    text = join(
        "commit abc\nAuthor: X <x@y>\n\n    message mentioning diff --git in prose\n",
        file_diff("src/a.py", 3, 2),
        file_diff("src/new.py", 4, status="added"),
        file_diff("src/gone.py", 0, 5, status="deleted"),
        file_diff("src/b2.py", 1, 1, status="renamed", old_path="src/b.py"),
        "diff --git a/img.png b/img.png\nindex 1..2 100644\nBinary files a/img.png and b/img.png differ",
    )
    files = parse_diff(text)
    assert [f.path for f in files] == ["src/a.py", "src/new.py", "src/gone.py", "src/b2.py", "img.png"]
    assert [(f.added, f.deleted) for f in files] == [(3, 2), (4, 0), (0, 5), (1, 1), (0, 0)]
    assert [f.status for f in files][:4] == ["modified", "added", "deleted", "renamed"]
    assert files[3].old_path == "src/b.py"
    assert files[4].binary


def test_lockfiles_generated_and_vendored_are_left_out_with_the_reason():
    text = join(
        file_diff("src/core.py", 10, 4),
        file_diff("uv.lock", 300, 120),
        file_diff("web/app.min.js", 50),
        file_diff("third_party/lib/x.c", 40, 2),
        file_diff("api/gen_pb2.py", 80),
    )
    bd = budget_diff(text, 6000)
    assert bd.included == ("src/core.py",)
    reasons = {f.path: f.reason for f in bd.left_out}
    assert reasons == {
        "uv.lock": "lock",
        "web/app.min.js": "generated",
        "third_party/lib/x.c": "vendored",
        "api/gen_pb2.py": "generated",
    }
    assert "uv.lock" not in bd.text and "+new 0" in bd.text
    assert bd.lines_changed == 14 + 420 + 50 + 42 + 80
    assert bd.lines_seen == 14
    assert bd.coverage == pytest.approx(14 / 606, abs=1e-4)
    assert bd.files_total == 5


def test_order_is_source_then_tests_then_docs_bigger_first():
    text = join(
        file_diff("docs/guide.md", 30),
        file_diff("tests/test_core.py", 20),
        file_diff("src/small.py", 2),
        file_diff("src/big.py", 40),
    )
    bd = budget_diff(text, 10000)
    assert bd.included == ("src/big.py", "src/small.py", "tests/test_core.py", "docs/guide.md")
    positions = [bd.text.index(f"b/{p}") for p in bd.included]
    assert positions == sorted(positions)
    assert bd.coverage == 1.0 and not bd.left_out


def test_each_file_is_clipped_to_max_lines_and_said_so():
    bd = budget_diff(join(file_diff("src/huge.py", 500)), 100000, max_lines_per_file=60)
    (clipped,) = bd.left_out
    assert clipped.reason == "clipped" and clipped.lines == 500
    assert 0 < clipped.seen < 60 and bd.lines_seen == clipped.seen
    assert "hunk clipped" in bd.text
    assert bd.included == ("src/huge.py",)


@pytest.mark.parametrize("budget", [0, 50, 119, 120, 300, 700, 1500, 4000])
def test_the_token_budget_is_respected(budget):
    text = join(*(file_diff(f"src/m{i}.py", 40 + 17 * i, 9) for i in range(8)), file_diff("tests/test_m.py", 60))
    bd = budget_diff(text, budget)
    assert estimate_tokens(bd.text) <= budget
    assert bd.tokens == estimate_tokens(bd.text)
    assert set(bd.included) | {f.path for f in bd.skipped} == {f.path for f in parse_diff(text)}
    assert 0.0 <= bd.coverage <= 1.0
    assert bd.lines_seen == sum(
        1 for line in bd.text.splitlines() if line[:1] in "+-" and not line.startswith(("+++", "---"))
    )
    if budget == 0:
        assert bd.text == "" and bd.coverage == 0.0
        assert all(f.reason == "budget" for f in bd.left_out)


def test_budget_coverage_grows_with_the_budget():
    text = join(*(file_diff(f"src/m{i}.py", 100) for i in range(6)))
    coverages = [budget_diff(text, b).coverage for b in (200, 1000, 3000, 100000)]
    assert coverages == sorted(coverages) and coverages[-1] == 1.0 and coverages[0] < 0.2


def test_a_smaller_later_file_still_fits_when_a_big_one_does_not():
    text = join(file_diff("src/big.py", 2000), file_diff("src/tiny.py", 3))
    bd = budget_diff(text, 300, max_lines_per_file=5000)
    assert "src/tiny.py" in bd.included


def test_deleted_files_are_named_not_shown_and_binary_left_out():
    text = join(
        file_diff("src/gone.py", 0, 50, status="deleted"),
        file_diff("src/a.py", 5),
        "diff --git a/logo.png b/logo.png\nnew file mode 100644\nindex 0..1\nBinary files /dev/null and b/logo.png differ",
    )
    bd = budget_diff(text, 6000)
    assert {f.path: f.reason for f in bd.left_out} == {"src/gone.py": "deleted", "logo.png": "binary"}
    assert "-old 0" not in bd.text
    assert bd.coverage == pytest.approx(5 / 55, abs=1e-4)


def test_empty_diff_and_long_lines():
    assert budget_diff("", 6000).coverage == 1.0
    bd = budget_diff(join(file_diff("src/min.py", 2, width=5000)), 6000)
    assert max(len(line) for line in bd.text.splitlines()) <= MAX_LINE_CHARS + 20


def test_real_git_show_output(make_repo):
    repo = make_repo()
    repo.commit(
        "init",
        "2026-02-16T10:00:00+08:00",
        {"src/app.py": "".join(f"line {i}\n" for i in range(50)), "old.txt": "a\nb\n"},
    )
    repo.commit(
        "change",
        "2026-02-16T11:00:00+08:00",
        {
            "src/app.py": "".join(f"line {i}{' changed' if i % 10 == 0 else ''}\n" for i in range(60)),
            "uv.lock": "".join(f"pkg{i}==1\n" for i in range(200)),
            "logo.png": b"\x89PNG\x00\x01\x02",
        },
        remove=("old.txt",),
    )
    text = repo.git(
        "-c",
        "core.quotepath=off",
        "show",
        "--diff-merges=first-parent",
        "--format=",
        "--patch",
        "-M",
        "--no-color",
        "--no-ext-diff",
        "HEAD",
        "--",
    )
    numstat = {}
    for line in repo.git("show", "--format=", "--numstat", "-M", "HEAD").splitlines():
        a, d, path = line.split("\t")
        numstat[path] = (0 if a == "-" else int(a), 0 if d == "-" else int(d))
    files = {f.path: f for f in parse_diff(text)}
    assert set(files) == set(numstat)
    for path, (a, d) in numstat.items():
        assert (files[path].added, files[path].deleted) == (a, d), path
    bd = budget_diff(text, 6000)
    assert bd.included == ("src/app.py",)
    assert {f.path: f.reason for f in bd.left_out} == {"uv.lock": "lock", "logo.png": "binary", "old.txt": "deleted"}
    assert bd.lines_seen == sum(numstat["src/app.py"])
