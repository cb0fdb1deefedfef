"""Running git: one process (:func:`run_git`), its output as it comes (:func:`stream_git`), several at once
(:func:`git_outputs`), words in a tree (:func:`grep_words`), and what a repository on disk is (its root, its
GitHub name, a shallow clone's boundary). Failures become SourceError with git's own message."""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from io import BufferedReader
from pathlib import Path
from typing import IO, cast

from ..errors import SourceError, UserError

_GITHUB_REMOTE = re.compile(r"github\.com[:/]+([^/\s]+)/([^/\s]+?)(?:\.git)?/?$")


def run_git(path: str | Path, *args: str, check: bool = True, stdin: bytes | None = None) -> bytes:
    """Run git in ``path`` and return stdout; failures become SourceError with git's message."""
    try:
        proc = subprocess.run(["git", "-C", str(path), *args], capture_output=True, check=False, input=stdin)
    except FileNotFoundError:
        raise SourceError("git is not installed or not on PATH") from None
    if check and proc.returncode != 0:
        raise _failed(path, args, proc.stderr, proc.returncode)
    return proc.stdout


def shallow_boundary(path: str | Path) -> frozenset[str]:
    """The commits whose parents a shallow clone does not hold (none in a full clone)."""
    where = Path(run_git(path, "rev-parse", "--git-path", "shallow").decode().strip())
    where = where if where.is_absolute() else Path(path) / where
    return frozenset(where.read_text().split()) if where.is_file() else frozenset()


def missing_object(message: str) -> bool:
    """git stopped because an object it needed is not in the clone."""
    return any(words in message for words in ("unable to read", "missing blob", "bad object", "could not read"))


def _failed(path: str | Path, args: tuple[str, ...], stderr: bytes, code: int) -> SourceError:
    message = stderr.decode("utf-8", "replace").strip().splitlines()
    command = next((a for a, before in zip(args, ("", *args)) if not a.startswith("-") and before != "-c"), "")
    return SourceError(f"git {command} failed in {path}: {message[-1] if message else code}")


def stream_git(path: str | Path, *args: str, chunk_size: int = 1 << 16) -> Iterator[bytes]:
    """Run git in ``path`` and yield its stdout as it comes; a failure becomes SourceError at the end."""
    with tempfile.TemporaryFile() as errors:  # a file, not a pipe: a chatty stderr can never block git
        try:
            proc = subprocess.Popen(["git", "-C", str(path), *args], stdout=subprocess.PIPE, stderr=errors)
        except FileNotFoundError:
            raise SourceError("git is not installed or not on PATH") from None
        stdout = cast(BufferedReader, proc.stdout)  # stdout=PIPE with the default buffering
        finished = False
        try:
            while chunk := stdout.read1(chunk_size):
                yield chunk
            finished = True
        finally:
            if not finished:  # the reader stopped early
                proc.kill()
            stdout.close()
            code = proc.wait()
        if code != 0:
            errors.seek(0)
            raise _failed(path, args, errors.read(), code)


@dataclass
class _Run:
    """One git of :func:`git_outputs`: its arguments, its files (standard input, output, errors), its process
    once started."""

    args: tuple[str, ...]
    given: Path | None
    out: Path
    errors: Path
    ended: threading.Event = field(default_factory=threading.Event)
    proc: subprocess.Popen | None = None
    missing: bool = False  # git could not be started


@contextmanager
def git_outputs(
    path: str | Path,
    arglists: Sequence[Sequence[str]],
    inputs: Sequence[bytes] | None = None,
    at_once: int | None = None,
    chunk_size: int = 1 << 16,
) -> Iterator[list[Iterator[bytes]]]:
    """git run in ``path`` once per argument list (``inputs``: the bytes each reads on its standard input),
    ``at_once`` at a time (default: all together), in order, the next starting as one ends: the outputs, in
    order, each yielding its stdout in pieces as git writes it. Each git writes to a temporary file, so that
    none waits for a reader while the others are read. A failure becomes SourceError when its output is read
    to the end; leaving the block stops every git."""
    with tempfile.TemporaryDirectory(prefix="repodigest-git-") as folder:
        runs = []
        for i, args in enumerate(arglists):
            run = _Run(tuple(args), None, Path(folder) / f"{i}.out", Path(folder) / f"{i}.err")
            run.out.touch()
            if inputs is not None:
                run.given = Path(folder) / f"{i}.in"
                run.given.write_bytes(inputs[i])
            runs.append(run)
        pending = iter(runs)
        lock, stopping = threading.Lock(), threading.Event()

        def runner() -> None:
            while not stopping.is_set():
                with lock:  # no git starts once the reader has stopped
                    run = next(pending, None)
                    if run is None:
                        return
                    try:
                        with ExitStack() as files:
                            run.proc = subprocess.Popen(
                                ["git", "-C", str(path), *run.args],
                                stdin=files.enter_context(open(run.given, "rb")) if run.given else subprocess.DEVNULL,
                                stdout=files.enter_context(open(run.out, "wb")),
                                stderr=files.enter_context(open(run.errors, "wb")),
                            )
                    except FileNotFoundError:
                        run.missing = True
                if run.proc is not None:
                    run.proc.wait()
                run.ended.set()

        runners = [threading.Thread(target=runner, daemon=True) for _ in range(min(at_once or len(runs), len(runs)))]
        for thread in runners:
            thread.start()
        try:
            yield [_follow(path, run, chunk_size) for run in runs]
        finally:
            with lock:
                stopping.set()
                for run in runs:
                    if run.proc is not None and run.proc.poll() is None:  # the reader stopped early
                        run.proc.kill()
            for thread in runners:
                thread.join()


