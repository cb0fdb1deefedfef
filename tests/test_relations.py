"""Related commits (scoring/relations.py): reverts name what they undo, series are numbered and linked.

Real git repositories (tests/gitrepo.py) and, for GitHub, the local REST server: the lookups of a
reverted commit outside the trend window go through each source's ``find_commits``.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from urllib.parse import unquote_plus

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gitrepo import GitRepo
from mdcheck import anchors_resolve, entry_of
from repodigest import build_digest
from repodigest.config import RepoConfig, Settings
from repodigest.daily import write_data
from repodigest.explore import load_range
from repodigest.frame import read_frame
from repodigest.models import CommitQuery
from repodigest.scoring import assess
from repodigest.scoring.relations import RUN_GAP, part_marker, relate
from repodigest.sources.github import open_github_source
from repodigest.sources.local_git import LocalGitSource
from repodigest.sources.message import revert_target
from repodigest.sources.mirror import open_mirror_source
from repodigest.window import Window, resolve_tz
from servers.github_api import GitHubServer, github_settings, make_commit


def code(n: int) -> str:
    return "".join(f"value_{n}_{i} = {i}\n" for i in range(40))


@pytest.fixture
def old_revert(make_repo):
    """A change of 2026-01-26 (three weeks before the report day, outside the 14-day trend window)
    and its revert on 2026-02-16."""
    repo = make_repo("proj")
    old = repo.commit(
        "[core] Cache parsed configs (#101)", "2026-01-26T10:00:00+08:00", {"src/proj/core/config.py": code(1)}
    )
    repo.commit("docs: config guide", "2026-02-10T10:00:00+08:00", {"docs/config.md": "guide\n"})
    revert = repo.commit(
        'Revert "[core] Cache parsed configs" (#150)', "2026-02-16T16:00:00+08:00", {"src/proj/core/config.py": code(2)}
    )
    return repo, old, revert


def test_a_revert_of_a_commit_from_three_weeks_earlier_names_it(old_revert):
    repo, old, revert = old_revert
    digest = build_digest(date="2026-02-16", repos=[str(repo.path)], tz="Asia/Shanghai", lang="zh")
    assert old not in set(digest.frame["sha"])  # before the trend window: found by one lookup
    row = digest.frame.set_index("sha").loc[revert]
    [target] = row["reverts"]
    assert (target["sha"], target["title"], target["found_by"]) == (old, "[core] Cache parsed configs (#101)", "title")
    assert target["committed_local"] == "2026-01-26 10:00:00"
    assert row["revert_lived_hours"] == 21 * 24 + 6  # committer dates: 2026-02-16 16:00 minus 2026-01-26 10:00
    md = digest.markdown()
    entry = entry_of(md, revert[:7])
    assert f"**↩️ 回滚了**：`{old[:7]}` [core] Cache parsed configs (#101)（2026-01-26 提交，存活 21 天）" in entry
    overview = md[md.index("## 🧭 本日概览") : md.index("## proj")]
    assert (
        f"- ↩️ 回滚：[`{revert[:7]}`](#{revert[:7]}) 撤销了 `{old[:7]}` [core] Cache parsed configs (#101)"
        f"（2026-01-26 提交，存活 21 天）"
    ) in overview
    anchors_resolve(md)


def related(path, find, window_days: int = 14):
    """The relations of a repository's commits in a window ending on 2026-02-16 (Asia/Shanghai)."""
    zone = resolve_tz("Asia/Shanghai")
    scored = [(c, assess(c)) for c in LocalGitSource(path).commits(Window(date(2026, 2, 16), window_days, zone))]
    shown = {c.sha for c, _ in scored if c.committer_date.astimezone(zone).date() == date(2026, 2, 16)}
    return relate(scored, shown, find, zone)


