import subprocess
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from gitrepo import fast_import_commits
from repodigest.errors import SourceError, UserError
from repodigest.report.notes import gap_notes
from repodigest.sources.git_process import grep_words, run_git, stream_git
from repodigest.sources.gitlog import git_time, parse_log, parse_stream, range_args
from repodigest.sources.local_git import PART_MIN, READ_THROUGH, LocalGitSource, deal, stretches
from repodigest.window import Window, resolve_tz

SH = resolve_tz("Asia/Shanghai")


def day(d: str, days: int = 1, tz=SH) -> Window:
    return Window(date.fromisoformat(d), days, tz)


def test_day_boundary_by_committer_date_in_the_report_zone(make_repo):
    repo = make_repo()
    late = repo.commit("late on the 16th", "2026-02-16T23:59:00+08:00", {"a.txt": "1\n"})
    early = repo.commit("early on the 17th", "2026-02-17T00:01:00+08:00", {"a.txt": "2\n"})
    source = LocalGitSource(repo.path)
    assert [c.sha for c in source.commits(day("2026-02-16"))] == [late]
    assert [c.sha for c in source.commits(day("2026-02-17"))] == [early]
    # The same instants fall on one UTC day (15:59 and 16:01 UTC on the 16th).
    assert [c.sha for c in source.commits(day("2026-02-16", tz=resolve_tz("UTC")))] == [early, late]


def test_committer_date_not_author_date_places_a_commit(make_repo):
    repo = make_repo()
    sha = repo.commit("rebased", "2026-02-16T10:00:00+08:00", {"a": "x\n"}, author_date="2026-01-01T10:00:00+08:00")
    source = LocalGitSource(repo.path)
    [commit] = source.commits(day("2026-02-16"))
    assert commit.sha == sha and commit.author_date.month == 1 and commit.committer_date.utcoffset().seconds == 8 * 3600


def test_window_of_several_days_is_one_log(make_repo):
    repo = make_repo()
    shas = [repo.commit(f"c{i}", f"2026-02-{10 + i:02d}T12:00:00+08:00", {"a": f"{i}\n"}) for i in range(5)]
    commits = LocalGitSource(repo.path).commits(day("2026-02-14", days=3))
    assert [c.sha for c in commits] == shas[:1:-1]


def test_fields_rename_binary_pr_and_trailers(make_repo):
    repo = make_repo()
    repo.commit("init", "2026-02-15T10:00:00+08:00", {"old name.py": "".join(f"line {i}\n" for i in range(40))})
    repo.git("mv", "old name.py", "new name.py")
    sha = repo.commit(
        "[Fix] rename and add blob (#1234)\n\nBody text.\n\nCo-authored-by: Ann <ann@x.org>\n"
        "Co-authored-by: Bob <bob@x.org>\n",
        "2026-02-16T09:00:00+08:00",
        {"new name.py": "".join(f"line {i}\n" for i in range(41)), "blob.bin": b"\x00\x01\x02" * 50},
    )
    [commit] = LocalGitSource(repo.path).commits(day("2026-02-16"))
    assert commit.sha == sha and commit.title == "[Fix] rename and add blob (#1234)"
    assert commit.pr_number == 1234
    assert commit.co_authors == ("Ann <ann@x.org>", "Bob <bob@x.org>")
    files = {f.path: f for f in commit.files}
    assert files["new name.py"].status == "renamed" and files["new name.py"].old_path == "old name.py"
    assert (files["new name.py"].added_lines, files["new name.py"].deleted_lines) == (1, 0)
    blob = files["blob.bin"]
    assert blob.binary and blob.added_lines is None and blob.deleted_lines is None and blob.status == "added"


def test_merge_on_first_parent_and_side_commits_hidden(make_repo):
    repo = make_repo()
    repo.commit("base", "2026-02-16T08:00:00+08:00", {"a": "1\n"})
    repo.git("checkout", "-q", "-b", "side")
    side = repo.commit("side work", "2026-02-16T09:00:00+08:00", {"b": "1\n2\n"})
    repo.git("checkout", "-q", "main")
    repo.commit("main work", "2026-02-16T10:00:00+08:00", {"c": "1\n"})
    repo.merge("side", "Merge pull request #7 from x/side", "2026-02-16T11:00:00+08:00")
    commits = LocalGitSource(repo.path).commits(day("2026-02-16"))
    assert side not in [c.sha for c in commits]
    merge = commits[0]
    assert merge.is_merge and merge.pr_number == 7 and merge.subject == "Merge pull request #7 from x/side"
    assert [c.sha for c in merge.merged] == [side] and merge.title == "side"  # no body: the branch names it
    assert [f.path for f in merge.files] == ["b"] and merge.files[0].added_lines == 2  # diff against first parent


