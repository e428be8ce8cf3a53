"""Each terminal's recent health, for the console's timeline: ``<fleet>/health_history.sqlite3``.

The registry keeps only a terminal's last heartbeat; this keeps what changed. A heartbeat is
written when its health (fleet state, paper, each device's level, the last error, the
applied versions) differs from the terminal's previous row, or when the previous row is
older than ``sample_every`` (so a long quiet stretch still shows the terminal was there).
Rows older than ``keep`` are deleted as new ones arrive. A gap longer than
``sample_every`` plus the silence threshold means the terminal sent nothing.

All SQL of this store is in this module.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from kiosk.fleet.document import version_label
from kiosk.fleet.heartbeat import Heartbeat

HISTORY_FILE = "health_history.sqlite3"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS health_history (
    terminal_id TEXT NOT NULL,
    received_at REAL NOT NULL,
    fleet_state TEXT NOT NULL,
    paper TEXT NOT NULL,
    devices TEXT NOT NULL,
    last_error TEXT NOT NULL,
    applied TEXT NOT NULL,
    PRIMARY KEY (terminal_id, received_at)
)
"""


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
    """Appends health changes and reads a terminal's recent ones. Thread-safe."""

    def __init__(
        self,
        path: Path,
        *,
        sample_every: timedelta = timedelta(minutes=15),
        keep: timedelta = timedelta(days=7),
    ) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.sample_every = sample_every
        self.keep = keep
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA busy_timeout=5000")
        self._db.execute(_SCHEMA)
        self._lock = threading.Lock()
        self._last: dict[str, HealthSample] = {}
        self._pruned_at = 0.0

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
                return False
            t = received_at.timestamp()
            self._db.execute(
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
            self._last[hb.terminal_id] = sample
            if t - self._pruned_at > 3600:
                self._db.execute(
                    "DELETE FROM health_history WHERE received_at < ?",
                    (t - self.keep.total_seconds(),),
                )
                self._pruned_at = t
        return True

    def _latest(self, terminal_id: str) -> HealthSample | None:
        rows = self._read("WHERE terminal_id = ? ORDER BY received_at DESC LIMIT 1", (terminal_id,))
        return rows[0] if rows else None

    def samples(self, terminal_id: str, since: datetime) -> list[HealthSample]:
        """The terminal's rows since ``since`` (and the one before it: the state then),
        oldest first."""
        with self._lock:
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
        rows = self._db.execute(
            "SELECT terminal_id, received_at, fleet_state, paper, devices, last_error, applied"
            f" FROM health_history {where}",
            params,
        ).fetchall()
        return [
            HealthSample(
                r[0],
                datetime.fromtimestamp(r[1], UTC),
                r[2],
                r[3],
                dict(json.loads(r[4])),
                r[5],
                r[6],
            )
            for r in rows
        ]

    def close(self) -> None:
        """Closes the database."""
        with self._lock:
            self._db.close()
