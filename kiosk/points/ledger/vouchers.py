"""Vouchers: issue (hold the points, reserve the stock), print, fulfil (post the points),
cancel, and expire (both give points and stock back).

An expired voucher's points and stock are freed before any read that could count them
(:func:`sweep_expired_vouchers`), not only at the next expiry run.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, time, timedelta
from typing import Any

from kiosk.platform.database import Connection
from kiosk.platform.service_errors import InvalidQuery
from kiosk.points.errors import (
    CancelNotAllowed,
    LimitReached,
    NotEnoughPoints,
    OutOfStock,
    UnknownItem,
    VoucherAlreadyFulfilled,
    VoucherClosed,
    VoucherNotFound,
)
from kiosk.points.ledger.accounts import balance_of, check_member_id, insert_entry, member_row
from kiosk.points.ledger.idempotency import Replayed
from kiosk.points.ledger.limits import item_limits, used_quantity
from kiosk.points.ledger.schema import (
    ITEM_COLUMNS,
    LINE_COLUMNS,
    VOUCHER_COLUMNS,
    iso,
    row_fields,
)
from kiosk.points.ledger.store import LedgerStore
from kiosk.points.model import CartLine, EntryKind, Voucher, VoucherStatus
from kiosk.points.vouchers import new_code

log = logging.getLogger(__name__)

SYSTEM_STAFF = "system"
RESIDENT_STAFF = "resident"

VoucherAction = Callable[[Connection, datetime], str]
"""A voucher write's body: runs inside the transaction at ``now``; returns the voucher code."""


def read_voucher(c: Connection, code: str) -> Voucher | None:
    """The voucher with this code and its lines, or None."""
    r = c.execute(f"SELECT {VOUCHER_COLUMNS} FROM vouchers WHERE code = ?", (code,)).fetchone()
    if r is None:
        return None
    lines = c.execute(
        f"SELECT {LINE_COLUMNS} FROM voucher_lines WHERE voucher_code = ? ORDER BY rowid", (code,)
    ).fetchall()
    fields = row_fields(VOUCHER_COLUMNS, r)
    fields["lines"] = [row_fields(LINE_COLUMNS, x) for x in lines]
    return Voucher.model_validate(fields)


def read_vouchers(c: Connection, codes: Sequence[tuple[str]]) -> list[Voucher]:
    """The vouchers of rows holding one code each, in their order."""
    return [v for (code,) in codes if (v := read_voucher(c, code)) is not None]


def held_vouchers(c: Connection, member_id: str, now: datetime) -> list[Voucher]:
    """A member's vouchers still held and not past expiry at ``now``, newest first."""
    codes = c.execute(
        "SELECT code FROM vouchers WHERE member_id = ? AND status = 'held'"
        " AND expires_at > ? ORDER BY issued_at DESC, rowid DESC",
        (member_id, iso(now)),
    ).fetchall()
    return read_vouchers(c, codes)


def open_voucher(c: Connection, code: str) -> Voucher:
    """The held voucher with this code, else why it cannot be fulfilled or cancelled."""
    voucher = read_voucher(c, code)
    if voucher is None:
        raise VoucherNotFound("no such voucher")
    if voucher.status is VoucherStatus.FULFILLED:
        raise VoucherAlreadyFulfilled("already fulfilled")
    if voucher.status is not VoucherStatus.HELD:
        raise VoucherClosed(f"voucher is {voucher.status.value}")
    return voucher


def void_voucher(
    c: Connection,
    voucher: Voucher,
    status: VoucherStatus,
    staff: str,
    terminal: str,
    now: datetime,
) -> None:
    """Closes a held voucher as cancelled or expired: its points and stock come back."""
    c.execute(
        "UPDATE vouchers SET status = ?, closed_at = ?, closed_by = ? WHERE code = ?"
        " AND status = 'held'",
        (status.value, iso(now), staff, voucher.code),
    )
    for line in voucher.lines:
        c.execute("UPDATE items SET stock = stock + ? WHERE id = ?", (line.quantity, line.item_id))
    reason = "cancelled" if status is VoucherStatus.CANCELLED else "voucher_expired"
    release_held_points(c, voucher, EntryKind.VOID, reason, staff, terminal, now)


def release_held_points(
    c: Connection,
    voucher: Voucher,
    kind: EntryKind,
    reason: str,
    staff: str,
    terminal: str,
    now: datetime,
) -> None:
    """Appends the entry that closes a held voucher's points: ``POST`` spends them (the goods
    were handed over), ``VOID`` returns them to the member's available points."""
    insert_entry(
        c,
        f"{kind.value}:{voucher.code}",
        kind,
        voucher.member_id,
        voucher.points if kind is EntryKind.VOID else 0,
        -voucher.points,
        reason=reason,
        voucher_code=voucher.code,
        terminal=terminal,
        staff=staff,
        at=now,
    )


def sweep_expired_vouchers(store: LedgerStore, terminal: str = "center") -> list[str]:
    """Expires every held voucher past its date (its own short transaction); returns the
    codes it expired."""
    now = store.clock.now()
    with store.db.read() as c:
        due = c.execute(
            "SELECT code FROM vouchers WHERE status = 'held' AND expires_at <= ? LIMIT 1",
            (iso(now),),
        ).fetchone()
    if due is None:
        return []

    def sweep(c: Connection) -> list[str]:
        expired: list[str] = []
        for (code,) in c.execute(
            "SELECT code FROM vouchers WHERE status = 'held' AND expires_at <= ?",
            (iso(now),),
        ).fetchall():
            voucher = read_voucher(c, code)
            assert voucher is not None
            void_voucher(c, voucher, VoucherStatus.EXPIRED, SYSTEM_STAFF, terminal, now)
            expired.append(code)
        return expired

    expired = store._write(sweep)
    if expired:
        log.info("expired %d vouchers", len(expired))
    return expired