def test_the_days_before_a_window_come_after_it_with_their_paths_and_no_line_counts(make_repo):
    # What the rules' recent fixes read of the days before a window: each first-parent commit with its files
    # (renames found as in the window), no line counts, a merge without the commits it landed.
    repo = make_repo()
    base = repo.commit("base", "2026-01-10T08:00:00+08:00", {"src/a.py": "1\n2\n", "logo.bin": b"\x00\x01"})
    repo.git("checkout", "-q", "-b", "side")
    repo.commit("side work", "2026-01-10T09:00:00+08:00", {"src/b.py": "1\n"}, author=("Bob", "bob@x.org"))
    repo.git("checkout", "-q", "main")
    repo.merge("side", "Merge pull request #3 from x/side", "2026-01-10T10:00:00+08:00")
    merged = repo.head()
    repo.git("mv", "src/a.py", "src/c.py")
    fix = repo.commit("fix: a moves", "2026-01-11T08:00:00+08:00", {"logo.bin": b"\x00\x02"})
    today = repo.commit("feat: c grows", "2026-02-16T08:00:00+08:00", {"src/c.py": "1\n2\n3\n"})
    source = LocalGitSource(repo.path)
    read = list(source.iter_commits(day("2026-02-16"), before=day("2026-02-15", days=90)))
    whole = {c.sha: c for c in source.commits(day("2026-02-16", days=91))}
    assert [c.sha for c in read] == [today, fix, merged, base]
    assert read[0] == whole[today] and read[0].files[0].added_lines == 1
    assert [(f.path, f.old_path, f.status, f.binary) for f in read[1].files] == [
        ("logo.bin", None, "modified", False),
        ("src/c.py", "src/a.py", "renamed", False),
    ]
    assert whole[fix].files[0].binary  # what only the line counts tell
    for commit in read[1:]:
        full = whole[commit.sha]
        assert [(f.path, f.old_path, f.status) for f in commit.files] == [
            (f.path, f.old_path, f.status) for f in full.files
        ]
        assert all(f.added_lines is None and f.deleted_lines is None for f in commit.files)
        assert commit.merged == () and replace(commit, files=full.files, merged=full.merged) == full
    assert len(whole[merged].merged) == 1 and [f.path for f in read[2].files] == ["src/b.py"]
    # a window that holds them all leaves nothing before it
    assert list(source.iter_commits(day("2026-02-16", days=91), before=day("2025-11-17", days=90))) == list(
        source.iter_commits(day("2026-02-16", days=91))
    )


