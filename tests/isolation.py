"""The environment every test runs in: no real keys, a private cache, no chart PNGs unless asked."""

SECRETS = ("OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_MODEL", "GITHUB_TOKEN", "GITHUB_API_URL")


def isolate(patch, cache_dir, images: bool = False) -> None:
    """Apply the isolation with ``patch`` (a pytest MonkeyPatch): the keys unset, the cache in
    ``cache_dir``; chart PNGs start a browser per report, so only the tests about them ask for them."""
    for name in SECRETS:
        patch.delenv(name, raising=False)
    patch.setenv("REPODIGEST_CACHE_DIR", str(cache_dir))
    patch.setenv("REPODIGEST_CHART_IMAGES", "1" if images else "0")
