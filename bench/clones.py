"""The real clones the benches read: pytest's and pydantic's histories, archived in ../shared/data as
bare shallow clones (real contents; pytest lands pull requests with merge commits, pydantic squashes
them), unpacked under /tmp once; and a work tree beside a bare clone for the tools that need one.
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# ../shared/data beside the checkout (or beside the folder of worktrees that holds it)
DATA = next(
    (d for d in (ROOT.parent / "shared" / "data", ROOT.parent.parent / "shared" / "data") if d.is_dir()),
    ROOT.parent / "shared" / "data",
)
CLONES = {"pytest": "pytest-since-2021.git.tar.gz", "pydantic": "pydantic-since-2022.git.tar.gz"}
HOME = Path(tempfile.gettempdir()) / "repodigest-bench"


def unpacked(archive: Path, into: Path = HOME) -> Path:
    """The bare clone ``archive`` (a .git.tar.gz) holds, unpacked under ``into`` once."""
    with tarfile.open(archive) as tar:
        top = tar.getnames()[0].split("/")[0]
        if not (into / top).exists():
            tar.extractall(into, filter="data")
    return into / top


def unpack(name: str) -> Path:
    """The bare clone of ``name`` (a key of ``CLONES``) unpacked under /tmp (once)."""
    archive = DATA / CLONES[name]
    if not archive.exists():
        sys.exit(f"{archive} is missing: pass a clone's path")
    return unpacked(archive, HOME / name)


def work_tree(path: Path) -> Path:
    """``path`` when it has a work tree, else a clone of it with one (made once, beside the unpacked ones:
    git hard-links the objects, so both read the same history from the same packs)."""
    bare = subprocess.run(
        ["git", "-C", str(path), "rev-parse", "--is-bare-repository"], capture_output=True, text=True, check=True
    )
    if bare.stdout.strip() != "true":
        return path
    target = HOME / "work-trees" / path.name.removesuffix(".git")
    if not (target / ".git").is_dir():
        target.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["git", "clone", "-q", str(path), str(target)], check=True)
    return target
