"""The ledger's tables: numbered migrations, the column lists the row readers expect, and
how a row stores time.

Migrations are recorded in ``PRAGMA user_version``; a file with a newer schema than this
build knows is refused rather than misread.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from kiosk.platform.sqlite_connections import apply_migrations

log = logging.getLogger(__name__)

MIGRATIONS: tuple[tuple[str, ...], ...] = (
    # 1: members, items, vouchers, the ledger, idempotent requests
    (
        """CREATE TABLE members (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            card_no INTEGER NOT NULL DEFAULT 1 CHECK (card_no >= 1),
            active INTEGER NOT NULL DEFAULT 1,
            created_at TEXT NOT NULL
        )""",
        """CREATE TABLE items (
            id TEXT PRIMARY KEY,
            position INTEGER NOT NULL,
            name_zh TEXT NOT NULL,
            name_en TEXT NOT NULL,
            points INTEGER NOT NULL CHECK (points >= 1),
            picture TEXT NOT NULL DEFAULT '',
            per_day INTEGER,
            per_month INTEGER,
            stock INTEGER NOT NULL CHECK (stock >= 0),
            stock_total INTEGER NOT NULL CHECK (stock_total >= stock),
            active INTEGER NOT NULL DEFAULT 1
        )""",
        """CREATE TABLE vouchers (
            code TEXT PRIMARY KEY,
            member_id TEXT NOT NULL REFERENCES members(id),
            request_key TEXT NOT NULL UNIQUE,
            status TEXT NOT NULL
                CHECK (status IN ('held', 'fulfilled', 'cancelled', 'expired')),
            points INTEGER NOT NULL CHECK (points >= 1),
            issued_at TEXT NOT NULL,
            issued_on TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            printed INTEGER NOT NULL DEFAULT 0,
            terminal TEXT NOT NULL,
            closed_at TEXT,
            closed_by TEXT
        )""",
        "CREATE INDEX vouchers_by_member ON vouchers(member_id, issued_on)",
        "CREATE INDEX vouchers_by_status ON vouchers(status, expires_at)",
        """CREATE TABLE voucher_lines (
            voucher_code TEXT NOT NULL REFERENCES vouchers(code),
            item_id TEXT NOT NULL REFERENCES items(id),
            name_zh TEXT NOT NULL,
            name_en TEXT NOT NULL,
            quantity INTEGER NOT NULL CHECK (quantity >= 1),
            unit_points INTEGER NOT NULL CHECK (unit_points >= 0),
            PRIMARY KEY (voucher_code, item_id)
        )""",
        """CREATE TABLE entries (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            idem_key TEXT NOT NULL UNIQUE,
            kind TEXT NOT NULL
                CHECK (kind IN ('earn', 'hold', 'post', 'void', 'expire', 'adjust')),
            member_id TEXT NOT NULL REFERENCES members(id),
            available INTEGER NOT NULL,
            held INTEGER NOT NULL,
            hours_centi INTEGER NOT NULL DEFAULT 0 CHECK (hours_centi >= 0),
            reason TEXT NOT NULL,
            voucher_code TEXT REFERENCES vouchers(code),
            terminal TEXT NOT NULL,
            staff TEXT,
            at TEXT NOT NULL,
            CHECK (kind NOT IN ('post', 'void', 'adjust') OR staff IS NOT NULL),
            CHECK ((kind IN ('hold', 'post', 'void')) = (voucher_code IS NOT NULL)),
            CHECK (kind = 'earn' OR hours_centi = 0),
            CHECK (
                (kind = 'earn' AND available >= 0 AND held = 0
                    AND (available > 0 OR hours_centi > 0))
                OR (kind = 'hold' AND available < 0 AND held = -available)
                OR (kind = 'post' AND available = 0 AND held < 0)
                OR (kind = 'void' AND available > 0 AND held = -available)
                OR (kind = 'expire' AND available < 0 AND held = 0)
                OR (kind = 'adjust' AND available <> 0 AND held = 0)
            )
        )""",
        "CREATE INDEX entries_by_member ON entries(member_id, id)",
        "CREATE INDEX entries_by_time ON entries(at)",
        "CREATE UNIQUE INDEX one_hold_per_voucher ON entries(voucher_code) WHERE kind = 'hold'",
        "CREATE UNIQUE INDEX one_close_per_voucher ON entries(voucher_code)"
        " WHERE kind IN ('post', 'void')",
        """CREATE TRIGGER entries_append_only_update BEFORE UPDATE ON entries
            BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END""",
        """CREATE TRIGGER entries_append_only_delete BEFORE DELETE ON entries
            BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END""",
        """CREATE TRIGGER entries_never_negative AFTER INSERT ON entries
            WHEN (SELECT SUM(available) FROM entries WHERE member_id = NEW.member_id) < 0
              OR (SELECT SUM(held) FROM entries WHERE member_id = NEW.member_id) < 0
            BEGIN SELECT RAISE(ABORT, 'negative balance'); END""",
        """CREATE TABLE requests (
            key TEXT PRIMARY KEY,
            op TEXT NOT NULL,
            fingerprint TEXT NOT NULL,
            result TEXT NOT NULL,
            call_id TEXT,
            terminal TEXT NOT NULL,
            at TEXT NOT NULL
        )""",
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)

ENTRY_COLUMNS = "id, kind, available, held, hours_centi, reason, voucher_code, terminal, staff, at"
ITEM_COLUMNS = "id, name_zh, name_en, points, stock, picture, per_day, per_month"
VOUCHER_COLUMNS = (
    "code, member_id, status, points, issued_at, expires_at, printed, terminal, closed_at,"
    " closed_by"
)
LINE_COLUMNS = "item_id, name_zh, name_en, quantity, unit_points"


def row_fields(columns: str, row: Sequence[Any]) -> dict[str, Any]:
    """A row selected with ``columns`` (one of the ``*_COLUMNS``) as {column: value}: the
    fields of the model the columns are named after, for its ``model_validate``."""
    return dict(zip((name.strip() for name in columns.split(",")), row, strict=True))


def iso(at: datetime) -> str:
    """How the ledger stores a time: local ISO 8601 to the second (sorts as text)."""
    return at.isoformat(timespec="seconds")


def migrate(conn: sqlite3.Connection, name: str) -> None:
    """Brings the file ``name`` on ``conn`` up to :data:`SCHEMA_VERSION`.

    Raises:
        StoreError: the file has a newer schema than this build knows.
    """
    apply_migrations(conn, MIGRATIONS, name=name, log=log, what="points ledger")
