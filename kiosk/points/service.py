"""The ``PointsService`` interface: what kiosks (and staff tools) ask of volunteer points.

Implementations: :class:`kiosk.points.local.LocalPointsService` (the embedded SQLite
ledger, seeded with demo members) and :class:`kiosk.points.http.HttpPointsService` (the
center). One contract test suite runs against both.

Every write takes an idempotency key: calling again with the same key (a retry after a
timeout, a second tap) returns the first answer and changes nothing; the same key with other
parameters raises :class:`~kiosk.points.errors.IdempotencyKeyReused`. Make one key per
logical action (per cart confirmed, per print reported) and keep it across retries.

Errors: the refusals of :mod:`kiosk.points.errors` (``NotEnoughPoints``, ``OutOfStock``,
``LimitReached``, ``UnknownMember``, ``CardRevoked``, ``VoucherNotFound``,
``VoucherAlreadyFulfilled``, ``VoucherClosed``, ``CancelNotAllowed``, ...), ``InvalidQuery``
for malformed input, and for ``http`` the transport errors of :mod:`kiosk.platform.service_errors`
(``ServiceUnreachable``, ``ServiceTimeout``, ``ServiceServerError``, ``MalformedResponse``).
After a transport error the outcome of a write is unknown: retry it with the same key.
Calls block: run them off the UI thread.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from kiosk.framework.earning import EarnResult
from kiosk.points.model import CancelledBy, CartLine, Catalogue, MemberSummary, Voucher


class PointsService(Protocol):
    """Volunteer points for one terminal. See the module docstring for keys and errors."""

    def member(self, member_id: str, *, card_no: int | None = None) -> MemberSummary:
        """Balance, hours, recent entries and open vouchers; ``card_no`` from the token
        (an older card raises ``CardRevoked``; an unknown member ``UnknownMember``)."""
        ...

    def catalogue(self, member_id: str | None = None) -> Catalogue:
        """Items on offer; with ``member_id``, what that member may still take."""
        ...

    def redeem(self, member_id: str, lines: Sequence[CartLine], idempotency_key: str) -> Voucher:
        """Issues a voucher: holds the points, reserves the stock (all or nothing)."""
        ...

    def open_vouchers(self, member_id: str) -> list[Voucher]:
        """The member's vouchers still to be picked up, newest first (for reprinting)."""
        ...

    def voucher(self, code: str) -> Voucher:
        """A voucher by its pickup code (any status); ``VoucherNotFound`` if none."""
        ...

    def mark_printed(self, code: str, idempotency_key: str) -> Voucher:
        """Records that the voucher's receipt came out of the printer."""
        ...

    def fulfil(self, code: str, staff: str, idempotency_key: str) -> Voucher:
        """Staff hand the goods over (核销): the held points are posted."""
        ...

    def cancel(self, code: str, idempotency_key: str, by: CancelledBy) -> Voucher:
        """Cancels an open voucher (points and stock return): by a staff member, or by the
        resident where ``cancel_policy`` allows."""
        ...

    def earn(self, member_id: str, points: int, idempotency_key: str, reason: str) -> EarnResult:
        """The quiz's reward: ``EARNED``, ``ALREADY_EARNED`` (this key, or the member's
        allowance today, was used), or ``REJECTED`` (unknown member, not allowed). Raises
        only for transport failures (the quiz treats that as unreachable)."""
        ...

    def ping(self) -> None:
        """Returns if the backend is usable; raises a ServiceError otherwise."""
        ...

    def close(self) -> None:
        """Releases connections."""
        ...
