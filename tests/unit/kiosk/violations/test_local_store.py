"""The SQLite store: WAL, versioned migrations, refusal of newer files, per-thread use."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from kiosk.platform.service_errors import StoreError
from kiosk.violations.local import LocalViolationService
from kiosk.violations.local_store import MIGRATIONS, SCHEMA_VERSION, ViolationStore
from kiosk.violations.service import LookupResult, VehicleQuery
from tests.unit.kiosk.violations.conftest import copy_db

QUERY = VehicleQuery(plate_type="02", plate="苏E8D2K7", secret="4G15B08327")


def test_new_store_is_migrated_to_the_latest_schema_in_wal_mode(tmp_path: Path) -> None:
    store = ViolationStore(tmp_path / "v.sqlite3")
    try:
        assert store.schema_version == SCHEMA_VERSION == len(MIGRATIONS)
        assert store.is_empty() and store.seeded_with() is None
    finally:
        store.close()
    conn = sqlite3.connect(tmp_path / "v.sqlite3")
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert {"vehicles", "licences", "violations", "seed_info"} <= tables
    finally:
        conn.close()


def test_an_older_file_is_migrated_step_by_step(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path)
    conn.executescript(MIGRATIONS[0] + "; PRAGMA user_version = 1;")
    conn.close()
    store = ViolationStore(path)
    try:
        assert store.schema_version == SCHEMA_VERSION
        assert store.seeded_with() is None  # table of migration 2 exists
    finally:
        store.close()


def test_a_file_from_a_newer_build_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(StoreError, match="schema"):
        ViolationStore(path)


def test_demo_seeding_happens_once(tmp_path: Path) -> None:
    path = tmp_path / "v.sqlite3"
    first = LocalViolationService.open_demo(path)
    counts = first.store.counts()
    first.close()
    again = LocalViolationService.open_demo(path)
    try:
        assert again.store.counts() == counts
        assert counts["vehicles"] >= 1000 and again.store.seeded_with() is not None
    finally:
        again.close()


def test_threads_each_read_with_their_own_connection(tmp_path: Path, seeded_db: Path) -> None:
    service = LocalViolationService.open_demo(copy_db(seeded_db, tmp_path))
    results: list[int] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(20):
                outcome = service.lookup_vehicle(QUERY)
                assert isinstance(outcome, LookupResult)
                results.append(len(outcome.records))
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=work, name=f"reader-{i}") for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    service.close()
    assert not errors and results == [12] * 80


def test_a_closed_store_says_so(tmp_path: Path) -> None:
    store = ViolationStore(tmp_path / "v.sqlite3")
    store.close()
    with pytest.raises(StoreError):
        store.is_empty()


def test_update_and_delete_unknown_records_fail(tmp_path: Path) -> None:
    store = ViolationStore(tmp_path / "v.sqlite3")
    try:
        with pytest.raises(KeyError):
            store.update_record("nope", handled=True, paid=True)
        with pytest.raises(KeyError):
            store.delete_record("nope")
    finally:
        store.close()


def test_a_cancelled_record_disappears(tmp_path: Path, seeded_db: Path) -> None:
    service = LocalViolationService.open_demo(copy_db(seeded_db, tmp_path))
    try:
        service.store.delete_record("WK00-00")
        outcome = service.lookup_vehicle(QUERY)
        assert isinstance(outcome, LookupResult)
        assert "WK00-00" not in {r.id for r in outcome.records} and len(outcome.records) == 11
    finally:
        service.close()
