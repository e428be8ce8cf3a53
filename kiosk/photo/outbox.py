"""Photos that could not be submitted wait here: encrypted, for a bounded time, retried.

A face photo is sensitive personal information (PIPL): the outbox keeps only what must be
kept, encrypted with Fernet (AES-128-CBC + HMAC-SHA256) under a per-terminal key (0600), and
deletes each photo as soon as it is submitted or its lifetime (default 24 h) runs out. The
key sits on the same disk, so this protects a copied outbox folder or a log bundle, not a
stolen disk; full-disk encryption on the terminal covers that. The sealing, the lifetime and
the retry pass are :class:`kiosk.platform.sealed_outbox.SealedOutbox`'s.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from kiosk.photo.service import PhotoService, PhotoServiceError, PhotoSubmission
from kiosk.platform.sealed_outbox import RetryOutcome, SealedOutbox

__all__ = ["PhotoOutbox", "RetryOutcome"]

SUFFIX = ".photo"


class PhotoOutbox:
    """Encrypted files ``<id>.photo`` in ``folder``; the key in ``key_file``."""

    def __init__(
        self,
        folder: Path,
        key_file: Path,
        *,
        lifetime_s: float = 24 * 3600,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self._sealed = SealedOutbox(
            folder,
            key_file,
            suffix=SUFFIX,
            lifetime_s=lifetime_s,
            wall_clock=wall_clock,
            what="photo",
        )
        self.folder, self.lifetime_s = folder, lifetime_s

    def put(self, photo: PhotoSubmission, idempotency_key: str) -> str:
        """Stores a photo for later submission; returns its outbox id."""
        return self._sealed.put(
            {
                "idem": idempotency_key,
                "preset": photo.preset_id,
                "terminal": photo.terminal_id,
                "taken_at": photo.taken_at.isoformat(),
                "jpeg": photo.jpeg.hex(),
            }
        )

    def pending(self) -> list[str]:
        """Ids of photos still waiting."""
        return self._sealed.pending()

    def retry(self, service: PhotoService) -> RetryOutcome[str]:
        """Submits what is waiting; deletes what was sent and what has expired. A photo the
        service refuses (:class:`PhotoServiceError`) waits for the next pass."""

        def send(record: dict[str, Any]) -> str:
            photo = PhotoSubmission(
                bytes.fromhex(record["jpeg"]),
                record["preset"],
                record["terminal"],
                datetime.fromisoformat(record["taken_at"]),
            )
            return service.submit(photo, record["idem"])

        return self._sealed.retry(send, PhotoServiceError)
