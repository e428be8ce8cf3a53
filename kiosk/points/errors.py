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


class PointsRejected(ServiceRejected):
    """The points service understood the request and refused it."""

    code = "points_rejected"
    message_key = "points.error.rejected"
    default_status = 409

    def __init__(self, detail: str = "", *, status: int | None = None, item_id: str = "") -> None:
        super().__init__(detail, status=status)
        self.item_id = item_id


class NotEnoughPoints(PointsRejected):
    """The member's available points do not cover the redemption."""

    code = "not_enough_points"
    message_key = "points.refused.not_enough_points"


class OutOfStock(PointsRejected):
    """An item has fewer in stock than asked for (``item_id`` when the service says)."""

    code = "out_of_stock"
    message_key = "points.refused.out_of_stock"


class LimitReached(PointsRejected):
    """A per-member daily or monthly limit of an item would be exceeded."""

    code = "limit_reached"
    message_key = "points.refused.limit_reached"


class UnknownItem(PointsRejected):
    """The catalogue has no such item (or it is withdrawn)."""

    code = "unknown_item"
    message_key = "points.refused.unknown_item"
    default_status = 404


class MemberTokenError(PointsRejected):
    """The member could not be identified from the scanned code."""

    code = "token_invalid"
    message_key = "points.token.invalid"
    default_status = 422


class TokenExpired(MemberTokenError):
    """A genuine token past its expiry (a screenshot, an old card)."""

    code = "token_expired"
    message_key = "points.token.expired"


class TokenForged(MemberTokenError):
    """Not a member token this kiosk can trust: bad signature, tampered or malformed."""

    code = "token_forged"
    message_key = "points.token.forged"


class TokenUnverifiable(MemberTokenError):
    """This kiosk has no key to verify member tokens with (configuration)."""

    code = "token_no_key"
    message_key = "points.token.no_key"


class UnknownMember(MemberTokenError):
    """The token is genuine but names no member the service knows."""

    code = "unknown_member"
    message_key = "points.token.unknown_member"
    default_status = 404


class CardRevoked(MemberTokenError):
    """The token comes from a card that was replaced by a newer one."""

    code = "card_revoked"
    message_key = "points.token.card_revoked"
    default_status = 409


class VoucherError(PointsRejected):
    """Base of the voucher refusals."""

    code = "voucher_error"
    message_key = "points.voucher_error.generic"


class VoucherNotFound(VoucherError):
    """No voucher has this code."""

    code = "voucher_not_found"
    message_key = "points.voucher_error.not_found"
    default_status = 404


class VoucherAlreadyFulfilled(VoucherError):
    """The goods were already handed over for this voucher."""

    code = "voucher_fulfilled"
    message_key = "points.voucher_error.fulfilled"


class VoucherClosed(VoucherError):
    """The voucher was cancelled or has expired: its points were returned."""

    code = "voucher_closed"
    message_key = "points.voucher_error.closed"


class CancelNotAllowed(VoucherError):
    """Policy forbids this cancellation (residents may not, or not someone else's voucher)."""

    code = "cancel_not_allowed"
    message_key = "points.voucher_error.cancel_not_allowed"


class IdempotencyKeyReused(PointsRejected):
    """The idempotency key was already used for a different request; nothing was done."""

    code = "idempotency_key_reused"
    message_key = "points.error.rejected"
    default_status = 422


class EarnNotAllowed(PointsRejected):
    """A kiosk asked to credit points it may not (only the quiz's allowance)."""

    code = "earn_not_allowed"
    message_key = "points.error.rejected"


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
