"""The domain types of volunteer points, as the service answers them (local and http alike).

Points are whole numbers. Hours of service are kept in hundredths (``hours_centi``) so they
are never floats; they only ever grow (spending points never reduces hours).

A member's balance is derived from the ledger's entries: ``available`` (can be spent) and
``held`` (reserved by vouchers not yet fulfilled). Each entry moves points between them:

=======  ===========  ======  =========================================
kind     available    held    when
=======  ===========  ======  =========================================
earn     +n                   service hours imported, the quiz
hold     -n           +n      a voucher is issued
post                  -n      staff hand the goods over (核销)
void     +n           -n      the voucher is cancelled or expires
expire   -n                   points past their expiry (config)
adjust   ±n                   a staff correction
=======  ===========  ======  =========================================
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from kiosk.framework.masking import mask_member_id

MEMBER_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{2,31}$"
ITEM_ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,39}$"
STAFF_PATTERN = r"^[^\x00-\x1f\x7f]{1,40}$"
MEMBER_ID_RE = re.compile(MEMBER_ID_PATTERN)


def mask_name(name: str) -> str:
    """王建国 -> 王*国, 李明 -> 李*, Alice Wong -> A********g: first (and last) kept."""
    n = name.strip()
    if len(n) <= 1:
        return "*" * len(n)
    if len(n) == 2:
        return n[0] + "*"
    return n[0] + "*" * (len(n) - 2) + n[-1]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class EntryKind(StrEnum):
    """What a ledger entry records."""

    EARN = "earn"
    HOLD = "hold"
    POST = "post"
    VOID = "void"
    EXPIRE = "expire"
    ADJUST = "adjust"


class Balance(_Frozen):
    """Points that can be spent (``available``) and points reserved by open vouchers."""

    available: int = Field(ge=0)
    held: int = Field(ge=0)


class LedgerEntry(_Frozen):
    """One ledger entry as the member screen shows it.

    Attributes:
        id: position in the ledger (grows with every entry).
        kind: earn, hold, post, void, expire or adjust.
        available: change to the available points.
        held: change to the held points.
        hours_centi: hours of service recorded with an earn entry (hundredths).
        reason: why (``volunteer``, ``antifraud_quiz``, ``redemption``, ...).
        voucher_code: the voucher a hold/post/void belongs to.
        terminal: where it was written.
        staff: who, for post, void and adjust (``resident``/``system`` when no staff).
        at: local time written.
    """

    id: int
    kind: EntryKind
    available: int
    held: int
    hours_centi: int = 0
    reason: str
    voucher_code: str | None = None
    terminal: str
    staff: str | None = None
    at: datetime


class VoucherStatus(StrEnum):
    """Where a voucher is in its life."""

    HELD = "held"  # issued: points held, stock reserved
    FULFILLED = "fulfilled"  # goods handed over: points posted
    CANCELLED = "cancelled"  # points and stock returned
    EXPIRED = "expired"  # not picked up in time: points and stock returned


class VoucherLine(_Frozen):
    """One item of a voucher, with its name and price as they were at issue."""

    item_id: str
    name_zh: str
    name_en: str
    quantity: int = Field(ge=1)
    unit_points: int = Field(ge=0)

    @property
    def points(self) -> int:
        """Points for the line."""
        return self.quantity * self.unit_points

    def name(self, language: str) -> str:
        """The item's name in ``language`` (zh_CN or en)."""
        return self.name_en if language == "en" else self.name_zh


class Voucher(_Frozen):
    """A pickup voucher (兑换码).

    Attributes:
        code: the pickup code, e.g. ``K7Q2-M9XA`` (no I, O, 0 or 1).
        member_id: whose (personal: mask before showing to others).
        status: held, fulfilled, cancelled or expired.
        lines: the items.
        points: the total held (then posted or returned).
        issued_at: local time of issue.
        expires_at: when it can no longer be fulfilled.
        printed: whether a kiosk reported its receipt printed.
        terminal: the issuing terminal.
        closed_at, closed_by: when and by whom it was fulfilled, cancelled or expired.
    """

    code: str
    member_id: str
    status: VoucherStatus
    lines: tuple[VoucherLine, ...]
    points: int = Field(ge=0)
    issued_at: datetime
    expires_at: datetime
    printed: bool = False
    terminal: str
    closed_at: datetime | None = None
    closed_by: str | None = None

    @property
    def qr_payload(self) -> str:
        """What the voucher's QR code carries: ``VC1.<code>``."""
        from kiosk.points.vouchers import qr_payload

        return qr_payload(self.code)

    @property
    def is_open(self) -> bool:
        """Whether it still holds points (can be fulfilled or cancelled)."""
        return self.status is VoucherStatus.HELD

    def __repr_args__(self) -> list[tuple[str | None, object]]:
        return [
            ("code", self.code[:2] + "**"),
            ("member", mask_member_id(self.member_id)),
            ("status", self.status.value),
            ("points", self.points),
        ]


