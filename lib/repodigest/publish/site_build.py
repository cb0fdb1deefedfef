"""``repodigest site``: the outputs folder as a static site, in place. Beside the report folders it writes
``index.html`` (:mod:`.site_pages`), ``search.html`` with a script of each report's search index in
``assets/search/`` (:mod:`.site_search`, kept between builds by :mod:`.site_shards`),
``feed.xml`` (:mod:`.site_feed`), the page assets (lunr.js, the search script, the style sheet) and
``.nojekyll`` (GitHub Pages then serves the folders as they are). Each file is replaced atomically; the
report folders are only read."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .outputs_index import ReportEntry, collect_reports
from .site_feed import render_feed
from .site_pages import FILES, render_index_page, render_search_page
from .site_shards import update_shards

ASSETS = ("lunr.min.js", "lunr.LICENSE", "search.js", "site.css")  # copied from site_files/ to assets/


@dataclass
class SiteResult:
    """What :func:`build_site` wrote, the reports it listed, and what it could not read."""

    index: Path  # index.html
    files: list[Path]
    reports: int
    documents: int  # in the search
    indexed: list[str] = field(default_factory=list)  # reports (re)indexed by this build
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


def build_site(outputs_dir: str | os.PathLike, lang: str | None = None) -> SiteResult:
    """Write the archive site into ``outputs_dir`` from the report folders in it. ``lang`` (zh or en) defaults
    to the newest report's language, else zh. A report whose commit data cannot be read is listed without
    its commits in the search, and named in the warnings."""
    root = Path(outputs_dir)
    root.mkdir(parents=True, exist_ok=True)
    entries: list[ReportEntry] = collect_reports(root)
    lang = lang or next((e.lang for e in entries if e.lang), None) or "zh"
    shards = update_shards(root, entries, lang, write_atomic)
    assets = root / "assets"
    assets.mkdir(exist_ok=True)
    files = [write_atomic(assets / name, (FILES / name).read_bytes()) for name in ASSETS]
    files += [
        write_atomic(root / "search.html", render_search_page(shards.scripts, lang)),
        write_atomic(root / "feed.xml", render_feed(entries, lang)),
        write_atomic(root / ".nojekyll", b""),
        write_atomic(root / "index.html", render_index_page(entries, shards.counts, lang)),
    ]
    return SiteResult(
        index=root / "index.html",
        files=files,
        reports=len(entries),
        documents=shards.documents,
        indexed=shards.built,
        warnings=shards.warnings,
    )
