"""The ledger's file: one connection per thread, transactions that turn SQLite's errors
into service errors, and the idempotent write every operation goes through."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from kiosk.framework.clock import Clock, SystemClock
from kiosk.platform.points_config import PointsConfig
from kiosk.platform.service_errors import ServiceTimeout, StoreError
from kiosk.platform.sqlite_connections import ThreadConnections
from kiosk.points.errors import NotEnoughPoints, OutOfStock
from kiosk.points.ledger.idempotency import check_key, fingerprint, store_answer, stored_answer
from kiosk.points.ledger.schema import migrate

WriteAction = Callable[[sqlite3.Connection, datetime], dict[str, Any]]
"""A write's body: runs inside the transaction at ``now``; returns the answer (JSON-able)."""


class LedgerStore:
    """The SQLite file under the ledger, the base every part of :class:`Ledger` builds on.

    Thread-safe: one connection per thread.

    Attributes:
        path: the database file.
        config: the points policy the rules follow.
        clock: local time for entries, limits (per day, per month) and expiry.
    """

    def __init__(
        self, path: Path, config: PointsConfig | None = None, clock: Clock | None = None
    ) -> None:
        self.path = path
        self.config = config or PointsConfig()
        self.clock = clock or SystemClock()
        self._pool = ThreadConnections(path, synchronous="FULL", timeout_s=10.0, name="ledger")
        migrate(self._conn(), path.name)

    def _conn(self) -> sqlite3.Connection:
        return self._pool.get()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE`` ... ``COMMIT``; rolled back on any error.

        SQLite errors become service errors: a trigger or CHECK that refuses a negative
        balance or stock as :class:`NotEnoughPoints` / :class:`OutOfStock`, a lock held too
        long as :class:`ServiceTimeout`, anything else as :class:`StoreError`.
        """
        c = self._conn()
        try:
            c.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as e:
            raise ServiceTimeout(f"the ledger is busy: {e}") from e
        try:
            yield c
            c.execute("COMMIT")
        except BaseException as e:
            if c.in_transaction:
                c.execute("ROLLBACK")
            if isinstance(e, sqlite3.IntegrityError):
                text = str(e)
                if "negative balance" in text:
                    raise NotEnoughPoints("the balance would be negative") from e
                if "stock" in text:
                    raise OutOfStock("the stock would be negative") from e
                raise StoreError(f"integrity: {text}") from e
            if isinstance(e, sqlite3.OperationalError) and "locked" in str(e):
                raise ServiceTimeout(f"the ledger is busy: {e}") from e
            if isinstance(e, sqlite3.DatabaseError):
                raise StoreError(f"ledger: {e}") from e
            raise

    def _idempotent(
        self,
        op: str,
        key: str,
        params: dict[str, Any],
        terminal: str,
        action: WriteAction,
        *,
        call_id: str | None = None,
    ) -> tuple[dict[str, Any], bool, str | None]:
        """Runs ``action`` once per key; returns (answer, replayed, the first call's id)."""
        check_key(key)
        digest = fingerprint(op, params)
        with self.transaction() as c:
            earlier = stored_answer(c, key, op, digest, terminal)
            if earlier is not None:
                return earlier.result, True, earlier.call_id
            now = self.clock.now()
            result = action(c, now)
            store_answer(c, key, op, digest, result, call_id=call_id, terminal=terminal, at=now)
        return result, False, call_id

    @property
    def schema_version(self) -> int:
        """The schema version of the file."""
        return int(self._conn().execute("PRAGMA user_version").fetchone()[0])

    def close(self) -> None:
        """Closes every thread's connection."""
        self._pool.close()
