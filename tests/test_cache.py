"""The shared SQLite cache under concurrent writers: separate processes, the same file."""

import json
import multiprocessing
import os
import random
import re
import sqlite3
import subprocess
import sys
import traceback
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from repodigest.cache import SCHEMA_VERSION, Cache, Table

COMMITS, ANALYSES, T, OTHER, DELTAS = (
    Table(name, "1") for name in ("github_commit", "llm_analysis", "t", "other", "survival_deltas")
)


def _writer(directory: str, worker: int, count: int) -> None:
    try:
        cache = Cache(directory)
        for i in range(count):
            cache.put(COMMITS, f"k{i}", {"i": i, "payload": "x" * 200})  # both write the same keys
            cache.put(ANALYSES, f"w{worker}-{i}", {"worker": worker, "i": i})
            assert cache.get(COMMITS, f"k{i}")["i"] == i
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
    assert len(cache.get_many(COMMITS, [f"k{i}" for i in range(300)])) == 300
    assert len(cache.get_many(ANALYSES, [f"w{w}-{i}" for w in range(2) for i in range(300)])) == 600


def test_refresh_reads_nothing_but_writes(tmp_path):
    Cache(tmp_path).put(T, "a", [1])
    fresh = Cache(tmp_path, refresh=True)
    assert fresh.get(T, "a") is None and fresh.get_many(T, ["a"]) == {}
    fresh.put(T, "a", [2])
    assert Cache(tmp_path).get(T, "a") == [2]


def test_put_many_stores_every_value_in_one_transaction(tmp_path):
    cache = Cache(tmp_path)
    cache.put_many(DELTAS, {f"k{i}": {"a.py": [i, 1]} for i in range(1200)})
    cache.put_many(DELTAS, {})
    stored = Cache(tmp_path).get_many(DELTAS, [f"k{i}" for i in range(1200)])
    assert len(stored) == 1200 and stored["k7"] == {"a.py": [7, 1]}
    with pytest.raises(TypeError):  # a value that is not JSON writes none of them
        cache.put_many(DELTAS, {"x1": [1], "x2": {1, 2}})
    assert Cache(tmp_path).get_many(DELTAS, ["x1", "x2"]) == {}


# A damaged, foreign or newer cache file never stops a run: it is set aside and a fresh one started.


def _real_cache_bytes(tmp_path, rows: int = 50) -> bytes:
    """The bytes of a real (closed) cache file with ``rows`` values of 1 kB."""
    folder = tmp_path / "source-cache"
    cache = Cache(folder)
    for i in range(rows):
        cache.put(COMMITS, f"k{i}", {"i": i, "payload": "x" * 1000})
    cache.close()
    return (folder / "cache.sqlite3").read_bytes()


def _plant(tmp_path, content: bytes, **side: bytes) -> Path:
    folder = tmp_path / "cache"
    folder.mkdir(exist_ok=True)
    (folder / "cache.sqlite3").write_bytes(content)
    for suffix, data in side.items():
        (folder / f"cache.sqlite3-{suffix}").write_bytes(data)
    return folder


def _set_aside(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if re.fullmatch(r"cache\.sqlite3\.corrupt-\d{8}T\d{6}Z(-\d+)?", p.name))


def _assert_fresh_and_warned(cache: Cache, folder: Path, caplog, reason: str, original: bytes) -> Path:
    """The cache works, the old file sits beside it with its bytes, and one warning line names it."""
    cache.put(COMMITS, "new", {"ok": True})
    assert cache.get(COMMITS, "new") == {"ok": True}
    [aside] = _set_aside(folder)
    assert aside.read_bytes() == original
    [line] = cache.warnings
    assert line == f"cache file {folder / 'cache.sqlite3'} is {reason}: moved aside to {aside}; starting a fresh cache"
    assert [r.getMessage() for r in caplog.records if r.name == "repodigest.cache"] == [line]
    assert "\n" not in line
    return aside


