"""The center's stores on PostgreSQL: one pool of connections (psycopg 3 + psycopg_pool) per
process, one schema per store, SERIALIZABLE writes retried on serialization failures.

- **Schemas.** Each store's tables live in a PostgreSQL schema named after the store
  (``points``, ``fleet``, ``photos``, ``credentials``, ...), so two stores may both have a
  table called ``terminals`` and a store's SQL is the same as on SQLite, where each store is
  its own file. A connection's ``search_path`` is set to the store's schema when the store
  takes it from the pool (only when it differs from what it was).
- **Versions.** ``public.center_schema`` holds each store's schema version. Migrations run
  in one transaction under an advisory lock: several app servers starting at once apply
  each step once; one that finds a newer schema than it knows refuses to start.
- **Writes.** ``BEGIN ISOLATION LEVEL SERIALIZABLE`` (or READ COMMITTED where a store asks
  for it: single-statement upserts). A serialization failure or a deadlock rolls back and
  runs the work again after a short random pause, until ``timeout_s`` is over; a unique
  violation is retried twice (a concurrent insert of the same key: the next attempt sees it).
  A lost connection before ``COMMIT`` was sent is retried the same way (nothing was
  committed); a connection lost during ``COMMIT`` leaves the outcome unknown and answers
  ``ServiceTimeout``: callers repeat with the same idempotency key, which the stores answer
  from what was committed.
- **Connections.** Checked with a round trip when taken from the pool (a restarted server
  leaves broken ones behind), autocommit for reads, ``statement_timeout`` and
  ``idle_in_transaction_session_timeout`` set on each new one.
"""

from __future__ import annotations

import contextlib
import logging
import random
import re
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

import psycopg
from psycopg import errors as pg_errors
from psycopg.conninfo import conninfo_to_dict
from psycopg_pool import ConnectionPool, PoolTimeout

from kiosk.platform.database import (
    SERIALIZABLE,
    Connection,
    Cursor,
    Dialect,
    IntegrityViolation,
    Isolation,
    Migration,
    statements_for,
)
from kiosk.platform.service_errors import ServiceTimeout, StoreError

log = logging.getLogger(__name__)

_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_MIGRATION_LOCK = 0x6B696F736B  # pg_advisory_xact_lock key: one migrating process at a time
_UNIQUE_RETRIES = 2
_SLOW_ATTEMPTS = 8  # a write that needed this many attempts is logged


def describe_url(url: str) -> str:
    """``url`` without its password, for logs and errors."""
    try:
        parts = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "PostgreSQL (unparsable URL)"
    host = parts.get("host", "localhost")
    return f"PostgreSQL {parts.get('dbname', '')} on {host}:{parts.get('port', 5432)}"


@lru_cache(maxsize=1024)
def _pg_sql(sql: str) -> str:
    """``?`` parameters as psycopg's ``%s`` (and a literal ``%`` doubled)."""
    return sql.replace("%", "%%").replace("?", "%s")


class _PgConnection:
    """A pooled connection seen through :class:`~kiosk.platform.database.Connection`."""

    __slots__ = ("_c",)

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self._c = conn

    def execute(self, sql: str, parameters: Sequence[Any] = (), /) -> Cursor:
        if parameters:
            return self._c.execute(_pg_sql(sql), parameters)
        return self._c.execute(sql)


def _configure(conn: psycopg.Connection[Any], statement_ms: int) -> None:
    """Settings of every new connection: no statement, and no transaction left idle, may
    hold locks for long."""
    conn.execute(f"SET statement_timeout = {statement_ms}")
    conn.execute(f"SET idle_in_transaction_session_timeout = {statement_ms * 2}")


class _Retry(Exception):
    """Internal: this attempt failed in a way that another attempt may not."""


