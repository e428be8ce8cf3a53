"""The ledger's database: SQLite (a file: the kiosk's local back end, an embedded center) or
PostgreSQL (a city's center, through :mod:`center.database`), the transactions that turn
the database's refusals into service errors, and the idempotent write every operation goes
through."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from kiosk.framework.clock import Clock, SystemClock
from kiosk.platform.database import Connection, Database, IntegrityViolation, SqliteDatabase
from kiosk.platform.points_config import PointsConfig
from kiosk.points.errors import NotEnoughPoints, OutOfStock
from kiosk.points.ledger.idempotency import check_key, fingerprint, store_answer, stored_answer
from kiosk.points.ledger.schema import migrate

WriteAction = Callable[[Connection, datetime], dict[str, Any]]
"""A write's body: runs inside the transaction at ``now``; returns the answer (JSON-able).
On PostgreSQL it may run more than once (a serialization failure retries it)."""

STORE_NAME = "points"


def _refusal(e: IntegrityViolation) -> Exception:
    """The service error for the database refusing a write: a trigger or CHECK that keeps
    a balance or the stock from going negative, else the violation itself."""
    text = str(e)
    if "negative balance" in text:
        return NotEnoughPoints("the balance would be negative")
    if "stock" in text:
        return OutOfStock("the stock would be negative")
    return e


class LedgerStore:
    """The database under the ledger, the base every part of :class:`Ledger` builds on.

    Thread-safe. ``store`` is the SQLite file (``Path``) or a
    :class:`~kiosk.platform.database.Database` (the center's, on either engine).

    Attributes:
        db: the database.
        path: the SQLite file, when the ledger is one (else None).
        config: the points policy the rules follow.
        clock: local time for entries, limits (per day, per month) and expiry.
    """

    def __init__(
        self, store: Path | Database, config: PointsConfig | None = None, clock: Clock | None = None
    ) -> None:
        self.config = config or PointsConfig()
        self.clock = clock or SystemClock()
        if isinstance(store, Path):
            self.path: Path | None = store
            self.db: Database = SqliteDatabase(store, name=STORE_NAME, synchronous="FULL")
        else:
            self.path = getattr(store, "path", None)
            self.db = store
        try:
            migrate(self.db)
        except BaseException:
            self.db.close()
            raise

    def _write[T](self, work: Callable[[Connection], T]) -> T:
        """``work`` in one write transaction (retried on PostgreSQL's conflicts).

        Refusals by the database become :class:`NotEnoughPoints` / :class:`OutOfStock`
        (see :func:`_refusal`); busy or unreachable is ``ServiceTimeout``, anything else
        ``StoreError``.
        """
        try:
            return self.db.write(work)
        except IntegrityViolation as e:
            raise _refusal(e) from e

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One write transaction as a ``with`` block (no retries; tests, one-off changes)."""
        try:
            with self.db.transaction() as c:
                yield c
        except IntegrityViolation as e:
            raise _refusal(e) from e

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

        def work(c: Connection) -> tuple[dict[str, Any], bool, str | None]:
            earlier = stored_answer(c, key, op, digest, terminal)
            if earlier is not None:
                return earlier.result, True, earlier.call_id
            now = self.clock.now()
            result = action(c, now)
            store_answer(c, key, op, digest, result, call_id=call_id, terminal=terminal, at=now)
            return result, False, call_id

        return self._write(work)

    @property
    def schema_version(self) -> int:
        """The ledger's schema version."""
        return self.db.schema_version

    def close(self) -> None:
        """Closes the ledger's connections (a shared engine's pool stays open)."""
        self.db.close()
