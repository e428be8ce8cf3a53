"""Usage counters for technicians: sessions per service, completions, failsafes, receipts.

A small SQLite table (WAL) so counts survive restarts and can be read while the app runs.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path


class UsageCounters:
    """Named integer counters, incremented atomically."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL)"
        )
        self._lock = threading.Lock()

    def add(self, name: str, amount: int = 1) -> None:
        """Adds ``amount`` to counter ``name`` (created at 0)."""
        with self._lock:
            self._db.execute(
                "INSERT INTO counters(name, value) VALUES(?, ?) "
                "ON CONFLICT(name) DO UPDATE SET value = value + excluded.value",
                (name, amount),
            )

    def all(self) -> dict[str, int]:
        """Every counter by name."""
        with self._lock:
            rows = self._db.execute("SELECT name, value FROM counters ORDER BY name").fetchall()
        return {str(name): int(value) for name, value in rows}

    def close(self) -> None:
        """Closes the database."""
        with self._lock:
            self._db.close()
