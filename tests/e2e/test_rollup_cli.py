"""``repodigest report --period week``: the rollup through the kernel, as the scheduled run makes it."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).with_name("repodigest")


def run(*args, cwd):
    return subprocess.run([str(BIN), *args], cwd=cwd, capture_output=True, text=True, env=dict(os.environ), timeout=300)


def test_a_week_rollup_through_the_kernel(make_repo, tmp_path):
    repo = make_repo("two-weeks")
    at = lambda day, hour=10: f"2026-03-{day:02d}T{hour:02d}:00:00+00:00"  # noqa: E731
    repo.commit("Initial layout", at(2), {"src/app/core.py": "x\n" * 50, "README.md": "r\n"})
    repo.commit("[1/2] Store: add the cache store (#3)", at(10), {"src/app/store.py": "s\n" * 30})
    repo.commit("[2/2] Store: read through the cache (#4)", at(12), {"src/app/core.py": "y\n" * 60})
    repo.commit("docs: describe the store", at(13), {"docs/store.md": "d\n"}, author=("Ana Ruiz", "ana@example.com"))
    out = tmp_path / "outputs"
    proc = run(
        "report", "--repo", str(repo.path), "--period", "week", "--date", "2026-03-15",
        "--tz", "UTC", "--lang", "en", "--out-dir", str(out), cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    folder = out / "week-2026-03-15"
    assert proc.stdout.strip() == str(folder / "report.md")
    assert {"report.ipynb", "report.html", "report.md", "status.json", "rollup.json", "commits.csv"} <= {
        p.name for p in folder.iterdir()
    }
    status = json.loads((folder / "status.json").read_text())
    assert status["period"] == "week" and status["days"] == [f"2026-03-{d:02d}" for d in range(9, 16)]
    assert status["commits"] == 3
    md = (folder / "report.md").read_text()
    assert md.startswith("# Weekly Report (2026-03-09 to 2026-03-15)\n")
    assert "### 🧵 Threads (1)" in md and "**🔗 Series** `Store`" in md
    assert "ℹ️ This rollup was worded from the commit data (no LLM)." in md
    # Test User committed in the week before (the initial layout): only Ana Ruiz is new
    assert "New (no contribution in the 7 days before): Ana Ruiz\n" in md
    rollup = json.loads((folder / "rollup.json").read_text())
    assert [t["key"] for t in rollup["repos"][0]["threads"]] == ["Store"]
    html = (folder / "report.html").read_text()
    assert "Levels per day" in html and "Commits per day by area" in html  # the two charts, drawn
    for anchor in set(re.findall(r"\]\(#([^)]+)\)", md)):
        assert f'id="{anchor}"' in html


def test_days_and_a_period_exclude_each_other(make_repo, tmp_path, monkeypatch, capsys):
    from repodigest.cli import main  # the command's refusal, in-process

    repo = make_repo("one")
    repo.commit("one", "2026-03-02T10:00:00+00:00", {"a.py": "a\n"})
    monkeypatch.chdir(tmp_path)
    code = main(["report", "--repo", str(repo.path), "--period", "month", "--days", "3", "--date", "2026-03-02"])
    assert code == 2 and capsys.readouterr().err.startswith("error: --days and --period exclude each other")
