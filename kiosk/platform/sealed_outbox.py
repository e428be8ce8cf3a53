"""Submissions that could not be handed over wait here: encrypted, for a bounded time, retried.

What waits is personal (a face photo, an application with an ID number): each entry is one
file ``<id><suffix>`` in ``folder``, a JSON record sealed with Fernet (AES-128-CBC +
HMAC-SHA256) under a per-terminal key (``key_file``, 0600; files and folder are private too).
An entry is deleted as soon as it is handed over, when its lifetime runs out, or when it
cannot be decrypted (damaged, or sealed under another key). The key sits on the same disk,
so this protects a copied outbox folder or a log bundle, not a stolen disk; full-disk
encryption on the terminal covers that.

A feature's outbox (:class:`kiosk.photo.outbox.PhotoOutbox`,
:class:`kiosk.application.outbox.ApplicationOutbox`) turns its submissions into records and
back, and says which failure keeps an entry for the next pass.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

from kiosk.platform.atomic_file import write_atomic

log = logging.getLogger(__name__)

STORED_AT = "stored_at"
"""The record field the outbox adds: wall-clock seconds when the entry was put."""


@dataclass(frozen=True)
class RetryOutcome[T]:
    """What one retry pass did: the answers of what was handed over, by outbox id; what is
    still waiting; what was deleted unsent (expired or unreadable)."""

    sent: dict[str, T] = field(default_factory=dict)
    failed: list[str] = field(default_factory=list)
    expired: list[str] = field(default_factory=list)


def load_or_create_fernet(key_file: Path) -> Fernet:
    """The Fernet of ``key_file``; a new key is made first (0600) if there is none."""
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        write_atomic(key_file, Fernet.generate_key())
        os.chmod(key_file, 0o600)
    return Fernet(key_file.read_bytes())


class SealedOutbox:
    """Encrypted entries ``<id><suffix>`` in ``folder``, each deleted once handed over or
    ``lifetime_s`` after it was put (``wall_clock`` is injectable for tests)."""

    def __init__(
        self,
        folder: Path,
        key_file: Path,
        *,
        suffix: str,
        lifetime_s: float,
        wall_clock: Callable[[], float] = time.time,
        what: str = "entry",
    ) -> None:
        if not suffix.startswith("."):
            raise ValueError("the suffix starts with a dot")
        self.folder, self.suffix, self.lifetime_s = folder, suffix, lifetime_s
        self._now, self._what = wall_clock, what
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._fernet = load_or_create_fernet(key_file)

    def _path(self, outbox_id: str) -> Path:
        return self.folder / f"{outbox_id}{self.suffix}"

    def put(self, record: Mapping[str, Any]) -> str:
        """Seals ``record`` (JSON-serialisable; bytes must be encoded by the caller) with the
        time it was stored; returns its outbox id (16 hex characters)."""
        outbox_id = secrets.token_hex(8)
        data = {**record, STORED_AT: self._now()}
        token = self._fernet.encrypt(json.dumps(data, ensure_ascii=True).encode("ascii"))
        path = self._path(outbox_id)
        write_atomic(path, token)
        os.chmod(path, 0o600)
        return outbox_id

    def pending(self) -> list[str]:
        """Ids of the entries still waiting."""
        return sorted(p.name[: -len(self.suffix)] for p in self.folder.glob(f"*{self.suffix}"))

    def retry[T](
        self,
        send: Callable[[dict[str, Any]], T],
        keep_on: type[Exception] | tuple[type[Exception], ...],
    ) -> RetryOutcome[T]:
        """Hands each waiting record to ``send``; deletes what was sent, what has expired
        and what cannot be read. An entry whose ``send`` raises ``keep_on`` waits for the
        next pass (until it expires); anything else ``send`` raises propagates."""
        outcome: RetryOutcome[T] = RetryOutcome()
        for outbox_id in self.pending():
            path = self._path(outbox_id)
            try:
                record = json.loads(self._fernet.decrypt(path.read_bytes()))
                stored_at = float(record[STORED_AT])
            except (InvalidToken, ValueError, KeyError, TypeError, OSError):
                log.error("outbox %s %s is unreadable; deleting it", self._what, outbox_id)
                path.unlink(missing_ok=True)
                outcome.expired.append(outbox_id)
                continue
            if self._now() - stored_at > self.lifetime_s:
                path.unlink(missing_ok=True)
                outcome.expired.append(outbox_id)
                log.warning("outbox %s %s expired unsent and was deleted", self._what, outbox_id)
                continue
            try:
                answer = send(record)
            except keep_on as e:
                outcome.failed.append(outbox_id)
                log.info("outbox %s %s not sent yet: %s", self._what, outbox_id, e)
                continue
            path.unlink(missing_ok=True)
            outcome.sent[outbox_id] = answer
        return outcome
