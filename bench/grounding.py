"""The model's claims checked against the diff: where the names it writes are found, measured.

1. **The realistic day** (``tests/fixtures/realistic_day``, always): the day's repository is
   built, and every recorded answer (zh and en) is grounded against its commit's real diff
   (``LocalGitSource.diff``), the repository at the commit (``LocalGitSource.tree_lookup``) and
   the commit message. The fixture's files hold synthetic lines (``# <path>: line N``), so its
   paths and its commit messages are real but no identifier of the code is there: an identifier
   the answer takes from neither the message nor a path is "nowhere" here, whatever a real
   repository would say. Read its nowhere list as the mark at work, its path rows as the check
   of the path rules.
2. **Real history** (``../shared/data/pytest-since-2021.git.tar.gz`` when it is there): the
   backticked names people wrote in the messages of the last ``--commits`` first-parent commits
   that have any, grounded against each commit's real diff and the real tree at the commit (the
   message itself is not a source here). Human claims about real code: a name the rules call
   "nowhere" that a reader finds in the commit is a rule to fix.

For each it prints the share of distinct names per entry found in the diff, only in the tree,
only in the message, and nowhere; every "nowhere" name with its commit and field, so that a person
can judge them; the number claims the data contradicts; and the time of the tree lookups.

    python bench/grounding.py [--commits 300] [--data ../shared/data/pytest-since-2021.git.tar.gz]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "lib"))

from realistic_day import build_realistic_day, load_commits, load_recordings  # noqa: E402
from repodigest.analysis.grounding import WHERE, ground_analysis, mark_analysis  # noqa: E402
from repodigest.analysis.schema import to_entry_dict, validate_analysis  # noqa: E402
from repodigest.sources.local_git import LocalGitSource  # noqa: E402
from repodigest.window import Window, resolve_tz  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "pytest-since-2021.git.tar.gz"


class Tally:
    """Distinct names per entry, by where they were found; the nowhere ones listed."""

    def __init__(self):
        self.counts: Counter = Counter()
        self.kinds: Counter = Counter()
        self.nowhere: list[tuple[str, str, str]] = []
        self.numbers: list[tuple[str, str]] = []
        self.entries = 0
        self.lookup_seconds: list[float] = []

    def add(self, label: str, grounding) -> None:
        self.entries += 1
        self.counts.update(grounding.counts)
        seen = {}
        for n in grounding.names:
            seen.setdefault(n.name, n)
        self.kinds.update((n.kind, n.where) for n in seen.values())
        self.nowhere += [(label, n.field, n.name) for n in seen.values() if n.where == "nowhere"]
        self.numbers += [(label, claim) for claim in grounding.number_mismatches]

    def report(self, title: str) -> None:
        total = sum(self.counts.values())
        print(f"\n## {title}: {self.entries} entries, {total} names (each counted once per entry)")
        if total:
            print(
                "  "
                + "   ".join(
                    f"{w} {self.counts[w]} ({self.counts[w] / total:.1%})"
                    for w in WHERE
                    if self.counts[w] or w != "unknown"
                )
            )
            for kind in ("path", "name", "flag"):
                row = {w: self.kinds[(kind, w)] for w in WHERE if self.kinds[(kind, w)]}
                if row:
                    print(f"  {kind:5}: " + ", ".join(f"{w} {c}" for w, c in row.items()))
        if self.lookup_seconds:
            print(
                f"  tree lookup per commit: median {statistics.median(self.lookup_seconds) * 1000:.0f} ms, "
                f"max {max(self.lookup_seconds) * 1000:.0f} ms, total {sum(self.lookup_seconds):.2f} s"
            )
        print(f"  nowhere ({len(self.nowhere)}):")
        for label, field, name in self.nowhere:
            print(f"    {label:40} {field:22} `{name}`")
        print(f"  number claims the data contradicts ({len(self.numbers)}):")
        for label, claim in self.numbers:
            print(f"    {label:40} “{claim}”")


def timed(lookup, seconds: list[float]):
    def wrapper(words):
        start = time.perf_counter()
        try:
            return lookup(words)
        finally:
            seconds.append(time.perf_counter() - start)

    return wrapper


def realistic_day(tmp: Path) -> None:
    repo = build_realistic_day(tmp / "day")
    source = LocalGitSource(repo.path)
    window = Window(date(2026, 2, 16), 1, resolve_tz("Asia/Shanghai"))
    by_sha = {c.sha: c for c in source.commits(window)}
    for lang in ("en", "zh"):
        recorded = load_recordings(lang)
        with_message, without_message, blind = Tally(), Tally(), Tally()
        for declared in load_commits():
            commit = by_sha[repo.day_shas[declared["id"]]]
            analysis = to_entry_dict(validate_analysis(recorded[declared["id"]]["answer"], "low"))
            diff = source.diff(commit)
            lookup = timed(source.tree_lookup(commit.sha), with_message.lookup_seconds)
            g = ground_analysis(analysis, diff, files=commit.files, message=commit.message, tree_lookup=lookup)
            with_message.add(declared["id"], g)
            without_message.add(
                declared["id"],
                ground_analysis(analysis, diff, files=commit.files, tree_lookup=source.tree_lookup(commit.sha)),
            )
            blind.add(declared["id"], ground_analysis(analysis, diff, files=commit.files, message=commit.message))
            marked = mark_analysis(analysis, g.ungrounded)
            assert sum(str(v).count("(?)") for v in marked.values()) >= len(g.ungrounded)
        with_message.report(f"realistic day, {lang}: diff, tree, then the commit message")
        print(
            "  without the message as a source: "
            + ", ".join(f"{w} {without_message.counts[w]}" for w in WHERE if w != "unknown")
        )
        print(
            "  without a tree lookup (patches only): "
            + ", ".join(f"{w} {blind.counts[w]}" for w in WHERE if w != "tree")
        )


def real_history(tarball: Path, tmp: Path, limit: int) -> None:
    subprocess.run(["tar", "xzf", str(tarball), "-C", str(tmp)], check=True)
    clone = next(p for p in tmp.iterdir() if p.name.endswith(".git"))
    source = LocalGitSource(clone)
    last = source.latest_commit_time()
    commits = source.commits(Window(last.date(), 6 * 366, resolve_tz("UTC")))  # newest first, one git log
    tally, seconds = Tally(), []
    started = time.perf_counter()
    for commit in commits:
        if tally.entries >= limit:
            break
        if "`" not in commit.message:
            continue
        g = ground_analysis(
            {"summary": [commit.message]},
            source.diff(commit),
            files=commit.files,
            tree_lookup=timed(source.tree_lookup(commit.sha), seconds),
        )
        if g.names:
            tally.add(f"{commit.sha[:10]} {commit.title[:28]}", g)
    tally.lookup_seconds = seconds
    tally.report(
        f"pytest history: names people wrote in {tally.entries} commit messages "
        f"({time.perf_counter() - started:.1f} s in all)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--commits", type=int, default=300, help="commit messages with names to ground (history)")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="a .git.tar.gz bare clone")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        realistic_day(Path(tmp))
        if args.data.is_file():
            real_history(args.data, Path(tmp), args.commits)
        else:
            print(f"\n(no real history: {args.data} is not there)")


if __name__ == "__main__":
    main()
