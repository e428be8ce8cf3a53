"""Members' accounts at the row level: member rows and their append-only entries.

A member's balance is the sum of their entries (``available`` and ``held``); nothing else
stores it. These functions work inside whatever transaction the caller holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from kiosk.platform.database import Connection
from kiosk.platform.service_errors import InvalidQuery
from kiosk.points.errors import UnknownMember
from kiosk.points.ledger.schema import ENTRY_COLUMNS, iso, row_fields
from kiosk.points.model import MEMBER_ID_RE, Balance, EntryKind, LedgerEntry


def check_member_id(member_id: str) -> str:
    """``member_id`` if it is well-formed, else :class:`InvalidQuery`."""
    if not MEMBER_ID_RE.match(member_id):
        raise InvalidQuery("malformed member id", field="member_id")
    return member_id


def member_row(c: Connection, member_id: str) -> tuple[Any, ...]:
    """(id, name, card_no, active) of an active member, else :class:`UnknownMember`."""
    row = c.execute(
        "SELECT id, name, card_no, active FROM members WHERE id = ?", (member_id,)
    ).fetchone()
    if row is None or not row[3]:
        raise UnknownMember("no such member")
    return tuple(row)


def balance_of(c: Connection, member_id: str) -> Balance:
    """A member's balance, summed from the entries."""
    row = c.execute(
        "SELECT COALESCE(SUM(available), 0), COALESCE(SUM(held), 0) FROM entries"
        " WHERE member_id = ?",
        (member_id,),
    ).fetchone()
    return Balance(available=int(row[0]), held=int(row[1]))


def entry_from_row(r: Sequence[Any]) -> LedgerEntry:
    """The entry of a row selected with :data:`ENTRY_COLUMNS`."""
    return LedgerEntry.model_validate(row_fields(ENTRY_COLUMNS, r))


def entry_by_id(c: Connection, entry_id: int) -> LedgerEntry:
    """The entry with this id (which exists)."""
    r = c.execute(f"SELECT {ENTRY_COLUMNS} FROM entries WHERE id = ?", (entry_id,)).fetchone()
    return entry_from_row(r)


def insert_entry(
    c: Connection,
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
    """Appends an entry under its own unique ``key``; returns its id.

    The database refuses a second entry with the same key, and any entry that would take
    the member's available or held sum below zero.
    """
    row = c.execute(
        "INSERT INTO entries (idem_key, kind, member_id, available, held, hours_centi,"
        " reason, voucher_code, terminal, staff, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " RETURNING id",
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
            iso(at),
        ),
    ).fetchone()
    return int(row[0])
