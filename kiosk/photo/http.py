"""The ``http`` photo service: hands a finished photo to the center, which keeps it for the
staff who process the application (``POST /v1/photos``, :mod:`center.photo.api`). The same
contract as the local intake: an idempotency key per submission, so a retry (the outbox's,
after a network failure) gets the same code.

Every failure is a :class:`PhotoServiceError`: the center unreachable or failing
(``retryable``), or the center refusing the photo (a damaged upload, not a JPEG, a reused
key: not ``retryable``)."""

from __future__ import annotations

import base64
import hashlib
import re

from kiosk.photo.service import PhotoServiceError, PhotoSubmission
from kiosk.platform.http_client import HttpClient
from kiosk.platform.service_errors import ServiceError

PHOTOS_PATH = "/v1/photos"
REFERENCE = re.compile(r"ZP\d{8}-[A-Z2-9]{6}")


class HttpPhotoService:
    """Submits photos through the center's API. Owns its :class:`HttpClient`."""

    def __init__(self, client: HttpClient) -> None:
        self.client = client

    def submit(self, photo: PhotoSubmission, idempotency_key: str) -> str:
        """See :class:`kiosk.photo.service.PhotoService`."""
        body = {
            "jpeg_b64": base64.b64encode(photo.jpeg).decode("ascii"),
            "sha256": hashlib.sha256(photo.jpeg).hexdigest(),
            "preset_id": photo.preset_id,
            "taken_at": photo.taken_at.isoformat(),
        }
        try:
            data = self.client.request(
                "POST", PHOTOS_PATH, json_body=body, idempotency_key=idempotency_key
            )
        except ServiceError as e:  # refused (ServiceRejected: 4xx) or not reached at all
            raise PhotoServiceError(f"{e.code}: {e}", retryable=e.retryable) from e
        reference = data.get("reference") if isinstance(data, dict) else None
        if not isinstance(reference, str) or not REFERENCE.fullmatch(reference):
            raise PhotoServiceError("the center's answer carries no reference code")
        return reference

    def close(self) -> None:
        """Closes the client's connections."""
        self.client.close()
