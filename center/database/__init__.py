"""The center's database layer: where its stores keep their tables, on SQLite or PostgreSQL.

:func:`open_engine` reads ``[database]`` (:mod:`.settings`) and answers an :class:`Engine`;
each store asks it for its :class:`~kiosk.platform.database.Database` by name and gives
that its migrations::

    engine = open_engine(data_dir)
    db = engine.store("points", sqlite_file="points.sqlite3")
    db.migrate(MIGRATIONS, what="points ledger")
    with db.read() as c: ...           # reads
    db.write(lambda c: ...)            # one transaction, retried on conflicts

On SQLite a store is a file of its own (one writer at a time, no retries needed); on
PostgreSQL it is a schema of one shared database (SERIALIZABLE, retried), so several app
servers can share it. The SQL a store writes is the same for both (``?`` parameters);
where the DDL differs, a migration says so with
:class:`~kiosk.platform.database.Dialects`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, Protocol

from center.database.settings import DatabaseSettings, load_database_settings
from center.database.sqlite import SqliteEngine
from kiosk.platform.database import Database, Dialect

__all__ = ["DatabaseSettings", "Engine", "SqliteEngine", "load_database_settings", "open_engine"]


class Engine(Protocol):
    """Where the stores of one center process are."""

    @property
    def dialect(self) -> Dialect:
        """``sqlite`` or ``postgresql``."""
        ...

    def describe(self) -> str:
        """Where the data is, for logs (no password)."""
        ...

    def store(
        self,
        name: str,
        *,
        sqlite_file: str,
        synchronous: Literal["FULL", "NORMAL"] = ...,
        pragmas: tuple[str, ...] = ...,
        private: bool = ...,
    ) -> Database:
        """The store ``name``: its file on SQLite (``sqlite_file``, with the SQLite-only
        settings), its schema on PostgreSQL."""
        ...

    def check(self) -> None:
        """Raises ``ServiceTimeout`` if the database does not answer."""
        ...

    def close(self) -> None:
        """Closes the engine's connections (after the stores are closed)."""
        ...


def open_engine(data_dir: Path, settings: DatabaseSettings | None = None) -> Engine:
    """The engine ``[database]`` names for ``data_dir`` (``settings`` if given)."""
    settings = settings or load_database_settings(data_dir)
    if settings.is_postgresql:
        from center.database.postgres import PostgresEngine  # psycopg only when used

        return PostgresEngine(
            settings.url, pool_size=settings.pool_size, timeout_s=settings.timeout_s
        )
    return SqliteEngine(settings.sqlite_folder(data_dir))
