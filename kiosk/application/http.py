"""The ``http`` application service: hands applications to the center
(``POST /v1/applications``, :mod:`center.applications.api`) and asks their status
(``GET /v1/applications/{no}?token=...``), as this terminal with its bearer token.

The photo travels in the same request (base64 with its SHA-256, so the center can tell a
damaged upload from the real one). Every call is idempotent, so the client's transport
retries cover a lost answer: a repeat with the same key gets the same receipt.

Every failure is an :class:`ApplicationServiceError`: the center unreachable, too slow or
failing (``retryable``: the flow puts the application in the outbox), or the center refusing
it (a malformed application, a reused key, this terminal not admitted: not ``retryable``).
A status look-up for an unknown number or with a wrong token is :class:`ApplicationNotFound`.

A connection lost in the middle of the TLS handshake (the peer's EOF or reset, as a flaky
network or a restarting center causes) is not a certificate problem: it is tried again here,
up to the client's ``retries`` (the transport retries only what happens before or after a
handshake), and then reported as ``unreachable`` (retryable), not as ``tls``. A certificate
that does not verify stays ``tls`` and is not retried.
"""

from __future__ import annotations

import base64
import re
from typing import Any
from urllib.parse import quote

from kiosk.application.model import (
    APPLICATION_NO,
    STATUSES,
    ApplicationStatus,
    ApplicationSubmission,
    SubmitReceipt,
)
from kiosk.application.service import ApplicationNotFound, ApplicationServiceError
from kiosk.platform.http_client import HttpClient
from kiosk.platform.service_errors import ServiceError, ServiceRejected

APPLICATIONS_PATH = "/v1/applications"
NOT_FOUND_CODE = "application_not_found"
_NUMBER = re.compile(APPLICATION_NO)
_TOKEN = re.compile(r"[A-Za-z0-9_-]{22,128}")
_STATUS_FIELDS = (
    "application_no",
    "status",
    "reason",
    "business",
    "updated_at",
    "pickup",
    "pickup_place",
    "name_masked",
    "id_masked",
)


def _failure(e: ServiceError) -> ApplicationServiceError:
    code = e.error_code if isinstance(e, ServiceRejected) else e.code
    if isinstance(e, ServiceRejected) and code == NOT_FOUND_CODE:
        return ApplicationNotFound()
    return ApplicationServiceError(f"{code}: {e}", retryable=e.retryable, code=code)


class HttpApplicationService:
    """Submits applications and asks their status through the center's API. Owns its
    :class:`HttpClient`."""

    def __init__(self, client: HttpClient) -> None:
        self.client = client

    def _request(
        self, method: str, path: str, body: Any = None, idempotency_key: str | None = None
    ) -> Any:
        """One call (safe to repeat: a GET, or a POST with its key)."""
        try:
            return self.client.request(
                method, path, json_body=body, idempotency_key=idempotency_key
            )
        except ServiceError as e:
            raise _failure(e) from e

    def submit(self, app: ApplicationSubmission, idempotency_key: str) -> SubmitReceipt:
        """See :class:`kiosk.application.service.ApplicationService`."""
        body: dict[str, Any] = {
            **app.fields(),
            "photo_jpeg_b64": base64.b64encode(app.photo_jpeg).decode("ascii"),
            "photo_sha256": app.photo_sha256,
        }
        data = self._request("POST", APPLICATIONS_PATH, body, idempotency_key)
        number = data.get("application_no") if isinstance(data, dict) else None
        token = data.get("status_token") if isinstance(data, dict) else None
        status = data.get("status") if isinstance(data, dict) else None
        if not (
            isinstance(number, str)
            and _NUMBER.fullmatch(number)
            and isinstance(token, str)
            and _TOKEN.fullmatch(token)
            and status in STATUSES
        ):
            raise ApplicationServiceError(
                "the center's answer carries no application number", code="malformed_response"
            )
        return SubmitReceipt(number, token, str(status))

    def status(self, application_no: str, status_token: str) -> ApplicationStatus:
        """See :class:`kiosk.application.service.ApplicationService`."""
        if not _NUMBER.fullmatch(application_no) or not _TOKEN.fullmatch(status_token):
            raise ApplicationNotFound()  # no such code is ever issued: nothing to ask
        path = f"{APPLICATIONS_PATH}/{quote(application_no)}?token={quote(status_token)}"
        data = self._request("GET", path)
        if not isinstance(data, dict) or not all(
            isinstance(data.get(f), str) for f in _STATUS_FIELDS
        ):
            raise ApplicationServiceError(
                "the center's status answer is malformed", code="malformed_response"
            )
        if data["application_no"] != application_no or data["status"] not in STATUSES:
            raise ApplicationServiceError(
                "the center answered for another application", code="malformed_response"
            )
        return ApplicationStatus(*(str(data[f]) for f in _STATUS_FIELDS))

    def close(self) -> None:
        """Closes the client's connections."""
        self.client.close()
