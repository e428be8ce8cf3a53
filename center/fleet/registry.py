"""The fleet registry: every terminal's last heartbeat, in the center's database.

One row per terminal, replaced by each heartbeat (one upsert statement, so app servers
receiving heartbeats at once need no retries). ``applied_since`` is when the terminal first
reported its current applied versions (the moment it converged, when those are the desired
ones). Heartbeats are not money-like: on SQLite ``synchronous=NORMAL`` (a power cut may
lose the last few, the next ones replace them), READ COMMITTED on PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from center.database import Engine
from kiosk.fleet.document import version_label
from kiosk.fleet.heartbeat import Heartbeat
from kiosk.platform.database import (
    READ_COMMITTED,
    Connection,
    Database,
    Dialects,
    Migration,
    SqliteDatabase,
)

STORE = "fleet"
SQLITE_FILE = "fleet/heartbeats.sqlite3"

_COLUMNS = """(
    terminal_id TEXT PRIMARY KEY,
    grp TEXT NOT NULL,
    received_at {real} NOT NULL,
    skew_s {real} NOT NULL,
    applied_label TEXT NOT NULL,
    applied_since {real} NOT NULL,
    heartbeat TEXT NOT NULL
)"""
MIGRATIONS: tuple[Migration, ...] = (
    # 1: the table (files from before numbered migrations already have it)
    (
        Dialects(
            "CREATE TABLE IF NOT EXISTS terminals " + _COLUMNS.format(real="REAL"),
            "CREATE TABLE terminals " + _COLUMNS.format(real="DOUBLE PRECISION"),
        ),
    ),
)
_UPSERT = (
    "INSERT INTO terminals (terminal_id, grp, received_at, skew_s, applied_label,"
    " applied_since, heartbeat) VALUES (?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (terminal_id) DO UPDATE SET grp = excluded.grp,"
    " received_at = excluded.received_at, skew_s = excluded.skew_s,"
    " applied_since = CASE WHEN terminals.applied_label = excluded.applied_label"
    " THEN terminals.applied_since ELSE excluded.applied_since END,"
    " applied_label = excluded.applied_label, heartbeat = excluded.heartbeat"
    " RETURNING applied_since"
)


@dataclass(frozen=True)
class HeartbeatRecord:
    """A terminal's last heartbeat and what the center noted on receiving it."""

    heartbeat: Heartbeat
    received_at: datetime
    skew_s: float
    applied_since: datetime


def _ts(t: float) -> datetime:
    return datetime.fromtimestamp(t, UTC)


class HeartbeatRegistry:
    """Stores heartbeats; thread-safe, and safe for several processes on one database.

    Args:
        store: a SQLite file (``Path``), or the center's store (``engine.store("fleet")``).
    """

    def __init__(self, store: Path | Database) -> None:
        if isinstance(store, Path):
            self.db: Database = SqliteDatabase(store, name=STORE, synchronous="NORMAL")
        else:
            self.db = store
        try:
            self.db.migrate(MIGRATIONS, what="fleet registry")
        except BaseException:
            self.db.close()
            raise

    def record(self, hb: Heartbeat, received_at: datetime) -> HeartbeatRecord:
        """Stores ``hb`` as received at ``received_at``; returns what was noted."""
        clock = hb.clock if hb.clock.tzinfo else hb.clock.replace(tzinfo=UTC)
        skew = (clock - received_at).total_seconds()
        label = version_label(hb.applied)
        now = received_at.timestamp()
        values = (hb.terminal_id, hb.group, now, skew, label, now, hb.model_dump_json())

        def upsert(c: Connection) -> float:
            return float(c.execute(_UPSERT, values).fetchone()[0])

        # one statement (no read-then-write to protect), and the next heartbeat replaces it
        since = self.db.write(upsert, isolation=READ_COMMITTED, durable=False)
        return HeartbeatRecord(hb, received_at, skew, _ts(since))

    def all(self) -> dict[str, HeartbeatRecord]:
        """Every terminal's last heartbeat."""
        with self.db.read() as c:
            rows = c.execute(
                "SELECT heartbeat, received_at, skew_s, applied_since FROM terminals"
            ).fetchall()
        out = {}
        for raw, received, skew, since in rows:
            hb = Heartbeat.model_validate_json(raw)
            out[hb.terminal_id] = HeartbeatRecord(hb, _ts(received), float(skew), _ts(since))
        return out

    def close(self) -> None:
        """Closes the store."""
        self.db.close()


def open_heartbeats(engine: Engine) -> HeartbeatRegistry:
    """The fleet registry on the center's database (``fleet/heartbeats.sqlite3`` there)."""
    return HeartbeatRegistry(engine.store(STORE, sqlite_file=SQLITE_FILE, synchronous="NORMAL"))
