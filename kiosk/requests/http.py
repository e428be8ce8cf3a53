"""The ``http`` request service: hands requests to the center (``POST /v1/requests``,
:mod:`center.requests.api`), asks their status (``GET /v1/requests/{code}?token=...``) and
passes on the resident's rating (``POST /v1/requests/{code}/rating``, the token in the
body), as this terminal with its bearer token.

The photo, if any, travels in the same request (base64 with its SHA-256, so the center can
tell a damaged upload from the real one). Every call is idempotent, so the client's
transport retries cover a lost answer: a repeated submission with the same key gets the same
receipt, a repeated rating the same status.

Every failure is a :class:`RequestServiceError`: the center unreachable, too slow or
failing (``retryable``: the flow puts the request in the outbox), or the center refusing it
(a malformed request, a reused key, this terminal not admitted: not ``retryable``). A look-up
for an unknown code or with a wrong token is :class:`RequestNotFound`.
"""

from __future__ import annotations

import base64
import re
from typing import Any
from urllib.parse import quote

from kiosk.platform.http_client import HttpClient, new_idempotency_key
from kiosk.platform.service_errors import ServiceError, ServiceRejected
from kiosk.requests.model import (
    STATUS_TOKEN,
    TRACKING_CODE,
    RequestStatus,
    RequestSubmission,
    SubmitReceipt,
)
from kiosk.requests.service import RequestNotFound, RequestServiceError

REQUESTS_PATH = "/v1/requests"
NOT_FOUND_CODE = "request_not_found"
_CODE = re.compile(TRACKING_CODE)
_TOKEN = re.compile(STATUS_TOKEN)


def _failure(e: ServiceError) -> RequestServiceError:
    code = e.error_code if isinstance(e, ServiceRejected) else e.code
    if isinstance(e, ServiceRejected) and code == NOT_FOUND_CODE:
        return RequestNotFound()
    return RequestServiceError(f"{code}: {e}", retryable=e.retryable, code=code)


def upload_body(request: RequestSubmission) -> dict[str, Any]:
    """The JSON body of ``POST /v1/requests`` for ``request``."""
    photo = request.photo_jpeg
    return {
        **request.fields(),
        "photo_jpeg_b64": base64.b64encode(photo).decode("ascii") if photo is not None else None,
        "photo_sha256": request.photo_sha256 or None,
    }


class HttpRequestService:
    """Submits requests, asks their status and rates them through the center's API. Owns
    its :class:`HttpClient`."""

    def __init__(self, client: HttpClient) -> None:
        self.client = client

    def submit(self, request: RequestSubmission, idempotency_key: str) -> SubmitReceipt:
        """See :class:`kiosk.requests.service.RequestService`."""
        try:
            data = self.client.request(
                "POST",
                REQUESTS_PATH,
                json_body=upload_body(request),
                idempotency_key=idempotency_key,
            )
        except ServiceError as e:
            raise _failure(e) from e
        if not isinstance(data, dict):
            data = {}
        code, token = data.get("code"), data.get("status_token")
        hours, department = data.get("promised_hours"), data.get("department")
        if not (
            isinstance(code, str)
            and _CODE.fullmatch(code)
            and isinstance(token, str)
            and _TOKEN.fullmatch(token)
            and isinstance(hours, int)
            and not isinstance(hours, bool)
            and hours > 0
            and isinstance(department, str)
        ):
            raise RequestServiceError(
                "the center's answer carries no tracking code", code="malformed_response"
            )
        return SubmitReceipt(code, token, hours, department)

    def _status_call(self, method: str, path: str, code: str, token: str, **kw: Any) -> Any:
        if not _CODE.fullmatch(code) or not _TOKEN.fullmatch(token):
            raise RequestNotFound()  # no such code is ever issued: nothing to ask
        try:
            data = self.client.request(method, path, **kw)
        except ServiceError as e:
            raise _failure(e) from e
        try:
            status = RequestStatus.from_json(data)
        except ValueError as e:
            raise RequestServiceError(
                f"the center's status answer is malformed: {e}", code="malformed_response"
            ) from e
        if status.code != code:
            raise RequestServiceError(
                "the center answered for another request", code="malformed_response"
            )
        return status

    def status(self, code: str, status_token: str) -> RequestStatus:
        """See :class:`kiosk.requests.service.RequestService`."""
        path = f"{REQUESTS_PATH}/{quote(code)}?token={quote(status_token)}"
        status: RequestStatus = self._status_call("GET", path, code, status_token)
        return status

    def rate(self, code: str, status_token: str, satisfied: bool) -> RequestStatus:
        """See :class:`kiosk.requests.service.RequestService`. The rating is idempotent by
        its value; the key only lets the transport retry it."""
        status: RequestStatus = self._status_call(
            "POST",
            f"{REQUESTS_PATH}/{quote(code)}/rating",
            code,
            status_token,
            json_body={"token": status_token, "satisfied": satisfied},
            idempotency_key=new_idempotency_key(),
        )
        return status

    def close(self) -> None:
        """Closes the client's connections."""
        self.client.close()