def test_merge_button_merges_read_as_git_diffs_them_whether_or_not_their_diff_is_their_commits(make_repo):
    # A pull request of one commit on the tip of main, merged with the button: the merge's diff is its commit's
    # (the same two trees), and the source has git diff it once. Beside it, a pull request main moved past and
    # one of two commits: each merge's files, authors and titles are what git gives for them, whatever the read.
    repo = make_repo()
    repo.commit("base", "2026-02-16T08:00:00+08:00", {"src/a.py": "1\n2\n", "logo.bin": b"\x00\x01"})
    merges = []
    for k, (name, files) in enumerate(
        [
            ("tip", [{"src/a.py": "1\n2\n3\n", "logo.bin": b"\x00\x02"}]),  # on main's tip: the same diff
            ("behind", [{"src/b.py": "b\n"}]),  # main moves on before it lands
            ("two", [{"src/c.py": "c\n"}, {"src/c.py": "c\nd\n"}]),
        ]
    ):
        repo.git("checkout", "-q", "-b", name, "main")
        if name == "tip":
            repo.git("mv", "src/a.py", "src/moved.py")
            files = [{"src/moved.py": "1\n2\n3\n", "logo.bin": b"\x00\x02"}]
        for i, change in enumerate(files):
            repo.commit(f"{name}: part {i}", f"2026-02-16T{9 + k}:0{i}:00+08:00", change, author=("Ann", "ann@x.org"))
        repo.git("checkout", "-q", "main")
        if name == "behind":
            repo.commit("main moves on", f"2026-02-16T{9 + k}:10:00+08:00", {"src/d.py": "d\n"})
        message = f"Merge pull request #{k + 1} from ann/{name}\n\n{name} work"
        merges.append(repo.merge(name, message, f"2026-02-16T{9 + k}:30:00+08:00", "2026-02-16T00:00:00+08:00"))
    raw = {r.sha: r for r in parse_log(run_git(repo.path, *range_args("HEAD")))}  # every commit, diffed by git
    for readers in (1, 2):
        commits = LocalGitSource(repo.path, readers=readers).commits(day("2026-02-16"))
        by_sha = {c.sha: c for c in commits}
        assert [c.sha for c in commits if c.is_merge] == merges[::-1]
        for commit in (*commits, *(m for c in commits for m in c.merged)):
            assert list(commit.files) == raw[commit.sha].files and commit.author_name == raw[commit.sha].author_name
        tip = by_sha[merges[0]]
        assert [(f.path, f.old_path, f.status, f.added_lines, f.binary) for f in tip.files] == [
            ("logo.bin", None, "modified", None, True),
            ("src/moved.py", "src/a.py", "renamed", 1, False),
        ]
        assert [(m.title, m.author_name) for m in tip.merged] == [("tip: part 0", "Ann")] and tip.title == "tip work"
        assert [m.title for m in by_sha[merges[2]].merged] == ["two: part 1", "two: part 0"]
        assert [f.path for f in by_sha[merges[1]].files] == ["src/b.py"]


def test_non_utf8_message_and_mailmap(make_repo):
    repo = make_repo()
    repo.write(".mailmap", "Canonical Name <canon@x.org> <alias@x.org>\n")
    repo.commit("add mailmap", "2026-02-16T08:00:00+08:00")
    repo.git("config", "i18n.commitEncoding", "latin-1")  # git writes no header for raw bytes below
    raw = "café au lait".encode("latin-1")
    repo.git("config", "--unset", "i18n.commitEncoding")
    repo.commit(raw, "2026-02-16T09:00:00+08:00", {"x": "1\n"}, author=("alias", "alias@x.org"))
    commits = LocalGitSource(repo.path).commits(day("2026-02-16"))
    assert commits[0].title.startswith("caf") and "lait" in commits[0].title
    assert commits[0].author_name == "Canonical Name" and commits[0].author_email == "canon@x.org"


def test_empty_day_and_latest_time(make_repo):
    repo = make_repo()
    repo.commit("only", "2026-02-16T08:00:00+08:00", {"a": "1\n"})
    source = LocalGitSource(repo.path)
    assert source.commits(day("2026-02-18")) == []
    assert source.latest_commit_time().isoformat() == "2026-02-16T08:00:00+08:00"


def test_branch_selection_and_errors(make_repo, tmp_path):
    repo = make_repo()
    repo.commit("on main", "2026-02-16T08:00:00+08:00", {"a": "1\n"})
    repo.git("checkout", "-q", "-b", "dev")
    dev = repo.commit("on dev", "2026-02-16T09:00:00+08:00", {"a": "2\n"})
    repo.git("checkout", "-q", "main")
    assert [c.sha for c in LocalGitSource(repo.path, branch="dev").commits(day("2026-02-16"))][0] == dev
    assert len(LocalGitSource(repo.path).commits(day("2026-02-16"))) == 1
    with pytest.raises(UserError, match="branch 'nope' does not exist"):
        LocalGitSource(repo.path, branch="nope")
    plain = tmp_path / "plain"
    plain.mkdir()
    with pytest.raises(UserError, match="not a git repository"):
        LocalGitSource(plain)