class VoucherList(BaseModel):
    """A member's open vouchers as the center answers them, newest first (extra fields from
    a newer center are ignored)."""

    vouchers: list[Voucher]


class MemberSummary(_Frozen):
    """What the member screen shows.

    Attributes:
        member_id: the member's id (personal).
        name: the member's name (personal: show :attr:`masked_name`).
        balance: available and held points.
        hours_centi: service hours recorded so far, in hundredths.
        recent: the latest entries, newest first.
        open_vouchers: vouchers still held, newest first (reprint the unprinted ones).
    """

    member_id: str
    name: str
    balance: Balance
    hours_centi: int = Field(ge=0)
    recent: tuple[LedgerEntry, ...] = ()
    open_vouchers: tuple[Voucher, ...] = ()

    @property
    def masked_name(self) -> str:
        """The name as the screen and receipt show it."""
        return mask_name(self.name)

    @property
    def masked_id(self) -> str:
        """The member id as the screen and receipt show it."""
        return mask_member_id(self.member_id)

    @property
    def unprinted_vouchers(self) -> tuple[Voucher, ...]:
        """Open vouchers whose receipt was never reported printed."""
        return tuple(v for v in self.open_vouchers if not v.printed)

    def __repr_args__(self) -> list[tuple[str | None, object]]:
        return [("member", self.masked_id), ("balance", self.balance)]


class CatalogueItem(_Frozen):
    """One item on offer.

    Attributes:
        id: stable item id.
        name_zh, name_en: its name.
        points: price in points.
        stock: how many are left (not reserved by vouchers).
        picture: picture path relative to ``config/`` (see
            :func:`kiosk.points.catalogue.picture_path`); empty if none.
        per_day, per_month: per-member limits (None: no limit).
        left_today, left_this_month: what the member asked about may still take under the
            limits (None: no limit, or no member given).
    """

    id: str
    name_zh: str
    name_en: str
    points: int = Field(ge=0)
    stock: int = Field(ge=0)
    picture: str = ""
    per_day: int | None = None
    per_month: int | None = None
    left_today: int | None = None
    left_this_month: int | None = None

    def name(self, language: str) -> str:
        """The name in ``language`` (zh_CN or en)."""
        return self.name_en if language == "en" else self.name_zh

    @property
    def may_take(self) -> int:
        """The most the member may take now: stock and what the limits leave."""
        caps = [self.stock]
        caps += [x for x in (self.left_today, self.left_this_month) if x is not None]
        return max(0, min(caps))


class Catalogue(_Frozen):
    """Items on offer, in the catalogue's order."""

    items: tuple[CatalogueItem, ...]

    def item(self, item_id: str) -> CatalogueItem | None:
        """The item with this id, or None."""
        return next((i for i in self.items if i.id == item_id), None)


class CartLine(_Frozen):
    """One item and how many, in a redemption request."""

    item_id: str = Field(pattern=ITEM_ID_PATTERN)
    quantity: int = Field(ge=1, le=100)


class EarnAnswer(_Frozen):
    """The service's answer to ``earn`` on the wire (the quiz gets an ``EarnResult``)."""

    status: str  # earned | already_earned | rejected
    points: int = 0
    balance: int | None = None
    detail: str = ""


@dataclass(frozen=True)
class CancelledBy:
    """Who cancels a voucher: a staff member (by name) or, where the cancel policy allows,
    the resident it belongs to (by member id)."""

    staff: str | None = None
    member_id: str | None = None
