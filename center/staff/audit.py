"""The center's audit log: who did what, when, from where. ``<data>/audit.sqlite3``.

One row per event, appended and never changed: every sign-in (and every refused one), every
view of a personal record (a member, an application, its photo), every action (a voucher
fulfilled, a configuration published, media uploaded, an account added), and every page a
role may not open. Rows carry the account, its role, the time (UTC), the client's address,
the action, its subject (a voucher code, an audience, an application number: never a
person's name or ID number) and a short detail.

The auditor searches it in the console and exports it as CSV. All SQL of this store is in
this module.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from center.staff.database import Database, from_text, to_text

AUDIT_FILE = "audit.sqlite3"
CSV_COLUMNS = ("time", "account", "role", "client", "action", "subject", "outcome", "detail")

_SCHEMA: list[list[str]] = [
    [
        "CREATE TABLE audit ("
        " id INTEGER PRIMARY KEY,"
        " at TEXT NOT NULL,"
        " account TEXT NOT NULL,"
        " role TEXT NOT NULL,"
        " client TEXT NOT NULL,"
        " action TEXT NOT NULL,"
        " subject TEXT NOT NULL,"
        " outcome TEXT NOT NULL,"
        " detail TEXT NOT NULL)",
        "CREATE INDEX audit_at ON audit (at)",
        "CREATE INDEX audit_account ON audit (account, at)",
    ],
]
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
            like = "%" + _escape_like(self.text.strip()) + "%"
            terms.append(
                "(account LIKE ? ESCAPE '\\' OR action LIKE ? ESCAPE '\\'"
                " OR subject LIKE ? ESCAPE '\\' OR detail LIKE ? ESCAPE '\\'"
                " OR client LIKE ? ESCAPE '\\')"
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


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _entry(row: Sequence[Any]) -> AuditEntry:
    at = from_text(row[1])
    assert at is not None
    return AuditEntry(int(row[0]), at, *(str(v) for v in row[2:]))


class AuditLog:
    """Appends and searches audit entries. Thread-safe; processes may share the file."""

    def __init__(self, db: Database, *, now: Callable[[], datetime] = _utc_now) -> None:
        db.migrate(_SCHEMA, what="audit log")
        self.db = db
        self.now = now

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
        new_id = self.db.write(
            lambda c: int(
                c.execute(
                    "INSERT INTO audit (at, account, role, client, action, subject, outcome,"
                    " detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                    values,
                ).fetchone()[0]
            )
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
        """Closes the log."""
        self.db.close()


def _no_formula(text: str) -> str:
    """A cell a spreadsheet will not run as a formula (CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def open_audit_log(data_dir: Path, **kwargs: Any) -> AuditLog:
    """The center's audit log, ``<data_dir>/audit.sqlite3``."""
    return AuditLog(Database(data_dir / AUDIT_FILE, name="audit log"), **kwargs)
