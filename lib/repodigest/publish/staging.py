"""Where a report is written before it is complete: a temporary folder beside its final place, moved
into place only when done, so a failed, interrupted or killed run never leaves half a report.

A run holds an ``flock`` on its temporary folder for as long as it lives. The operating system drops
such a lock when the process ends, however it ends (SIGKILL included), so a temporary folder nobody
holds belongs to a run that is gone, and the next run removes it; one that a live run holds, even a
concurrent one for the same day, is never touched.
"""

from __future__ import annotations

import errno
import fcntl
import os
import secrets
import shutil
import time
from contextlib import contextmanager
from pathlib import Path

from ..errors import UserError

STAGING = ".tmp-"  # .tmp-<folder>-<random>: a run's temporary folder
REPLACED = ".old-"  # .old-<folder>-<pid>-<ns>: the previous report, while the new one moves in


@contextmanager
def root_lock(root: Path):
    """Hold the lock of the folder ``root`` itself (no lock file is left beside the reports): claiming,
    clearing and moving into place take turns."""
    handle = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)


class Staging:
    """A run's temporary folder (``path``), locked by this process until :meth:`release`."""

    def __init__(self, path: Path, handle: int):
        self.path = path
        self._handle: int | None = handle

    def release(self) -> None:
        """Let go of the lock (the folder was moved into place or removed)."""
        if self._handle is not None:
            os.close(self._handle)
            self._handle = None

    def discard(self) -> None:
        """Remove the folder and everything in it, then let go of the lock."""
        shutil.rmtree(self.path, ignore_errors=True)
        self.release()


def claim(root: Path, folder: str) -> Staging:
    """A new temporary folder for ``root/folder``, with the permissions the umask gives a new folder;
    first the leftovers of runs that are gone are removed (:func:`clear_stale`). A UserError when
    ``root/folder`` is something other than a folder, or ``root`` cannot be written."""
    final = root / folder
    try:
        root.mkdir(parents=True, exist_ok=True)
        if final.exists() and not final.is_dir():
            raise UserError(f"cannot write the report to {final}: a file of that name is in the way")
        with root_lock(root):
            _clear(root)
            while True:
                path = root / f"{STAGING}{folder}-{secrets.token_hex(4)}"
                try:
                    path.mkdir()  # mode 0o777 less the umask, as the final folder should have
                    break
                except FileExistsError:
                    continue
            handle = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        raise UserError(f"cannot write to {root}: {exc.strerror}") from None
    return Staging(path, handle)


def clear_stale(root: Path) -> list[Path]:
    """Remove the temporary folders (and replaced reports) that runs now gone left in ``root``: those no
    live process holds. Returns what was removed."""
    with root_lock(root):
        return _clear(root)


def _clear(root: Path) -> list[Path]:
    removed = []
    for path in sorted(root.iterdir()):
        if path.name.startswith(REPLACED) and (path.is_symlink() or not path.is_dir()):
            path.unlink(missing_ok=True)  # a replaced file: nothing holds it
        elif path.name.startswith((STAGING, REPLACED)) and path.is_dir() and _unheld(path):
            shutil.rmtree(path, ignore_errors=True)
        else:
            continue
        removed.append(path)
    return removed


def _unheld(path: Path) -> bool:
    """Whether no process holds ``path``'s lock. A replaced report is never locked: under the root's lock,
    the run that moved it aside is done with it."""
    try:
        handle = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return False
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN):
            return False
        raise
    finally:
        os.close(handle)
    return True


def move_into_place(tmp: Path, final: Path) -> None:
    """Move the complete ``tmp`` folder to ``final``, replacing what was there only at the end."""
    with root_lock(final.parent):
        old = None
        if final.exists() or final.is_symlink():
            old = final.parent / f"{REPLACED}{final.name}-{os.getpid()}-{time.monotonic_ns()}"
            os.replace(final, old)
        os.replace(tmp, final)
        if old is not None:
            if old.is_dir() and not old.is_symlink():
                shutil.rmtree(old, ignore_errors=True)
            else:
                old.unlink(missing_ok=True)
