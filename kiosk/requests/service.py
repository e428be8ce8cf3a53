"""Where resident requests go: a ``RequestService`` (a ``Protocol``) with a ``local``
implementation (:mod:`kiosk.requests.local`, the embedded demo intake) and an ``http`` one
(:mod:`kiosk.requests.http`, the center's ``/v1/requests``), built by
:func:`kiosk.requests.factory.build_requests_service`.

Submission is idempotent per key: the same request sent again with the same key (the
outbox's retry, or a retry after a lost answer) gets the same receipt, code and token; the
same key with another request is refused (``idempotency_key_reused``, not retryable). A
rating is idempotent by its value: the same rating again answers the same status; another
rating after one was given is refused (``already_rated``).
"""

from __future__ import annotations

from typing import Protocol

from kiosk.requests.model import RequestStatus, RequestSubmission, SubmitReceipt


class RequestServiceError(Exception):
    """The request could not be handed over, or its status not fetched or rated.

    Attributes:
        retryable: True when the same call may succeed later (the center unreachable or
            failing): the flow puts the request in the outbox. False when the center
            refused it (invalid, a reused key, a rating too early, this terminal not
            admitted).
        code: a stable code: the center's (``idempotency_key_reused``, ``invalid_query``,
            ``not_rateable``, ``already_rated``, ``auth.invalid_token``, ``not_a_jpeg``...)
            or the transport's (``unreachable``, ``timeout``, ``server_error``...).
    """

    def __init__(self, message: str = "", *, retryable: bool = True, code: str = "") -> None:
        super().__init__(message)
        self.retryable = retryable
        self.code = code or ("unavailable" if retryable else "refused")


class RequestNotFound(RequestServiceError):
    """No request with this code and token (one answer for both: a code alone reveals
    nothing)."""

    def __init__(self, message: str = "no such request") -> None:
        super().__init__(message, retryable=False, code="request_not_found")


class RequestService(Protocol):
    """Takes requests, answers their status and takes the resident's rating."""

    def submit(self, request: RequestSubmission, idempotency_key: str) -> SubmitReceipt:
        """Hands the request over; the receipt carries its code, status token and the
        promised response.

        Raises:
            RequestServiceError: not handed over (``retryable`` says whether to queue).
        """
        ...

    def status(self, code: str, status_token: str) -> RequestStatus:
        """The request's status and progress (masked fields only).

        Raises:
            RequestNotFound: unknown code or wrong token.
            RequestServiceError: the center cannot be asked now.
        """
        ...

    def rate(self, code: str, status_token: str, satisfied: bool) -> RequestStatus:
        """The resident's rating of a finished request (done or closed); answers the status
        with it.

        Raises:
            RequestNotFound: unknown code or wrong token.
            RequestServiceError: ``not_rateable`` (not finished yet), ``already_rated``
                (another rating stands), or the center cannot be asked now.
        """
        ...

    def close(self) -> None:
        """Releases the service's resources."""
        ...
