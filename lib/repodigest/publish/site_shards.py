"""The search's per-report scripts (``assets/search/<id>.js``, :func:`.site_search.shard_script`) and what
the index page counts per repository, kept from one build of the site to the next: a report is read and
indexed again only when a file the site reads from it (``commits.parquet`` or ``.csv``, ``status.json``,
``overview.json``) changed, or the site's language or format did. A scheduled run thus indexes the day's
report, not the archive. ``assets/search/manifest.json`` records what each script was built from."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..levels import LEVELS
from .outputs_index import ReportEntry, read_json, site_words
from .site_search import Row, no_commits, report_commits, report_documents, shard_script

FORMAT = 2  # of the scripts and the manifest: a change rebuilds every report's script
_SOURCES = ("commits.parquet", "commits.csv", "status.json", "overview.json")
# (commits, {level: count}) of one repository in one report
Counts = tuple[int, dict[str, int]]


@dataclass
class Shards:
    """The reports' search scripts, in the entries' order (paths relative to the outputs folder), each
    repository's numbers per report, and what was (re)built."""

    scripts: list[str]
    counts: dict[tuple[str, str], Counts]
    documents: int
    built: list[str] = field(default_factory=list)  # reports indexed in this run
    warnings: list[str] = field(default_factory=list)


def _stamp(folder: Path) -> list | None:
    stamp = []
    for name in _SOURCES:
        try:
            stat = (folder / name).stat()
        except OSError:
            continue
        stamp.append([name, stat.st_mtime_ns, stat.st_size])
    return stamp


def _counts(entry: ReportEntry, rows: list[Row]) -> dict[str, list]:
    """Each repository's commits and levels in a report, from its rows: 0 for one it lists without a commit."""
    out = {}
    for repo in dict.fromkeys([*entry.repos, *(str(row["repo"]) for row in rows if row["repo"] is not None)]):
        levels = Counter(str(row["level"]) for row in rows if row["repo"] == repo and row["level"] is not None)
        out[repo] = [sum(levels.values()), {str(k): levels.get(str(k), 0) for k in LEVELS}]
    return out


def _highlights(overview: dict) -> list[str]:
    items = overview.get("highlights")
    if not isinstance(items, list):
        return []
    return [h["line"] for h in items if isinstance(h, dict) and isinstance(h.get("line"), str)]


def update_shards(root: Path, entries: Sequence[ReportEntry], lang: str, write) -> Shards:
    """Bring ``root/assets/search`` up to date with ``entries`` (``write(path, text)`` writes a file atomically);
    scripts of reports no longer there are removed. A report whose commits cannot be read is indexed
    without them, and named in a warning."""
    folder = root / "assets" / "search"
    folder.mkdir(parents=True, exist_ok=True)
    manifest = read_json(folder / "manifest.json")
    known = manifest.get("reports") if manifest.get("format") == FORMAT and manifest.get("lang") == lang else None
    known = known if isinstance(known, dict) else {}
    words = site_words(lang)
    records, result = {}, Shards(scripts=[], counts={}, documents=0)
    for entry in entries:
        source = root / entry.name
        script = hashlib.sha1(entry.name.encode("utf-8", "surrogateescape")).hexdigest()[:16] + ".js"
        record = known.get(entry.name)
        stamp = _stamp(source)
        if not (isinstance(record, dict) and record.get("stamp") == stamp and (folder / script).is_file()):
            try:
                rows = report_commits(source)
            except (OSError, ValueError, KeyError) as exc:
                result.warnings.append(f"site: cannot read the commits of {source}: {exc}")
                rows, stamp = no_commits(), None  # indexed without its commits, and read again next time
            place, docs = report_documents(entry, rows, _highlights(read_json(source / "overview.json")), words)
            write(folder / script, shard_script(place, docs))
            record = {"stamp": stamp, "script": script, "documents": len(docs), "counts": _counts(entry, rows)}
            result.built.append(entry.name)
        records[entry.name] = record
        result.scripts.append(f"assets/search/{script}")
        result.documents += int(record["documents"])
        for repo, (commits, levels) in record["counts"].items():
            result.counts[(entry.name, repo)] = (int(commits), dict(levels))
    write(folder / "manifest.json", json.dumps({"format": FORMAT, "lang": lang, "reports": records}, indent=1))
    wanted = {Path(s).name for s in result.scripts} | {"manifest.json"}
    for stale in folder.iterdir():
        if stale.name not in wanted and not stale.name.startswith("."):
            stale.unlink(missing_ok=True)
    return result
