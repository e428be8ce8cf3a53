"""The center's database layer on both engines: migrations (once, even from several
processes at once; a newer schema refused), the ``?`` parameters, one schema per store,
errors as service errors; on PostgreSQL, a serialization failure retried and a restarted
server survived."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from center.database import DatabaseSettings, open_engine
from kiosk.platform.database import (
    READ_COMMITTED,
    Connection,
    Dialects,
    IntegrityViolation,
    Migration,
)
from kiosk.platform.service_errors import ServiceTimeout, StoreError
from tests.support.postgres import PostgresCluster, find_bin_dir

STEPS: tuple[Migration, ...] = (
    (
        "CREATE TABLE counters (name TEXT PRIMARY KEY, n INTEGER NOT NULL CHECK (n >= 0))",
        Dialects(
            "CREATE TABLE log (id INTEGER PRIMARY KEY AUTOINCREMENT, what TEXT NOT NULL)",
            "CREATE TABLE log (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
            " what TEXT NOT NULL)",
        ),
    ),
    ("ALTER TABLE counters ADD COLUMN note TEXT NOT NULL DEFAULT ''",),
)


def counter(db: Any, name: str = "a") -> int:
    with db.read() as c:
        row = c.execute("SELECT n FROM counters WHERE name = ?", (name,)).fetchone()
    return int(row[0]) if row else -1


def increment(c: Connection, name: str = "a") -> int:
    row = c.execute("SELECT n FROM counters WHERE name = ?", (name,)).fetchone()
    n = (int(row[0]) if row else 0) + 1
    c.execute(
        "INSERT INTO counters (name, n) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET n = ?",
        (name, n, n),
    )
    return n


def test_migrations_run_once_and_a_newer_schema_is_refused(center_engine: Any) -> None:
    db = center_engine.store("demo", sqlite_file="demo.sqlite3")
    assert db.schema_version == 0
    db.migrate(STEPS[:1], what="demo")
    assert db.schema_version == 1
    db.write(increment)
    db.migrate(STEPS, what="demo")  # step 2 only: step 1's table and row are kept
    db.migrate(STEPS, what="demo")
    assert db.schema_version == 2 and counter(db) == 1
    with db.read() as c:
        assert c.execute("SELECT note FROM counters").fetchone()[0] == ""
    with pytest.raises(StoreError, match="2"):
        db.migrate(STEPS[:1], what="demo")  # an older build
    db.close()


def test_parameters_percent_signs_and_returning(center_engine: Any) -> None:
    db = center_engine.store("demo", sqlite_file="demo.sqlite3")
    db.migrate(STEPS, what="demo")
    ids = [
        db.write(
            lambda c, w=what: int(
                c.execute("INSERT INTO log (what) VALUES (?) RETURNING id", (w,)).fetchone()[0]
            )
        )
        for what in ("50% off", "a?b", "plain")
    ]
    assert ids == sorted(ids) and len(set(ids)) == 3
    with db.read() as c:
        rows = c.execute(
            "SELECT what FROM log WHERE what LIKE '%off' OR what = ? ORDER BY id", ("a?b",)
        ).fetchall()
        assert [r[0] for r in rows] == ["50% off", "a?b"]
        assert c.execute("SELECT COUNT(*) FROM log WHERE what LIKE '%a%'").fetchone()[0] == 2
    db.close()


def test_each_store_keeps_its_own_tables(center_engine: Any) -> None:
    one = center_engine.store("one", sqlite_file="one.sqlite3")
    two = center_engine.store("two", sqlite_file="two.sqlite3")
    one.migrate(STEPS, what="one")
    two.migrate(STEPS[:1], what="two")
    one.write(increment)
    one.write(increment)
    two.write(increment)
    assert (counter(one), counter(two)) == (2, 1)
    assert (one.schema_version, two.schema_version) == (2, 1)
    one.close()
    two.close()


def test_refusals_are_integrity_violations_and_nothing_is_written(center_engine: Any) -> None:
    db = center_engine.store("demo", sqlite_file="demo.sqlite3")
    db.migrate(STEPS, what="demo")
    db.write(increment)

    def both(c: Connection) -> None:
        c.execute("INSERT INTO log (what) VALUES ('half')")
        c.execute("UPDATE counters SET n = -1")

    with pytest.raises(IntegrityViolation, match=r"n >= 0|counters_n_check"):
        db.write(both)
    with pytest.raises(IntegrityViolation):  # a duplicate key stays one, after its retries
        db.write(lambda c: c.execute("INSERT INTO counters (name, n) VALUES ('a', 5)"))
    with db.read() as c:
        assert c.execute("SELECT COUNT(*) FROM log").fetchone()[0] == 0
    assert counter(db) == 1
    with pytest.raises(StoreError), db.read() as c:
        c.execute("SELECT nothing FROM nowhere")
    with pytest.raises(ValueError), db.transaction() as c:  # the caller's own error
        increment(c)
        raise ValueError("changed my mind")
    assert counter(db) == 1
    db.close()


def test_concurrent_migrations_apply_each_step_once(postgres_url: str, tmp_path: Path) -> None:
    engines = [open_engine(tmp_path, DatabaseSettings(url=postgres_url)) for _ in range(4)]
    start = threading.Barrier(len(engines))
    errors: list[BaseException] = []

    def migrate(engine: Any) -> None:
        start.wait()
        try:
            engine.store("demo").migrate(STEPS, what="demo")
        except BaseException as e:  # reported below
            errors.append(e)

    threads = [threading.Thread(target=migrate, args=(e,), name="migrate") for e in engines]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    try:
        assert errors == []
        assert engines[0].store("demo").schema_version == 2
    finally:
        for engine in engines:
            engine.close()


def test_a_serialization_failure_runs_the_work_again(postgres_url: str, tmp_path: Path) -> None:
    engine = open_engine(tmp_path, DatabaseSettings(url=postgres_url))
    db = engine.store("demo")
    db.migrate(STEPS, what="demo")
    db.write(increment)
    a_read, b_done = threading.Event(), threading.Event()
    runs: list[int] = []

    def slow(c: Connection) -> int:
        runs.append(counter_in(c))
        if len(runs) == 1:  # the first attempt reads, then waits for B to commit
            a_read.set()
            assert b_done.wait(30)
        return increment(c)

    def b() -> None:
        assert a_read.wait(30)
        db.write(increment)
        b_done.set()

    other = threading.Thread(target=b, name="writer-b")
    other.start()
    try:
        assert db.write(slow) == 3  # A's first attempt (1 -> 2) lost to B's; A ran again
        other.join(timeout=30)
        assert runs == [1, 2] and counter(db) == 3
        assert engine.stats["retries"] >= 1
        # READ COMMITTED on the same interleaving would have lost B's increment; the
        # store chose SERIALIZABLE for read-then-write
    finally:
        engine.close()


def counter_in(c: Connection) -> int:
    row = c.execute("SELECT n FROM counters WHERE name = 'a'").fetchone()
    return int(row[0]) if row else 0


def test_a_single_statement_write_may_read_committed(postgres_url: str, tmp_path: Path) -> None:
    engine = open_engine(tmp_path, DatabaseSettings(url=postgres_url))
    db = engine.store("demo")
    db.migrate(STEPS, what="demo")
    sql = (
        "INSERT INTO counters (name, n) VALUES ('a', 1)"
        " ON CONFLICT (name) DO UPDATE SET n = counters.n + 1 RETURNING n"
    )
    start = threading.Barrier(4)

    def bump() -> None:
        start.wait()
        for _ in range(25):
            db.write(lambda c: c.execute(sql).fetchone(), isolation=READ_COMMITTED)

    threads = [threading.Thread(target=bump, name=f"bump-{i}") for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    try:
        assert counter(db) == 100
    finally:
        engine.close()


@pytest.mark.skipif(find_bin_dir() is None, reason="PostgreSQL is not installed")
def test_a_crashed_and_restarted_server_is_reconnected(tmp_path: Path) -> None:
    with PostgresCluster(durable=True) as cluster:  # commits survive the crash
        engine = open_engine(
            tmp_path, DatabaseSettings(url=cluster.create_database("crash"), timeout_s=20)
        )
        try:
            db = engine.store("demo")
            db.migrate(STEPS, what="demo")
            db.write(increment)
            cluster.restart("immediate")  # every pooled connection is now broken
            assert db.write(increment) == 2  # a fresh connection, no error to the caller
            assert counter(db) == 2
            cluster.stop()
            engine.timeout_s = 1.0
            with pytest.raises(ServiceTimeout):
                db.write(increment)
            with pytest.raises(ServiceTimeout):
                counter(db)
        finally:
            engine.close()