def test_same_commits_as_git_log_first_parent_since_until(make_repo):
    repo = make_repo()
    for i in range(30):  # every 100 minutes from the 15th to the 17th, UTC
        minutes = i * 100
        hour = minutes // 60
        repo.commit(
            f"c{i}",
            f"2026-02-{15 + hour // 24:02d}T{hour % 24:02d}:{minutes % 60:02d}:00+00:00",
            {f"f{i % 4}": f"{i}\n"},
        )
    expected = subprocess.run(
        [
            "git",
            "-C",
            str(repo.path),
            "log",
            "--first-parent",
            "--format=%H",
            "--since=2026-02-16T00:00:00+00:00",
            "--until=2026-02-16T23:59:59+00:00",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    got = [c.sha for c in LocalGitSource(repo.path).commits(day("2026-02-16", tz=resolve_tz("UTC")))]
    assert got == expected and len(got) == 14


def test_diff_text_for_one_commit(make_repo):
    repo = make_repo()
    repo.commit("a", "2026-02-16T08:00:00+08:00", {"a.py": "x = 1\n"})
    repo.commit("b", "2026-02-16T09:00:00+08:00", {"a.py": "x = 2\n"})
    source = LocalGitSource(repo.path)
    text = source.diff(source.commits(day("2026-02-16"))[0])
    assert "diff --git a/a.py b/a.py" in text and "-x = 1" in text and "+x = 2" in text


def test_web_links_from_a_github_origin(make_repo):
    repo = make_repo()
    repo.git("remote", "add", "origin", "git@github.com:sgl-project/sglang.git")
    sha = repo.commit("t (#5)", "2026-02-16T08:00:00+08:00", {"a": "1\n"})
    [commit] = LocalGitSource(repo.path).commits(day("2026-02-16"))
    assert commit.url == f"https://github.com/sgl-project/sglang/commit/{sha}"
    assert commit.pr_url == "https://github.com/sgl-project/sglang/pull/5"


def test_streamed_log_parses_like_the_whole_output_whatever_the_pieces(make_repo):
    repo = make_repo()
    for i in range(5):
        repo.commit(
            f"c{i}\n\nbody {i}\n",
            f"2026-02-1{i}T09:00:00+08:00",
            {f"d/f{i}.py": "x\n" * (i + 1), "b.bin": bytes([i, 0])},
        )
    repo.git("mv", "d/f0.py", "d/g0.py")
    repo.commit("rename", "2026-02-16T09:00:00+08:00")
    output = run_git(repo.path, *range_args("HEAD"))
    whole = parse_log(output)
    for size in (1, 7, 64, len(output)):
        pieces = (output[i : i + size] for i in range(0, len(output), size))
        assert list(parse_stream(pieces)) == whole
    assert list(parse_stream(stream_git(repo.path, *range_args("HEAD"), chunk_size=5))) == whole
    assert len(whole) == 6 and whole[0].files[0].status == "renamed"


def test_streamed_git_failures_and_early_stops(make_repo):
    repo = make_repo()
    repo.commit("one", "2026-02-10T09:00:00+08:00", {"a.py": "a\n"})
    with pytest.raises(SourceError, match="failed in .*bad revision|unknown revision"):
        list(stream_git(repo.path, "log", "no-such-branch", "--"))
    stream = stream_git(repo.path, *range_args("HEAD"), chunk_size=1)
    assert next(stream)
    stream.close()  # the reader stops: git is killed and reaped, nothing raises


def test_tree_lookup_reads_the_repository_at_the_commit(make_repo):
    repo = make_repo()
    first = repo.commit(
        "one",
        "2026-02-15T10:00:00+08:00",
        {"a/x.py": "req.finished_reason = None\nalpha = 1\n", "b.bin": b"\x00beta\x00"},
    )
    repo.commit("two", "2026-02-16T10:00:00+08:00", {"a/later.py": "gamma = 2\n"})
    paths, found = LocalGitSource(repo.path).tree_lookup(first)(
        ["alpha", "beta", "gamma", "finished_reason", "req.finished_reason", "req", "--api-key", "pha"]
    )
    assert sorted(paths) == ["a/x.py", "b.bin"]
    # a word inside a longer match still counts; binary files and later commits do not; no partial words
    assert found == {"alpha", "finished_reason", "req.finished_reason", "req"}
    assert grep_words(repo.path, first, ["nothing_here"]) == set()
    assert grep_words(repo.path, first, []) == set()
    with pytest.raises(SourceError, match="git grep failed"):
        grep_words(repo.path, "0" * 40, ["alpha"])


def test_grep_words_starts_again_without_the_frequent_words(make_repo):
    repo = make_repo()
    sha = repo.commit(
        "many", "2026-02-15T10:00:00+08:00", {"a.txt": "common\n" * 500, "z.txt": "rare_one\n", "m.txt": "x.rare_two\n"}
    )
    # a pass reads at most 10 lines: `common` fills it, the next pass finds the rest
    assert grep_words(repo.path, sha, ["common", "rare_one", "rare_two", "x.rare_two", "absent"], max_lines=10) == {
        "common",
        "rare_one",
        "rare_two",
        "x.rare_two",
    }


@pytest.mark.parametrize("between", [1, READ_THROUGH + 1])
def test_commits_of_the_window_behind_an_older_first_parent_commit_are_read(make_repo, between):
    # Rebased or imported history: first-parent commits dated before the trend window sit between two
    # commits of the day (one read, or two reads when more than READ_THROUGH lie between).
    repo = make_repo()
    repo.commit("base", "2026-09-01T09:00:00+08:00", {"a": "0\n"})
    first = repo.commit("first of the day", "2026-11-10T09:00:00+08:00", {"a": "1\n"})
    old = int(datetime(2026, 9, 2, tzinfo=UTC).timestamp())
    fast_import_commits(
        repo.path,
        [{"message": f"imported {i}", "date": old + i, "files": {"old.txt": f"{i}\n"}} for i in range(between)],
    )
    repo.git("checkout", "-q", "-b", "topic")
    side = repo.commit("side work", "2026-11-10T10:00:00+08:00", {"b": "1\n"})
    repo.git("checkout", "-q", "main")
    when = {"GIT_COMMITTER_DATE": "2026-11-10T11:00:00+08:00", "GIT_AUTHOR_DATE": "2026-11-10T11:00:00+08:00"}
    repo.git("merge", "-q", "--no-ff", "-m", "Merge branch 'topic'", "topic", env=when)
    commits = LocalGitSource(repo.path).commits(day("2026-11-10", days=28))
    assert [c.title for c in commits] == ["topic", "first of the day"]
    assert commits[1].sha == first and [f.path for f in commits[1].files] == ["a"]
    assert [c.sha for c in commits[0].merged] == [side] and [f.path for f in commits[0].files] == ["b"]


def test_stretches_of_the_line_split_where_more_than_the_gap_lies_between():
    assert stretches([0, 1, 3, 7, 8, 20], 3) == [[0, 1, 3, 7, 8], [20]]
    assert stretches([5], 0) == [[5]] and stretches([2, 3, 5], 0) == [[2, 3], [5]]


def test_commits_are_dealt_to_the_readers_in_blocks_in_turn():
    items = [f"c{i}" for i in range(11)]
    assert deal(items, 3, block=2) == [["c0", "c1", "c6", "c7"], ["c2", "c3", "c8", "c9"], ["c4", "c5", "c10"]]
    assert deal(items, 1) == [items] and deal([], 2) == [[], []]


def _merged_history(path, line: int) -> list[dict]:
    """``line`` first-parent commits a minute apart, every fourth a merge of a two-commit topic branch by
    another author: the fast-import dicts (gitrepo.fast_import_commits)."""
    start = int(datetime(2026, 3, 1, tzinfo=UTC).timestamp())
    commits: list[dict] = []
    last = None
    for i in range(line):
        when = start + 60 * i
        if i % 4 == 3:  # a topic: two commits off the line, then the merge
            base = last
            for k in range(2):
                commits.append(
                    {
                        "message": f"topic {i} part {k}",
                        "date": when - 50 + k,
                        "files": {f"topic/{i}.py": f"{k}\n" * (k + 1)},
                        "author": "Ann <ann@example.com>",
                        **({"parent": base} if k == 0 and base is not None else {}),
                    }
                )
            side = len(commits) - 1
            merge = {"message": f"Merge pull request #{i} from ann/topic-{i}\n\nTopic {i}", "date": when}
            commits.append({**merge, "parent": last, "merge": [side], "files": {f"topic/{i}.py": "1\n1\n"}})
        else:
            commits.append(
                {
                    "message": f"line {i}",
                    "date": when,
                    "files": {f"src/m{i % 7}.py": f"{i}\n" * (i % 5 + 1)},
                    **({"parent": last} if last is not None else {}),
                }
            )
        last = len(commits) - 1
    return commits


def test_a_range_read_in_pieces_at_once_equals_one_read(make_repo):
    # Enough commits for three readers: the commits to read are dealt to three git log in blocks, and every
    # merge keeps the commits it landed, whichever reader read them.
    repo = make_repo()
    line = 3 * PART_MIN + 30
    fast_import_commits(repo.path, _merged_history(repo.path, line))
    window = day("2026-03-01", days=5, tz=resolve_tz("UTC"))
    one = LocalGitSource(repo.path, readers=1).commits(window)
    three = LocalGitSource(repo.path, readers=3).commits(window)
    assert len(one) == line and three == one
    merges = [c for c in one if c.is_merge]
    assert len(merges) == line // 4 and all(len(c.merged) == 2 for c in merges)
    assert {a.author_name for c in merges for a in c.merged} == {"Ann"}
    # a day in New York holds the first 300 (UTC 05:00 is midnight there): only they are shown
    first = Window(date(2026, 2, 28), 1, resolve_tz("America/New_York"))
    part = LocalGitSource(repo.path, readers=3).commits(first)
    assert len(part) == 300 and part == LocalGitSource(repo.path, readers=1).commits(first) == one[-300:]


def _verbatim(repo, message: bytes, date: str) -> str:
    """Commit the work tree with ``message`` byte for byte (git's cleanup would end it with a newline)."""
    repo.git("add", "-A")
    repo.git(
        "commit",
        "-q",
        "--cleanup=verbatim",
        "-F",
        "-",
        env={"GIT_COMMITTER_DATE": date, "GIT_AUTHOR_DATE": date},
        input=message,
    )
    return repo.head()


def test_a_message_that_ends_in_the_record_mark_cannot_cut_its_record(make_repo):
    repo = make_repo()
    repo.commit("before", "2026-02-16T08:00:00+08:00", {"a.txt": "a\n"})
    for i in range(32):
        repo.write(f"pkg/f{i:02d}.py", f"x = {i}\n")
    repo.write("\x1eREPODIGEST", "a path like the mark\n")
    message = b"add 33 files\n\nbody\x1eREPODIGEST"
    sha = _verbatim(repo, message, "2026-02-16T09:00:00+08:00")
    output = run_git(repo.path, *range_args("HEAD"))
    assert output.count(b"\x1eREPODIGEST\0") == 5  # two records, the message's forged one, the path twice
    for size in [*range(1, 40), 64, 1000, len(output)]:
        pieces = (output[i : i + size] for i in range(0, len(output), size))
        newest, oldest = parse_stream(pieces)
        assert newest.sha == sha and len(newest.files) == 33 and newest.message == message.decode(), size
        assert oldest.message == "before" and [f.path for f in oldest.files] == ["a.txt"], size
    commit, _ = LocalGitSource(repo.path).commits(day("2026-02-16"))
    assert len(commit.files) == 33 and "\x1eREPODIGEST" in {f.path for f in commit.files}


def test_output_that_breaks_the_framing_is_an_error_not_a_guess(make_repo):
    repo = make_repo()
    repo.commit("one", "2026-02-16T08:00:00+08:00", {"a.txt": "a\n"})
    output = run_git(repo.path, *range_args("HEAD"))
    with pytest.raises(SourceError, match="not understood"):
        parse_log(output[output.index(b"\0") + 1 :])  # a record without its mark
    with pytest.raises(SourceError, match="ends inside a record"):
        parse_log(output[: output.index(b"\0") + 1 + 41])


def test_an_offset_beyond_any_clock_keeps_the_moment_and_is_named(make_repo):
    repo = make_repo()
    moment = datetime(2026, 2, 16, 4, 0, tzinfo=UTC)  # noon in Shanghai; git fsck --strict accepts +9959
    sha = repo.commit("odd clock", f"@{int(moment.timestamp())} +9959", {"a.txt": "1\n"})
    repo.git("fsck", "--strict")
    source = LocalGitSource(repo.path)
    [commit] = source.commits(day("2026-02-16"))
    assert commit.sha == sha and commit.committer_date == moment and commit.author_date == moment
    assert commit.committer_date.utcoffset() == timedelta(hours=23, minutes=59)
    assert commit.clamped_offsets == ("+9959",)
    assert source.latest_commit_time() == moment and source.find_commit(sha=sha).committed_at == moment
    [note] = gap_notes([(commit, None)], {commit.repo: source}, "en")
    assert commit.short_sha in note and "+9959" in note
    assert git_time("2026-02-16T12:00:00-99:59") == (moment + timedelta(hours=99 + 8, minutes=59), "-9959")
