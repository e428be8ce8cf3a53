"""The typed refusals of the points service, the same from ``local`` and ``http``.

Every refusal is a :class:`kiosk.platform.service_errors.ServiceRejected` (so the center's error
handler answers it with its ``status`` and ``code``, and the kiosk's HTTP client maps the
code back here with :func:`error_for_code`). Transport failures stay the shared ones:
:class:`~kiosk.platform.service_errors.ServiceUnreachable`, ``ServiceTimeout``,
``ServiceServerError``,
``MalformedResponse``.

No status is 401 or 403: the kiosk's client reads those as "this terminal is refused".
"""

from __future__ import annotations

from kiosk.platform.service_errors import ServiceRejected


class PointsRejected(
    ServiceRejected, code="points_rejected", key="points.error.rejected", status=409
):
    """The points service understood the request and refused it."""

    def __init__(self, detail: str = "", *, status: int | None = None, item_id: str = "") -> None:
        super().__init__(detail, status=status)
        self.item_id = item_id


class NotEnoughPoints(
    PointsRejected, code="not_enough_points", key="points.refused.not_enough_points"
):
    """The member's available points do not cover the redemption."""


class OutOfStock(PointsRejected, code="out_of_stock", key="points.refused.out_of_stock"):
    """An item has fewer in stock than asked for (``item_id`` when the service says)."""


class LimitReached(PointsRejected, code="limit_reached", key="points.refused.limit_reached"):
    """A per-member daily or monthly limit of an item would be exceeded."""


class UnknownItem(
    PointsRejected, code="unknown_item", key="points.refused.unknown_item", status=404
):
    """The catalogue has no such item (or it is withdrawn)."""


class MemberTokenError(
    PointsRejected, code="token_invalid", key="points.token.invalid", status=422
):
    """The member could not be identified from the scanned code."""


class TokenExpired(MemberTokenError, code="token_expired", key="points.token.expired"):
    """A genuine token past its expiry (a screenshot, an old card)."""


class TokenForged(MemberTokenError, code="token_forged", key="points.token.forged"):
    """Not a member token this kiosk can trust: bad signature, tampered or malformed."""


class TokenUnverifiable(MemberTokenError, code="token_no_key", key="points.token.no_key"):
    """This kiosk has no key to verify member tokens with (configuration)."""


class UnknownMember(
    MemberTokenError, code="unknown_member", key="points.token.unknown_member", status=404
):
    """The token is genuine but names no member the service knows."""


class CardRevoked(
    MemberTokenError, code="card_revoked", key="points.token.card_revoked", status=409
):
    """The token comes from a card that was replaced by a newer one."""


class VoucherError(PointsRejected, code="voucher_error", key="points.voucher_error.generic"):
    """Base of the voucher refusals."""


class VoucherNotFound(
    VoucherError, code="voucher_not_found", key="points.voucher_error.not_found", status=404
):
    """No voucher has this code."""


class VoucherAlreadyFulfilled(
    VoucherError, code="voucher_fulfilled", key="points.voucher_error.fulfilled"
):
    """The goods were already handed over for this voucher."""


class VoucherClosed(VoucherError, code="voucher_closed", key="points.voucher_error.closed"):
    """The voucher was cancelled or has expired: its points were returned."""


class CancelNotAllowed(
    VoucherError, code="cancel_not_allowed", key="points.voucher_error.cancel_not_allowed"
):
    """Policy forbids this cancellation (residents may not, or not someone else's voucher)."""


class IdempotencyKeyReused(
    PointsRejected, code="idempotency_key_reused", key="points.error.rejected", status=422
):
    """The idempotency key was already used for a different request; nothing was done."""


class EarnNotAllowed(PointsRejected, code="earn_not_allowed", key="points.error.rejected"):
    """A kiosk asked to credit points it may not (only the quiz's allowance)."""


ALL_ERRORS: tuple[type[PointsRejected], ...] = (
    NotEnoughPoints,
    OutOfStock,
    LimitReached,
    UnknownItem,
    MemberTokenError,
    TokenExpired,
    TokenForged,
    TokenUnverifiable,
    UnknownMember,
    CardRevoked,
    VoucherNotFound,
    VoucherAlreadyFulfilled,
    VoucherClosed,
    CancelNotAllowed,
    IdempotencyKeyReused,
    EarnNotAllowed,
)
_BY_CODE: dict[str, type[PointsRejected]] = {e.code: e for e in ALL_ERRORS}


def error_for_code(code: str, status: int, detail: str = "") -> ServiceRejected:
    """The typed refusal for an error code the center answered, or a plain ServiceRejected."""
    cls = _BY_CODE.get(code)
    if cls is None:
        return ServiceRejected(detail or code or f"HTTP {status}", status=status, error_code=code)
    return cls(detail or code, status=status)
