"""Where resident-ID applications go: an ``ApplicationService`` (a ``Protocol``) with a
``local`` implementation (:mod:`kiosk.application.local`, the embedded demo intake) and an
``http`` one (:mod:`kiosk.application.http`, the center's ``/v1/applications``), built by
:func:`kiosk.application.factory.build_application_service`.

Submission is idempotent per key: the same application sent again with the same key (the
outbox's retry, or a retry after a lost answer) gets the same receipt, number and token; the
same key with another application is refused (``idempotency_key_reused``, not retryable).
"""

from __future__ import annotations

from typing import Protocol

from kiosk.application.model import ApplicationStatus, ApplicationSubmission, SubmitReceipt


class ApplicationServiceError(Exception):
    """The application could not be handed over, or its status not fetched.

    Attributes:
        retryable: True when the same call may succeed later (the center unreachable or
            failing): the flow puts the application in the outbox. False when the center
            refused it (invalid, a reused key, this terminal not admitted).
        code: a stable code: the center's error code (``idempotency_key_reused``,
            ``invalid_query``, ``auth.invalid_token``, ``not_a_jpeg``...) or the transport's
            (``unreachable``, ``timeout``, ``server_error``...).
    """

    def __init__(self, message: str = "", *, retryable: bool = True, code: str = "") -> None:
        super().__init__(message)
        self.retryable = retryable
        self.code = code or ("unavailable" if retryable else "refused")


class ApplicationNotFound(ApplicationServiceError):
    """No application with this number and token (one answer for both: a number alone
    reveals nothing)."""

    def __init__(self, message: str = "no such application") -> None:
        super().__init__(message, retryable=False, code="application_not_found")


class ApplicationService(Protocol):
    """Takes applications and answers their status."""

    def submit(self, app: ApplicationSubmission, idempotency_key: str) -> SubmitReceipt:
        """Hands the application over; the receipt carries its number and status token.

        Raises:
            ApplicationServiceError: not handed over (``retryable`` says whether to queue).
        """
        ...

    def status(self, application_no: str, status_token: str) -> ApplicationStatus:
        """The application's status (masked fields only).

        Raises:
            ApplicationNotFound: unknown number or wrong token.
            ApplicationServiceError: the center cannot be asked now.
        """
        ...

    def close(self) -> None:
        """Releases the service's resources."""
        ...