def test_one_lookup_per_revert_and_none_when_the_window_holds_the_reverted_commit(old_revert, make_repo):
    repo, old, revert = old_revert
    source, calls = LocalGitSource(repo.path), []

    def find(name, queries):
        calls.extend(queries)
        return source.find_commits(queries)

    relations = related(repo.path, find)
    assert len(calls) == 1 and calls[0].title == "[core] Cache parsed configs"
    assert calls[0].before == datetime(2026, 2, 16, 8, tzinfo=UTC)
    assert relations.reverts[revert]["sha"] == old
    calls.clear()
    # with a 30-day trend window the reverted commit is loaded: no lookup at all
    assert related(repo.path, find, window_days=30).reverted_by[old] == (revert,) and calls == []
    wide = build_digest(date="2026-02-16", repos=[str(repo.path)], window_days=30, tz="Asia/Shanghai", lang="zh")
    assert wide.frame.set_index("sha").loc[old, "reverted_by"] == [revert]


def test_the_report_and_the_outcomes_name_the_same_reverted_commit(make_repo):
    """Two commits share a title and the line's committer dates do not rise: the reverted one is the
    newest by committer date, in the related commits and in the outcomes alike (scoring.reverts)."""
    repo = make_repo()
    repo.commit("Initial", "2026-02-01T10:00:00+08:00", {"src/a.py": "a = 1\n"})
    first = repo.commit("Add the cache", "2026-02-10T10:00:00+08:00", {"src/a.py": "a = 1\ncache = {}\n"})
    second = repo.commit("Add the cache", "2026-02-08T10:00:00+08:00", {"src/b.py": "cache = []\n"})  # dated back
    revert = repo.commit('Revert "Add the cache"', "2026-02-12T10:00:00+08:00", {"src/a.py": "a = 1\n"})
    digest = load_range(
        "2026-02-01", "2026-02-12", repos=[str(repo.path)], tz="Asia/Shanghai", outcomes=True, progress=False
    )
    frame = digest.frame.set_index("sha")
    assert frame.loc[revert, "reverts"][0]["sha"] == first
    assert frame.loc[first, "reverted_by"] == [revert] and bool(frame.loc[first, "later_reverted"])
    assert frame.loc[second, "reverted_by"] == [] and not bool(frame.loc[second, "later_reverted"])


def test_gits_own_message_names_the_commit_by_sha(make_repo):
    repo = make_repo("proj")
    old = repo.commit("Speed up the tokenizer", "2026-01-20T09:00:00+08:00", {"src/proj/tok/t.py": code(1)})
    revert = repo.commit(
        f'Revert "a title nobody wrote"\n\nThis reverts commit {old}.\n',
        "2026-02-16T09:00:00+08:00",
        {"src/proj/tok/t.py": code(2)},
    )
    row = (
        build_digest(date="2026-02-16", repos=[str(repo.path)], tz="Asia/Shanghai", lang="zh")
        .frame.set_index("sha")
        .loc[revert]
    )
    assert row["reverts"][0]["sha"] == old and row["reverts"][0]["found_by"] == "sha"
    assert row["reverts"][0]["title"] == "Speed up the tokenizer"


def test_a_revert_whose_commit_is_nowhere_says_so(make_repo):
    repo = make_repo("proj")
    revert = repo.commit(
        'Revert "Something from a fork (#77)" (#78)', "2026-02-16T09:00:00+08:00", {"src/proj/a.py": code(1)}
    )
    digest = build_digest(date="2026-02-16", repos=[str(repo.path)], tz="Asia/Shanghai", lang="zh")
    assert digest.frame.set_index("sha").loc[revert, "reverts"] == []
    entry = entry_of(digest.markdown(), revert[:7])
    assert "**↩️ 回滚了**：历史中未找到被回滚的提交「Something from a fork (#77)」" in entry