class Vouchers(LedgerStore):
    """The voucher operations of :class:`~kiosk.points.ledger.Ledger`."""

    def voucher(self, code: str) -> Voucher:
        """The voucher with this code (any status)."""
        sweep_expired_vouchers(self)
        with self.db.read() as c:
            v = read_voucher(c, code)
        if v is None:
            raise VoucherNotFound("no such voucher")
        return v

    def open_vouchers(self, member_id: str) -> list[Voucher]:
        """A member's vouchers still held and not past expiry, newest first."""
        with self.db.read() as c:
            return held_vouchers(c, member_id, self.clock.now())

    def vouchers(self) -> list[Voucher]:
        """Every voucher, oldest first (checks and reports)."""
        with self.db.read() as c:
            codes = c.execute("SELECT code FROM vouchers ORDER BY rowid").fetchall()
            return read_vouchers(c, codes)

    def _expires_at(self, now: datetime) -> datetime:
        last_day = now.date() + timedelta(days=self.config.voucher_valid_days)
        return datetime.combine(last_day + timedelta(days=1), time())

    def _write_voucher(
        self, op: str, key: str, params: dict[str, Any], terminal: str, action: VoucherAction
    ) -> Replayed[Voucher]:
        """An idempotent write answered with the voucher ``action`` wrote."""

        def write(c: Connection, now: datetime) -> dict[str, Any]:
            voucher = read_voucher(c, action(c, now))
            assert voucher is not None
            return voucher.model_dump(mode="json")

        result, replayed, _ = self._idempotent(op, key, params, terminal, write)
        return Replayed(Voucher.model_validate(result), replayed)

    def redeem(
        self, member_id: str, lines: Sequence[CartLine], key: str, terminal: str
    ) -> Replayed[Voucher]:
        """Issues a voucher: holds the points and reserves the stock, in one transaction.

        Refusals (nothing written): :class:`UnknownMember`, :class:`UnknownItem`,
        :class:`OutOfStock`, :class:`LimitReached`, :class:`NotEnoughPoints`,
        :class:`IdempotencyKeyReused`, ``InvalidQuery`` for an empty or oversized cart.
        """
        check_member_id(member_id)
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
        sweep_expired_vouchers(self)

        def action(c: Connection, now: datetime) -> str:
            member_row(c, member_id)
            today = now.date()
            priced: list[tuple[Sequence[Any], int]] = []
            for item_id, quantity in cart:
                r = c.execute(
                    f"SELECT {ITEM_COLUMNS} FROM items WHERE id = ? AND active = 1", (item_id,)
                ).fetchone()
                if r is None:
                    raise UnknownItem("no such item", item_id=item_id)
                if r[4] < quantity:
                    raise OutOfStock("not enough in stock", item_id=item_id)
                limits = item_limits(self.config, r)
                if limits.per_day is not None and (
                    used_quantity(c, member_id, item_id, today) + quantity > limits.per_day
                ):
                    raise LimitReached("daily limit", item_id=item_id)
                if limits.per_month is not None and (
                    used_quantity(c, member_id, item_id, today.replace(day=1)) + quantity
                    > limits.per_month
                ):
                    raise LimitReached("monthly limit", item_id=item_id)
                priced.append((r, quantity))
            total = sum(int(r[3]) * q for r, q in priced)
            if total > balance_of(c, member_id).available:
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
                    iso(now),
                    today.isoformat(),
                    iso(self._expires_at(now)),
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
            insert_entry(
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
            return code

        params = {"member_id": member_id, "lines": cart}
        return self._write_voucher("redeem", key, params, terminal, action)

    def mark_printed(self, code: str, key: str, terminal: str) -> Replayed[Voucher]:
        """Records that a voucher's receipt was printed (it leaves "unprinted vouchers")."""

        def action(c: Connection, _now: datetime) -> str:
            if c.execute("UPDATE vouchers SET printed = 1 WHERE code = ?", (code,)).rowcount != 1:
                raise VoucherNotFound("no such voucher")
            return code

        return self._write_voucher("mark_printed", key, {"code": code}, terminal, action)

    def fulfil(self, code: str, staff: str, key: str, terminal: str) -> Replayed[Voucher]:
        """Staff hand the goods over (核销): the held points are posted."""
        if not staff.strip():
            raise InvalidQuery("fulfilment needs the staff member", field="staff")
        sweep_expired_vouchers(self)

        def action(c: Connection, now: datetime) -> str:
            voucher = open_voucher(c, code)
            c.execute(
                "UPDATE vouchers SET status = 'fulfilled', closed_at = ?, closed_by = ?"
                " WHERE code = ?",
                (iso(now), staff, code),
            )
            release_held_points(c, voucher, EntryKind.POST, "fulfilment", staff, terminal, now)
            return code

        params = {"code": code, "staff": staff}
        return self._write_voucher("fulfil", key, params, terminal, action)

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
        sweep_expired_vouchers(self)

        def action(c: Connection, now: datetime) -> str:
            voucher = open_voucher(c, code)
            if staff is None and voucher.member_id != member_id:
                raise CancelNotAllowed("not the member's voucher")
            void_voucher(
                c, voucher, VoucherStatus.CANCELLED, staff or RESIDENT_STAFF, terminal, now
            )
            return code

        params = {"code": code, "staff": staff, "member_id": member_id}
        return self._write_voucher("cancel", key, params, terminal, action)
