"""The one place the staff store and the audit log get their database from.

The stores are written to the shape of the center's engine-neutral stores (``read()`` for
reads, ``write(work)`` for one transaction, numbered ``migrate`` steps, plain SQL with ``?``
parameters, ISO-8601 UTC text for times, ``INSERT ... ON CONFLICT`` and ``RETURNING``), so
putting them behind ``[database] url`` means handing them another :class:`Database` here,
not touching their queries. The only SQLite-specific DDL is ``INTEGER PRIMARY KEY`` for the
audit log's order (an identity column on PostgreSQL).
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from kiosk.platform.service_errors import ServiceTimeout, StoreError
from kiosk.platform.sqlite_connections import ThreadConnections, apply_migrations

log = logging.getLogger(__name__)

TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
"""Times are stored as fixed-width UTC text, so they compare and sort as text."""


def to_text(at: datetime) -> str:
    """``at`` (aware) as stored."""
    return at.astimezone(UTC).strftime(TIME_FORMAT)


def from_text(text: str | None) -> datetime | None:
    """A stored time, or None."""
    if not text:
        return None
    return datetime.strptime(text, TIME_FORMAT).replace(tzinfo=UTC)


class Database:
    """A store's SQLite file: a connection per thread, one writer at a time, private.

    Args:
        path: the file (made 0600; its folder must exist).
        name: for logs and errors.
    """

    def __init__(self, path: Path, *, name: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.name = name
        self._pool = ThreadConnections(path, synchronous="FULL", timeout_s=10.0, name=name)
        try:
            self._pool.get()
        except StoreError:
            self._pool.close()
            raise
        path.chmod(0o600)

    def migrate(self, steps: Sequence[Sequence[str]], *, what: str) -> None:
        """Brings the schema up to ``len(steps)`` (``steps[n]`` takes it from n to n+1)."""
        try:
            apply_migrations(self._pool.get(), steps, name=self.path.name, log=log, what=what)
        except sqlite3.DatabaseError as e:
            raise StoreError(f"cannot open the {self.name} ({self.path.name}): {e}") from e

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A connection for reads (and single statements, each committed on its own)."""
        c = self._pool.get()
        try:
            yield c
        except sqlite3.OperationalError as e:
            raise ServiceTimeout(f"the {self.name} is busy: {e}") from e
        except sqlite3.DatabaseError as e:
            raise StoreError(f"{self.name}: {e}") from e

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken at its start; rolled back on any error."""
        c = self._pool.get()
        try:
            c.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as e:
            raise ServiceTimeout(f"the {self.name} is busy: {e}") from e
        try:
            yield c
            c.execute("COMMIT")
        except BaseException as e:
            if c.in_transaction:
                c.execute("ROLLBACK")
            if isinstance(e, sqlite3.DatabaseError):
                raise StoreError(f"{self.name}: {e}") from e
            raise

    def write[T](self, work: Callable[[sqlite3.Connection], T]) -> T:
        """``work`` in one committed transaction; answers what it answered. ``work`` does
        nothing but SQL, so another engine may run it again after a conflict."""
        with self.transaction() as c:
            return work(c)

    def close(self) -> None:
        """Closes every thread's connection."""
        self._pool.close()