@pytest.mark.parametrize("kind", ["random bytes", "text", "truncated cache", "sqlite header only"])
def test_a_file_that_is_not_a_database_is_moved_aside(tmp_path, caplog, kind):
    content = {
        "random bytes": random.Random(7).randbytes(20_000),
        "text": b"not a cache\n" * 100,
        "truncated cache": _real_cache_bytes(tmp_path)[:30_000],
        "sqlite header only": b"SQLite format 3\x00",
    }[kind]
    folder = _plant(tmp_path, content, wal=b"garbage wal" * 50, shm=b"\x00" * 100)
    cache = Cache(folder)
    assert cache.get(COMMITS, "k1") is None
    reason = (
        "damaged (database disk image is malformed)"
        if kind == "truncated cache"
        else "damaged (file is not a database)"
    )
    aside = _assert_fresh_and_warned(cache, folder, caplog, reason, content)
    # The old side files went with it (or SQLite removed them): none is read as the fresh file's.
    for suffix in ("-wal", "-shm"):
        fresh = folder / f"cache.sqlite3{suffix}"
        assert not fresh.exists() or b"garbage wal" not in fresh.read_bytes()
        assert (
            not Path(f"{aside}{suffix}").exists()
            or suffix == "-shm"
            or Path(f"{aside}{suffix}").read_bytes() == b"garbage wal" * 50
        )
    cache.close()
    assert Cache(folder).get(COMMITS, "new") == {"ok": True}  # the next run finds the fresh cache


def test_an_empty_file_is_an_empty_cache(tmp_path, caplog):
    folder = _plant(tmp_path, b"")
    cache = Cache(folder)
    cache.put(T, "a", 1)
    assert cache.get(T, "a") == 1 and cache.warnings == [] and _set_aside(folder) == []


def _sqlite_file(folder: Path, *statements: str) -> bytes:
    folder.mkdir(exist_ok=True)
    conn = sqlite3.connect(folder / "cache.sqlite3")
    for sql in statements:
        conn.execute(sql)
    conn.commit()
    conn.close()
    return (folder / "cache.sqlite3").read_bytes()


@pytest.mark.parametrize(
    "statements, reason",
    [
        (
            ["CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT)", "INSERT INTO moz_places VALUES (1, 'x')"],
            "not a repodigest cache (its table 'moz_places' is not a key/value table)",
        ),
        (
            ["CREATE TABLE github_commit (key INTEGER, value BLOB)"],
            "not a repodigest cache (its table 'github_commit' is not a key/value table)",
        ),
        (
            [
                "CREATE TABLE github_commit (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
                "CREATE VIEW recent AS SELECT * FROM github_commit",
            ],
            "not a repodigest cache (it has the view 'recent')",
        ),
    ],
)
def test_another_programs_database_is_moved_aside(tmp_path, caplog, statements, reason):
    folder = tmp_path / "cache"
    original = _sqlite_file(folder, *statements)
    cache = Cache(folder)
    assert cache.get(COMMITS, "k") is None
    _assert_fresh_and_warned(cache, folder, caplog, reason, original)


