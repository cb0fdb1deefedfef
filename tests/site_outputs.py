"""An outputs folder of several days, weeks, a month and a multi-day digest, for the archive site's tests.

Two repositories with commits over five weeks, one of them hostile (a title, an author and a path meant to
run script). One digest covers the whole span; each report folder holds the rows of its days, written
by the library's own writers (``write_frame``, the run's ``status`` and the overview's ``to_dict``), and a
small ``report.html`` whose entries carry the short-sha anchors a real report has. With ``real``, the
named days are real reports, published in-process (tests/published.py) as ``repodigest report`` would.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from html import escape
from pathlib import Path

from gitrepo import GitRepo
from published import save
from repodigest import build_digest
from repodigest.daily import status
from repodigest.frame import write_frame

PWN = "document.documentElement.setAttribute('data-pwned','1')"  # visible in the DOM if any of it runs
CANARY = "rd-site-canary-5151"
HOSTILE_TITLE = f'<img src=x onerror="{PWN}"> </script><script>{PWN}</script> {CANARY}'
HOSTILE_AUTHOR = f"Eve \" onmouseover={PWN} x=' &amp; {CANARY}"
HOSTILE_DIR = "<svg onload=alert(1)>"
FIRST, LAST = date(2026, 1, 12), date(2026, 2, 16)
# folder -> (period in status.json or None, first day, last day)
FOLDERS = {
    "2026-02-14": (None, "2026-02-14", "2026-02-14"),
    "2026-02-15": (None, "2026-02-15", "2026-02-15"),
    "2026-02-16": ("day", "2026-02-16", "2026-02-16"),
    "week-2026-02-08": ("week", "2026-02-02", "2026-02-08"),
    "week-2026-02-15": ("week", "2026-02-09", "2026-02-15"),
    "month-2026-01": ("month", "2026-01-12", "2026-01-31"),
    "2026-02-10_2026-02-16": (None, "2026-02-10", "2026-02-16"),
}


def build_repos(work: Path) -> tuple[GitRepo, GitRepo, dict[str, str]]:
    """Two repositories (alpha, beta) with a commit or two a day, in date order (git log's date limits
    assume it); the shas of the commits named by role."""
    alpha, beta = GitRepo(work / "alpha"), GitRepo(work / "beta")
    shas: dict[str, str] = {}
    day = FIRST
    while day <= LAST:
        n, stamp = (day - FIRST).days, day.isoformat()
        alpha.commit(
            f"feat(sched): teach the scheduler step {n}\n\nThe scheduler learns step {n} of the plan.",
            f"{stamp}T10:00:00+08:00",
            {f"src/sched/step{n}.py": "x\n" * (n + 1)},
        )
        if n % 3 == 0:
            beta.commit(f"docs: 修复内存泄漏说明 {n}", f"{stamp}T11:00:00+08:00", {f"docs/mem{n}.md": "m\n"})
        if stamp == "2026-01-20":
            shas["january"] = alpha.commit(
                "perf: vectorise the tokenizer's merge loop",
                f"{stamp}T16:00:00+08:00",
                {"src/tok/merge.py": "v\n"},
                author=("Ada Quinn", "ada@example.com"),
            )
        if stamp == "2026-02-15":
            shas["leak"] = alpha.commit(
                "fix(cache): plug the eviction leak in the radix cache\n\nEvicted nodes kept their pages pinned.",
                f"{stamp}T15:00:00+08:00",
                {"src/cache/radix.py": "fixed\n" * 5},
                author=("Lin Wei", "lin@example.com"),
            )
        if stamp == "2026-02-16":
            shas["hostile"] = alpha.commit(
                f"{HOSTILE_TITLE}\n\nbody {CANARY}",
                f"{stamp}T12:00:00+08:00",
                {f"src/{HOSTILE_DIR}/x.py": "h\n"},
                author=(HOSTILE_AUTHOR, "eve@example.com"),
            )
        day += timedelta(days=1)
    return alpha, beta, shas


def _minimal(digest, folder: Path, period: str | None, first: str, last: str) -> None:
    days = [
        (date.fromisoformat(first) + timedelta(days=i)).isoformat()
        for i in range((date.fromisoformat(last) - date.fromisoformat(first)).days + 1)
    ]
    frame = digest.frame.assign(in_report=digest.frame["day"].isin(days))
    rows = frame[frame["in_report"]]
    write_frame(frame, folder)
    write_frame(digest.file_frame[digest.file_frame["day"].isin(days)], folder, kind="files")
    record = {**status(digest), "days": days, "commits": len(rows), "levels": rows["level"].value_counts().to_dict()}
    if period:
        record["period"] = period
    (folder / "status.json").write_text(json.dumps(record, default=str), encoding="utf-8")
    overview = {**digest.glance().to_dict(), "days": days, "headline": f"{len(rows)} commits from {first} to {last}."}
    (folder / "overview.json").write_text(json.dumps(overview, default=str), encoding="utf-8")
    entries = "\n".join(f'<h3 id="{r["short_sha"]}">{escape(r["title"])}</h3>' for r in rows.to_dict("records"))
    (folder / "report.html").write_text(
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{folder.name}</title></head>"
        f"<body><h1>{folder.name}</h1>\n{entries}\n</body></html>\n",
        encoding="utf-8",
    )
    (folder / "report.md").write_text(f"# {folder.name}\n", encoding="utf-8")


def build_outputs(work: Path, lang: str = "en", real: tuple[str, ...] = ()) -> tuple[Path, dict[str, str]]:
    """``work/out`` with the report folders of :data:`FOLDERS` (``real`` ones published for real); the shas."""
    alpha, beta, shas = build_repos(work)
    repos = [str(alpha.path), str(beta.path)]
    out = work / "out"
    span = (LAST - FIRST).days + 1
    whole = build_digest(date=LAST.isoformat(), days=span, repos=repos, tz="Asia/Shanghai", lang=lang, progress=False)
    for name, (period, first, last) in FOLDERS.items():
        folder = out / name
        folder.mkdir(parents=True)
        if name in real:
            save(build_digest(date=last, repos=repos, tz="Asia/Shanghai", lang=lang, progress=False), folder)
            if period:
                record = json.loads((folder / "status.json").read_text(encoding="utf-8"))
                (folder / "status.json").write_text(json.dumps({**record, "period": period}), encoding="utf-8")
        else:
            _minimal(whole, folder, period, first, last)
    return out, shas
