"""The durable print-job store: durability settings, schema, order, pruning, restarts."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from devices.printer.jobs import (
    SCHEMA_VERSION,
    JobId,
    JobState,
    PrintJobStore,
    SchemaTooNewError,
    migrate,
)


def _add(store: PrintJobStore, title: str = "停车缴费凭条", body: bytes = b"\x1b@hello") -> JobId:
    return store.add(title, '{"title": "t", "blocks": []}', body)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "jobs" / "print_jobs.sqlite3"


def test_wal_and_synchronous_full_are_in_force(db: Path) -> None:
    store = PrintJobStore(db)
    try:
        pragmas = store.pragmas()
        assert str(pragmas["journal_mode"]).lower() == "wal"
        assert pragmas["synchronous"] == 2  # FULL
        assert pragmas["secure_delete"] == 1
        assert pragmas["user_version"] == SCHEMA_VERSION
    finally:
        store.close()
    # WAL is a property of the file: another connection sees it too.
    with sqlite3.connect(db) as other:
        assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    other.close()


def test_database_file_is_private(db: Path) -> None:
    PrintJobStore(db).close()
    assert db.stat().st_mode & 0o077 == 0


def test_schema_init_is_idempotent(db: Path) -> None:
    store = PrintJobStore(db)
    job_id = _add(store)
    store.close()

    store = PrintJobStore(db)  # second open: no migration, no data lost
    try:
        assert store.get(job_id) is not None
        assert store.pragmas()["user_version"] == SCHEMA_VERSION
    finally:
        store.close()

    conn = sqlite3.connect(db, isolation_level=None)
    try:
        assert migrate(conn) == SCHEMA_VERSION
        assert migrate(conn) == SCHEMA_VERSION
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        assert tables.count("jobs") == 1
        assert conn.execute("SELECT count(*) FROM jobs").fetchone()[0] == 1
    finally:
        conn.close()


def test_migrates_an_empty_database_from_version_zero(db: Path) -> None:
    db.parent.mkdir(parents=True)
    conn = sqlite3.connect(db, isolation_level=None)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 0
    assert migrate(conn) == 0
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    conn.close()


def test_refuses_a_newer_schema(db: Path) -> None:
    PrintJobStore(db).close()
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(SchemaTooNewError):
        PrintJobStore(db)


def test_pending_job_survives_reopen_with_its_exact_bytes(db: Path) -> None:
    payload = bytes(range(256)) * 4
    store = PrintJobStore(db, clock=lambda: 1700000000.0)
    job_id = store.add("凭条", '{"title": "凭条", "blocks": []}', payload)
    store.close()

    store = PrintJobStore(db)
    try:
        job = store.next_pending()
        assert job is not None
        assert job.id == job_id
        assert job.escpos == payload
        assert job.title == "凭条"
        assert job.state is JobState.PENDING
        assert job.created_at == 1700000000.0
    finally:
        store.close()


def test_job_cut_off_by_a_crash_is_pending_again(db: Path) -> None:
    store = PrintJobStore(db)
    job_id = _add(store)
    store.mark_printing(job_id)
    assert store.next_pending() is None
    store.close()  # the process "dies" while sending

    store = PrintJobStore(db)
    try:
        job = store.get(job_id)
        assert job is not None
        assert job.state is JobState.PENDING
        assert job.attempts == 1
    finally:
        store.close()


def test_pending_jobs_come_out_oldest_first(db: Path) -> None:
    store = PrintJobStore(db)
    try:
        ids = [_add(store, f"t{i}") for i in range(3)]
        seen = []
        while (job := store.next_pending()) is not None:
            seen.append(job.id)
            store.mark_done(job.id)
        assert seen == ids
    finally:
        store.close()


def test_failed_attempt_keeps_the_job_with_its_error(db: Path) -> None:
    store = PrintJobStore(db)
    try:
        job_id = _add(store)
        store.mark_printing(job_id)
        store.mark_pending(job_id, "printer.paper_out")
        job = store.get(job_id)
        assert job is not None
        assert (job.state, job.attempts, job.last_error) == (
            JobState.PENDING,
            1,
            "printer.paper_out",
        )
        store.mark_done(job_id)
        done = store.get(job_id)
        assert done is not None
        assert done.state is JobState.DONE
        assert done.last_error is None
        assert done.done_at is not None
    finally:
        store.close()


def test_prunes_finished_jobs_but_never_pending_ones(db: Path) -> None:
    store = PrintJobStore(db, keep_done=3)
    try:
        waiting = _add(store, "waiting")
        finished = []
        for i in range(6):
            job_id = _add(store, f"done{i}")
            store.mark_done(job_id)
            finished.append(job_id)
        failed = _add(store, "failed")
        store.mark_failed(failed, "printer.error")

        kept = {job.id for job in store.recent(100)}
        assert kept == {waiting, finished[-2], finished[-1], failed}
        assert store.get(finished[0]) is None
        assert store.pending_count() == 1
    finally:
        store.close()


def test_default_retention_is_twenty(db: Path) -> None:
    store = PrintJobStore(db)
    try:
        for _ in range(25):
            store.mark_done(_add(store))
        assert len(store.recent(100)) == 20
    finally:
        store.close()


def test_pruned_receipts_are_overwritten_on_disk(db: Path) -> None:
    marker = "MASKED-ID-110101XXXXXXXX1234"
    store = PrintJobStore(db, keep_done=0)
    job_id = store.add("t", f'{{"title": "t", "blocks": [], "x": "{marker}"}}', b"x")
    store.mark_done(job_id)
    store.close()  # checkpoint: the WAL is folded into the file
    assert marker.encode() not in db.read_bytes()


def test_ids_are_not_reused_after_pruning(db: Path) -> None:
    store = PrintJobStore(db, keep_done=0)
    try:
        first = _add(store)
        store.mark_done(first)
        assert store.get(first) is None
        assert _add(store) > first
    finally:
        store.close()


def test_recent_is_newest_first_and_bounded(db: Path) -> None:
    store = PrintJobStore(db)
    try:
        ids = [_add(store, f"t{i}") for i in range(5)]
        assert [j.id for j in store.recent(3)] == ids[::-1][:3]
    finally:
        store.close()


def test_paper_counter_accumulates_and_resets(db: Path) -> None:
    store = PrintJobStore(db)
    try:
        assert store.paper_used_mm() == 0.0
        store.mark_done(_add(store), paper_mm=80.5)
        store.mark_done(_add(store), paper_mm=19.5)
        assert store.paper_used_mm() == pytest.approx(100.0)
        store.close()
        store = PrintJobStore(db)
        assert store.paper_used_mm() == pytest.approx(100.0)
        store.reset_paper_used()
        assert store.paper_used_mm() == 0.0
    finally:
        store.close()


def test_concurrent_writers_lose_nothing(db: Path) -> None:
    store = PrintJobStore(db, keep_done=1000)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(25):
                job_id = _add(store, f"w{n}-{i}")
                store.mark_printing(job_id)
                store.mark_done(job_id)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert not errors
        jobs = store.recent(1000)
        assert len(jobs) == 100
        assert len({j.id for j in jobs}) == 100
        assert all(j.state is JobState.DONE and j.attempts == 1 for j in jobs)
    finally:
        store.close()


def test_rejects_negative_retention(db: Path) -> None:
    with pytest.raises(ValueError, match="keep_done"):
        PrintJobStore(db, keep_done=-1)


def test_job_repr_hides_receipt_contents(db: Path) -> None:
    store = PrintJobStore(db)
    try:
        job_id = store.add("t", '{"secret": "张三"}', b"\x1b@\xd5\xc5")
        job = store.get(job_id)
        assert job is not None
        assert "张三" not in repr(job)
        assert "escpos" not in repr(job)
    finally:
        store.close()


def test_a_job_cut_off_while_sending_is_uncertain_never_pending(db: Path) -> None:
    store = PrintJobStore(db)
    job_id = _add(store)
    store.mark_printing(job_id)
    store.mark_sending(job_id)
    store.close()  # killed after bytes may have reached the printer

    store = PrintJobStore(db)
    try:
        job = store.get(job_id)
        assert job is not None
        assert (job.state, job.last_error) == (JobState.UNCERTAIN, "printer.interrupted")
        assert job.state.finished and store.next_pending() is None
    finally:
        store.close()


def test_a_version_1_database_keeps_its_jobs_and_ids(db: Path) -> None:
    import sqlite3

    from devices.printer.jobs import _migrate_0_to_1

    db.parent.mkdir(parents=True)
    conn = sqlite3.connect(db, isolation_level=None)
    _migrate_0_to_1(conn)
    conn.execute("PRAGMA user_version = 1")
    conn.execute(
        "INSERT INTO jobs (created_at, title, receipt_json, escpos, state)"
        " VALUES (1.0, 'old', '{}', x'1b40', 'pending')"
    )
    conn.close()
    store = PrintJobStore(db)
    try:
        (job,) = store.recent(5)
        assert (job.id, job.title, job.state, job.escpos) == (1, "old", JobState.PENDING, b"\x1b@")
        store.mark_sending(job.id)  # the new state is allowed after the migration
        assert _add(store) == 2  # ids go on from where they were
    finally:
        store.close()
