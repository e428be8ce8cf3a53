"""The center's audit log: who did what, when, from where. The ``audit_log`` store of the
center's database (``<data>/audit.sqlite3`` on SQLite, the ``audit_log`` schema on
PostgreSQL: :mod:`center.staff.database`), one log for every app server.

One row per event, appended and never changed: every sign-in (and every refused one), every
view of a personal record (a member, an application, its photo), every action (a voucher
fulfilled, a configuration published, media uploaded, an account added), and every page a
role may not open. Rows carry the account, its role, the time (UTC), the client's address,
the action, its subject (a voucher code, an audience, an application number: never a
person's name or ID number) and a short detail.

The auditor searches it in the console and exports it as CSV (the text search ignores the
case of ASCII letters on both engines, as SQLite's ``LIKE`` always did). All SQL of this
store is in this module.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from center.database import Engine
from center.staff.database import from_text, open_database, to_text
from kiosk.platform.database import READ_COMMITTED, Database, Dialects, Migration

STORE_NAME = "audit_log"
AUDIT_FILE = "audit.sqlite3"
"""The log's file on SQLite, in the engine's folder (the data directory)."""
CSV_COLUMNS = ("time", "account", "role", "client", "action", "subject", "outcome", "detail")

_AUDIT = (
    "CREATE TABLE audit ("
    " id {id},"
    " at TEXT NOT NULL,"
    " account TEXT NOT NULL,"
    " role TEXT NOT NULL,"
    " client TEXT NOT NULL,"
    " action TEXT NOT NULL,"
    " subject TEXT NOT NULL,"
    " outcome TEXT NOT NULL,"
    " detail TEXT NOT NULL)"
)
MIGRATIONS: tuple[Migration, ...] = (
    # 1: the log. On SQLite the statements files made before the log moved onto
    # center.database have (user_version 1); on PostgreSQL an identity column keeps the order.
    (
        Dialects(
            _AUDIT.format(id="INTEGER PRIMARY KEY"),
            _AUDIT.format(id="BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"),
        ),
        "CREATE INDEX audit_at ON audit (at)",
        "CREATE INDEX audit_account ON audit (account, at)",
    ),
)
_COLUMNS = "id, at, account, role, client, action, subject, outcome, detail"


@dataclass(frozen=True)
class AuditEntry:
    """One audited event."""

    id: int
    at: datetime
    account: str
    role: str
    client: str
    action: str
    subject: str
    outcome: str
    detail: str


@dataclass(frozen=True)
class AuditQuery:
    """A search of the log; empty fields match everything.

    Attributes:
        text: found in the account, action, subject or detail.
        account: exactly this account.
        action: actions starting with this (``voucher.`` finds every voucher action).
        since, until: UTC times, ``since`` inclusive, ``until`` exclusive.
    """

    text: str = ""
    account: str = ""
    action: str = ""
    since: datetime | None = None
    until: datetime | None = None

    def where(self) -> tuple[str, list[Any]]:
        """The SQL condition and its parameters."""
        terms: list[str] = []
        params: list[Any] = []
        if self.text.strip():
            # LOWER on both sides: SQLite's LIKE ignores ASCII case, PostgreSQL's does not
            like = "%" + _escape_like(_ascii_lower(self.text.strip())) + "%"
            terms.append(
                "(LOWER(account) LIKE ? ESCAPE '\\' OR LOWER(action) LIKE ? ESCAPE '\\'"
                " OR LOWER(subject) LIKE ? ESCAPE '\\' OR LOWER(detail) LIKE ? ESCAPE '\\'"
                " OR LOWER(client) LIKE ? ESCAPE '\\')"
            )
            params += [like] * 5
        if self.account.strip():
            terms.append("account = ?")
            params.append(self.account.strip())
        if self.action.strip():
            terms.append("action LIKE ? ESCAPE '\\'")
            params.append(_escape_like(self.action.strip()) + "%")
        if self.since is not None:
            terms.append("at >= ?")
            params.append(to_text(self.since))
        if self.until is not None:
            terms.append("at < ?")
            params.append(to_text(self.until))
        return (" WHERE " + " AND ".join(terms) if terms else ""), params


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _ascii_lower(text: str) -> str:
    """``text`` with A-Z made lowercase, and nothing else (as SQLite's ``LOWER``)."""
    return text.translate(_ASCII_LOWER)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _entry(row: Sequence[Any]) -> AuditEntry:
    at = from_text(row[1])
    assert at is not None
    return AuditEntry(int(row[0]), at, *(str(v) for v in row[2:]))


class AuditLog:
    """Appends and searches audit entries. Thread-safe; processes may share the store.

    Args:
        db: the log's database (``engine.store("audit_log", ...)``).
        now: the clock (UTC, aware).
        engine: an engine the log owns (closed with it), when its opener made one.
    """

    def __init__(
        self,
        db: Database,
        *,
        now: Callable[[], datetime] = _utc_now,
        engine: Engine | None = None,
    ) -> None:
        db.migrate(MIGRATIONS, what="audit log")
        self.db = db
        self.now = now
        self._engine = engine

    def record(
        self,
        account: str,
        action: str,
        *,
        role: str = "",
        client: str = "",
        subject: str = "",
        outcome: str = "ok",
        detail: str = "",
    ) -> AuditEntry:
        """Appends an event (now) and answers it."""
        at = self.now()
        values = (
            to_text(at),
            account[:64],
            role[:16],
            client[:64],
            action[:64],
            subject[:200],
            outcome[:32],
            detail[:1000],
        )
        new_id = self.db.write(  # one INSERT reads nothing: READ COMMITTED is enough
            lambda c: int(
                c.execute(
                    "INSERT INTO audit (at, account, role, client, action, subject, outcome,"
                    " detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                    values,
                ).fetchone()[0]
            ),
            isolation=READ_COMMITTED,
        )
        return AuditEntry(new_id, at, *values[1:])

    def search(
        self, query: AuditQuery, *, limit: int = 100, offset: int = 0
    ) -> tuple[list[AuditEntry], int]:
        """Matching entries, newest first (``limit`` from ``offset``), and how many match."""
        where, params = query.where()
        with self.db.read() as c:
            total = int(c.execute(f"SELECT COUNT(*) FROM audit{where}", params).fetchone()[0])
            rows = c.execute(
                f"SELECT {_COLUMNS} FROM audit{where} ORDER BY id DESC LIMIT ? OFFSET ?",
                [*params, max(0, limit), max(0, offset)],
            ).fetchall()
        return [_entry(r) for r in rows], total

    def accounts(self) -> list[str]:
        """Every account name that appears in the log."""
        with self.db.read() as c:
            rows = c.execute("SELECT DISTINCT account FROM audit ORDER BY account").fetchall()
        return [str(r[0]) for r in rows]

    def export_csv(self, query: AuditQuery, *, limit: int = 100_000) -> str:
        """Matching entries, oldest first, as CSV (UTF-8 text; times in UTC, ISO 8601)."""
        where, params = query.where()
        with self.db.read() as c:
            rows = c.execute(
                f"SELECT {_COLUMNS} FROM audit{where} ORDER BY id LIMIT ?", [*params, limit]
            ).fetchall()
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(CSV_COLUMNS)
        for row in rows:
            e = _entry(row)
            cells = (e.account, e.role, e.client, e.action, e.subject, e.outcome, e.detail)
            writer.writerow([e.at.isoformat(timespec="seconds"), *map(_no_formula, cells)])
        return out.getvalue()

    def close(self) -> None:
        """Closes the log (and the engine, if the log opened it)."""
        self.db.close()
        if self._engine is not None:
            self._engine.close()
            self._engine = None


def _no_formula(text: str) -> str:
    """A cell a spreadsheet will not run as a formula (CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def open_audit_log(data_dir: Path, *, engine: Engine | None = None, **kwargs: Any) -> AuditLog:
    """The center's audit log: on ``engine`` (the app's), else on the database
    ``[database]`` of ``data_dir`` names (SQLite by default: ``<data_dir>/audit.sqlite3``)."""
    db, owned = open_database(data_dir, engine, name=STORE_NAME, sqlite_file=AUDIT_FILE)
    try:
        return AuditLog(db, engine=owned, **kwargs)
    except BaseException:
        db.close()
        if owned is not None:
            owned.close()
        raise
