"""Where the staff store and the audit log keep their tables, and how they write times.

Both run on the center's engine-neutral :class:`~kiosk.platform.database.Database`
(:mod:`center.database`): a SQLite file in the data directory (``staff.sqlite3``,
``audit.sqlite3``: the embedded default, as before), or a schema (``staff``, ``audit_log``) of
the center's PostgreSQL database that several app servers share. Their SQL is plain, with
``?`` parameters, ISO-8601 UTC text for times, ``INSERT ... ON CONFLICT`` and
``RETURNING``; only the audit log's identity column differs between the engines.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from center.database import Engine, open_engine
from kiosk.platform.database import Database, SqliteDatabase

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


def open_database(
    data_dir: Path, engine: Engine | None, *, name: str, sqlite_file: str
) -> tuple[Database, Engine | None]:
    """The store ``name`` on ``engine``, else on the engine ``[database]`` of ``data_dir``
    names: the database, and that engine if this opened it (its store closes it). On
    SQLite its file (``<folder>/<sqlite_file>``) is made 0600: hashes, sessions and who did
    what are nobody else's to read."""
    owned = open_engine(data_dir) if engine is None else None
    on = engine or owned
    assert on is not None
    try:
        db = on.store(name, sqlite_file=sqlite_file)
    except BaseException:
        if owned is not None:
            owned.close()
        raise
    if isinstance(db, SqliteDatabase):
        db.path.chmod(0o600)
    return db, owned
