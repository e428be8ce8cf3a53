"""The ``local`` application service: the embedded demo intake, on this machine.

It stands in for the center with the same contract as :mod:`kiosk.application.http`
(numbers, status tokens, idempotency per key, the same refusals of a malformed submission)
but keeps nothing personal: a terminal must hold nothing of an application once it is
handed over. Each row has the number, the status token, the business, the pickup, the
status and its dates, the masked name and ID number a status screen shows, the photo's
SHA-256 and size (no pixels), and a digest of the whole submission for the idempotency
check. The real recipient is the center (``backend = "http"``).

:meth:`LocalApplicationService.advance` plays the staff's part for demos and tests (accept,
return with a reason, ready with a place...): the embedded intake has no staff.
"""

from __future__ import annotations

import hmac
import logging
import sqlite3
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from kiosk.application.model import (
    MAX_PHOTO_BYTES,
    STATUSES,
    ApplicationStatus,
    ApplicationSubmission,
    SubmitReceipt,
    content_digest,
    new_application_no,
    new_status_token,
)
from kiosk.application.rules import submission_problems
from kiosk.application.service import ApplicationNotFound, ApplicationServiceError
from kiosk.framework.masking import mask_id_number, mask_name

log = logging.getLogger(__name__)

JPEG_START = b"\xff\xd8\xff"
_ATTEMPTS = 8

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS applications ("
    " application_no TEXT PRIMARY KEY,"
    " terminal TEXT NOT NULL,"
    " idem TEXT NOT NULL,"
    " digest TEXT NOT NULL,"
    " status_token TEXT NOT NULL,"
    " business TEXT NOT NULL,"
    " pickup TEXT NOT NULL,"
    " status TEXT NOT NULL,"
    " reason TEXT NOT NULL DEFAULT '',"
    " pickup_place TEXT NOT NULL DEFAULT '',"
    " submitted_at TEXT NOT NULL,"
    " updated_at TEXT NOT NULL,"
    " name_masked TEXT NOT NULL,"
    " id_masked TEXT NOT NULL,"
    " photo_sha256 TEXT NOT NULL,"
    " photo_size INTEGER NOT NULL,"
    " UNIQUE (terminal, idem))"
)


def _utc_now() -> datetime:
    return datetime.now(UTC)


def refusal_of(app: ApplicationSubmission) -> ApplicationServiceError | None:
    """What the intake refuses before keeping anything (as the center does), or None."""
    bad = submission_problems(app.fields())
    if bad:
        return ApplicationServiceError(
            f"invalid fields: {', '.join(bad)}", retryable=False, code="invalid_query"
        )
    if len(app.photo_jpeg) > MAX_PHOTO_BYTES:
        return ApplicationServiceError(
            "the photo is too large", retryable=False, code="photo_too_large"
        )
    if not app.photo_jpeg.startswith(JPEG_START):
        return ApplicationServiceError(
            "the photo is not a JPEG", retryable=False, code="not_a_jpeg"
        )
    return None


class LocalApplicationService:
    """Applications recorded on this machine (demo and offline deployments); thread-safe."""

    def __init__(self, path: Path, *, now: Callable[[], datetime] = _utc_now) -> None:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.path, self._now = path, now
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute(_SCHEMA)
        self._lock = threading.Lock()

    def submit(self, app: ApplicationSubmission, idempotency_key: str) -> SubmitReceipt:
        """See :class:`kiosk.application.service.ApplicationService`."""
        refusal = refusal_of(app)
        if refusal is not None:
            raise refusal
        digest = content_digest(app.fields(), app.photo_sha256)
        with self._lock:
            row = self._db.execute(
                "SELECT application_no, status_token, status, digest FROM applications"
                " WHERE terminal = ? AND idem = ?",
                (app.terminal_id, idempotency_key),
            ).fetchone()
            if row is not None:
                if not hmac.compare_digest(str(row[3]), digest):
                    raise ApplicationServiceError(
                        "the key was used for another application",
                        retryable=False,
                        code="idempotency_key_reused",
                    )
                return SubmitReceipt(str(row[0]), str(row[1]), str(row[2]))
            now = self._now().astimezone(UTC).isoformat()
            token = new_status_token()
            for _ in range(_ATTEMPTS):
                number = new_application_no(app.submitted_at)
                try:
                    self._db.execute(
                        "INSERT INTO applications (application_no, terminal, idem, digest,"
                        " status_token, business, pickup, status, submitted_at, updated_at,"
                        " name_masked, id_masked, photo_sha256, photo_size)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, 'submitted', ?, ?, ?, ?, ?, ?)",
                        (
                            number,
                            app.terminal_id,
                            idempotency_key,
                            digest,
                            token,
                            app.business,
                            app.pickup,
                            app.submitted_at.isoformat(),
                            now,
                            mask_name(app.name),
                            mask_id_number(app.id_number),
                            app.photo_sha256,
                            len(app.photo_jpeg),
                        ),
                    )
                except sqlite3.IntegrityError:
                    continue  # the number is taken (the key was looked up just now)
                log.info("application %s received (embedded intake)", number)
                return SubmitReceipt(number, token, "submitted")
        raise ApplicationServiceError("no free application number", code="store_error")

    def status(self, application_no: str, status_token: str) -> ApplicationStatus:
        """See :class:`kiosk.application.service.ApplicationService`."""
        with self._lock:
            row = self._db.execute(
                "SELECT status_token, status, reason, business, updated_at, pickup,"
                " pickup_place, name_masked, id_masked FROM applications"
                " WHERE application_no = ?",
                (application_no,),
            ).fetchone()
        if row is None or not hmac.compare_digest(
            str(row[0]).encode(), status_token.encode("utf-8", "replace")
        ):
            raise ApplicationNotFound()
        return ApplicationStatus(application_no, *(str(v) for v in row[1:]))

    def advance(
        self, application_no: str, status: str, *, reason: str = "", pickup_place: str = ""
    ) -> None:
        """Sets an application's status as staff would (demos and tests only)."""
        if status not in STATUSES:
            raise ValueError(f"unknown status {status!r}")
        with self._lock:
            cursor = self._db.execute(
                "UPDATE applications SET status = ?, reason = ?, pickup_place = ?,"
                " updated_at = ? WHERE application_no = ?",
                (
                    status,
                    reason if status == "returned" else "",
                    pickup_place,
                    self._now().astimezone(UTC).isoformat(),
                    application_no,
                ),
            )
        if cursor.rowcount == 0:
            raise ApplicationNotFound()

    def count(self) -> int:
        """How many applications were received."""
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM applications").fetchone()[0])

    def close(self) -> None:
        """Closes the database."""
        with self._lock:
            self._db.close()