class PostgresEngine:
    """A pool of connections to one PostgreSQL database, shared by the stores of a process.

    Args:
        url: a libpq URL or conninfo (``postgresql://user@host/db``); the password is best
            kept out of it (``~/.pgpass`` or ``PGPASSFILE``).
        pool_size: at most this many connections from this process.
        timeout_s: how long a call may wait for a connection, and how long a write keeps
            retrying, before ``ServiceTimeout``; also the server's statement timeout (x3).
    """

    def __init__(self, url: str, *, pool_size: int = 10, timeout_s: float = 10.0) -> None:
        self.url = url
        self.url_text = describe_url(url)
        self.timeout_s = timeout_s
        self._paths: weakref.WeakKeyDictionary[psycopg.Connection[Any], str] = (
            weakref.WeakKeyDictionary()
        )
        self._paths_lock = threading.Lock()
        self.stats: dict[str, int] = {"writes": 0, "retries": 0, "gave_up": 0}
        """Counts since start (for monitoring and tests): writes committed, attempts retried
        after a conflict or a lost connection, writes given up (``ServiceTimeout``)."""
        statement_ms = int(timeout_s * 3000)
        self._pool: ConnectionPool[psycopg.Connection[Any]] = ConnectionPool(
            url,
            min_size=1,
            max_size=pool_size,
            kwargs={"autocommit": True, "application_name": "center"},
            configure=lambda c: _configure(c, statement_ms),
            check=ConnectionPool.check_connection,
            timeout=timeout_s,
            open=False,
            name="center-db",
        )
        try:
            self._pool.open(wait=True, timeout=timeout_s)
        except PoolTimeout as e:
            self._pool.close()
            raise StoreError(f"cannot connect to {self.url_text}: {e}") from e

    @property
    def dialect(self) -> Dialect:
        return "postgresql"

    def describe(self) -> str:
        """Where the data is, for logs (no password)."""
        return self.url_text

    def store(self, name: str, **_sqlite_only: Any) -> PostgresDatabase:
        """The store ``name`` (its schema); SQLite's per-file settings do not apply."""
        return PostgresDatabase(self, name)

    @contextmanager
    def connection(self, schema: str | None) -> Iterator[psycopg.Connection[Any]]:
        """A pooled connection with ``search_path`` on ``schema`` (None: as it is)."""
        with self._pool.connection(timeout=self.timeout_s) as conn:
            if schema is not None:
                with self._paths_lock:
                    current = self._paths.get(conn)
                if current != schema:
                    conn.execute(f'SET search_path TO "{schema}"')
                    with self._paths_lock:
                        self._paths[conn] = schema
            yield conn

    def check(self) -> None:
        """A round trip to the server (health); ``ServiceTimeout`` if it does not answer."""
        try:
            with self.connection(None) as conn:
                conn.execute("SELECT 1")
        except psycopg.Error as e:
            raise ServiceTimeout(f"{self.url_text} does not answer: {e}") from e

    def count(self, what: str) -> None:
        """Adds one to ``stats[what]``."""
        with self._paths_lock:
            self.stats[what] += 1

    def pool_stats(self) -> dict[str, int]:
        """The pool's own figures (connections, waiting requests, errors): monitoring."""
        return dict(self._pool.get_stats())

    def close(self) -> None:
        """Closes every connection of the pool."""
        self._pool.close()


def _rollback(conn: psycopg.Connection[Any]) -> None:
    if conn.closed or conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE:
        return
    with contextlib.suppress(psycopg.Error):  # a broken connection: the pool discards it
        conn.execute("ROLLBACK")


