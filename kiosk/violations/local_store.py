"""The embedded SQLite store behind the ``local`` violation service (and the center).

WAL mode, so lookups read while a writer writes; ``synchronous=NORMAL`` because this store is
a mirror of the provider's records, not money-like state (the points ledger uses FULL). One
connection per thread: sqlite3 connections must not be shared between threads in use.

Schema migrations are numbered and recorded in ``PRAGMA user_version``; a file written by a
newer build is refused rather than guessed at.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from kiosk.platform.sqlite_connections import ThreadConnections, apply_migrations
from kiosk.violations.demo_data import DemoData, DemoRecord, StoredVehicle
from kiosk.violations.service import Capture

log = logging.getLogger(__name__)

MIGRATIONS: tuple[str, ...] = (
    # 1: vehicles, licences, violations
    """
    CREATE TABLE licences (
        number TEXT PRIMARY KEY,
        file_number TEXT NOT NULL,
        holder TEXT NOT NULL,
        cycle_points INTEGER
    );
    CREATE TABLE vehicles (
        id INTEGER PRIMARY KEY,
        plate_type TEXT NOT NULL,
        plate TEXT NOT NULL,
        engine_number TEXT NOT NULL,
        vin TEXT NOT NULL,
        owner TEXT NOT NULL,
        licence TEXT REFERENCES licences(number),
        provider_pending INTEGER NOT NULL DEFAULT 0,
        UNIQUE (plate_type, plate)
    );
    CREATE INDEX vehicles_by_licence ON vehicles(licence);
    CREATE TABLE violations (
        id TEXT PRIMARY KEY,
        vehicle_id INTEGER NOT NULL REFERENCES vehicles(id) ON DELETE CASCADE,
        occurred_at TEXT NOT NULL,
        place TEXT NOT NULL,
        behaviour_code TEXT NOT NULL,
        behaviour_text TEXT NOT NULL,
        fine_fen INTEGER,
        points INTEGER,
        handled INTEGER,
        paid INTEGER,
        authority TEXT NOT NULL,
        decision_number TEXT,
        decided_on TEXT,
        capture TEXT NOT NULL CHECK (capture IN ('camera', 'on_site'))
    );
    CREATE INDEX violations_by_vehicle ON violations(vehicle_id, occurred_at DESC);
    """,
    # 2: what was seeded, so a changed demo set can be told apart from an old one
    """
    CREATE TABLE seed_info (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


@dataclass(frozen=True, kw_only=True)
class VehicleRow(StoredVehicle):
    """A vehicle as stored, with its row id (secrets included: never leaves the service)."""

    id: int


@dataclass(frozen=True)
class LicenceRow:
    """A licence as stored."""

    number: str
    file_number: str
    holder: str
    cycle_points: int | None


@dataclass(frozen=True)
class RecordRow(DemoRecord):
    """A violation as stored (the fields of :class:`DemoRecord`), with its vehicle's plate."""

    plate_type: str
    plate: str


def _tri(value: int | None) -> bool | None:
    return None if value is None else bool(value)


def _db_tri(value: bool | None) -> int | None:
    return None if value is None else int(value)


_RECORD_COLUMNS = (
    "v.id, h.plate_type, h.plate, v.occurred_at, v.place, v.behaviour_code, v.behaviour_text, "
    "v.fine_fen, v.points, v.handled, v.paid, v.authority, v.decision_number, v.decided_on, "
    "v.capture"
)


def _record(row: Sequence[object]) -> RecordRow:
    decided = row[13]
    return RecordRow(
        id=str(row[0]),
        plate_type=str(row[1]),
        plate=str(row[2]),
        occurred_at=datetime.fromisoformat(str(row[3])),
        place=str(row[4]),
        behaviour_code=str(row[5]),
        behaviour_text=str(row[6]),
        fine_fen=row[7] if isinstance(row[7], int) else None,
        points=row[8] if isinstance(row[8], int) else None,
        handled=_tri(row[9] if isinstance(row[9], int) else None),
        paid=_tri(row[10] if isinstance(row[10], int) else None),
        authority=str(row[11]),
        decision_number=str(row[12]) if row[12] is not None else None,
        decided_on=date.fromisoformat(str(decided)) if decided is not None else None,
        capture=Capture(str(row[14])),
    )


class ViolationStore:
    """The SQLite file: migrations, demo seeding, reads for lookups, and record updates.

    Thread-safe: each thread gets its own connection; :meth:`close` closes them all.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._pool = ThreadConnections(path, synchronous="NORMAL", timeout_s=5.0)
        steps = [m.split(";") for m in MIGRATIONS]
        apply_migrations(self._conn(), steps, name=path.name, log=log, what="violation store")

    def _conn(self) -> sqlite3.Connection:
        return self._pool.get()

    @contextmanager
    def transaction(self, conn: sqlite3.Connection | None = None) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT, rolled back on any error."""
        c = conn or self._conn()
        c.execute("BEGIN IMMEDIATE")
        try:
            yield c
        except BaseException:
            c.execute("ROLLBACK")
            raise
        c.execute("COMMIT")

    @property
    def schema_version(self) -> int:
        """The schema version of the file."""
        return int(self._conn().execute("PRAGMA user_version").fetchone()[0])

    def seeded_with(self) -> str | None:
        """The demo seed recorded at seeding, or None for an unseeded store."""
        row = self._conn().execute("SELECT value FROM seed_info WHERE key = 'seed'").fetchone()
        return str(row[0]) if row else None

    def is_empty(self) -> bool:
        """Whether no vehicle is stored."""
        return self._conn().execute("SELECT 1 FROM vehicles LIMIT 1").fetchone() is None

    def seed_if_empty(self, data: DemoData) -> bool:
        """Loads a demo set in one transaction if no vehicle is stored; whether it did."""
        with self.transaction() as c:
            if c.execute("SELECT 1 FROM vehicles LIMIT 1").fetchone() is not None:
                return False
            c.executemany(
                "INSERT INTO licences (number, file_number, holder, cycle_points) "
                "VALUES (?, ?, ?, ?)",
                [(x.number, x.file_number, x.holder, x.cycle_points) for x in data.licences],
            )
            for v in data.vehicles:
                cur = c.execute(
                    "INSERT INTO vehicles (plate_type, plate, engine_number, vin, owner, licence,"
                    " provider_pending) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        v.plate_type,
                        v.plate,
                        v.engine_number,
                        v.vin,
                        v.owner,
                        v.licence,
                        int(v.provider_pending),
                    ),
                )
                vid = cur.lastrowid
                c.executemany(
                    "INSERT INTO violations (id, vehicle_id, occurred_at, place, behaviour_code,"
                    " behaviour_text, fine_fen, points, handled, paid, authority,"
                    " decision_number, decided_on, capture)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [self._record_values(vid, r) for r in v.records],
                )
            c.execute(
                "INSERT OR REPLACE INTO seed_info (key, value) VALUES ('seed', ?)",
                (str(data.seed),),
            )
        return True

    @staticmethod
    def _record_values(vehicle_id: int | None, r: DemoRecord) -> tuple[object, ...]:
        return (
            r.id,
            vehicle_id,
            r.occurred_at.isoformat(timespec="seconds"),
            r.place,
            r.behaviour_code,
            r.behaviour_text,
            r.fine_fen,
            r.points,
            _db_tri(r.handled),
            _db_tri(r.paid),
            r.authority,
            r.decision_number,
            r.decided_on.isoformat() if r.decided_on else None,
            r.capture.value,
        )

    def vehicle(self, plate_type: str, plate: str) -> VehicleRow | None:
        """The vehicle with this type and plate, or None."""
        row = (
            self._conn()
            .execute(
                "SELECT plate_type, plate, engine_number, vin, owner, licence, provider_pending,"
                " id FROM vehicles WHERE plate_type = ? AND plate = ?",
                (plate_type, plate),
            )
            .fetchone()
        )
        if row is None:
            return None
        return VehicleRow(row[0], row[1], row[2], row[3], row[4], row[5], bool(row[6]), id=row[7])

    def licence(self, number: str) -> LicenceRow | None:
        """The licence with this number, or None."""
        row = (
            self._conn()
            .execute(
                "SELECT number, file_number, holder, cycle_points FROM licences WHERE number = ?",
                (number,),
            )
            .fetchone()
        )
        return None if row is None else LicenceRow(row[0], row[1], row[2], row[3])

    def records_of_vehicle(self, vehicle_id: int) -> list[RecordRow]:
        """A vehicle's records, newest first."""
        rows = (
            self._conn()
            .execute(
                f"SELECT {_RECORD_COLUMNS} FROM violations v JOIN vehicles h "
                "ON h.id = v.vehicle_id WHERE v.vehicle_id = ? "
                "ORDER BY v.occurred_at DESC, v.id DESC",
                (vehicle_id,),
            )
            .fetchall()
        )
        return [_record(r) for r in rows]

    def records_of_licence(self, number: str) -> list[RecordRow]:
        """Records of every vehicle registered to a licence holder, newest first."""
        rows = (
            self._conn()
            .execute(
                f"SELECT {_RECORD_COLUMNS} FROM violations v JOIN vehicles h "
                "ON h.id = v.vehicle_id WHERE h.licence = ? "
                "ORDER BY v.occurred_at DESC, v.id DESC",
                (number,),
            )
            .fetchall()
        )
        return [_record(r) for r in rows]

    def vehicles_of_licence_pending(self, number: str) -> bool:
        """Whether the provider is still fetching any of the holder's vehicles."""
        row = (
            self._conn()
            .execute(
                "SELECT 1 FROM vehicles WHERE licence = ? AND provider_pending = 1 LIMIT 1",
                (number,),
            )
            .fetchone()
        )
        return row is not None

    def update_record(
        self,
        record_id: str,
        *,
        handled: bool | None = None,
        paid: bool | None = None,
        decision_number: str | None = None,
        decided_on: date | None = None,
    ) -> None:
        """Changes a record's state (as the provider does between two lookups)."""
        with self.transaction() as c:
            cur = c.execute(
                "UPDATE violations SET handled = ?, paid = ?, "
                "decision_number = COALESCE(?, decision_number), "
                "decided_on = COALESCE(?, decided_on) WHERE id = ?",
                (
                    _db_tri(handled),
                    _db_tri(paid),
                    decision_number,
                    decided_on.isoformat() if decided_on else None,
                    record_id,
                ),
            )
            if cur.rowcount != 1:
                raise KeyError(record_id)

    def delete_record(self, record_id: str) -> None:
        """Removes a record (cancelled by the authority)."""
        with self.transaction() as c:
            if c.execute("DELETE FROM violations WHERE id = ?", (record_id,)).rowcount != 1:
                raise KeyError(record_id)

    def counts(self) -> dict[str, int]:
        """Rows per table (health and diagnostics)."""
        c = self._conn()
        return {
            t: int(c.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0])
            for t in ("vehicles", "licences", "violations")
        }

    def close(self) -> None:
        """Closes every thread's connection."""
        self._pool.close()
