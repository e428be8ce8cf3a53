"""The points ledger in SQLite: every rule of volunteer points, each write one transaction.

- **Append-only.** ``entries`` rows are never updated or deleted (triggers refuse it). A
  member's balance is the sum of their entries: ``available`` and ``held`` columns.
- **Never negative.** Checked before writing, and again by an ``AFTER INSERT`` trigger that
  aborts the transaction if a member's available or held sum would go below zero. Stock has
  ``CHECK (stock >= 0)`` and is decremented in the same transaction as the hold.
- **Idempotent.** Every write names an idempotency key. The ``requests`` table keeps the key,
  what was asked (operation and a fingerprint of its parameters) and the answer, in the same
  transaction as the write: a replay returns the stored answer and writes nothing; the same
  key with other parameters raises :class:`IdempotencyKeyReused`. Every entry also has its
  own unique key (``redeem:<request key>``, ``post:<code>``, ``void:<code>``, ...), so no
  request and no voucher can be charged, posted or returned twice.
- **Durable.** WAL with ``synchronous=FULL`` (a commit survives a power cut), writes under
  ``BEGIN IMMEDIATE`` (one writer at a time, decided before reading the balance), numbered
  migrations recorded in ``PRAGMA user_version`` (a newer file is refused).
- **Traceable.** Every entry names its terminal; post, void and adjust name the staff member
  (``resident`` for a resident's own cancellation, ``system`` for expiry).

One connection per thread; :meth:`Ledger.close` closes them all.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from kiosk.framework.clock import Clock, SystemClock
from kiosk.platform.service_errors import InvalidQuery, ServiceTimeout, StoreError
from kiosk.platform.sqlite_connections import ThreadConnections
from kiosk.points.catalogue import CatalogueSpec
from kiosk.points.config import QUIZ_REASON, ItemLimits, PointsConfig
from kiosk.points.errors import (
    CancelNotAllowed,
    CardRevoked,
    EarnNotAllowed,
    IdempotencyKeyReused,
    LimitReached,
    NotEnoughPoints,
    OutOfStock,
    UnknownItem,
    UnknownMember,
    VoucherAlreadyFulfilled,
    VoucherClosed,
    VoucherNotFound,
)
from kiosk.points.model import (
    MEMBER_ID_RE,
    Balance,
    CartLine,
    Catalogue,
    CatalogueItem,
    EarnAnswer,
    EntryKind,
    LedgerEntry,
    MemberSummary,
    Voucher,
    VoucherLine,
    VoucherStatus,
)
from kiosk.points.vouchers import new_code

log = logging.getLogger(__name__)

SYSTEM_STAFF = "system"
RESIDENT_STAFF = "resident"

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
KEY_PATTERN = re.compile(r"[\x21-\x7e]{8,128}")  # printable ASCII, no spaces


def _check_key(key: str) -> str:
    if not KEY_PATTERN.fullmatch(key):
        raise InvalidQuery("idempotency key missing or malformed", field="idempotency_key")
    return key


def _check_member_id(member_id: str) -> str:
    if not MEMBER_ID_RE.match(member_id):
        raise InvalidQuery("malformed member id", field="member_id")
    return member_id


def fingerprint(op: str, params: dict[str, Any]) -> str:
    """A stable digest of what a request asks, to tell a replay from a reused key."""
    text = json.dumps([op, params], sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def expiry_date(earned: date, config: PointsConfig) -> date | None:
    """The first day on which points earned on ``earned`` are expired (None: never)."""
    if config.expiry == "never":
        return None
    if config.expiry == "end_of_year":
        return date(earned.year + 1, 1, 1)
    year = earned.year + config.expiry_years
    try:
        return earned.replace(year=year)
    except ValueError:  # 29 February in a year without one
        return date(year, 3, 1)


def _iso(at: datetime) -> str:
    return at.isoformat(timespec="seconds")


@dataclass(frozen=True)
class ExpiryReport:
    """What an expiry run wrote: vouchers expired, points expired per member."""

    vouchers: tuple[str, ...] = ()
    points: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Replayed[T]:
    """A write's answer and whether it was a replay of an earlier request."""

    value: T
    replayed: bool