class PostgresDatabase:
    """One store on :class:`PostgresEngine`: its schema, its migrations, its transactions."""

    def __init__(self, engine: PostgresEngine, name: str) -> None:
        if not _SCHEMA_NAME.match(name):
            raise ValueError(f"a store name must be a plain lowercase identifier: {name!r}")
        self.engine = engine
        self._name = name

    @property
    def dialect(self) -> Dialect:
        return "postgresql"

    @property
    def name(self) -> str:
        return self._name

    def migrate(self, steps: Sequence[Migration], *, what: str) -> None:
        latest = len(steps)
        try:
            with self.engine.connection(None) as conn:
                try:
                    conn.execute("BEGIN")
                    conn.execute(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})")
                    conn.execute(
                        "CREATE TABLE IF NOT EXISTS public.center_schema"
                        " (store TEXT PRIMARY KEY, version INTEGER NOT NULL)"
                    )
                    conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{self._name}"')
                    row = conn.execute(
                        "SELECT version FROM public.center_schema WHERE store = %s",
                        (self._name,),
                    ).fetchone()
                    version = int(row[0]) if row else 0
                    if version > latest:
                        raise StoreError(
                            f"the {self._name} store has schema {version};"
                            f" this build knows up to {latest}"
                        )
                    conn.execute(f'SET LOCAL search_path TO "{self._name}"')
                    for n, statements in enumerate(statements_for(steps, "postgresql")):
                        if n < version:
                            continue
                        for statement in statements:
                            conn.execute(statement)
                        conn.execute(
                            "INSERT INTO public.center_schema (store, version) VALUES (%s, %s)"
                            " ON CONFLICT (store) DO UPDATE SET version = excluded.version",
                            (self._name, n + 1),
                        )
                        log.info("%s migrated to schema %d", what, n + 1)
                    conn.execute("COMMIT")
                except BaseException:
                    _rollback(conn)
                    raise
        except psycopg.Error as e:
            raise StoreError(f"cannot migrate the {self._name} store: {e}") from e

    @property
    def schema_version(self) -> int:
        with self.read() as c:
            if c.execute("SELECT to_regclass('public.center_schema')").fetchone()[0] is None:
                return 0  # no store migrated yet
            row = c.execute(
                "SELECT version FROM public.center_schema WHERE store = ?", (self._name,)
            ).fetchone()
        return int(row[0]) if row else 0

    @contextmanager
    def read(self) -> Iterator[Connection]:
        try:
            with self.engine.connection(self._name) as conn:
                yield _PgConnection(conn)
        except (PoolTimeout, pg_errors.QueryCanceled) as e:
            raise ServiceTimeout(f"the {self._name} store did not answer in time: {e}") from e
        except psycopg.OperationalError as e:
            raise ServiceTimeout(f"the {self._name} store is unreachable: {e}") from e
        except psycopg.Error as e:
            raise StoreError(f"{self._name}: {e}") from e

    @contextmanager
    def transaction(self, *, isolation: Isolation = SERIALIZABLE) -> Iterator[Connection]:
        try:
            with self.engine.connection(self._name) as conn:
                conn.execute(f"BEGIN ISOLATION LEVEL {isolation.upper()}")
                try:
                    yield _PgConnection(conn)
                except BaseException:
                    _rollback(conn)
                    raise
                conn.execute("COMMIT")
        except (pg_errors.SerializationFailure, pg_errors.DeadlockDetected) as e:
            raise ServiceTimeout(f"the {self._name} store had a conflict: {e}") from e
        except psycopg.IntegrityError as e:
            raise IntegrityViolation(f"{self._name}: {e}") from e
        except psycopg.OperationalError as e:
            raise ServiceTimeout(f"the {self._name} store failed: {e}") from e
        except psycopg.Error as e:
            raise StoreError(f"{self._name}: {e}") from e

    def write[T](
        self,
        work: Callable[[Connection], T],
        *,
        isolation: Isolation = SERIALIZABLE,
        durable: bool = True,
    ) -> T:
        begin = f"BEGIN ISOLATION LEVEL {isolation.upper()}"
        if not durable:  # one round trip: both in one simple query
            begin += "; SET LOCAL synchronous_commit TO OFF"
        deadline = time.monotonic() + self.engine.timeout_s
        attempt = 0
        uniques = 0
        while True:
            attempt += 1
            try:
                result = self._attempt(work, begin)
            except _Retry as e:
                cause = e.__cause__
                if isinstance(cause, pg_errors.UniqueViolation):
                    uniques += 1
                    if uniques > _UNIQUE_RETRIES:
                        raise IntegrityViolation(f"{self._name}: {cause}") from cause
                if time.monotonic() > deadline:
                    self.engine.count("gave_up")
                    log.warning("a %s write gave up after %d attempts", self._name, attempt)
                    raise ServiceTimeout(
                        f"the {self._name} store gave up after {attempt} attempts: {cause}"
                    ) from cause
                self.engine.count("retries")
                # a random pause that grows: conflicting writers spread out
                time.sleep(random.uniform(0, min(0.2, 0.002 * 2 ** min(attempt, 7))))
                continue
            if attempt >= _SLOW_ATTEMPTS:
                log.info("a %s write needed %d attempts", self._name, attempt)
            self.engine.count("writes")
            return result

    def _attempt[T](self, work: Callable[[Connection], T], begin: str) -> T:
        """One attempt: the result, a ``_Retry`` (from the cause), or a service error."""
        committing = False
        try:
            with self.engine.connection(self._name) as conn:
                conn.execute(begin)
                try:
                    result = work(_PgConnection(conn))
                    committing = True
                    conn.execute("COMMIT")
                except BaseException:
                    _rollback(conn)
                    raise
                return result
        except (pg_errors.SerializationFailure, pg_errors.DeadlockDetected) as e:
            raise _Retry() from e  # nothing was committed, even when COMMIT said so
        except pg_errors.UniqueViolation as e:
            raise _Retry() from e
        except psycopg.IntegrityError as e:
            raise IntegrityViolation(f"{self._name}: {e}") from e
        except pg_errors.QueryCanceled as e:
            raise ServiceTimeout(f"the {self._name} store took too long: {e}") from e
        except psycopg.OperationalError as e:  # the connection or the server went away
            if committing:
                raise ServiceTimeout(
                    f"the {self._name} store failed while committing (outcome unknown): {e}"
                ) from e
            raise _Retry() from e
        except psycopg.Error as e:
            raise StoreError(f"{self._name}: {e}") from e

    def close(self) -> None:
        """Nothing to release: the connections belong to the engine's pool."""
