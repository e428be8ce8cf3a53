"""The ledger's file: durability settings, migrations, and the database's own guards."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from kiosk.platform.service_errors import StoreError
from kiosk.points.ledger import SCHEMA_VERSION, Ledger
from kiosk.points.model import Balance
from tests.unit.kiosk.points.ledger.conftest import member, new_ledger


def test_durability_settings_and_schema(tmp_path: Path) -> None:
    ledger = new_ledger(tmp_path)
    try:
        assert ledger.path is not None
        c = sqlite3.connect(ledger.path)
        assert c.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        c.close()
        with ledger.db.read() as conn:
            assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
            assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert ledger.schema_version == SCHEMA_VERSION
    finally:
        ledger.close()


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    new_ledger(tmp_path).close()
    c = sqlite3.connect(tmp_path / "points.sqlite3")
    c.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    c.close()
    with pytest.raises(StoreError):
        Ledger(tmp_path / "points.sqlite3")


def test_entries_are_append_only_and_never_negative_in_the_database(tmp_path: Path) -> None:
    ledger = new_ledger(tmp_path)
    try:
        m = member(ledger, 10)
        assert ledger.path is not None
        c = sqlite3.connect(ledger.path, isolation_level=None)
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            c.execute("UPDATE entries SET available = 1000")
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            c.execute("DELETE FROM entries")
        with pytest.raises(sqlite3.IntegrityError, match="negative balance"):
            c.execute(
                "INSERT INTO entries (idem_key, kind, member_id, available, held, reason,"
                " terminal, staff, at) VALUES ('x', 'adjust', ?, -11, 0, 'r', 't', 's', 'now')",
                (m,),
            )
        with pytest.raises(sqlite3.IntegrityError):
            c.execute("UPDATE items SET stock = -1 WHERE id = 'towel'")
        with pytest.raises(sqlite3.IntegrityError):  # a hold must move points to held
            c.execute(
                "INSERT INTO entries (idem_key, kind, member_id, available, held, reason,"
                " terminal, at) VALUES ('y', 'earn', ?, 5, 5, 'r', 't', 'now')",
                (m,),
            )
        c.close()
        assert ledger.balance(m) == Balance(available=10, held=0)
    finally:
        ledger.close()


def test_on_postgresql_the_database_guards_the_same_rules(
    tmp_path: Path, postgres_url: str
) -> None:
    import psycopg

    from center.database import DatabaseSettings, open_engine
    from center.points.store import ledger_store

    engine = open_engine(tmp_path, DatabaseSettings(url=postgres_url))
    try:
        ledger = new_ledger(engine)
        m = member(ledger, 10)
        assert ledger.schema_version == SCHEMA_VERSION
        ledger.close()
        with psycopg.connect(postgres_url, autocommit=True) as c:  # an operator's psql
            c.execute("SET search_path TO points")
            with pytest.raises(psycopg.IntegrityError, match="append-only"):
                c.execute("UPDATE entries SET available = 1000")
            with pytest.raises(psycopg.IntegrityError, match="append-only"):
                c.execute("DELETE FROM entries")
            with pytest.raises(psycopg.IntegrityError, match="append-only"):
                c.execute("TRUNCATE entries CASCADE")
            with pytest.raises(psycopg.IntegrityError, match="negative balance"):
                c.execute(
                    "INSERT INTO entries (idem_key, kind, member_id, available, held, reason,"
                    " terminal, staff, at) VALUES ('x', 'adjust', %s, -11, 0, 'r', 't', 's',"
                    " 'now')",
                    (m,),
                )
            with pytest.raises(psycopg.IntegrityError):
                c.execute("UPDATE items SET stock = -1 WHERE id = 'towel'")
            c.execute(f"UPDATE public.center_schema SET version = {SCHEMA_VERSION + 1}")
        with pytest.raises(StoreError, match="this build knows"):
            Ledger(ledger_store(engine))
        ledger = Ledger(tmp_path / "other.sqlite3")  # the kiosk's own file is unaffected
        ledger.close()
    finally:
        engine.close()