def test_both_entries_link_each_other_when_both_are_in_the_report(make_repo, tmp_path):
    repo = make_repo("proj")
    change = repo.commit("feat: add widget cache (#10)", "2026-02-16T09:00:00+08:00", {"src/proj/w/cache.py": code(1)})
    revert = repo.commit(
        'Revert "feat: add widget cache" (#11)', "2026-02-16T15:30:00+08:00", {"src/proj/w/cache.py": code(2)}
    )
    digest = build_digest(date="2026-02-16", repos=[str(repo.path)], tz="Asia/Shanghai", lang="zh")
    md = digest.markdown()
    assert (
        f"**↩️ 回滚了**：[`{change[:7]}`](#{change[:7]}) feat: add widget cache (#10)（2026-02-16 提交，存活 6.5 小时）"
    ) in entry_of(md, revert[:7])
    assert f"**↩️ 已被回滚**：[`{revert[:7]}`](#{revert[:7]})（2026-02-16，存活 6.5 小时）" in entry_of(md, change[:7])
    assert re.search(rf"\]\(#{revert[:7]}\) ↩️$", md, re.M)  # the TOC marks the revert
    anchors_resolve(md)
    write_data(digest, tmp_path / "out")  # the relation columns survive the CSV and parquet files
    for name in ("commits.csv", "commits.parquet"):
        back = read_frame(tmp_path / "out" / name).set_index("sha")
        assert back.loc[revert, "reverts"][0]["sha"] == change and back.loc[change, "reverted_by"] == [revert]
        assert back.loc[revert, "revert_lived_hours"] == 6.5


@pytest.fixture
def dumper_day(make_repo):
    """Four commits of one author in one area minutes apart (another author commits in between),
    then the same author in the same area five hours later."""
    repo = make_repo("proj")
    ann = ("Ann Dev", "ann@example.com")
    titles = [
        "Flip dumper to disabled by default",
        "Change dump output format to a dict",
        "Collect upper level metadata in dumps",
        "Support dumping gradients and parameters",
    ]
    shas = []
    for i, title in enumerate(titles):
        shas.append(
            repo.commit(
                f"{title} (#{20 + i})",
                f"2026-02-16T13:{29 + 2 * i:02d}:00+08:00",
                {"src/proj/debug_utils/dumper.py": code(i), f"tests/test_dump_{i}.py": code(i)},
                author=ann,
            )
        )
        if i == 1:
            repo.commit(
                "Fix router retries (#30)",
                "2026-02-16T13:32:00+08:00",
                {"src/proj/router/r.py": code(9)},
                author=("Bo Other", "bo@example.com"),
            )
    late = repo.commit(
        "Tidy dumper names (#40)", "2026-02-16T18:40:00+08:00", {"src/proj/debug_utils/dumper.py": "x\n"}, author=ann
    )
    return repo, shas, late


def test_a_series_of_four_is_marked_and_linked(dumper_day):
    repo, shas, late = dumper_day
    digest = build_digest(date="2026-02-16", repos=[str(repo.path)], tz="Asia/Shanghai", lang="zh")
    frame = digest.frame.set_index("sha")
    assert frame.loc[shas, "series"].tolist() == [shas[0]] * 4
    assert frame.loc[shas, "series_index"].tolist() == [1, 2, 3, 4] and set(frame.loc[shas, "series_size"]) == {4}
    assert set(frame.loc[shas, "series_rule"]) == {"run"}
    assert pd.isna(frame.loc[late, "series"])  # more than RUN_GAP after the fourth
    md = digest.markdown()
    second = entry_of(md, shas[1][:7])
    others = " · ".join(f"[`{s[:7]}`](#{s[:7]}) {k}/4" for k, s in ((1, shas[0]), (3, shas[2]), (4, shas[3])))
    assert f"**🔗 系列**：2/4（同一作者在同一模块的连续提交），其他：{others}" in second
    for k, sha in enumerate(shas, start=1):
        assert re.search(rf"\]\(#{sha[:7]}\) 🔗 {k}/4$", md, re.M), k  # the TOC shows each member's place
    assert "🔗" not in entry_of(md, late[:7])
    # in the overview the series is one highlight citing its four members (it takes one slot)
    [series] = [h for h in digest.overview.highlights if h.series_size]
    assert {c.sha for c in series.commits} == set(shas) and series.series_size == 4
    assert series.line.endswith("（系列共 4 个提交）")
    anchors_resolve(md)
    assert RUN_GAP.total_seconds() == 4 * 3600


