"""Typed errors every backend service raises, whichever implementation is behind it.

Each error has a stable ``code`` (logs, the center's JSON error bodies) and a
``message_key``: the translation key of what the resident reads, which always says what to
do next. ``retryable`` tells the UI whether "try again" makes sense. Messages (``str(e)``)
are for technicians and never carry personal data.

A subclass states these as class keywords and inherits what it leaves out: ``code``,
``key`` (the ``message_key``), ``retryable`` and, for a refusal, ``status`` (its
``default_status``)::

    class ServiceTimeout(ServiceError, code="timeout", key="violations.error.timeout"):
"""

from __future__ import annotations

from typing import ClassVar


class ServiceError(Exception):
    """Base of every backend error."""

    code: ClassVar[str] = "service_error"
    message_key: ClassVar[str] = "violations.error.generic"
    retryable: ClassVar[bool] = True

    def __init_subclass__(
        cls, *, code: str | None = None, key: str | None = None, retryable: bool | None = None
    ) -> None:
        super().__init_subclass__()
        if code is not None:
            cls.code = code
        if key is not None:
            cls.message_key = key
        if retryable is not None:
            cls.retryable = retryable


class ServiceRejected(
    ServiceError, code="rejected", key="violations.error.rejected", retryable=False
):
    """The backend understood the request and refused it (HTTP 4xx).

    Attributes:
        status: the HTTP status (or the one the center would send, for local errors).
        error_code: the server's error code (``invalid_query``, ``auth.invalid_token``...).
    """

    default_status: ClassVar[int] = 400

    def __init_subclass__(
        cls,
        *,
        code: str | None = None,
        key: str | None = None,
        retryable: bool | None = None,
        status: int | None = None,
    ) -> None:
        super().__init_subclass__(code=code, key=key, retryable=retryable)
        if status is not None:
            cls.default_status = status

    def __init__(
        self, detail: str = "", *, status: int | None = None, error_code: str = ""
    ) -> None:
        super().__init__(detail or self.code)
        self.status = status if status is not None else self.default_status
        self.error_code = error_code or self.code


class InvalidQuery(
    ServiceRejected, code="invalid_query", key="violations.error.invalid_query", status=422
):
    """The query is malformed: unknown plate type, invalid plate, missing secret.

    Attributes:
        field: which input is wrong (``plate``, ``plate_type``, ``secret``, ...).
    """

    def __init__(self, detail: str = "", *, field: str = "", status: int | None = None) -> None:
        super().__init__(detail, status=status, error_code=self.code)
        self.field = field


class NotMatched(
    ServiceRejected, code="not_matched", key="violations.error.not_matched", status=404
):
    """No vehicle (or licence) matches the identifiers and the secret together.

    One answer for "unknown plate" and "wrong secret", so a lookup cannot be used to learn
    which plates exist.
    """


class ServiceAuthError(
    ServiceRejected, code="unauthorised", key="violations.error.unauthorised", status=401
):
    """The center refused this terminal (401/403): missing, wrong or foreign credentials."""


class ServiceTimeout(ServiceError, code="timeout", key="violations.error.timeout"):
    """The backend accepted the connection but did not answer in time."""


class ServiceUnreachable(ServiceError, code="unreachable", key="violations.error.unreachable"):
    """No connection: refused, no route, name not resolved, or connecting timed out."""


class ServiceTlsError(ServiceError, code="tls", key="violations.error.tls", retryable=False):
    """The center's certificate is not signed by the pinned CA (or TLS failed otherwise)."""


class ServiceServerError(ServiceError, code="server_error", key="violations.error.server"):
    """The backend failed (HTTP 5xx).

    Attributes:
        status: the HTTP status.
        error_code: the server's error code if its body carried one.
    """

    def __init__(self, detail: str = "", *, status: int = 500, error_code: str = "") -> None:
        super().__init__(detail or f"HTTP {status}")
        self.status = status
        self.error_code = error_code


class MalformedResponse(ServiceError, code="malformed_response", key="violations.error.malformed"):
    """The backend answered something that is not the documented shape."""


class StoreError(ServiceError, code="store_error", key="violations.error.store", retryable=False):
    """The local store cannot be used (corrupt file, newer schema than this build knows)."""
