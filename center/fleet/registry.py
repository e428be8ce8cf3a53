"""The fleet registry: every terminal's last heartbeat, kept in SQLite (WAL).

One row per terminal, replaced by each heartbeat. ``applied_since`` is when the terminal
first reported its current applied versions (the moment it converged, when those are the
desired ones). Heartbeats are not money-like: ``synchronous=NORMAL`` (a power cut may lose
the last few, the next ones replace them).
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from kiosk.fleet.document import version_label
from kiosk.fleet.heartbeat import Heartbeat

_SCHEMA = """
CREATE TABLE IF NOT EXISTS terminals (
    terminal_id TEXT PRIMARY KEY,
    grp TEXT NOT NULL,
    received_at REAL NOT NULL,
    skew_s REAL NOT NULL,
    applied_label TEXT NOT NULL,
    applied_since REAL NOT NULL,
    heartbeat TEXT NOT NULL
)
"""


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
    """Stores heartbeats; safe to share between threads of one process (one connection)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA busy_timeout=5000")
        self._db.execute(_SCHEMA)
        self._lock = threading.Lock()

    def record(self, hb: Heartbeat, received_at: datetime) -> HeartbeatRecord:
        """Stores ``hb`` as received at ``received_at``; returns what was noted."""
        clock = hb.clock if hb.clock.tzinfo else hb.clock.replace(tzinfo=UTC)
        skew = (clock - received_at).total_seconds()
        label = version_label(hb.applied)
        now = received_at.timestamp()
        with self._lock:
            row = self._db.execute(
                "SELECT applied_label, applied_since FROM terminals WHERE terminal_id = ?",
                (hb.terminal_id,),
            ).fetchone()
            since = float(row[1]) if row is not None and row[0] == label else now
            self._db.execute(
                "INSERT INTO terminals VALUES (?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(terminal_id) DO UPDATE SET grp = excluded.grp, "
                "received_at = excluded.received_at, skew_s = excluded.skew_s, "
                "applied_label = excluded.applied_label, applied_since = excluded.applied_since, "
                "heartbeat = excluded.heartbeat",
                (hb.terminal_id, hb.group, now, skew, label, since, hb.model_dump_json()),
            )
        return HeartbeatRecord(hb, received_at, skew, _ts(since))

    def all(self) -> dict[str, HeartbeatRecord]:
        """Every terminal's last heartbeat."""
        with self._lock:
            rows = self._db.execute(
                "SELECT heartbeat, received_at, skew_s, applied_since FROM terminals"
            ).fetchall()
        out = {}
        for raw, received, skew, since in rows:
            hb = Heartbeat.model_validate_json(raw)
            out[hb.terminal_id] = HeartbeatRecord(hb, _ts(received), float(skew), _ts(since))
        return out

    def close(self) -> None:
        """Closes the database."""
        with self._lock:
            self._db.close()
