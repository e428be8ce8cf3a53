"""Typed errors every backend service raises, whichever implementation is behind it.

Each error has a stable ``code`` (logs, the center's JSON error bodies) and a
``message_key``: the translation key of what the resident reads, which always says what to
do next. ``retryable`` tells the UI whether "try again" makes sense. Messages (``str(e)``)
are for technicians and never carry personal data.
"""

from __future__ import annotations

from typing import ClassVar


class ServiceError(Exception):
    """Base of every backend error."""

    code: ClassVar[str] = "service_error"
    message_key: ClassVar[str] = "violations.error.generic"
    retryable: ClassVar[bool] = True


class ServiceRejected(ServiceError):
    """The backend understood the request and refused it (HTTP 4xx).

    Attributes:
        status: the HTTP status (or the one the center would send, for local errors).
        error_code: the server's error code (``invalid_query``, ``auth.invalid_token``...).
    """

    code = "rejected"
    message_key = "violations.error.rejected"
    retryable = False
    default_status: ClassVar[int] = 400

    def __init__(
        self, detail: str = "", *, status: int | None = None, error_code: str = ""
    ) -> None:
        super().__init__(detail or self.code)
        self.status = status if status is not None else self.default_status
        self.error_code = error_code or self.code


class InvalidQuery(ServiceRejected):
    """The query is malformed: unknown plate type, invalid plate, missing secret.

    Attributes:
        field: which input is wrong (``plate``, ``plate_type``, ``secret``, ...).
    """

    code = "invalid_query"
    message_key = "violations.error.invalid_query"
    default_status = 422

    def __init__(self, detail: str = "", *, field: str = "", status: int | None = None) -> None:
        super().__init__(detail, status=status, error_code=self.code)
        self.field = field


class NotMatched(ServiceRejected):
    """No vehicle (or licence) matches the identifiers and the secret together.

    One answer for "unknown plate" and "wrong secret", so a lookup cannot be used to learn
    which plates exist.
    """

    code = "not_matched"
    message_key = "violations.error.not_matched"
    default_status = 404


class ServiceAuthError(ServiceRejected):
    """The center refused this terminal (401/403): missing, wrong or foreign credentials."""

    code = "unauthorised"
    message_key = "violations.error.unauthorised"
    default_status = 401


class ServiceTimeout(ServiceError):
    """The backend accepted the connection but did not answer in time."""

    code = "timeout"
    message_key = "violations.error.timeout"


class ServiceUnreachable(ServiceError):
    """No connection: refused, no route, name not resolved, or connecting timed out."""

    code = "unreachable"
    message_key = "violations.error.unreachable"


class ServiceTlsError(ServiceError):
    """The center's certificate is not signed by the pinned CA (or TLS failed otherwise)."""

    code = "tls"
    message_key = "violations.error.tls"
    retryable = False


class ServiceServerError(ServiceError):
    """The backend failed (HTTP 5xx).

    Attributes:
        status: the HTTP status.
        error_code: the server's error code if its body carried one.
    """

    code = "server_error"
    message_key = "violations.error.server"

    def __init__(self, detail: str = "", *, status: int = 500, error_code: str = "") -> None:
        super().__init__(detail or f"HTTP {status}")
        self.status = status
        self.error_code = error_code


class MalformedResponse(ServiceError):
    """The backend answered something that is not the documented shape."""

    code = "malformed_response"
    message_key = "violations.error.malformed"


class StoreError(ServiceError):
    """The local store cannot be used (corrupt file, newer schema than this build knows)."""

    code = "store_error"
    message_key = "violations.error.store"
    retryable = False
