"""Engine-neutral SQL for the stores that run on SQLite (the kiosk, an embedded center) and,
at a city's center, on PostgreSQL (:mod:`center.database`).

A store writes its SQL once, with ``?`` parameters, and talks to a :class:`Database`:

- ``db.read()``: a connection for reads; each statement sees what is committed.
- ``db.write(work)``: runs ``work(connection)`` in one transaction and commits it. On
  PostgreSQL the transaction is SERIALIZABLE by default, and a serialization failure or a
  deadlock rolls it back and runs ``work`` again: ``work`` must do nothing but SQL (no
  counters, no I/O) and may run more than once. On SQLite one writer at a time
  (``BEGIN IMMEDIATE``) gives the same guarantee without retries.
- ``db.transaction()``: one attempt of the same, as a ``with`` block (tests, one-off
  commands); a conflict comes out as :class:`~kiosk.platform.service_errors.ServiceTimeout`.
- ``db.migrate(steps)``, once on open: numbered schema steps, each statement plain SQL both
  engines run, or :class:`Dialects` where they differ.

Stick to SQL both engines speak: ``INSERT ... ON CONFLICT``, ``RETURNING``, ``COALESCE``,
text times in ISO 8601 (they sort as text), ``INTEGER`` for flags. The only translation is
the parameter style (``?`` becomes ``%s`` on PostgreSQL).

Errors come out as service errors whatever the engine: :class:`IntegrityViolation` (a
constraint or trigger refused the write; the message names it), ``ServiceTimeout`` (busy or
unreachable for now: try again), ``StoreError`` (anything else).

This module holds the interface and the SQLite implementation; PostgreSQL's lives in
:mod:`center.database` (the kiosk never needs it).
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

from kiosk.platform.service_errors import ServiceTimeout, StoreError
from kiosk.platform.sqlite_connections import ThreadConnections, apply_migrations

log = logging.getLogger(__name__)

Dialect = Literal["sqlite", "postgresql"]
Isolation = Literal["serializable", "read committed"]
SERIALIZABLE: Isolation = "serializable"
READ_COMMITTED: Isolation = "read committed"


@dataclass(frozen=True)
class Dialects:
    """One schema statement written for each engine; an empty one is skipped there."""

    sqlite: str
    postgresql: str

    def of(self, dialect: Dialect) -> str:
        """The statement for ``dialect``."""
        return self.sqlite if dialect == "sqlite" else self.postgresql


Statement = str | Dialects
"""A schema statement: the same SQL for both engines, or :class:`Dialects`."""

Migration = Sequence[Statement]
"""The statements that take a store's schema from version ``n`` to ``n + 1``."""


def statements_for(steps: Sequence[Migration], dialect: Dialect) -> list[list[str]]:
    """Every step's statements as ``dialect`` runs them (blank ones dropped)."""
    out: list[list[str]] = []
    for step in steps:
        texts = (s.of(dialect) if isinstance(s, Dialects) else s for s in step)
        out.append([t for t in texts if t.strip()])
    return out


class IntegrityViolation(StoreError, code="integrity"):
    """A constraint or trigger refused a write (the message names which); nothing was
    written."""


class Cursor(Protocol):
    """What a statement answers (a DB-API cursor)."""

    @property
    def rowcount(self) -> int:
        """Rows changed by an ``INSERT``, ``UPDATE`` or ``DELETE``."""
        ...

    def fetchone(self) -> Any:
        """The next row (a tuple), or None."""
        ...

    def fetchall(self) -> list[Any]:
        """The remaining rows."""
        ...


class Connection(Protocol):
    """What a store executes its SQL on (``?`` parameters)."""

    def execute(self, sql: str, parameters: Sequence[Any] = ..., /) -> Cursor:
        """Runs one statement."""
        ...


