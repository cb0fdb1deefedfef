"""Mirror mode: a bare clone under the cache dir, cloned once, fetched on every later run."""

from __future__ import annotations

from datetime import date

from gitrepo import GitRepo  # tests/ is on sys.path (tests/conftest.py)
from repodigest.config import RepoConfig, Settings
from repodigest.sources.local_git import LocalGitSource
from repodigest.sources.mirror import mirror_path, open_mirror_source
from repodigest.window import Window, resolve_tz

SHANGHAI = resolve_tz("Asia/Shanghai")


def test_mirror_clones_then_fetches_new_commits(tmp_path):
    remote = GitRepo(tmp_path / "remote")
    first = remote.commit("First change (#1)", "2026-02-16T10:00:00+08:00", files={"a.py": "a = 1\n"})
    settings = Settings(cache_dir=str(tmp_path / "cache"))
    repo = RepoConfig(spec="o/r", mirror=True)
    window = Window(date(2026, 2, 16), 1, SHANGHAI)

    source = open_mirror_source(repo, "o/r", settings, remote_url=str(remote.path))
    assert isinstance(source, LocalGitSource) and source.name == "o/r"
    clone = mirror_path(settings, "o/r", "local")
    assert clone == tmp_path / "cache" / "mirrors" / "local" / "o" / "r.git"
    assert (clone / "HEAD").is_file() and not (clone / ".git").exists()  # bare
    (commit,) = source.commits(window)
    assert commit.sha == first
    assert commit.url == f"https://github.com/o/r/commit/{first}"
    assert commit.pr_url == "https://github.com/o/r/pull/1"

    second = remote.commit("Second change (#2)", "2026-02-16T23:59:00+08:00", files={"b.py": "b = 2\n"})
    remote.commit("Next day", "2026-02-17T00:01:00+08:00", files={"c.py": "c = 3\n"})
    again = open_mirror_source(repo, "o/r", settings, remote_url=str(remote.path))
    assert [c.sha for c in again.commits(window)] == [second, first]  # the fetch brought the new commit
    assert "+b = 2" in again.diff(again.commits(window)[0])


def test_mirror_reads_the_configured_branch(tmp_path):
    remote = GitRepo(tmp_path / "remote")
    base = remote.commit("Base", "2026-02-16T09:00:00+08:00", files={"a.py": "1\n"})
    remote.git("checkout", "-q", "-b", "dev")
    dev = remote.commit("Dev work", "2026-02-16T11:00:00+08:00", files={"a.py": "2\n"})
    remote.git("checkout", "-q", "main")
    settings = Settings(cache_dir=str(tmp_path / "cache"))
    window = Window(date(2026, 2, 16), 1, SHANGHAI)
    source = open_mirror_source(
        RepoConfig(spec="o/r", branch="dev", mirror=True), "o/r", settings, remote_url=str(remote.path)
    )
    assert [c.sha for c in source.commits(window)] == [dev, base]


def test_github_source_with_mirror_flag_uses_the_mirror(tmp_path, monkeypatch):
    from repodigest.sources import github as gh_source
    from repodigest.sources import mirror

    remote = GitRepo(tmp_path / "remote")
    sha = remote.commit("Only", "2026-02-16T10:00:00+08:00", files={"a.py": "1\n"})
    real = mirror.open_mirror_source
    monkeypatch.setattr(
        mirror,
        "open_mirror_source",
        lambda repo, full_name, settings: real(repo, full_name, settings, remote_url=str(remote.path)),
    )
    settings = Settings(cache_dir=str(tmp_path / "cache"))
    source = gh_source.open_github_source(RepoConfig(spec="o/r", mirror=True), "o/r", settings)
    assert [c.sha for c in source.commits(Window(date(2026, 2, 16), 1, SHANGHAI))] == [sha]
