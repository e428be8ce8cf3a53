"""Where finished ID photos go: a ``PhotoService`` that returns a reference code.

The local implementation (the default) stands in for the household-registration office's
intake with the same contract the HTTP implementation will have (idempotency key per
submission: a retry returns the same code). It records that a photo was received (its
reference, SHA-256 and size) but keeps no pixels: a terminal must hold no face photo once
the visit is over, and the real recipient is the office's service.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no I, O, 0, 1: read aloud safely


@dataclass(frozen=True)
class PhotoSubmission:
    """One finished photo and what the office needs to know about it."""

    jpeg: bytes
    preset_id: str
    terminal_id: str
    taken_at: datetime


class PhotoServiceError(Exception):
    """The photo could not be handed over (network, server, a refusal); the caller keeps it.

    Attributes:
        retryable: False when sending the same photo with the same key again will be refused
            again (the recipient refused the photo, or the key belongs to another photo).
    """

    def __init__(self, message: str = "", *, retryable: bool = True) -> None:
        super().__init__(message)
        self.retryable = retryable


class PhotoService(Protocol):
    """Accepts a photo; returns its reference code. Idempotent per key: the same photo with
    the same key gets the same code; another photo with a used key is refused."""

    def submit(self, photo: PhotoSubmission, idempotency_key: str) -> str:
        """Hands the photo over, or raises PhotoServiceError."""
        ...


def new_reference(taken_at: datetime) -> str:
    """ZP + date + 6 characters, e.g. ZP20261123-K7Q2M9."""
    tail = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))
    return f"ZP{taken_at:%Y%m%d}-{tail}"


class LocalPhotoService:
    """Photo intake on this machine (demo and offline deployments)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS photos (reference TEXT PRIMARY KEY,"
            " idem TEXT UNIQUE NOT NULL, preset TEXT NOT NULL, terminal TEXT NOT NULL,"
            " taken_at TEXT NOT NULL, sha256 TEXT NOT NULL, bytes INTEGER NOT NULL)"
        )
        self._lock = threading.Lock()

    def submit(self, photo: PhotoSubmission, idempotency_key: str) -> str:
        with self._lock:
            digest = hashlib.sha256(photo.jpeg).hexdigest()
            row = self._db.execute(
                "SELECT reference, preset, taken_at, sha256 FROM photos WHERE idem = ?",
                (idempotency_key,),
            ).fetchone()
            if row is not None:
                if tuple(row[1:]) != (photo.preset_id, photo.taken_at.isoformat(), digest):
                    raise PhotoServiceError("the key was used for another photo", retryable=False)
                return str(row[0])
            reference = new_reference(photo.taken_at)
            self._db.execute(
                "INSERT INTO photos VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    reference,
                    idempotency_key,
                    photo.preset_id,
                    photo.terminal_id,
                    photo.taken_at.isoformat(),
                    digest,
                    len(photo.jpeg),
                ),
            )
            return reference

    def count(self) -> int:
        """How many photos were received."""
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM photos").fetchone()[0])

    def close(self) -> None:
        """Closes the database."""
        with self._lock:
            self._db.close()