class Database(Protocol):
    """One store's tables on one engine (see the module docstring)."""

    @property
    def dialect(self) -> Dialect:
        """``sqlite`` or ``postgresql``."""
        ...

    @property
    def name(self) -> str:
        """The store's name (logs, errors; the schema's name on PostgreSQL)."""
        ...

    def migrate(self, steps: Sequence[Migration], *, what: str) -> None:
        """Brings the store's schema up to ``len(steps)``; refuses a newer one
        (``StoreError``). Safe when several processes open the store at once."""
        ...

    @property
    def schema_version(self) -> int:
        """The store's schema version (0 before any migration)."""
        ...

    def read(self) -> AbstractContextManager[Connection]:
        """A connection for reads while the block runs."""
        ...

    def write[T](
        self,
        work: Callable[[Connection], T],
        *,
        isolation: Isolation = ...,
        durable: bool = ...,
    ) -> T:
        """``work`` in one committed transaction, retried on PostgreSQL's serialization
        failures and deadlocks; answers what ``work`` answered. ``durable=False``: the commit
        need not wait for the disk (PostgreSQL's ``synchronous_commit = off``; on SQLite the
        file's ``synchronous`` setting decides): for what the next write replaces anyway."""
        ...

    def transaction(self, *, isolation: Isolation = ...) -> AbstractContextManager[Connection]:
        """One write transaction as a ``with`` block (committed at its end, rolled back on
        any error); no retries."""
        ...

    def close(self) -> None:
        """Releases what the store holds (the engine's pool stays open)."""
        ...


class SqliteDatabase:
    """A store in its own SQLite file: one connection per thread, WAL, one writer at a time.

    Args:
        path: the file.
        name: for logs and errors.
        synchronous: ``FULL`` where an answered write must survive a power cut, ``NORMAL``
            where losing the last few after one is acceptable (heartbeats).
        timeout_s: how long a write waits for another's lock before ``ServiceTimeout``.
        pragmas: more ``PRAGMA`` settings for every connection (``secure_delete=ON``).
        private: the folder is made 0700 and the file 0600 (personal data).
    """

    def __init__(
        self,
        path: Path,
        *,
        name: str,
        synchronous: Literal["FULL", "NORMAL"] = "FULL",
        timeout_s: float = 10.0,
        pragmas: Sequence[str] = (),
        private: bool = False,
    ) -> None:
        if private:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            path.parent.chmod(0o700)
        self.path = path
        self._name = name
        self._pool = ThreadConnections(
            path, synchronous=synchronous, timeout_s=timeout_s, name=name, pragmas=pragmas
        )
        self._pool.get()  # the file exists from here on
        if private:
            path.chmod(0o600)  # the -wal and -shm files take the database's mode

    @property
    def dialect(self) -> Dialect:
        return "sqlite"

    @property
    def name(self) -> str:
        return self._name

    def migrate(self, steps: Sequence[Migration], *, what: str) -> None:
        try:
            apply_migrations(
                self._pool.get(),
                statements_for(steps, "sqlite"),
                name=self.path.name,
                log=log,
                what=what,
            )
        except sqlite3.DatabaseError as e:
            raise StoreError(f"cannot open {self.path.name}: {e}") from e

    @property
    def schema_version(self) -> int:
        return int(self._pool.get().execute("PRAGMA user_version").fetchone()[0])

    @contextmanager
    def read(self) -> Iterator[Connection]:
        c = self._pool.get()
        try:
            yield c
        except sqlite3.OperationalError as e:
            if "locked" in str(e) or "busy" in str(e):
                raise ServiceTimeout(f"the {self._name} is busy: {e}") from e
            raise StoreError(f"{self._name}: {e}") from e
        except sqlite3.DatabaseError as e:
            raise StoreError(f"{self._name}: {e}") from e

    @contextmanager
    def transaction(self, *, isolation: Isolation = SERIALIZABLE) -> Iterator[Connection]:
        """``BEGIN IMMEDIATE`` ... ``COMMIT`` (the one writer from the first statement on:
        every isolation is serializable here)."""
        c = self._pool.get()
        try:
            c.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as e:
            raise ServiceTimeout(f"the {self._name} is busy: {e}") from e
        try:
            yield c
            c.execute("COMMIT")
        except BaseException as e:
            if c.in_transaction:
                c.execute("ROLLBACK")
            if isinstance(e, sqlite3.IntegrityError):
                raise IntegrityViolation(f"{self._name}: {e}") from e
            if isinstance(e, sqlite3.OperationalError) and "locked" in str(e):
                raise ServiceTimeout(f"the {self._name} is busy: {e}") from e
            if isinstance(e, sqlite3.DatabaseError):
                raise StoreError(f"{self._name}: {e}") from e
            raise

    def write[T](
        self,
        work: Callable[[Connection], T],
        *,
        isolation: Isolation = SERIALIZABLE,
        durable: bool = True,
    ) -> T:
        with self.transaction(isolation=isolation) as c:
            return work(c)

    def close(self) -> None:
        self._pool.close()
