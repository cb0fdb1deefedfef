import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gitrepo import GitRepo  # noqa: E402
from isolation import isolate  # noqa: E402


@pytest.fixture
def make_repo(tmp_path):
    """Factory for fresh git repositories under the test's temp dir."""
    counter = iter(range(1000))

    def factory(name: str | None = None, branch: str = "main") -> GitRepo:
        return GitRepo(tmp_path / (name or f"repo{next(counter)}"), branch=branch)

    return factory


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch, tmp_path):
    """No real keys, and a private cache, in every test (tests/isolation.py)."""
    isolate(monkeypatch, tmp_path / "cache")


@pytest.fixture
def fast_retries(monkeypatch):
    """GitHub's client retries without pausing between attempts."""
    from repodigest.sources import github_client

    monkeypatch.setattr(github_client, "RETRY_BACKOFF", 0.0)


def pytest_xdist_auto_num_workers(config):
    """``-n auto``: one worker more than the cores, since a worker spends much of its time waiting on the
    kernels, gits, browsers and servers it starts, whose work the spare worker's tests fill in."""
    return len(os.sched_getaffinity(0)) + 1