def test_a_cache_from_a_newer_schema_is_moved_aside(tmp_path, caplog):
    folder = tmp_path / "cache"
    original = _sqlite_file(
        folder,
        "CREATE TABLE github_commit (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        f"""INSERT INTO github_commit VALUES ('{COMMITS.stored("k")}', '"from the future"')""",
        f"PRAGMA user_version = {SCHEMA_VERSION + 1}",
    )
    cache = Cache(folder)
    assert cache.get(COMMITS, "k") is None
    reason = f"written by a newer repodigest (cache schema {SCHEMA_VERSION + 1}, this one reads {SCHEMA_VERSION})"
    _assert_fresh_and_warned(cache, folder, caplog, reason, original)


def test_a_cache_from_before_schema_versions_is_kept(tmp_path, caplog):
    folder = tmp_path / "cache"
    _sqlite_file(
        folder,
        "CREATE TABLE github_commit (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        f"""INSERT INTO github_commit VALUES ('{COMMITS.stored("k")}', '{{"kept": 1}}')""",
    )
    cache = Cache(folder)
    assert cache.get(COMMITS, "k") == {"kept": 1} and cache.warnings == [] and _set_aside(folder) == []
    cache.close()
    version = sqlite3.connect(folder / "cache.sqlite3").execute("PRAGMA user_version").fetchone()[0]
    assert version == SCHEMA_VERSION


def test_a_directory_in_place_of_the_file_is_moved_aside(tmp_path, caplog):
    folder = tmp_path / "cache"
    (folder / "cache.sqlite3").mkdir(parents=True)
    cache = Cache(folder)
    cache.put(T, "a", 1)
    assert cache.get(T, "a") == 1
    [aside] = _set_aside(folder)
    assert aside.is_dir() and cache.warnings == [
        f"cache file {folder / 'cache.sqlite3'} is not a file: moved aside to {aside}; starting a fresh cache"
    ]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads and writes files whatever their mode")
def test_a_file_this_user_cannot_read_is_moved_aside(tmp_path, caplog):
    folder = tmp_path / "cache"
    original = _sqlite_file(folder, "CREATE TABLE t (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    (folder / "cache.sqlite3").chmod(0)
    cache = Cache(folder)
    assert cache.get(T, "a") is None
    [aside] = _set_aside(folder)
    aside.chmod(0o600)
    _assert_fresh_and_warned(cache, folder, caplog, "not readable and writable by this user", original)


def test_damage_found_mid_run_sets_the_file_aside_once(tmp_path, caplog):
    """The header and schema are intact, so the file opens; reading the damaged pages fails."""
    content = bytearray(_real_cache_bytes(tmp_path, rows=400))
    page = 4096
    content[page * 20 : page * 60] = random.Random(3).randbytes(page * 40)
    folder = _plant(tmp_path, bytes(content))
    cache = Cache(folder)
    keys = [f"k{i}" for i in range(400)]
    with ThreadPoolExecutor(8) as pool:  # threads of one run meet the damage at once
        results = list(pool.map(lambda _: cache.get_many(COMMITS, keys), range(8)))
    assert results == [{}] * 8  # the damaged file's answer is lost; the fresh cache answers from then on
    reason = "damaged (database disk image is malformed)"
    _assert_fresh_and_warned(cache, folder, caplog, reason, bytes(content))


def test_a_value_that_is_not_json_is_a_miss(tmp_path):
    folder = tmp_path / "cache"
    _sqlite_file(
        folder,
        "CREATE TABLE t (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        f"INSERT INTO t VALUES ('{T.stored('bad')}', '{{not json'), ('{T.stored('good')}', '[1]')",
    )
    assert Cache(folder).get_many(T, ["bad", "good"]) == {"good": [1]}


def test_an_unusable_cache_directory_means_no_cache(tmp_path, caplog):
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the cache directory's parent should be")
    cache = Cache(blocker / "cache")
    cache.put(T, "a", 1)
    assert cache.get(T, "a") is None and cache.get_many(T, ["a"]) == {}
    assert cache.warnings == [
        f"cannot use the cache {blocker / 'cache' / 'cache.sqlite3'} (Not a directory): continuing without a cache"
    ]


_FULL_DISK = """
import json, resource, signal, sys
from repodigest.cache import SCHEMA_VERSION, Cache, Table
T = Table("t", "1")
cache = Cache(sys.argv[1])
cache.put(T, "before", "written before the disk filled")
size = sum(p.stat().st_size for p in cache.dir.iterdir())
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG, as on a full disk
resource.setrlimit(resource.RLIMIT_FSIZE, (size + 20_000, size + 20_000))
for i in range(100):
    cache.put(T, f"k{i}", "x" * 5_000)
print(json.dumps({"warnings": cache.warnings, "before": cache.get(T, "before"),
                  "stored": len(cache.get_many(T, [f"k{i}" for i in range(100)]))}))
"""


def test_a_failing_disk_skips_writes_with_one_warning(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-c", _FULL_DISK, str(tmp_path / "cache")], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    [line] = result["warnings"]
    assert line.startswith(f"cannot write to the cache {tmp_path / 'cache' / 'cache.sqlite3'} (") and line.endswith(
        "): continuing without caching"
    )
    assert proc.stderr.strip() == line  # said once, not once per write
    assert result["before"] == "written before the disk filled" and 0 < result["stored"] < 100


def _opener(directory: str, worker: int, start, count: int, open_first: bool) -> None:
    try:
        cache = Cache(directory)
        if open_first:  # checks and opens the file (through a table the damage does not touch)
            cache.get(OTHER, "x")
        start.wait(timeout=60)  # all at once
        cache.get_many(COMMITS, [f"k{i}" for i in range(400)])
        for i in range(count):
            cache.put(COMMITS, f"w{worker}-{i}", {"worker": worker, "i": i})
        (Path(directory) / f"warnings-{worker}.json").write_text(json.dumps(cache.warnings))
    except BaseException:
        (Path(directory) / f"error-{worker}.txt").write_text(traceback.format_exc())
        raise


@pytest.mark.parametrize("when", ["on opening", "mid-run"])
def test_processes_finding_the_same_damaged_file_at_once(tmp_path, when):
    """One moves it aside; the others use the fresh file and never move it in turn."""
    if when == "on opening":
        folder = _plant(tmp_path, b"not a database at all\n" * 200)
    else:  # every process has the damaged file open before any of them reads the damaged pages
        content = bytearray(_real_cache_bytes(tmp_path, rows=400))
        content[4096 * 20 : 4096 * 60] = random.Random(3).randbytes(4096 * 40)
        folder = _plant(tmp_path, bytes(content))
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Barrier(3)
    procs = [ctx.Process(target=_opener, args=(str(folder), w, start, 200, when == "mid-run")) for w in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
    errors = "".join(p.read_text() for p in folder.glob("error-*.txt"))
    assert [p.exitcode for p in procs] == [0, 0, 0], errors
    [aside] = _set_aside(folder)  # moved once, not once per process
    warned = [json.loads((folder / f"warnings-{w}.json").read_text()) for w in range(3)]
    assert sorted(len(w) for w in warned) == [0, 0, 1] and str(aside) in sum(warned, [])[0]
    conn = sqlite3.connect(folder / "cache.sqlite3")
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    # None lost another's fresh file: every worker's values are in the one cache.
    assert len(Cache(folder).get_many(COMMITS, [f"w{w}-{i}" for w in range(3) for i in range(200)])) == 600


def test_a_value_of_another_table_version_is_never_read(tmp_path):
    cache = Cache(tmp_path)
    old, new = Table("github_commit", "1"), Table("github_commit", "2")
    cache.put(old, "k", {"shape": 1})
    assert cache.get(new, "k") is None and cache.get_many(new, ["k"]) == {}
    cache.put(new, "k", {"shape": 2})
    assert cache.get(old, "k") == {"shape": 1} and cache.get_many(new, ["k"]) == {"k": {"shape": 2}}


def test_every_cached_table_is_declared_once_with_a_version():
    from repodigest.analysis import claims, overview_wording, run
    from repodigest.analytics.survival import DELTAS as SURVIVAL_DELTAS
    from repodigest.analytics.survival import STATE as SURVIVAL_STATE
    from repodigest.evidence import outcomes
    from repodigest.sources import github, pull_requests

    tables = [
        github.COMMIT_TABLE,
        github.WINDOW_TABLE,
        github.TITLE_TABLE,
        pull_requests.PULL_TABLE,
        run.CACHE_TABLE,
        claims.TABLE,
        overview_wording.OVERVIEW_TABLE,
        outcomes.TABLE,
        SURVIVAL_DELTAS,
        SURVIVAL_STATE,
    ]
    assert all(isinstance(t, Table) for t in tables) and len({t.name for t in tables}) == len(tables)
    with pytest.raises(ValueError, match="needs a version"):
        Table("github_commit", "")
