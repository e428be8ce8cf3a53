"""The ledger's tables: numbered migrations for SQLite and PostgreSQL, the column lists the
row readers expect, and how a row stores time.

Migrations are recorded per store (``PRAGMA user_version`` in the SQLite file, a row of
``public.center_schema`` on PostgreSQL); a database with a newer schema than this build
knows is refused rather than misread.

Where the engines differ, :class:`~kiosk.platform.database.Dialects` holds both: entry ids
(``AUTOINCREMENT`` / an identity column), the guards written as triggers (SQLite's
``RAISE(ABORT)`` / PL/pgSQL functions that raise ``check_violation``), and the insertion
order the readers sort by, which SQLite keeps in its implicit ``rowid`` and PostgreSQL in an
identity column of the same name.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from kiosk.platform.database import Database, Dialects, Migration

log = logging.getLogger(__name__)

_VOUCHERS = """CREATE TABLE vouchers (
            code TEXT PRIMARY KEY,{rowid}
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
        )"""
_VOUCHER_LINES = """CREATE TABLE voucher_lines ({rowid}
            voucher_code TEXT NOT NULL REFERENCES vouchers(code),
            item_id TEXT NOT NULL REFERENCES items(id),
            name_zh TEXT NOT NULL,
            name_en TEXT NOT NULL,
            quantity INTEGER NOT NULL CHECK (quantity >= 1),
            unit_points INTEGER NOT NULL CHECK (unit_points >= 0),
            PRIMARY KEY (voucher_code, item_id)
        )"""
_PG_ROWID = "\n            rowid BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,"
_ENTRIES = """CREATE TABLE entries (
            id {id},
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
        )"""

MIGRATIONS: tuple[Migration, ...] = (
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
        Dialects(_VOUCHERS.format(rowid=""), _VOUCHERS.format(rowid=_PG_ROWID)),
        "CREATE INDEX vouchers_by_member ON vouchers(member_id, issued_on)",
        "CREATE INDEX vouchers_by_status ON vouchers(status, expires_at)",
        Dialects(_VOUCHER_LINES.format(rowid=""), _VOUCHER_LINES.format(rowid=_PG_ROWID)),
        Dialects(
            _ENTRIES.format(id="INTEGER PRIMARY KEY AUTOINCREMENT"),
            _ENTRIES.format(id="BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"),
        ),
        "CREATE INDEX entries_by_member ON entries(member_id, id)",
        "CREATE INDEX entries_by_time ON entries(at)",
        "CREATE UNIQUE INDEX one_hold_per_voucher ON entries(voucher_code) WHERE kind = 'hold'",
        "CREATE UNIQUE INDEX one_close_per_voucher ON entries(voucher_code)"
        " WHERE kind IN ('post', 'void')",
        Dialects(
            """CREATE TRIGGER entries_append_only_update BEFORE UPDATE ON entries
            BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END""",
            """CREATE FUNCTION entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'ledger entries are append-only'
                    USING ERRCODE = 'integrity_constraint_violation';
            END $$""",
        ),
        Dialects(
            """CREATE TRIGGER entries_append_only_delete BEFORE DELETE ON entries
            BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END""",
            """CREATE TRIGGER entries_append_only BEFORE UPDATE OR DELETE ON entries
            FOR EACH ROW EXECUTE FUNCTION entries_append_only()""",
        ),
        Dialects(
            "",
            """CREATE TRIGGER entries_never_truncated BEFORE TRUNCATE ON entries
            FOR EACH STATEMENT EXECUTE FUNCTION entries_append_only()""",
        ),
        Dialects(
            """CREATE TRIGGER entries_never_negative AFTER INSERT ON entries
            WHEN (SELECT SUM(available) FROM entries WHERE member_id = NEW.member_id) < 0
              OR (SELECT SUM(held) FROM entries WHERE member_id = NEW.member_id) < 0
            BEGIN SELECT RAISE(ABORT, 'negative balance'); END""",
            # search_path fixed when made (the store's schema), whoever inserts later
            """CREATE FUNCTION entries_never_negative() RETURNS trigger LANGUAGE plpgsql
            SET search_path FROM CURRENT AS $$
            BEGIN
                IF (SELECT SUM(available) FROM entries WHERE member_id = NEW.member_id) < 0
                   OR (SELECT SUM(held) FROM entries WHERE member_id = NEW.member_id) < 0 THEN
                    RAISE EXCEPTION 'negative balance' USING ERRCODE = 'check_violation';
                END IF;
                RETURN NULL;
            END $$""",
        ),
        Dialects(
            "",
            """CREATE TRIGGER entries_never_negative AFTER INSERT ON entries
            FOR EACH ROW EXECUTE FUNCTION entries_never_negative()""",
        ),
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


def migrate(db: Database) -> None:
    """Brings the ledger on ``db`` up to :data:`SCHEMA_VERSION`.

    Raises:
        StoreError: the database has a newer schema than this build knows.
    """
    db.migrate(MIGRATIONS, what="points ledger")
