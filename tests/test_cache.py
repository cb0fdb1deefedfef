"""The shared SQLite cache under concurrent writers: separate processes, the same file."""

import multiprocessing
import sqlite3
import traceback
from pathlib import Path

from repodigest.cache import Cache


def _writer(directory: str, worker: int, count: int) -> None:
    try:
        cache = Cache(directory)
        for i in range(count):
            cache.put("github_commit", f"k{i}", {"i": i, "payload": "x" * 200})  # both write the same keys
            cache.put("llm_analysis", f"w{worker}-{i}", {"worker": worker, "i": i})
            assert cache.get("github_commit", f"k{i}")["i"] == i
    except BaseException:
        (Path(directory) / f"error-{worker}.txt").write_text(traceback.format_exc())
        raise


def test_two_processes_writing_at_once_leave_a_consistent_cache(tmp_path):
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(str(tmp_path), w, 300)) for w in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
    errors = "".join(p.read_text() for p in tmp_path.glob("error-*.txt"))
    assert [p.exitcode for p in procs] == [0, 0], errors
    conn = sqlite3.connect(tmp_path / "cache.sqlite3")
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    cache = Cache(tmp_path)
    assert len(cache.get_many("github_commit", [f"k{i}" for i in range(300)])) == 300
    assert len(cache.get_many("llm_analysis", [f"w{w}-{i}" for w in range(2) for i in range(300)])) == 600


def test_refresh_reads_nothing_but_writes(tmp_path):
    Cache(tmp_path).put("t", "a", [1])
    fresh = Cache(tmp_path, refresh=True)
    assert fresh.get("t", "a") is None and fresh.get_many("t", ["a"]) == {}
    fresh.put("t", "a", [2])
    assert Cache(tmp_path).get("t", "a") == [2]