def test_marked_parts_are_one_series_across_authors_and_days(make_repo):
    repo = make_repo("proj")
    first = repo.commit(
        "[1/3] Router refactor: split the balancer (#1)",
        "2026-02-15T10:00:00+08:00",
        {"src/proj/router/a.py": code(1)},
        author=("Ann", "a@x"),
    )
    second = repo.commit(
        "[2/3] Router refactor: move retries (#2)",
        "2026-02-16T10:00:00+08:00",
        {"src/proj/router/b.py": code(2)},
        author=("Bo", "b@x"),
    )
    third = repo.commit(
        "[3/3] Router refactor: drop the old path (#3)",
        "2026-02-16T11:00:00+08:00",
        {"src/proj/router/c.py": code(3)},
        author=("Ann", "a@x"),
    )
    digest = build_digest(date="2026-02-16", repos=[str(repo.path)], tz="Asia/Shanghai", lang="zh")
    frame = digest.frame.set_index("sha")
    assert frame.loc[[first, second, third], "series_index"].tolist() == [1, 2, 3]
    assert set(frame.loc[[first, second, third], "series_rule"]) == {"marker"}
    entry = entry_of(digest.markdown(), second[:7])
    # the first part landed the day before: named (no entry to link), the third linked
    assert f"**🔗 系列**：2/3（标题中的编号），其他：`{first[:7]}` 1/3 · [`{third[:7]}`](#{third[:7]}) 3/3" in entry


@pytest.mark.parametrize(
    "title, expected",
    [
        ("[2/N] Quantization Refactor: Compressed tensors MoE schemes (#17503)", (2, "N", "Quantization Refactor")),
        ("[RadixTree][5/N Refactor]: Introduce pre and post-processing (#18147)", (5, "N", "[RadixTree][ Refactor]")),
        (
            "[diffusion] hardware: support diffusion models on MTGPU (multi-GPU, 5/N) (#17318)",
            (5, "N", "[diffusion] hardware"),
        ),
        ("3/4: wire the new cache", (3, "4", "")),
        ("Support 1/2 precision in the sampler", None),
        ("[5/3] impossible part", None),
    ],
)
def test_part_markers(title, expected):
    found = part_marker(title)
    if expected is None:
        assert found is None
    else:
        k, total, rest = found
        assert (k, total) == expected[:2] and rest.split(":")[0].strip() == expected[2]


@given(title=st.text(max_size=120))
def test_the_parsers_take_any_title(title):
    marker = part_marker(title)
    assert marker is None or (marker[0] >= 1 and (marker[1] == "N" or marker[0] <= int(marker[1])))
    sha, quoted = revert_target(title)
    assert sha is None or re.fullmatch(r"[0-9a-f]{7,40}", sha)


# -- the lookup behind each source -------------------------------------------------------------------


def test_local_and_mirror_sources_find_by_sha_and_by_title(tmp_path):
    remote = GitRepo(tmp_path / "remote")
    old = remote.commit("Cache parsed configs (#101)", "2026-01-26T10:00:00+08:00", {"a.py": "1\n"})
    remote.commit('Revert "Cache parsed configs" (#150)', "2026-02-16T10:00:00+08:00", {"a.py": "2\n"})
    mirror = open_mirror_source(
        RepoConfig(spec="o/r", mirror=True), "o/r", Settings(cache_dir=str(tmp_path / "c")), remote_url=str(remote.path)
    )
    for source in (LocalGitSource(remote.path), mirror):
        by_title = source.find_commit(title="Cache parsed configs", before=datetime(2026, 2, 16, tzinfo=UTC))
        assert by_title.sha == old and by_title.committed_at == datetime(2026, 1, 26, 2, tzinfo=UTC)
        assert source.find_commit(sha=old[:10]).title == "Cache parsed configs (#101)"
        assert source.find_commit(title="Cache parsed configs", before=datetime(2026, 1, 1, tzinfo=UTC)) is None
        assert source.find_commit(sha="0123456789abcdef") is None and source.find_commit(sha="--all") is None
    assert mirror.find_commit(sha=old).url == f"https://github.com/o/r/commit/{old}"


