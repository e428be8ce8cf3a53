"""The ``http`` points service: the same interface, answered by the center over HTTPS.

Every request is a POST with JSON (member ids and pickup codes never sit in a URL, where
proxies and access logs keep them). Writes carry the caller's idempotency key in the
``Idempotency-Key`` header; lookups carry a fresh one, so the shared client
(:class:`kiosk.platform.http_client.HttpClient`) may retry any of them after a dropped
connection or a 502/503/504. The center's error codes become the typed refusals of
:mod:`kiosk.points.errors`.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ValidationError

from kiosk.framework.earning import EarnResult
from kiosk.platform.http_client import HttpClient, new_idempotency_key
from kiosk.platform.service_errors import (
    InvalidQuery,
    MalformedResponse,
    ServiceAuthError,
    ServiceRejected,
)
from kiosk.points.errors import error_for_code
from kiosk.points.local import earn_result
from kiosk.points.model import (
    CancelledBy,
    CartLine,
    Catalogue,
    EarnAnswer,
    MemberSummary,
    Voucher,
    VoucherList,
)

BASE = "/v1/points"
MEMBER_LOOKUP = f"{BASE}/member-lookups"
CATALOGUE_LOOKUP = f"{BASE}/catalogue-lookups"
REDEMPTIONS = f"{BASE}/redemptions"
VOUCHER_LOOKUP = f"{BASE}/voucher-lookups"
OPEN_VOUCHER_LOOKUP = f"{BASE}/open-voucher-lookups"
VOUCHER_PRINTS = f"{BASE}/voucher-prints"
FULFILMENTS = f"{BASE}/fulfilments"
CANCELLATIONS = f"{BASE}/cancellations"
EARNINGS = f"{BASE}/earnings"
HEALTH = "/v1/health"


def _parse[M: BaseModel](model: type[M], data: Any) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as e:
        raise MalformedResponse(
            f"{model.__name__} answer does not fit: {e.error_count()} errors"
        ) from e


class HttpPointsService:
    """Volunteer points through the center's API. Owns its :class:`HttpClient`."""

    def __init__(self, client: HttpClient) -> None:
        self.client = client

    def _post(self, path: str, body: dict[str, Any], key: str | None = None) -> Any:
        try:
            return self.client.request(
                "POST", path, json_body=body, idempotency_key=key or new_idempotency_key()
            )
        except (InvalidQuery, ServiceAuthError):
            raise
        except ServiceRejected as e:
            raise error_for_code(e.error_code, e.status) from e

    def member(self, member_id: str, *, card_no: int | None = None) -> MemberSummary:
        """See :class:`kiosk.points.service.PointsService`."""
        data = self._post(MEMBER_LOOKUP, {"member_id": member_id, "card_no": card_no})
        return _parse(MemberSummary, data)

    def catalogue(self, member_id: str | None = None) -> Catalogue:
        """See :class:`kiosk.points.service.PointsService`."""
        return _parse(Catalogue, self._post(CATALOGUE_LOOKUP, {"member_id": member_id}))

    def redeem(self, member_id: str, lines: Sequence[CartLine], idempotency_key: str) -> Voucher:
        """See :class:`kiosk.points.service.PointsService`."""
        body = {"member_id": member_id, "lines": [line.model_dump() for line in lines]}
        return _parse(Voucher, self._post(REDEMPTIONS, body, idempotency_key))

    def open_vouchers(self, member_id: str) -> list[Voucher]:
        """See :class:`kiosk.points.service.PointsService`."""
        data = self._post(OPEN_VOUCHER_LOOKUP, {"member_id": member_id})
        return _parse(VoucherList, data).vouchers

    def voucher(self, code: str) -> Voucher:
        """See :class:`kiosk.points.service.PointsService`."""
        return _parse(Voucher, self._post(VOUCHER_LOOKUP, {"code": code}))

    def mark_printed(self, code: str, idempotency_key: str) -> Voucher:
        """See :class:`kiosk.points.service.PointsService`."""
        return _parse(Voucher, self._post(VOUCHER_PRINTS, {"code": code}, idempotency_key))

    def fulfil(self, code: str, staff: str, idempotency_key: str) -> Voucher:
        """See :class:`kiosk.points.service.PointsService`."""
        body = {"code": code, "staff": staff}
        return _parse(Voucher, self._post(FULFILMENTS, body, idempotency_key))

    def cancel(self, code: str, idempotency_key: str, by: CancelledBy) -> Voucher:
        """See :class:`kiosk.points.service.PointsService`."""
        body = {"code": code, "staff": by.staff, "member_id": by.member_id}
        return _parse(Voucher, self._post(CANCELLATIONS, body, idempotency_key))

    def earn(self, member_id: str, points: int, idempotency_key: str, reason: str) -> EarnResult:
        """See :class:`kiosk.points.service.PointsService`. A transport retry of this call
        carries the same ``call_id``, so it still answers ``EARNED``."""
        body = {
            "member_id": member_id,
            "points": points,
            "reason": reason,
            "call_id": uuid.uuid4().hex,
        }
        try:
            data = self._post(EARNINGS, body, idempotency_key)
        except ServiceRejected as e:
            return earn_result("rejected", detail=e.error_code or e.code)
        answer = _parse(EarnAnswer, data)
        return earn_result(answer.status, answer.points, answer.balance, answer.detail)

    def ping(self) -> None:
        """Raises a ServiceError unless the center answers its health check."""
        data = self.client.request("GET", HEALTH)
        if not isinstance(data, dict) or data.get("status") != "ok":
            raise MalformedResponse("health answer does not say ok")

    def close(self) -> None:
        """Closes the client's connections."""
        self.client.close()
