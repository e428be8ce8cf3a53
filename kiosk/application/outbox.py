"""Applications that could not be handed over wait here: sealed, for a bounded time, retried.

An application is personal through and through (ID number, name, address, mobile, face), so
it waits exactly as a photo does (:class:`kiosk.photo.outbox.PhotoOutbox`): one file
``<id>.application`` sealed with Fernet under the terminal's own key (0600), retried under
its original idempotency key (so a retry whose first attempt did reach the center makes no
second application), and deleted as soon as the center has it or when its lifetime (default
24 h, ``[application] outbox_lifetime_h``) runs out.
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

from kiosk.application.model import ApplicationSubmission, SubmitReceipt
from kiosk.application.service import ApplicationService, ApplicationServiceError
from kiosk.platform.sealed_outbox import RetryOutcome, SealedOutbox

__all__ = ["ApplicationOutbox", "RetryOutcome"]

SUFFIX = ".application"


class ApplicationOutbox:
    """Sealed files ``<id>.application`` in ``folder``; the key in ``key_file``."""

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
            what="application",
        )
        self.folder, self.lifetime_s = folder, lifetime_s

    def put(self, application: ApplicationSubmission, idempotency_key: str) -> str:
        """Seals an application for later hand-over under ``idempotency_key``; returns its
        outbox id (16 hex characters)."""
        return self._sealed.put(
            {
                **application.fields(),
                "idem": idempotency_key,
                "terminal_id": application.terminal_id,
                "photo_jpeg_b64": base64.b64encode(application.photo_jpeg).decode("ascii"),
            }
        )

    def pending(self) -> list[str]:
        """Ids of the applications still waiting."""
        return self._sealed.pending()

    def retry(self, service: ApplicationService) -> RetryOutcome[SubmitReceipt]:
        """Hands over what is waiting; deletes what the center took and what has expired.
        An application the service could not take (:class:`ApplicationServiceError`, a
        refusal included: a terminal's token may be fixed meanwhile) waits for the next
        pass until it expires."""

        def send(record: dict[str, Any]) -> SubmitReceipt:
            return service.submit(_submission(record), str(record["idem"]))

        return self._sealed.retry(send, ApplicationServiceError)


def _submission(record: dict[str, Any]) -> ApplicationSubmission:
    return ApplicationSubmission(
        business=record["business"],
        id_number=record["id_number"],
        name=record["name"],
        sex=record["sex"],
        nation=record["nation"],
        birth_date=record["birth_date"],
        card_address=record["card_address"],
        card_valid_until=record["card_valid_until"],
        mobile=record["mobile"],
        pickup=record["pickup"],
        post_address=record["post_address"],
        fee_yuan=record["fee_yuan"],
        photo_jpeg=base64.b64decode(record["photo_jpeg_b64"]),
        photo_preset=record["photo_preset"],
        terminal_id=record["terminal_id"],
        submitted_at=datetime.fromisoformat(record["submitted_at"]),
    )
