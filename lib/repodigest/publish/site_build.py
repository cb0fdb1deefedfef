"""``repodigest site``: the outputs folder as a static site, in place. Beside the report folders it writes
``index.html`` (:mod:`.site_pages`), ``search.html`` with ``assets/search-index.js`` (:mod:`.site_search`),
``feed.xml`` (:mod:`.site_feed`), the page assets (lunr.js, the search script, the style sheet) and
``.nojekyll`` (GitHub Pages then serves the folders as they are). Each file is replaced atomically; the
report folders are only read."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..levels import LEVELS
from .outputs_index import ReportEntry, collect_reports, read_json, site_words
from .site_feed import render_feed
from .site_pages import FILES, render_index_page, render_search_page
from .site_search import build_search, report_commits, search_documents

ASSETS = ("lunr.min.js", "lunr.LICENSE", "search.js", "site.css")  # copied from site_files/ to assets/


@dataclass
class SiteResult:
    """What :func:`build_site` wrote, the reports it listed, and what it could not read."""

    index: Path  # index.html
    files: list[Path]
    reports: int
    documents: int
    warnings: list[str] = field(default_factory=list)


def write_atomic(path: Path, data: bytes | str) -> Path:
    """Write ``data`` to ``path`` through a temporary file beside it, so a reader never sees half a file."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _counts(entry: ReportEntry, frame: pd.DataFrame) -> dict[tuple[str, str], tuple[int, dict[str, int]]]:
    """(commits, per level) of each repository in a report, from its frame: 0 for a repository it lists
    without a commit."""
    out = {}
    for repo in dict.fromkeys([*entry.repos, *frame["repo"].dropna().astype(str)]):
        levels = frame.loc[frame["repo"] == repo, "level"].value_counts()
        out[(entry.name, repo)] = (int(levels.sum()), {str(k): int(levels.get(str(k), 0)) for k in LEVELS})
    return out


def _highlights(overview: Mapping) -> list[str]:
    items = overview.get("highlights")
    return (
        [h["line"] for h in items if isinstance(h, dict) and isinstance(h.get("line"), str)]
        if isinstance(items, list)
        else []
    )


def build_site(outputs_dir: str | os.PathLike, lang: str | None = None) -> SiteResult:
    """Write the archive site into ``outputs_dir`` from the report folders in it. ``lang`` (zh or en) defaults
    to the newest report's language, else zh. A report whose commit data cannot be read is listed without
    its commits in the search, and named in the warnings."""
    root = Path(outputs_dir)
    root.mkdir(parents=True, exist_ok=True)
    entries: list[ReportEntry] = collect_reports(root)
    lang = lang or next((e.lang for e in entries if e.lang), None) or "zh"
    warnings: list[str] = []
    commits: dict[str, pd.DataFrame] = {}
    counts: dict[tuple[str, str], tuple[int, dict[str, int]]] = {}
    highlights: dict[str, list[str]] = {}
    for entry in entries:
        folder = root / entry.name
        try:
            commits[entry.name] = frame = report_commits(folder)
        except (OSError, ValueError, KeyError) as exc:
            warnings.append(f"site: cannot read the commits of {folder}: {exc}")
            continue
        counts.update(_counts(entry, frame))
        highlights[entry.name] = _highlights(read_json(folder / "overview.json"))
    docs = search_documents(entries, commits, highlights, site_words(lang))
    search = build_search(docs)
    assets = root / "assets"
    assets.mkdir(exist_ok=True)
    files = [write_atomic(assets / name, (FILES / name).read_bytes()) for name in ASSETS]
    files += [
        write_atomic(assets / "search-index.js", search.script()),
        write_atomic(root / "search.html", render_search_page(lang)),
        write_atomic(root / "feed.xml", render_feed(entries, lang)),
        write_atomic(root / ".nojekyll", b""),
        write_atomic(root / "index.html", render_index_page(entries, counts, lang)),
    ]
    return SiteResult(
        index=root / "index.html", files=files, reports=len(entries), documents=len(docs), warnings=warnings
    )
