"""Running git (sources/git_process.py): several gits at once, read in order as they write."""

import tempfile
from pathlib import Path

import pytest

from repodigest.errors import SourceError
from repodigest.sources.git_process import git_outputs, run_git
from repodigest.sources.gitlog import range_args


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    from gitrepo import GitRepo

    repo = GitRepo(tmp_path_factory.mktemp("gitproc") / "r")
    for i in range(6):
        repo.commit(f"c{i}\n\nbody {i}\n", f"2026-02-1{i}T09:00:00+08:00", {f"d/f{i}.py": "x\n" * (i + 1)})
    return repo


def _folders() -> set[str]:
    return {p.name for p in Path(tempfile.gettempdir()).glob("repodigest-git-*")}


@pytest.mark.parametrize("at_once", [None, 1, 2])
def test_outputs_come_in_order_whole_however_many_run_at_once(repo, at_once):
    arglists = [range_args("HEAD~4", ("HEAD~5",)), range_args("HEAD", ("HEAD~2",)), ["log", "--format=%H", "HEAD"]]
    with git_outputs(repo.path, arglists, at_once=at_once, chunk_size=7) as outputs:
        got = [b"".join(output) for output in outputs]
    assert got == [run_git(repo.path, *args) for args in arglists]
    assert got[2].split() == run_git(repo.path, "rev-list", "HEAD").split()


def test_a_failed_git_is_a_source_error_when_its_output_is_read_and_an_early_stop_leaves_nothing(
    repo, tmp_path, monkeypatch
):
    # a temporary folder of this test's own: other workers' gits come and go in the shared one
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    before = _folders()
    with git_outputs(repo.path, [["log", "--format=%H", "HEAD"], ["log", "no-such-branch", "--"]]) as outputs:
        assert b"".join(outputs[0]).split() == run_git(repo.path, "rev-list", "HEAD").split()
        with pytest.raises(SourceError, match="failed in .*(bad revision|unknown revision)"):
            list(outputs[1])
    with git_outputs(repo.path, [range_args("HEAD")] * 3, at_once=1, chunk_size=1) as outputs:
        assert next(outputs[0])  # the reader stops after one byte: the gits still running are stopped
    assert _folders() == before  # their files went with them
