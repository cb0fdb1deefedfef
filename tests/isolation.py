"""The environment every test runs in: no real keys, a private cache, no chart PNGs unless asked, and a
machine that is neither Chinese nor in Shanghai (UTC, the C locale): a test that wants a language or a
time zone says so, and none depends on the machine it runs on."""

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

SECRETS = ("OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_MODEL", "GITHUB_TOKEN", "GITHUB_API_URL")
MACHINE = {"TZ": "UTC", "LANG": "C.UTF-8"}  # the defaults of tz and lang come from these (repodigest.config)
LOCALE = ("LANGUAGE", "LC_ALL", "LC_MESSAGES")  # they would win over LANG


@contextmanager
def isolated(cache_dir, images: bool = False) -> Iterator[pytest.MonkeyPatch]:
    """The isolation for a module-scoped fixture, which runs before any test's own isolation is in place;
    undone when the block ends. Yields the patch, for what the fixture sets besides."""
    with pytest.MonkeyPatch.context() as patch:
        isolate(patch, cache_dir, images)
        yield patch


def isolate(patch, cache_dir, images: bool = False) -> None:
    """Apply the isolation with ``patch`` (a pytest MonkeyPatch): the keys unset, the cache in
    ``cache_dir``, the machine's zone and locale fixed; chart PNGs start a browser per report, so only
    the tests about them ask for them."""
    for name in SECRETS + LOCALE:
        patch.delenv(name, raising=False)
    for name, value in MACHINE.items():
        patch.setenv(name, value)
    patch.setenv("REPODIGEST_CACHE_DIR", str(cache_dir))
    patch.setenv("REPODIGEST_CHART_IMAGES", "1" if images else "0")