class Ledger:
    """The SQLite ledger. Thread-safe: one connection per thread.

    Attributes:
        path: the database file.
        config: the points policy the rules follow.
        clock: local time for entries, limits (per day, per month) and expiry.
    """

    def __init__(
        self, path: Path, config: PointsConfig | None = None, clock: Clock | None = None
    ) -> None:
        self.path = path
        self.config = config or PointsConfig()
        self.clock = clock or SystemClock()
        self._pool = ThreadConnections(path, synchronous="FULL", timeout_s=10.0, name="ledger")
        self._migrate(self._conn())

    # -- connections and transactions ---------------------------------------------------

    def _conn(self) -> sqlite3.Connection:
        return self._pool.get()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE`` ... ``COMMIT``; rolled back on any error.

        SQLite errors become service errors: a trigger or CHECK that refuses a negative
        balance or stock as :class:`NotEnoughPoints` / :class:`OutOfStock`, a lock held too
        long as :class:`ServiceTimeout`, anything else as :class:`StoreError`.
        """
        c = self._conn()
        try:
            c.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as e:
            raise ServiceTimeout(f"the ledger is busy: {e}") from e
        try:
            yield c
            c.execute("COMMIT")
        except BaseException as e:
            if c.in_transaction:
                c.execute("ROLLBACK")
            if isinstance(e, sqlite3.IntegrityError):
                text = str(e)
                if "negative balance" in text:
                    raise NotEnoughPoints("the balance would be negative") from e
                if "stock" in text:
                    raise OutOfStock("the stock would be negative") from e
                raise StoreError(f"integrity: {text}") from e
            if isinstance(e, sqlite3.OperationalError) and "locked" in str(e):
                raise ServiceTimeout(f"the ledger is busy: {e}") from e
            if isinstance(e, sqlite3.DatabaseError):
                raise StoreError(f"ledger: {e}") from e
            raise

    def _migrate(self, conn: sqlite3.Connection) -> None:
        # One step per transaction with the version read inside it, so two processes
        # opening a new file at once cannot both run a step.
        while True:
            conn.execute("BEGIN IMMEDIATE")
            try:
                version = int(conn.execute("PRAGMA user_version").fetchone()[0])
                if version > SCHEMA_VERSION:
                    raise StoreError(
                        f"{self.path.name} has schema {version}; "
                        f"this build knows up to {SCHEMA_VERSION}"
                    )
                if version == SCHEMA_VERSION:
                    conn.execute("COMMIT")
                    return
                for statement in MIGRATIONS[version]:
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {version + 1}")
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            log.info("points ledger migrated to schema %d", version + 1)

    @property
    def schema_version(self) -> int:
        """The schema version of the file."""
        return int(self._conn().execute("PRAGMA user_version").fetchone()[0])

    def close(self) -> None:
        """Closes every thread's connection."""
        self._pool.close()

    # -- the idempotency machinery --------------------------------------------------------

    def _idempotent(
        self,
        op: str,
        key: str,
        params: dict[str, Any],
        terminal: str,
        action: Callable[[sqlite3.Connection, datetime], dict[str, Any]],
        *,
        call_id: str | None = None,
    ) -> tuple[dict[str, Any], bool, str | None]:
        """Runs ``action`` once per key; returns (answer, replayed, the first call's id)."""
        _check_key(key)
        digest = fingerprint(op, params)
        with self.transaction() as c:
            row = c.execute(
                "SELECT op, fingerprint, result, call_id FROM requests WHERE key = ?", (key,)
            ).fetchone()
            if row is not None:
                if row[0] != op or row[1] != digest:
                    raise IdempotencyKeyReused(f"key already used for another {row[0]}")
                result: dict[str, Any] = json.loads(row[2])
                return result, True, row[3]
            now = self.clock.now()
            result = action(c, now)
            c.execute(
                "INSERT INTO requests (key, op, fingerprint, result, call_id, terminal, at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    key,
                    op,
                    digest,
                    json.dumps(result, ensure_ascii=False),
                    call_id,
                    terminal,
                    _iso(now),
                ),
            )
        return result, False, call_id

    # -- members ---------------------------------------------------------------------------

    def add_member(self, member_id: str, name: str, *, card_no: int = 1) -> None:
        """Registers a member (a no-op if the id is taken with the same name)."""
        _check_member_id(member_id)
        if not name.strip() or len(name) > 40:
            raise InvalidQuery("a member needs a name of 1-40 characters", field="name")
        with self.transaction() as c:
            row = c.execute("SELECT name FROM members WHERE id = ?", (member_id,)).fetchone()
            if row is not None:
                if row[0] != name.strip():
                    raise InvalidQuery("member id taken by another name", field="member_id")
                return
            c.execute(
                "INSERT INTO members (id, name, card_no, created_at) VALUES (?, ?, ?, ?)",
                (member_id, name.strip(), card_no, _iso(self.clock.now())),
            )

    def new_card(self, member_id: str) -> int:
        """Issues a new card number for a member; tokens of older cards stop working."""
        with self.transaction() as c:
            self._member_row(c, member_id)
            c.execute("UPDATE members SET card_no = card_no + 1 WHERE id = ?", (member_id,))
            return int(
                c.execute("SELECT card_no FROM members WHERE id = ?", (member_id,)).fetchone()[0]
            )

    def member_card(self, member_id: str) -> tuple[str, int]:
        """(name, current card number) of a member."""
        row = self._member_row(self._conn(), member_id)
        return str(row[1]), int(row[2])

    def members(self) -> list[tuple[str, str, int, Balance]]:
        """Every member: (id, name, card number, balance)."""
        c = self._conn()
        rows = c.execute("SELECT id, name, card_no FROM members ORDER BY id").fetchall()
        return [(r[0], r[1], int(r[2]), self._balance(c, r[0])) for r in rows]

    def has_members(self) -> bool:
        """Whether any member is registered."""
        return self._conn().execute("SELECT 1 FROM members LIMIT 1").fetchone() is not None

    @staticmethod
    def _member_row(c: sqlite3.Connection, member_id: str) -> tuple[Any, ...]:
        row = c.execute(
            "SELECT id, name, card_no, active FROM members WHERE id = ?", (member_id,)
        ).fetchone()
        if row is None or not row[3]:
            raise UnknownMember("no such member")
        return tuple(row)

    @staticmethod
    def _balance(c: sqlite3.Connection, member_id: str) -> Balance:
        row = c.execute(
            "SELECT COALESCE(SUM(available), 0), COALESCE(SUM(held), 0) FROM entries"
            " WHERE member_id = ?",
            (member_id,),
        ).fetchone()
        return Balance(available=int(row[0]), held=int(row[1]))

    def balance(self, member_id: str) -> Balance:
        """A member's balance, summed from the entries."""
        self._sweep_expired_vouchers()  # an expired voucher's points are no longer held
        c = self._conn()
        self._member_row(c, member_id)
        return self._balance(c, member_id)

    def member_summary(self, member_id: str, *, card_no: int | None = None) -> MemberSummary:
        """Balance, hours, recent entries and open vouchers of a member.

        ``card_no`` is the token's card number: an older card than the member's current one
        raises :class:`CardRevoked`.
        """
        _check_member_id(member_id)
        self._sweep_expired_vouchers()  # the balance shown must not count expired holds
        c = self._conn()
        row = self._member_row(c, member_id)
        if card_no is not None and card_no != int(row[2]):
            raise CardRevoked("the card was replaced")
        hours = c.execute(
            "SELECT COALESCE(SUM(hours_centi), 0) FROM entries WHERE member_id = ?",
            (member_id,),
        ).fetchone()[0]
        recent = [
            self._entry(r)
            for r in c.execute(
                f"SELECT {_ENTRY_COLUMNS} FROM entries WHERE member_id = ?"
                " ORDER BY id DESC LIMIT ?",
                (member_id, self.config.recent_entries),
            ).fetchall()
        ]
        return MemberSummary(
            member_id=member_id,
            name=str(row[1]),
            balance=self._balance(c, member_id),
            hours_centi=int(hours),
            recent=tuple(recent),
            open_vouchers=tuple(self.open_vouchers(member_id)),
        )

    def entries(self, member_id: str | None = None) -> list[LedgerEntry]:
        """Every entry (of a member), oldest first."""
        self._sweep_expired_vouchers()
        c = self._conn()
        if member_id is None:
            rows = c.execute(f"SELECT {_ENTRY_COLUMNS} FROM entries ORDER BY id").fetchall()
        else:
            rows = c.execute(
                f"SELECT {_ENTRY_COLUMNS} FROM entries WHERE member_id = ? ORDER BY id",
                (member_id,),
            ).fetchall()
        return [self._entry(r) for r in rows]

    @staticmethod
    def _entry(r: Sequence[Any]) -> LedgerEntry:
        return LedgerEntry(
            id=r[0],
            kind=EntryKind(r[1]),
            available=r[2],
            held=r[3],
            hours_centi=r[4],
            reason=r[5],
            voucher_code=r[6],
            terminal=r[7],
            staff=r[8],
            at=datetime.fromisoformat(r[9]),
        )

    # -- catalogue ---------------------------------------------------------------------------

    def sync_catalogue(self, spec: CatalogueSpec) -> None:
        """Adds new items with their initial stock, updates known ones (never their stock),
        and withdraws items the spec no longer lists."""
        with self.transaction() as c:
            known = {r[0] for r in c.execute("SELECT id FROM items").fetchall()}
            for position, item in enumerate(spec.item):
                limits = item.limits or ItemLimits()
                values = (
                    position,
                    item.name_zh,
                    item.name_en,
                    item.points,
                    item.picture,
                    limits.per_day,
                    limits.per_month,
                )
                if item.id in known:
                    c.execute(
                        "UPDATE items SET position = ?, name_zh = ?, name_en = ?, points = ?,"
                        " picture = ?, per_day = ?, per_month = ?, active = 1 WHERE id = ?",
                        (*values, item.id),
                    )
                else:
                    c.execute(
                        "INSERT INTO items (id, position, name_zh, name_en, points, picture,"
                        " per_day, per_month, stock, stock_total)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (item.id, *values, item.stock, item.stock),
                    )
            listed = [i.id for i in spec.item]
            c.execute(
                f"UPDATE items SET active = 0 WHERE id NOT IN ({','.join('?' * len(listed))})",
                listed,
            )

    def restock(self, item_id: str, quantity: int) -> int:
        """Adds ``quantity`` to an item's stock; returns the new stock."""
        if quantity < 1:
            raise InvalidQuery("restock by at least 1", field="quantity")
        with self.transaction() as c:
            cur = c.execute(
                "UPDATE items SET stock = stock + ?, stock_total = stock_total + ? WHERE id = ?",
                (quantity, quantity, item_id),
            )
            if cur.rowcount != 1:
                raise UnknownItem("no such item", item_id=item_id)
            return int(c.execute("SELECT stock FROM items WHERE id = ?", (item_id,)).fetchone()[0])

    def _limits(self, row: Sequence[Any]) -> ItemLimits:
        own = ItemLimits(per_day=row[6], per_month=row[7])
        has_own = row[6] is not None or row[7] is not None
        return self.config.limits_for(str(row[0]), own if has_own else None)

    @staticmethod
    def _used(c: sqlite3.Connection, member_id: str, item_id: str, since: date) -> int:
        row = c.execute(
            "SELECT COALESCE(SUM(l.quantity), 0) FROM voucher_lines l"
            " JOIN vouchers v ON v.code = l.voucher_code"
            " WHERE v.member_id = ? AND l.item_id = ? AND v.issued_on >= ?"
            " AND v.status IN ('held', 'fulfilled')",
            (member_id, item_id, since.isoformat()),
        ).fetchone()
        return int(row[0])

    def catalogue(self, member_id: str | None = None) -> Catalogue:
        """Items on offer with stock and limits; with ``member_id``, what that member may
        still take today and this month."""
        self._sweep_expired_vouchers()  # stock reserved by expired vouchers is back
        c = self._conn()
        if member_id is not None:
            _check_member_id(member_id)
            self._member_row(c, member_id)
        today = self.clock.now().date()
        items = []
        for r in c.execute(
            f"SELECT {_ITEM_COLUMNS} FROM items WHERE active = 1 ORDER BY position"
        ).fetchall():
            limits = self._limits(r)
            left_day = left_month = None
            if member_id is not None:
                if limits.per_day is not None:
                    left_day = max(0, limits.per_day - self._used(c, member_id, r[0], today))
                if limits.per_month is not None:
                    used = self._used(c, member_id, r[0], today.replace(day=1))
                    left_month = max(0, limits.per_month - used)
            items.append(
                CatalogueItem(
                    id=r[0],
                    name_zh=r[1],
                    name_en=r[2],
                    points=r[3],
                    stock=r[4],
                    picture=r[5],
                    per_day=limits.per_day,
                    per_month=limits.per_month,
                    left_today=left_day,
                    left_this_month=left_month,
                )
            )
        return Catalogue(items=tuple(items))

    # -- vouchers ----------------------------------------------------------------------------

    def _voucher(self, c: sqlite3.Connection, code: str) -> Voucher | None:
        r = c.execute(f"SELECT {_VOUCHER_COLUMNS} FROM vouchers WHERE code = ?", (code,)).fetchone()
        if r is None:
            return None
        lines = c.execute(
            "SELECT item_id, name_zh, name_en, quantity, unit_points FROM voucher_lines"
            " WHERE voucher_code = ? ORDER BY rowid",
            (code,),
        ).fetchall()
        return Voucher(
            code=r[0],
            member_id=r[1],
            status=VoucherStatus(r[2]),
            points=r[3],
            issued_at=datetime.fromisoformat(r[4]),
            expires_at=datetime.fromisoformat(r[5]),
            printed=bool(r[6]),
            terminal=r[7],
            closed_at=datetime.fromisoformat(r[8]) if r[8] else None,
            closed_by=r[9],
            lines=tuple(
                VoucherLine(
                    item_id=x[0], name_zh=x[1], name_en=x[2], quantity=x[3], unit_points=x[4]
                )
                for x in lines
            ),
        )

    def voucher(self, code: str) -> Voucher:
        """The voucher with this code (any status)."""
        self._sweep_expired_vouchers()
        v = self._voucher(self._conn(), code)
        if v is None:
            raise VoucherNotFound("no such voucher")
        return v

    def open_vouchers(self, member_id: str) -> list[Voucher]:
        """A member's vouchers still held and not past expiry, newest first."""
        c = self._conn()
        now = _iso(self.clock.now())
        codes = c.execute(
            "SELECT code FROM vouchers WHERE member_id = ? AND status = 'held'"
            " AND expires_at > ? ORDER BY issued_at DESC, rowid DESC",
            (member_id, now),
        ).fetchall()
        return [v for (code,) in codes if (v := self._voucher(c, code)) is not None]

    def vouchers(self) -> list[Voucher]:
        """Every voucher, oldest first (checks and reports)."""
        c = self._conn()
        codes = c.execute("SELECT code FROM vouchers ORDER BY rowid").fetchall()
        return [v for (code,) in codes if (v := self._voucher(c, code)) is not None]

    def _expires_at(self, now: datetime) -> datetime:
        last_day = now.date() + timedelta(days=self.config.voucher_valid_days)
        return datetime.combine(last_day + timedelta(days=1), time())

    def redeem(
        self, member_id: str, lines: Sequence[CartLine], key: str, terminal: str
    ) -> Replayed[Voucher]:
        """Issues a voucher: holds the points and reserves the stock, in one transaction.

        Refusals (nothing written): :class:`UnknownMember`, :class:`UnknownItem`,
        :class:`OutOfStock`, :class:`LimitReached`, :class:`NotEnoughPoints`,
        :class:`IdempotencyKeyReused`, ``InvalidQuery`` for an empty or oversized cart.
        """
        _check_member_id(member_id)
        merged: dict[str, int] = {}
        for line in lines:
            merged[line.item_id] = merged.get(line.item_id, 0) + line.quantity
        if not merged:
            raise InvalidQuery("the cart is empty", field="lines")
        if len(merged) > self.config.max_lines:
            raise InvalidQuery("too many different items", field="lines")
        if any(q > self.config.max_quantity for q in merged.values()):
            raise InvalidQuery("too many of one item", field="lines")
        cart = sorted(merged.items())
        self._sweep_expired_vouchers()

        def action(c: sqlite3.Connection, now: datetime) -> dict[str, Any]:
            self._member_row(c, member_id)
            today = now.date()
            priced: list[tuple[Sequence[Any], int]] = []
            for item_id, quantity in cart:
                r = c.execute(
                    f"SELECT {_ITEM_COLUMNS} FROM items WHERE id = ? AND active = 1", (item_id,)
                ).fetchone()
                if r is None:
                    raise UnknownItem("no such item", item_id=item_id)
                if r[4] < quantity:
                    raise OutOfStock("not enough in stock", item_id=item_id)
                limits = self._limits(r)
                if limits.per_day is not None and (
                    self._used(c, member_id, item_id, today) + quantity > limits.per_day
                ):
                    raise LimitReached("daily limit", item_id=item_id)
                if limits.per_month is not None and (
                    self._used(c, member_id, item_id, today.replace(day=1)) + quantity
                    > limits.per_month
                ):
                    raise LimitReached("monthly limit", item_id=item_id)
                priced.append((r, quantity))
            total = sum(int(r[3]) * q for r, q in priced)
            if total > self._balance(c, member_id).available:
                raise NotEnoughPoints("not enough points")
            code = new_code()
            while c.execute("SELECT 1 FROM vouchers WHERE code = ?", (code,)).fetchone():
                code = new_code()
            c.execute(
                "INSERT INTO vouchers (code, member_id, request_key, status, points, issued_at,"
                " issued_on, expires_at, terminal) VALUES (?, ?, ?, 'held', ?, ?, ?, ?, ?)",
                (
                    code,
                    member_id,
                    key,
                    total,
                    _iso(now),
                    today.isoformat(),
                    _iso(self._expires_at(now)),
                    terminal,
                ),
            )
            for r, quantity in priced:
                c.execute(
                    "INSERT INTO voucher_lines (voucher_code, item_id, name_zh, name_en,"
                    " quantity, unit_points) VALUES (?, ?, ?, ?, ?, ?)",
                    (code, r[0], r[1], r[2], quantity, r[3]),
                )
                c.execute("UPDATE items SET stock = stock - ? WHERE id = ?", (quantity, r[0]))
            self._insert_entry(
                c,
                f"redeem:{key}",
                EntryKind.HOLD,
                member_id,
                -total,
                total,
                reason="redemption",
                voucher_code=code,
                terminal=terminal,
                at=now,
            )
            voucher = self._voucher(c, code)
            assert voucher is not None
            return voucher.model_dump(mode="json")

        params = {"member_id": member_id, "lines": cart}
        result, replayed, _ = self._idempotent("redeem", key, params, terminal, action)
        return Replayed(Voucher.model_validate(result), replayed)

    def mark_printed(self, code: str, key: str, terminal: str) -> Replayed[Voucher]:
        """Records that a voucher's receipt was printed (it leaves "unprinted vouchers")."""

        def action(c: sqlite3.Connection, _now: datetime) -> dict[str, Any]:
            if c.execute("UPDATE vouchers SET printed = 1 WHERE code = ?", (code,)).rowcount != 1:
                raise VoucherNotFound("no such voucher")
            voucher = self._voucher(c, code)
            assert voucher is not None
            return voucher.model_dump(mode="json")

        result, replayed, _ = self._idempotent(
            "mark_printed", key, {"code": code}, terminal, action
        )
        return Replayed(Voucher.model_validate(result), replayed)

    def fulfil(self, code: str, staff: str, key: str, terminal: str) -> Replayed[Voucher]:
        """Staff hand the goods over (核销): the held points are posted."""
        if not staff.strip():
            raise InvalidQuery("fulfilment needs the staff member", field="staff")
        self._sweep_expired_vouchers()

        def action(c: sqlite3.Connection, now: datetime) -> dict[str, Any]:
            voucher = self._open_voucher(c, code)
            c.execute(
                "UPDATE vouchers SET status = 'fulfilled', closed_at = ?, closed_by = ?"
                " WHERE code = ?",
                (_iso(now), staff, code),
            )
            self._insert_entry(
                c,
                f"post:{code}",
                EntryKind.POST,
                voucher.member_id,
                0,
                -voucher.points,
                reason="fulfilment",
                voucher_code=code,
                terminal=terminal,
                staff=staff,
                at=now,
            )
            done = self._voucher(c, code)
            assert done is not None
            return done.model_dump(mode="json")

        params = {"code": code, "staff": staff}
        result, replayed, _ = self._idempotent("fulfil", key, params, terminal, action)
        return Replayed(Voucher.model_validate(result), replayed)

    def cancel(
        self,
        code: str,
        key: str,
        terminal: str,
        *,
        staff: str | None = None,
        member_id: str | None = None,
    ) -> Replayed[Voucher]:
        """Cancels an open voucher: points and stock come back.

        By staff (``staff`` given) always; by the resident (``member_id`` given) only if
        ``cancel_policy`` is ``resident`` and the voucher is theirs, else
        :class:`CancelNotAllowed`.
        """
        if staff is None and self.config.cancel_policy != "resident":
            raise CancelNotAllowed("residents may not cancel here")
        if staff is not None and not staff.strip():
            raise InvalidQuery("a cancellation by staff names the staff member", field="staff")
        self._sweep_expired_vouchers()

        def action(c: sqlite3.Connection, now: datetime) -> dict[str, Any]:
            voucher = self._open_voucher(c, code)
            if staff is None and voucher.member_id != member_id:
                raise CancelNotAllowed("not the member's voucher")
            self._void(c, voucher, VoucherStatus.CANCELLED, staff or RESIDENT_STAFF, terminal, now)
            done = self._voucher(c, code)
            assert done is not None
            return done.model_dump(mode="json")

        params = {"code": code, "staff": staff, "member_id": member_id}
        result, replayed, _ = self._idempotent("cancel", key, params, terminal, action)
        return Replayed(Voucher.model_validate(result), replayed)

    def _open_voucher(self, c: sqlite3.Connection, code: str) -> Voucher:
        voucher = self._voucher(c, code)
        if voucher is None:
            raise VoucherNotFound("no such voucher")
        if voucher.status is VoucherStatus.FULFILLED:
            raise VoucherAlreadyFulfilled("already fulfilled")
        if voucher.status is not VoucherStatus.HELD:
            raise VoucherClosed(f"voucher is {voucher.status.value}")
        return voucher

    def _void(
        self,
        c: sqlite3.Connection,
        voucher: Voucher,
        status: VoucherStatus,
        staff: str,
        terminal: str,
        now: datetime,
    ) -> None:
        c.execute(
            "UPDATE vouchers SET status = ?, closed_at = ?, closed_by = ? WHERE code = ?"
            " AND status = 'held'",
            (status.value, _iso(now), staff, voucher.code),
        )
        for line in voucher.lines:
            c.execute(
                "UPDATE items SET stock = stock + ? WHERE id = ?", (line.quantity, line.item_id)
            )
        self._insert_entry(
            c,
            f"void:{voucher.code}",
            EntryKind.VOID,
            voucher.member_id,
            voucher.points,
            -voucher.points,
            reason="cancelled" if status is VoucherStatus.CANCELLED else "voucher_expired",
            voucher_code=voucher.code,
            terminal=terminal,
            staff=staff,
            at=now,
        )

    def _sweep_expired_vouchers(self, terminal: str = "center") -> list[str]:
        """Expires every held voucher past its date (its own short transaction)."""
        now = self.clock.now()
        c = self._conn()
        due = c.execute(
            "SELECT code FROM vouchers WHERE status = 'held' AND expires_at <= ? LIMIT 1",
            (_iso(now),),
        ).fetchone()
        if due is None:
            return []
        expired: list[str] = []
        with self.transaction() as c:
            for (code,) in c.execute(
                "SELECT code FROM vouchers WHERE status = 'held' AND expires_at <= ?",
                (_iso(now),),
            ).fetchall():
                voucher = self._voucher(c, code)
                assert voucher is not None
                self._void(c, voucher, VoucherStatus.EXPIRED, SYSTEM_STAFF, terminal, now)
                expired.append(code)
        if expired:
            log.info("expired %d vouchers", len(expired))
        return expired

    # -- earning -------------------------------------------------------------------------------

    def earn(
        self,
        member_id: str,
        points: int,
        key: str,
        reason: str,
        terminal: str,
        *,
        call_id: str | None = None,
    ) -> EarnAnswer:
        """What a kiosk may credit: the anti-fraud quiz's daily allowance, nothing else.

        ``reason`` must be the quiz's and ``points`` at most ``quiz_points_per_day``, else
        :class:`EarnNotAllowed`; once per member per local day (another key the same day
        answers ``already_earned`` and writes nothing). A replay of the same key answers
        ``already_earned`` too, unless it carries the first call's ``call_id`` (a transport
        retry of that very call), which gets the original ``earned`` answer.
        """
        _check_member_id(member_id)
        cap = self.config.quiz_points_per_day
        if reason != QUIZ_REASON or not 1 <= points <= cap:
            raise EarnNotAllowed(f"kiosks may credit only {QUIZ_REASON} up to {cap} a day")

        def action(c: sqlite3.Connection, now: datetime) -> dict[str, Any]:
            self._member_row(c, member_id)
            start = datetime.combine(now.date(), time())
            earlier = c.execute(
                "SELECT 1 FROM entries WHERE member_id = ? AND kind = 'earn' AND reason = ?"
                " AND at >= ? AND at < ? LIMIT 1",
                (member_id, reason, _iso(start), _iso(start + timedelta(days=1))),
            ).fetchone()
            if earlier is not None:
                balance = self._balance(c, member_id).available
                return EarnAnswer(status="already_earned", balance=balance).model_dump()
            self._insert_entry(
                c,
                f"earn:{key}",
                EntryKind.EARN,
                member_id,
                points,
                0,
                reason=reason,
                terminal=terminal,
                at=now,
            )
            balance = self._balance(c, member_id).available
            return EarnAnswer(status="earned", points=points, balance=balance).model_dump()

        params = {"member_id": member_id, "points": points, "reason": reason}
        result, replayed, first_call = self._idempotent(
            "earn", key, params, terminal, action, call_id=call_id
        )
        answer = EarnAnswer.model_validate(result)
        if replayed and not (call_id and call_id == first_call):
            answer = EarnAnswer(status="already_earned", balance=answer.balance)
        return answer

    def credit(
        self,
        member_id: str,
        points: int,
        key: str,
        *,
        hours_centi: int = 0,
        reason: str,
        terminal: str,
        staff: str,
        extra: dict[str, Any] | None = None,
    ) -> Replayed[LedgerEntry]:
        """A staff credit (service hours import): an earn entry, idempotent by ``key``."""
        _check_member_id(member_id)
        if points < 0 or hours_centi < 0 or (points == 0 and hours_centi == 0):
            raise InvalidQuery("nothing to credit", field="points")

        def action(c: sqlite3.Connection, now: datetime) -> dict[str, Any]:
            self._member_row(c, member_id)
            entry_id = self._insert_entry(
                c,
                f"credit:{key}",
                EntryKind.EARN,
                member_id,
                points,
                0,
                hours_centi=hours_centi,
                reason=reason,
                terminal=terminal,
                staff=staff,
                at=now,
            )
            return self._entry_by_id(c, entry_id).model_dump(mode="json")

        params = {
            "member_id": member_id,
            "points": points,
            "hours_centi": hours_centi,
            "reason": reason,
            **(extra or {}),
        }
        result, replayed, _ = self._idempotent("credit", key, params, terminal, action)
        return Replayed(LedgerEntry.model_validate(result), replayed)

    def adjust(
        self, member_id: str, points: int, key: str, *, staff: str, reason: str, terminal: str
    ) -> Replayed[LedgerEntry]:
        """A staff correction (±points); never below zero (:class:`NotEnoughPoints`)."""
        _check_member_id(member_id)
        if points == 0:
            raise InvalidQuery("an adjustment is not zero", field="points")
        if not staff.strip():
            raise InvalidQuery("an adjustment names the staff member", field="staff")

        def action(c: sqlite3.Connection, now: datetime) -> dict[str, Any]:
            self._member_row(c, member_id)
            if points < 0 and -points > self._balance(c, member_id).available:
                raise NotEnoughPoints("the adjustment exceeds the available points")
            entry_id = self._insert_entry(
                c,
                f"adjust:{key}",
                EntryKind.ADJUST,
                member_id,
                points,
                0,
                reason=reason,
                terminal=terminal,
                staff=staff,
                at=now,
            )
            return self._entry_by_id(c, entry_id).model_dump(mode="json")

        params = {"member_id": member_id, "points": points, "staff": staff, "reason": reason}
        result, replayed, _ = self._idempotent("adjust", key, params, terminal, action)
        return Replayed(LedgerEntry.model_validate(result), replayed)

    def _entry_by_id(self, c: sqlite3.Connection, entry_id: int) -> LedgerEntry:
        r = c.execute(f"SELECT {_ENTRY_COLUMNS} FROM entries WHERE id = ?", (entry_id,)).fetchone()
        return self._entry(r)

    @staticmethod
    def _insert_entry(
        c: sqlite3.Connection,
        key: str,
        kind: EntryKind,
        member_id: str,
        available: int,
        held: int,
        *,
        reason: str,
        terminal: str,
        at: datetime,
        voucher_code: str | None = None,
        staff: str | None = None,
        hours_centi: int = 0,
    ) -> int:
        cur = c.execute(
            "INSERT INTO entries (idem_key, kind, member_id, available, held, hours_centi,"
            " reason, voucher_code, terminal, staff, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                key,
                kind.value,
                member_id,
                available,
                held,
                hours_centi,
                reason,
                voucher_code,
                terminal,
                staff,
                _iso(at),
            ),
        )
        assert cur.lastrowid is not None
        return cur.lastrowid

    # -- expiry --------------------------------------------------------------------------------

    def run_expiry(self, terminal: str = "center") -> ExpiryReport:
        """Expires vouchers past their date and points past their expiry; idempotent.

        Points expire oldest first: a member's credits (earn and positive adjust entries)
        whose expiry date has come, less everything the member has spent or had expired
        since, is what expires now. A second run the same day finds nothing due.
        """
        vouchers = self._sweep_expired_vouchers(terminal)
        expired: dict[str, int] = {}
        if self.config.expiry == "never":
            return ExpiryReport(tuple(vouchers), expired)
        with self.transaction() as c:
            now = self.clock.now()
            today = now.date()
            members = [r[0] for r in c.execute("SELECT id FROM members").fetchall()]
            for member_id in members:
                due_credits = 0
                for at, amount in c.execute(
                    "SELECT at, available FROM entries WHERE member_id = ?"
                    " AND (kind = 'earn' OR (kind = 'adjust' AND available > 0))",
                    (member_id,),
                ).fetchall():
                    until = expiry_date(datetime.fromisoformat(at).date(), self.config)
                    if until is not None and until <= today:
                        due_credits += int(amount)
                if due_credits == 0:
                    continue
                spent, gone = c.execute(
                    "SELECT"
                    " COALESCE(-SUM(CASE WHEN kind IN ('hold', 'void')"
                    "   OR (kind = 'adjust' AND available < 0) THEN available END), 0),"
                    " COALESCE(-SUM(CASE WHEN kind = 'expire' THEN available END), 0)"
                    " FROM entries WHERE member_id = ?",
                    (member_id,),
                ).fetchone()
                due = due_credits - int(spent) - int(gone)
                if due <= 0:
                    continue
                self._insert_entry(
                    c,
                    f"expire:{member_id}:{today.isoformat()}:{gone}",
                    EntryKind.EXPIRE,
                    member_id,
                    -due,
                    0,
                    reason=f"expiry_{self.config.expiry}",
                    terminal=terminal,
                    at=now,
                )
                expired[member_id] = due
        if expired:
            log.info("expired points of %d members", len(expired))
        return ExpiryReport(tuple(vouchers), expired)

    # -- checks ----------------------------------------------------------------------------------

    def verify(self) -> list[str]:
        """Recomputes every invariant from the entries; returns what is wrong (empty: all good).

        Balances never negative; each voucher's entries match its status and points; stock
        plus what vouchers hold or handed over equals all stock ever added; one voucher per
        redemption request.
        """
        c = self._conn()
        problems: list[str] = []
        for member_id, available, held in c.execute(
            "SELECT member_id, SUM(available), SUM(held) FROM entries GROUP BY member_id"
        ).fetchall():
            if available < 0 or held < 0:
                problems.append(f"{member_id}: negative balance {available}/{held}")
        expected = {
            "held": ("hold",),
            "fulfilled": ("hold", "post"),
            "cancelled": ("hold", "void"),
            "expired": ("hold", "void"),
        }
        for code, status, points, member_id in c.execute(
            "SELECT code, status, points, member_id FROM vouchers"
        ).fetchall():
            rows = c.execute(
                "SELECT kind, available, held, member_id FROM entries WHERE voucher_code = ?"
                " ORDER BY id",
                (code,),
            ).fetchall()
            kinds = tuple(r[0] for r in rows)
            if kinds != expected[status]:
                problems.append(f"voucher {code}: {status} with entries {kinds}")
                continue
            if rows[0][1] != -points or any(r[3] != member_id for r in rows):
                problems.append(f"voucher {code}: entries do not match its points or member")
            if sum(r[2] for r in rows) != (points if status == "held" else 0):
                problems.append(f"voucher {code}: held points do not balance")
            lines = c.execute(
                "SELECT COALESCE(SUM(quantity * unit_points), 0) FROM voucher_lines"
                " WHERE voucher_code = ?",
                (code,),
            ).fetchone()[0]
            if lines != points:
                problems.append(f"voucher {code}: lines sum to {lines}, not {points}")
        for item_id, stock, total in c.execute(
            "SELECT id, stock, stock_total FROM items"
        ).fetchall():
            out = c.execute(
                "SELECT COALESCE(SUM(l.quantity), 0) FROM voucher_lines l JOIN vouchers v"
                " ON v.code = l.voucher_code WHERE l.item_id = ?"
                " AND v.status IN ('held', 'fulfilled')",
                (item_id,),
            ).fetchone()[0]
            if stock < 0 or stock + out != total:
                problems.append(f"item {item_id}: stock {stock} + out {out} != {total}")
        for key, count in c.execute(
            "SELECT r.key, COUNT(v.code) FROM requests r LEFT JOIN vouchers v"
            " ON v.request_key = r.key WHERE r.op = 'redeem' GROUP BY r.key"
        ).fetchall():
            if count != 1:
                problems.append(f"request {key[:8]}: {count} vouchers")
        return problems


_ENTRY_COLUMNS = "id, kind, available, held, hours_centi, reason, voucher_code, terminal, staff, at"
_ITEM_COLUMNS = "id, name_zh, name_en, points, stock, picture, per_day, per_month"
_VOUCHER_COLUMNS = (
    "code, member_id, status, points, issued_at, expires_at, printed, terminal, closed_at,"
    " closed_by"
)
