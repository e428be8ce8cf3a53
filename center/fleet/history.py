"""Each terminal's recent health, for the console's timeline: the ``health_history`` store
of the center's database (``<data>/fleet/health_history.sqlite3`` on SQLite, a schema of
the center's PostgreSQL shared by every app server: :mod:`center.database`).

The registry keeps only a terminal's last heartbeat; this keeps what changed. A heartbeat is
written when its health (fleet state, paper, each device's level, the last error, the
applied versions) differs from the terminal's previous row, or when the previous row is
older than ``sample_every`` (so a long quiet stretch still shows the terminal was there).
Rows older than ``keep`` are deleted as new ones arrive. A gap longer than
``sample_every`` plus the silence threshold means the terminal sent nothing.

Every write is one statement committed on its own (READ COMMITTED on PostgreSQL, no
fsync wait: like the heartbeats, a row lost in a crash is replaced by the next change or
sample). Two app servers receiving one terminal's heartbeats each remember the last row they
wrote or read, so at worst a server writes a row the other already wrote (the key
``(terminal_id, received_at)`` keeps exact repeats out).

All SQL of this store is in this module.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from center.database import Engine
from kiosk.fleet.document import version_label
from kiosk.fleet.heartbeat import Heartbeat
from kiosk.platform.database import (
    READ_COMMITTED,
    Database,
    Dialects,
    Migration,
    SqliteDatabase,
)

STORE_NAME = "health_history"
HISTORY_FILE = "health_history.sqlite3"
SQLITE_FILE = f"fleet/{HISTORY_FILE}"
"""The store's file on SQLite, under the engine's folder (the data directory)."""

_HISTORY = """
CREATE TABLE IF NOT EXISTS health_history (
    terminal_id TEXT NOT NULL,
    received_at {real} NOT NULL,
    fleet_state TEXT NOT NULL,
    paper TEXT NOT NULL,
    devices TEXT NOT NULL,
    last_error TEXT NOT NULL,
    applied TEXT NOT NULL,
    PRIMARY KEY (terminal_id, received_at)
)
"""
MIGRATIONS: tuple[Migration, ...] = (
    # 1: the history (seconds since the epoch, as a float). IF NOT EXISTS: a file made
    # before the store had numbered migrations (user_version 0) has the table already,
    # and keeps its rows.
    (Dialects(_HISTORY.format(real="REAL"), _HISTORY.format(real="DOUBLE PRECISION")),),
    # 2: the prune's range scan
    ("CREATE INDEX IF NOT EXISTS health_history_received ON health_history (received_at)",),
)


@dataclass(frozen=True)
class HealthSample:
    """A terminal's health as one heartbeat reported it.

    Attributes:
        devices: each device's level (``ready``, ``degraded``, ``offline``) and reason.
        applied: the configuration versions in force, as ``all@3+group:lobby@2``.
    """

    terminal_id: str
    received_at: datetime
    fleet_state: str
    paper: str
    devices: dict[str, str] = field(default_factory=dict)
    last_error: str = ""
    applied: str = ""

    def signature(self) -> tuple[object, ...]:
        """What must differ for a new row to be worth writing."""
        return (
            self.fleet_state,
            self.paper,
            tuple(sorted(self.devices.items())),
            self.last_error,
            self.applied,
        )


def sample_of(hb: Heartbeat, received_at: datetime) -> HealthSample:
    """The health part of a heartbeat."""
    return HealthSample(
        hb.terminal_id,
        received_at,
        hb.fleet_state,
        hb.paper,
        {name: f"{d.level}:{d.reason}" for name, d in sorted(hb.devices.items())},
        hb.last_error[:300],
        version_label(hb.applied),
    )


class HealthHistory:
    """Appends health changes and reads a terminal's recent ones. Thread-safe.

    Args:
        store: a SQLite file (``Path``; opened on first use, so a history replaced before
            it is used leaves no file behind), or the center's store
            (``engine.store("health_history", ...)``, as :func:`open_health_history` opens
            it).
        sample_every: an unchanged health is written again after this long.
        keep: rows older than this are deleted.
    """

    def __init__(
        self,
        store: Path | Database,
        *,
        sample_every: timedelta = timedelta(minutes=15),
        keep: timedelta = timedelta(days=7),
    ) -> None:
        self.sample_every = sample_every
        self.keep = keep
        self._lock = threading.Lock()
        self._last: dict[str, HealthSample] = {}
        self._pruned_at = 0.0
        self._file: Path | None = None
        self._db: Database | None = None
        if isinstance(store, Path):
            self._file = store
        else:
            self._db = self._migrated(store)

    @staticmethod
    def _migrated(db: Database) -> Database:
        try:
            db.migrate(MIGRATIONS, what="the health history")
        except BaseException:
            db.close()
            raise
        return db

    @property
    def db(self) -> Database:
        """The store's database (a file is opened and migrated on first use)."""
        with self._lock:
            if self._db is None:
                assert self._file is not None
                self._db = self._migrated(
                    SqliteDatabase(self._file, name=STORE_NAME, synchronous="NORMAL", timeout_s=5.0)
                )
            return self._db

    def record(self, hb: Heartbeat, received_at: datetime) -> bool:
        """Writes the heartbeat's health if it changed or is due; answers whether it did."""
        sample = sample_of(hb, received_at)
        with self._lock:
            last = self._last.get(hb.terminal_id)
        if last is None:
            last = self._latest(hb.terminal_id)
        if (
            last is not None
            and last.signature() == sample.signature()
            and received_at - last.received_at < self.sample_every
        ):
            with self._lock:
                self._last.setdefault(hb.terminal_id, last)
            return False
        t = received_at.timestamp()
        self._write(
            "INSERT INTO health_history (terminal_id, received_at, fleet_state, paper,"
            " devices, last_error, applied) VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (terminal_id, received_at) DO NOTHING",
            (
                sample.terminal_id,
                t,
                sample.fleet_state,
                sample.paper,
                json.dumps(sample.devices, ensure_ascii=False),
                sample.last_error,
                sample.applied,
            ),
        )
        with self._lock:
            self._last[hb.terminal_id] = sample
            prune = t - self._pruned_at > 3600
            if prune:
                self._pruned_at = t
        if prune:
            self._write(
                "DELETE FROM health_history WHERE received_at < ?",
                (t - self.keep.total_seconds(),),
            )
        return True

    def _write(self, sql: str, params: tuple[Any, ...]) -> None:
        """One statement committed on its own, not waiting for the disk."""
        self.db.write(lambda c: c.execute(sql, params), isolation=READ_COMMITTED, durable=False)

    def _latest(self, terminal_id: str) -> HealthSample | None:
        rows = self._read("WHERE terminal_id = ? ORDER BY received_at DESC LIMIT 1", (terminal_id,))
        return rows[0] if rows else None

    def samples(self, terminal_id: str, since: datetime) -> list[HealthSample]:
        """The terminal's rows since ``since`` (and the one before it: the state then),
        oldest first."""
        before = self._read(
            "WHERE terminal_id = ? AND received_at < ? ORDER BY received_at DESC LIMIT 1",
            (terminal_id, since.timestamp()),
        )
        rows = self._read(
            "WHERE terminal_id = ? AND received_at >= ? ORDER BY received_at",
            (terminal_id, since.timestamp()),
        )
        return before + rows

    def _read(self, where: str, params: tuple[object, ...]) -> list[HealthSample]:
        with self.db.read() as c:
            rows = c.execute(
                "SELECT terminal_id, received_at, fleet_state, paper, devices, last_error,"
                f" applied FROM health_history {where}",
                params,
            ).fetchall()
        return [
            HealthSample(
                str(r[0]),
                datetime.fromtimestamp(float(r[1]), UTC),
                str(r[2]),
                str(r[3]),
                dict(json.loads(r[4])),
                str(r[5]),
                str(r[6]),
            )
            for r in rows
        ]

    def close(self) -> None:
        """Closes the database (an engine's pool stays open)."""
        with self._lock:
            db, self._db = self._db, None
        if db is not None:
            db.close()


def open_health_history(engine: Engine, **kwargs: Any) -> HealthHistory:
    """The health history on the center's database (``fleet/health_history.sqlite3`` on
    SQLite)."""
    return HealthHistory(
        engine.store(STORE_NAME, sqlite_file=SQLITE_FILE, synchronous="NORMAL"), **kwargs
    )