def test_a_clone_answers_every_lookup_of_a_day_with_two_git_processes_as_one_lookup_each_would(make_repo):
    # Reverted commits before the window, named by full and short sha (the same commit twice), by a short
    # sha two commits share, by a blob's sha, by nothing here, and by titles (one only in an older commit,
    # one only within a wrapped first paragraph, one dated after the revert that asks).
    repo = make_repo("proj")
    early = {
        "Cache parsed configs (#101)": "2026-01-05T10:00:00+08:00",
        "Cache parsed configs (#102)": "2026-01-20T10:00:00+08:00",
        "Speed up the tokenizer": "2026-01-06T10:00:00+08:00",
        "Wrapped subject\nthat goes on": "2026-01-07T10:00:00+08:00",
        "Add the router": "2026-01-08T10:00:00+08:00",
    }
    shas = {t: repo.commit(t, when, {f"src/f{i}.py": code(i)}) for i, (t, when) in enumerate(early.items())}
    late = repo.commit("Move the router", "2026-02-16T18:00:00+08:00", {"src/r.py": code(9)})
    blob = repo.git("rev-parse", "HEAD:src/r.py").strip()
    token = shas["Speed up the tokenizer"]
    prefixes = [s[:4] for s in repo.git("rev-list", "--all").split()]
    shared = next((p for p in prefixes if prefixes.count(p) > 1), None)
    before = datetime(2026, 2, 16, 8, tzinfo=UTC)
    queries = [
        CommitQuery(sha=token),
        CommitQuery(sha=token[:9]),
        CommitQuery(sha=blob),
        CommitQuery(sha="0123456789abcdef"),
        CommitQuery(sha="--all"),
        *([CommitQuery(sha=shared)] if shared else []),
        CommitQuery(title="Cache parsed configs", before=before),
        CommitQuery(title="Cache parsed configs", before=datetime(2026, 1, 10, tzinfo=UTC)),
        CommitQuery(title="Wrapped subject", before=before),  # its grep holds the wrapped commit in the answer
        CommitQuery(title="Wrapped subject that goes on", before=before),
        CommitQuery(title="Move the router", before=before),
        CommitQuery(title="Move the router", before=datetime(2026, 3, 1, tzinfo=UTC)),
        CommitQuery(title="Add the router"),
        CommitQuery(title="Nothing by this name", before=before),
    ]
    source = LocalGitSource(repo.path)
    one_each = [source.find_commit(sha=q.sha, title=q.title, before=q.before) for q in queries]
    together = source.find_commits(queries)
    assert together == one_each
    found = [ref.sha if ref else None for ref in together]
    assert found[:5] == [token, token, None, None, None]
    assert found[-8:] == [
        shas["Cache parsed configs (#102)"],
        shas["Cache parsed configs (#101)"],
        None,  # a title is the whole first paragraph
        None,  # git's --grep reads the message line by line: the joined subject is no line of it
        None,
        late,
        shas["Add the router"],
        None,
    ]


def test_reverts_of_a_day_outside_the_window_are_found_with_at_most_two_lookups(make_repo):
    repo = make_repo("proj")
    by_sha = repo.commit("Speed up the tokenizer", "2026-01-06T10:00:00+08:00", {"src/t.py": code(1)})
    by_title = repo.commit("[core] Cache parsed configs (#101)", "2026-01-05T10:00:00+08:00", {"src/c.py": code(2)})
    nowhere = 'Revert "Something from a fork (#77)" (#78)'
    reverts = [
        repo.commit(
            f'Revert "whatever"\n\nThis reverts commit {by_sha}.\n', "2026-02-16T09:00:00+08:00", {"src/t.py": "x\n"}
        ),
        repo.commit('Revert "[core] Cache parsed configs" (#150)', "2026-02-16T10:00:00+08:00", {"src/c.py": "x\n"}),
        repo.commit(nowhere, "2026-02-16T11:00:00+08:00", {"src/n.py": "x\n"}),
    ]
    source, calls = LocalGitSource(repo.path), []

    def find(name, queries):
        calls.append(list(queries))
        return source.find_commits(queries)

    relations = related(repo.path, find)
    assert [len(c) for c in calls] == [1, 2]  # by sha, then by title the two that the sha did not settle
    assert relations.reverts[reverts[0]]["sha"] == by_sha and relations.reverts[reverts[0]]["found_by"] == "sha"
    assert relations.reverts[reverts[1]]["sha"] == by_title and relations.reverts[reverts[1]]["found_by"] == "title"
    assert reverts[2] not in relations.reverts
    assert relations.reverted_by == {by_sha: (reverts[0],), by_title: (reverts[1],)}


