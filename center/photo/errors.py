"""The typed refusals of the photo intake.

Each is a :class:`~kiosk.platform.service_errors.ServiceRejected`, so the app's error
handler answers it with its ``status`` and ``code``; the kiosk's client reads any of them as
"the photo was not taken" (:class:`kiosk.photo.service.PhotoServiceError`). None is 401 or
403: the kiosk reads those as "this terminal is refused".
"""

from __future__ import annotations

from kiosk.platform.service_errors import ServiceRejected


class PhotoRejected(ServiceRejected, code="photo_rejected", status=422):
    """The center understood the upload and refused it."""


class PhotoTooLarge(PhotoRejected, code="photo_too_large", status=413):
    """The decoded photo is larger than the intake accepts."""


class PhotoChecksumMismatch(PhotoRejected, code="photo_checksum_mismatch"):
    """The photo's bytes do not have the SHA-256 the terminal sent: damaged on the way."""


class NotAJpeg(PhotoRejected, code="not_a_jpeg"):
    """The bytes are not a JPEG that decodes (or its dimensions are implausible)."""


class PhotoKeyReused(PhotoRejected, code="idempotency_key_reused"):
    """The terminal used the ``Idempotency-Key`` of an earlier upload for another photo
    (the points API's refusal, with its code and status)."""
