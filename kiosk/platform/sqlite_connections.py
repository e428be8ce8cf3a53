"""SQLite connections for stores used from several threads: one connection per thread,
opened in WAL mode with the store's durability, all closed together; and the numbered
schema migrations those stores record in ``PRAGMA user_version``."""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from kiosk.platform.service_errors import StoreError


class ThreadConnections:
    """Gives each thread its own connection to ``path``.

    ``synchronous``: FULL where money-like state or durable queues live (the points ledger),
    NORMAL where a lost last transaction after a power cut is acceptable (demo lookups).
    Connections are opened with ``check_same_thread=False`` only so :meth:`close` can close
    every thread's connection; each is otherwise used by the thread that opened it.
    """

    def __init__(
        self,
        path: Path,
        *,
        synchronous: Literal["FULL", "NORMAL"],
        timeout_s: float,
        name: str = "store",
        pragmas: Sequence[str] = (),
    ) -> None:
        self.path, self.synchronous, self.timeout_s, self.name = path, synchronous, timeout_s, name
        self.pragmas = tuple(pragmas)  # more ``PRAGMA x=y`` for every connection
        self._local = threading.local()
        self._lock = threading.Lock()
        self._connections: list[sqlite3.Connection] = []
        self._closed = False
        path.parent.mkdir(parents=True, exist_ok=True)

    def _open(self) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(
                self.path, timeout=self.timeout_s, isolation_level=None, check_same_thread=False
            )
            conn.execute(f"PRAGMA busy_timeout={int(self.timeout_s * 1000)}")
            self._wal(conn)
            conn.execute(f"PRAGMA synchronous={self.synchronous}")
            conn.execute("PRAGMA foreign_keys=ON")
            for pragma in self.pragmas:
                conn.execute(f"PRAGMA {pragma}")
        except sqlite3.DatabaseError as e:
            raise StoreError(f"cannot open {self.path.name}: {e}") from e
        self._connections.append(conn)
        return conn

    def _wal(self, conn: sqlite3.Connection) -> None:
        """Switches ``conn`` to WAL. Two processes opening a new file at the same moment
        (two app servers on one data directory) can get "database is locked" here at once,
        whatever the busy timeout: try again until the timeout is over."""
        deadline = time.monotonic() + self.timeout_s
        while True:
            try:
                conn.execute("PRAGMA journal_mode=WAL")
                return
            except sqlite3.OperationalError as e:
                if "locked" not in str(e) or time.monotonic() > deadline:
                    raise
                time.sleep(0.02)

    def get(self) -> sqlite3.Connection:
        """This thread's connection (opened on first use)."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            with self._lock:
                if self._closed:
                    raise StoreError(f"the {self.name} is closed")
                conn = self._open()
            self._local.conn = conn
        return conn

    def close(self) -> None:
        """Closes every thread's connection."""
        with self._lock:
            self._closed = True
            for conn in self._connections:
                conn.close()
            self._connections.clear()
        self._local = threading.local()


def apply_migrations(
    conn: sqlite3.Connection,
    steps: Sequence[Sequence[str]],
    *,
    name: str,
    log: logging.Logger,
    what: str,
) -> None:
    """Brings the file ``name`` on ``conn`` up to schema ``len(steps)``.

    ``steps[n]`` holds the statements that take schema ``n`` to ``n + 1`` (blank ones are
    skipped); the schema is ``PRAGMA user_version``. Each step logs "``what`` migrated to
    schema ``n + 1``" on ``log``.

    Raises:
        StoreError: the file has a newer schema than this build knows.
    """
    latest = len(steps)
    # One step per transaction with the version read inside it, so two processes
    # opening a new file at once cannot both run a step.
    while True:
        conn.execute("BEGIN IMMEDIATE")
        try:
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            if version > latest:
                raise StoreError(f"{name} has schema {version}; this build knows up to {latest}")
            if version == latest:
                conn.execute("COMMIT")
                return
            for statement in steps[version]:
                if statement.strip():
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version + 1}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        log.info("%s migrated to schema %d", what, version + 1)