def _follow(path: str | Path, run: _Run, chunk_size: int) -> Iterator[bytes]:
    """The stdout of one git of :func:`git_outputs` in pieces, read from its file while git writes it (waiting
    a moment when git has not written more yet); SourceError with git's message when it failed."""
    with open(run.out, "rb") as out:  # a reader of its own, apart from git's writing end
        while True:
            ended = run.ended.is_set()  # before reading: all git wrote by then is read below
            if chunk := out.read(chunk_size):
                yield chunk
            elif ended:
                break
            else:
                run.ended.wait(0.005)
    if run.missing:
        raise SourceError("git is not installed or not on PATH")
    code = run.proc.wait() if run.proc is not None else -1
    if code != 0:
        raise _failed(path, run.args, run.errors.read_bytes(), code)


GREP_LINES = 500  # matches read from one git grep before it starts again without the words found (-o is slow on many)


def grep_words(path: str | Path, rev: str, words: Iterable[str], max_lines: int = GREP_LINES) -> set[str]:
    """Those of ``words`` that occur as whole words (``git grep -w -F``) in a text file of ``rev``.

    ``-o`` prints each match, so a frequent word can print thousands of lines: a pass reads at most
    ``max_lines`` of them, or until every word is found, and the words still missing get a pass of
    their own. A word inside a longer match at the same place (``b`` in ``a.b``: ``-o`` prints the
    longer) is looked for in the matches, and gets its own pass too."""
    pending = {w for w in words if w and "\n" not in w}
    found: set[str] = set()
    while pending:
        args = ["grep", "-o", "-h", "-w", "-F", "-I", "--no-color", "--no-textconv"]
        for word in sorted(pending):
            args += ["-e", word]
        matches = _grep_matches(path, [*args, rev, "--"], pending, max_lines)
        hits = {
            w
            for w in pending
            if w in matches or any(w in m and re.search(rf"(?<!\w){re.escape(w)}(?!\w)", m) for m in matches)
        }
        if not hits:  # every line read is a word found, so a pass without hits read everything
            break
        found |= hits
        pending -= hits
    return found


def _grep_matches(path: str | Path, args: list[str], wanted: set[str], max_lines: int) -> set[str]:
    """The distinct lines ``git grep`` prints, read until every one of ``wanted`` is among them or
    ``max_lines`` are read."""
    missing = set(wanted)
    matches: set[str] = set()
    with tempfile.TemporaryFile() as errors:
        try:
            proc = subprocess.Popen(["git", "-C", str(path), *args], stdout=subprocess.PIPE, stderr=errors)
        except FileNotFoundError:
            raise SourceError("git is not installed or not on PATH") from None
        stopped = False
        with cast(IO[bytes], proc.stdout) as stdout:  # stdout=PIPE
            for count, raw in enumerate(stdout, start=1):
                line = raw.decode("utf-8", "replace").rstrip("\n")
                matches.add(line)
                missing.discard(line)
                if not missing or count >= max_lines:
                    proc.kill()
                    stopped = True
                    break
        code = proc.wait()
        if code not in (0, 1) and not stopped:  # 1: nothing matched
            errors.seek(0)
            raise _failed(path, tuple(args), errors.read(), code)
    return matches


def repository_root(path: str | os.PathLike[str]) -> Path:
    """The top of the work tree (or the bare repository) containing ``path``; UserError if none, or if
    this user may not read it ("permission denied: PATH")."""
    path = Path(path)
    try:
        exists = path.exists()
    except PermissionError:  # a folder on the way cannot be traversed
        raise UserError(f"permission denied: {path}") from None
    if not exists:
        raise UserError(f"repository path does not exist: {path}")
    if not os.access(path, os.R_OK | os.X_OK):
        raise UserError(f"permission denied: {path}")
    # Two calls: with git 2.39, --show-toplevel fails outright in a bare repository.
    bare = subprocess.run(["git", "-C", str(path), "rev-parse", "--is-bare-repository"], capture_output=True, text=True)
    if bare.returncode != 0:
        raise UserError(_not_a_repository(path, bare.stderr))
    if bare.stdout.strip() == "true":
        return path.resolve()
    top = subprocess.run(["git", "-C", str(path), "rev-parse", "--show-toplevel"], capture_output=True, text=True)
    if top.returncode != 0 or not top.stdout.strip():
        raise UserError(_not_a_repository(path, top.stderr))
    return Path(top.stdout.strip()).resolve()


def _not_a_repository(path: Path, stderr: str) -> str:
    # git names an unreadable .git (or a folder above it) "Permission denied" in its message.
    return f"permission denied: {path}" if "Permission denied" in stderr else f"not a git repository: {path}"


def github_full_name(path: str | Path) -> str | None:
    """``owner/name`` when the ``origin`` remote is on github.com, else None."""
    proc = subprocess.run(["git", "-C", str(path), "remote", "get-url", "origin"], capture_output=True, text=True)
    found = _GITHUB_REMOTE.search(proc.stdout.strip()) if proc.returncode == 0 else None
    return f"{found.group(1)}/{found.group(2)}" if found else None