def test_github_source_finds_by_sha_once_then_from_the_cache_and_by_title_with_one_search(tmp_path, monkeypatch):
    old = make_commit("old", "2026-01-26T02:00:00Z", message="Cache parsed configs (#101)")
    other = make_commit("other", "2026-02-01T02:00:00Z", message="Cache parsed configs for workers (#120)")
    with GitHubServer([old, other], full_name="o/r", token="t0k") as server:
        monkeypatch.setenv("GITHUB_TOKEN", "t0k")
        settings = github_settings(server, tmp_path)
        source = open_github_source(RepoConfig(spec="o/r"), "o/r", settings, progress=False)
        ref = source.find_commit(sha=old["sha"])
        assert ref.title == "Cache parsed configs (#101)" and ref.url == old["html_url"]
        assert server.counts == {"detail": 1}
        source.find_commit(sha=old["sha"])
        assert server.counts == {"detail": 1}  # the commit cache answers the second time
        found = source.find_commit(title="Cache parsed configs", before=datetime(2026, 2, 16, tzinfo=UTC))
        assert found.sha == old["sha"] and server.counts == {"detail": 1, "search": 1}
        assert 'q=repo:o/r "Cache parsed configs"' in unquote_plus(
            server.requests[-1][1]
        )  # the newer near-miss is skipped
        assert source.find_commit(sha="f" * 40) is None  # GitHub does not know it: no error, no report lost


def test_a_github_repository_finds_an_old_reverted_commit_once(tmp_path, monkeypatch):
    old = make_commit("old", "2026-01-26T02:00:00Z", message="[core] Cache parsed configs (#101)")
    revert = make_commit("revert", "2026-02-16T08:00:00Z", message='Revert "[core] Cache parsed configs" (#150)')
    with GitHubServer([old, revert], full_name="o/r", token="t0k") as server:
        monkeypatch.setenv("GITHUB_TOKEN", "t0k")
        config = tmp_path / "repodigest.toml"
        config.write_text(f'repos = ["o/r"]\n[github]\napi_url = "{server.url}"\npr_context = false\n')
        digest = build_digest(date="2026-02-16", config=str(config), progress=False, tz="Asia/Shanghai", lang="zh")
        target = digest.frame.set_index("sha").loc[revert["sha"], "reverts"][0]
        assert target["sha"] == old["sha"] and target["url"] == old["html_url"] and server.counts["search"] == 1
        assert f"[`{old['sha'][:7]}`]({old['html_url']})" in digest.markdown()  # not in the report: its page
        server.reset_counts()
        again = build_digest(date="2026-02-16", config=str(config), progress=False, tz="Asia/Shanghai", lang="zh")
        assert server.total == 0 and again.frame.set_index("sha").loc[revert["sha"], "reverts"][0]["sha"] == old["sha"]


def test_a_long_series_cites_the_nearest_members_and_counts_the_rest(make_repo):
    repo = make_repo()
    shas = [
        repo.commit(
            f"tune cache step {i}", f"2026-02-16T09:{i * 3:02d}:00+08:00", {f"src/cache/step{i}.py": "x\n" * (i + 1)}
        )
        for i in range(12)
    ]
    md = build_digest(date="2026-02-16", repos=[str(repo.path)], lang="en", tz="Asia/Shanghai").markdown()
    first, middle = entry_of(md, shas[0][:7]), entry_of(md, shas[6][:7])
    # the eight nearest others, in series order, then how many are left
    assert re.findall(r"\(#(\w{7})\) (\d+)/12", first.split("the others: ")[1]) == [
        (s[:7], str(k)) for k, s in enumerate(shas[1:9], start=2)
    ]
    assert "9/12 …and 3 more  \n" in first
    assert [k for _, k in re.findall(r"\(#(\w{7})\) (\d+)/12", middle.split("the others: ")[1])] == [
        "3",
        "4",
        "5",
        "6",
        "8",
        "9",
        "10",
        "11",
    ]
    assert "11/12 …and 3 more  \n" in middle
    anchors_resolve(md)
