"""Photos that could not be submitted wait here: encrypted, for a bounded time, retried.

A face photo is sensitive personal information (PIPL): the outbox keeps only what must be
kept, encrypted with Fernet (AES-128-CBC + HMAC-SHA256) under a per-terminal key (0600), and
deletes each photo as soon as it is submitted or its lifetime (default 24 h) runs out. The
key sits on the same disk, so this protects a copied outbox folder or a log bundle, not a
stolen disk; full-disk encryption on the terminal covers that.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from kiosk.photo.service import PhotoService, PhotoServiceError, PhotoSubmission
from kiosk.platform.atomic_file import write_atomic

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetryOutcome:
    """What one retry pass did."""

    sent: dict[str, str]  # outbox id -> reference code
    failed: list[str]
    expired: list[str]


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
        self.folder, self.lifetime_s, self._now = folder, lifetime_s, wall_clock
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not key_file.exists():
            write_atomic(key_file, Fernet.generate_key())
            os.chmod(key_file, 0o600)
        self._fernet = Fernet(key_file.read_bytes())

    def put(self, photo: PhotoSubmission, idempotency_key: str) -> str:
        """Stores a photo for later submission; returns its outbox id."""
        outbox_id = secrets.token_hex(8)
        record = {
            "idem": idempotency_key,
            "preset": photo.preset_id,
            "terminal": photo.terminal_id,
            "taken_at": photo.taken_at.isoformat(),
            "stored_at": self._now(),
            "jpeg": photo.jpeg.hex(),
        }
        token = self._fernet.encrypt(json.dumps(record).encode("ascii"))
        path = self.folder / f"{outbox_id}.photo"
        write_atomic(path, token)
        os.chmod(path, 0o600)
        return outbox_id

    def pending(self) -> list[str]:
        """Ids of photos still waiting."""
        return sorted(p.stem for p in self.folder.glob("*.photo"))

    def retry(self, service: PhotoService) -> RetryOutcome:
        """Submits what is waiting; deletes what was sent and what has expired."""
        sent: dict[str, str] = {}
        failed: list[str] = []
        expired: list[str] = []
        for outbox_id in self.pending():
            path = self.folder / f"{outbox_id}.photo"
            try:
                record = json.loads(self._fernet.decrypt(path.read_bytes()))
            except (InvalidToken, ValueError, OSError):
                log.error("outbox entry %s is unreadable; deleting it", outbox_id)
                path.unlink(missing_ok=True)
                expired.append(outbox_id)
                continue
            if self._now() - float(record["stored_at"]) > self.lifetime_s:
                path.unlink(missing_ok=True)
                expired.append(outbox_id)
                log.warning("outbox photo %s expired unsent and was deleted", outbox_id)
                continue
            photo = PhotoSubmission(
                bytes.fromhex(record["jpeg"]),
                record["preset"],
                record["terminal"],
                datetime.fromisoformat(record["taken_at"]),
            )
            try:
                sent[outbox_id] = service.submit(photo, record["idem"])
            except PhotoServiceError as e:
                failed.append(outbox_id)
                log.info("outbox photo %s not sent yet: %s", outbox_id, e)
                continue
            path.unlink(missing_ok=True)
        return RetryOutcome(sent, failed, expired)
