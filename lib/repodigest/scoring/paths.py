"""What a file path is: docs, test, CI, build, lockfile, generated, vendored, or a risky place.

Shared by the area rules, the change-type rules, the risk signals and the LLM diff budget, so that
"is this a test file" has one answer everywhere.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import PurePosixPath

_DOC_EXT = {".md", ".rst", ".txt", ".adoc", ".ipynb"}
_DOC_NAMES = {
    "readme",
    "changelog",
    "changes",
    "license",
    "licence",
    "authors",
    "contributing",
    "code_of_conduct",
    "notice",
    "history",
    "security",
}
_DOC_DIRS = {"docs", "doc", "documentation"}
_TEST_DIRS = {
    "test",
    "tests",
    "testing",
    "__tests__",
    "spec",
    "specs",
    "snapshots",
    "mdtest",
    "e2e",
    "fixtures",
    "testdata",
    "test_data",
}
_TEST_FILE = re.compile(r"(^test_.*|.*_test\.[a-z]+$|.*\.test\.[a-z]+$|.*\.spec\.[a-z]+$|^conftest\.py$|.*\.snap$)")
_CI_PREFIXES = (
    ".github/",
    ".gitlab-ci",
    ".circleci/",
    ".buildkite/",
    "scripts/ci/",
    "ci/",
    ".ci/",
    "azure-pipelines",
    ".travis.yml",
    "jenkinsfile",
    ".pre-commit-config",
)
_LOCKFILES = {
    "cargo.lock",
    "poetry.lock",
    "uv.lock",
    "pdm.lock",
    "pipfile.lock",
    "package-lock.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "go.sum",
    "gemfile.lock",
    "composer.lock",
    "flake.lock",
}
_BUILD_FILES = {
    "pyproject.toml",
    "setup.py",
    "setup.cfg",
    "cargo.toml",
    "package.json",
    "cmakelists.txt",
    "makefile",
    "go.mod",
    "build.gradle",
    "pom.xml",
    "meson.build",
    "build.rs",
    "manifest.in",
    "environment.yml",
    "tox.ini",
    "noxfile.py",
    "dockerfile",
    ".dockerignore",
    "justfile",
}
_BUILD_DIRS = {"docker", "cmake", "packaging", ".devcontainer"}
_GENERATED = re.compile(
    r"(\.min\.(js|css)$|\.pb\.go$|_pb2(_grpc)?\.py$|\.generated\.|\.schema\.json$|"
    r"(^|/)generated/|(^|/)dist/|\.snap$|\.svg$)"
)
_VENDORED_DIRS = {
    "vendor",
    "vendored",
    "third_party",
    "third-party",
    "thirdparty",
    "node_modules",
    "external",
    "3rdparty",
}
# Places where a small change can break many users or open a hole: named, so a reason can say so.
_PUBLIC_API = re.compile(
    r"(^|/)(__init__\.py|api/|apis/|openai_api|entrypoints/|include/.*\.h(pp)?$|"
    r".*\.proto$|.*\.pyi$|server_args\.py$|cli\.py$|lib\.rs$|public/|protocol)"
)
# Security words as whole words of a path (split at "/", "_", "-", "." and case changes): "token"
# alone is text in an LLM server (tokenizer, token_dispatcher, per_token_group), a credential only
# next to an auth word (auth_token, access_token, api_token).
_SECURITY_WORDS = re.compile(
    r"^(auth[nz]?|authenticat\w*|authori[sz]\w*|oauth\w*|escape|\w*crypt\w*|secrets?|passwords?|passwd|permissions?|sandbox\w*|"
    r"security|ssl|tls|credentials?|saniti[sz]\w*|cve|csrf|xss|jwt|apikeys?)$"
)
_CREDENTIAL_PAIRS = {
    ("access", "token"),
    ("api", "token"),
    ("api", "key"),
    ("api", "keys"),
    ("auth", "token"),
    ("refresh", "token"),
    ("bearer", "token"),
    ("id", "token"),
    ("session", "token"),
}
_WORD_SPLIT = re.compile(r"[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])")


# A history changes the same files again and again: each answer is kept (bounded) for the next commit.
_cached = lru_cache(maxsize=1 << 16)


def _parts(path: str) -> tuple[list[str], str]:
    parts = path.strip('"').split("/")
    return [p.lower() for p in parts[:-1]], parts[-1].lower()


@_cached
def is_doc(path: str) -> bool:
    dirs, name = _parts(path)
    stem = PurePosixPath(name).stem
    if any(d in _DOC_DIRS for d in dirs[:1]) or stem in _DOC_NAMES:
        return True
    return PurePosixPath(name).suffix in _DOC_EXT and not is_test(path) and not is_build(path)


@_cached
def is_test(path: str) -> bool:
    dirs, name = _parts(path)
    return bool(_TEST_FILE.match(name)) or any(d in _TEST_DIRS for d in dirs)


@_cached
def is_ci(path: str) -> bool:
    lowered = path.lower()
    return lowered.startswith(_CI_PREFIXES) or "/ci/" in lowered


def is_lockfile(path: str) -> bool:
    return _parts(path)[1] in _LOCKFILES


@_cached
def is_build(path: str) -> bool:
    """Build system and dependency files (lockfiles included)."""
    dirs, name = _parts(path)
    if is_lockfile(path) or name in _BUILD_FILES or name.endswith((".dockerfile", ".cmake")):
        return True
    if name.startswith(("requirements", "dockerfile")) or (dirs[:1] and dirs[0] in _BUILD_DIRS):
        return True
    return False


def is_generated(path: str) -> bool:
    return bool(_GENERATED.search(path.lower()))


def is_vendored(path: str) -> bool:
    return any(d in _VENDORED_DIRS for d in _parts(path)[0])


@_cached
def is_public_api(path: str) -> bool:
    return bool(_PUBLIC_API.search(path.lower())) and not is_test(path)


@_cached
def is_security_sensitive(path: str) -> bool:
    if is_test(path) or is_doc(path):
        return False
    words = [w.lower() for w in _WORD_SPLIT.split(path) if w]
    return any(_SECURITY_WORDS.match(w) for w in words) or any(
        pair in _CREDENTIAL_PAIRS for pair in zip(words, words[1:])
    )


@_cached
def file_kind(path: str) -> str:
    """One word for the file's role: lock, generated, vendored, ci, build, test, docs or source."""
    if is_lockfile(path):
        return "lock"
    if is_vendored(path):
        return "vendored"
    if is_generated(path):
        return "generated"
    if is_ci(path):
        return "ci"
    if is_test(path):
        return "test"
    if is_doc(path):
        return "docs"
    if is_build(path):
        return "build"
    return "source"


def is_source(path: str) -> bool:
    """A source file: none of the other kinds of :func:`file_kind` (the one definition SZZ, the findings
    and a fix's area share)."""
    return file_kind(path) == "source"
