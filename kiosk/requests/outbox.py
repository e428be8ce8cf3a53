"""Requests that could not be handed over wait here: sealed, for a bounded time, retried.

A request may be personal (the resident's words, a mobile number, a photo), so it waits as
an application does (:class:`kiosk.application.outbox.ApplicationOutbox`): one file
``<id>.request`` sealed with Fernet under the terminal's own key (0600), retried under its
original idempotency key (so a retry whose first attempt did reach the center makes no
second request), and deleted as soon as the center has it or when its lifetime (default
72 h, ``[requests] outbox_lifetime_h``) runs out.
:class:`~kiosk.platform.sealed_outbox.SealedOutbox` does the sealing, the lifetime and the
retry pass.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from kiosk.platform.sealed_outbox import RetryOutcome, SealedOutbox
from kiosk.requests.model import RequestSubmission, SubmitReceipt
from kiosk.requests.service import RequestService, RequestServiceError

__all__ = ["RequestOutbox", "RetryOutcome"]

SUFFIX = ".request"


class RequestOutbox:
    """Sealed files ``<id>.request`` in ``folder``; the key in ``key_file``."""

    def __init__(
        self,
        folder: Path,
        key_file: Path,
        *,
        lifetime_s: float = 72 * 3600,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self._sealed = SealedOutbox(
            folder,
            key_file,
            suffix=SUFFIX,
            lifetime_s=lifetime_s,
            wall_clock=wall_clock,
            what="request",
        )
        self.folder, self.lifetime_s = folder, lifetime_s

    def put(self, request: RequestSubmission, idempotency_key: str) -> str:
        """Seals a request for later hand-over under ``idempotency_key``; returns its outbox
        id (16 hex characters)."""
        photo = request.photo_jpeg
        return self._sealed.put(
            {
                **request.fields(),
                "idem": idempotency_key,
                "terminal_id": request.terminal_id,
                "photo_jpeg_b64": None if photo is None else base64.b64encode(photo).decode(),
            }
        )

    def pending(self) -> list[str]:
        """Ids of the requests still waiting."""
        return self._sealed.pending()

    def retry(self, service: RequestService) -> RetryOutcome[SubmitReceipt]:
        """Hands over what is waiting; deletes what the center took and what has expired.
        A request the service could not take (:class:`RequestServiceError`, a refusal
        included: a terminal's token may be fixed meanwhile) waits for the next pass until
        it expires."""

        def send(record: dict[str, Any]) -> SubmitReceipt:
            return service.submit(_submission(record), str(record["idem"]))

        return self._sealed.retry(send, RequestServiceError)


def _submission(record: dict[str, Any]) -> RequestSubmission:
    photo = record.get("photo_jpeg_b64")
    return RequestSubmission(
        category=record["category"],
        compound_id=record["compound_id"],
        building=record["building"],
        unit=record["unit"],
        description=record["description"],
        photo_jpeg=None if photo is None else base64.b64decode(photo),
        mobile=record["mobile"],
        callback=bool(record["callback"]),
        terminal_id=record["terminal_id"],
        submitted_at=datetime.fromisoformat(record["submitted_at"]),
    )
