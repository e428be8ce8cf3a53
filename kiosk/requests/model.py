"""What a resident request is, as plain values (no Qt): the submission the kiosk hands over,
the receipt it gets back, and the status anyone holding the receipt may look up later.

A submission may be personal (a description in the resident's words, a mobile number, a
photo of a place): its ``repr`` masks it, and the kiosk drops it once the center (or the
sealed outbox) has it. A status carries masked fields only.

The receipt's QR holds ``RQ1.<code>.<token>`` (:func:`status_payload`); the scanner
classifies it as :attr:`devices.scan_payload.PayloadKind.REQUEST`.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kiosk.framework.masking import mask_mobile
from kiosk.platform.requests_config import MAX_DESCRIPTION_CHARS, RequestCategory

__all__ = [
    "FIELD_NAMES",
    "FINAL_STATUSES",
    "MAX_DESCRIPTION_CHARS",
    "MAX_PHOTO_BYTES",
    "OPEN_STATUSES",
    "PERSONAL_FIELDS",
    "REFERENCE_ALPHABET",
    "STATUSES",
    "STATUS_PREFIX",
    "TRACKING_CODE",
    "ProgressStep",
    "RequestStatus",
    "RequestSubmission",
    "SubmitReceipt",
    "content_digest",
    "new_status_token",
    "new_tracking_code",
    "parse_status_payload",
    "queued_receipt",
    "status_payload",
]

STATUSES: dict[str, str] = {
    "received": "已受理",
    "assigned": "已派单",
    "in_progress": "办理中",
    "done": "已办结",
    "closed": "已关闭",
}
"""Every status a request passes through, with its Chinese name."""

FINAL_STATUSES = frozenset({"done", "closed"})
"""Nothing happens after these but the resident's rating."""
OPEN_STATUSES = frozenset(STATUSES) - FINAL_STATUSES

REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no I, O, 0, 1: read aloud safely
TRACKING_CODE = r"RQ[0-9]{8}-[A-HJ-NP-Z2-9]{6}"
"""The shape of a tracking code: RQ + date + 6 characters, e.g. RQ20261202-K7Q2M9."""
STATUS_TOKEN = r"[A-Za-z0-9_-]{22,128}"
"""The shape of a status token (URL-safe base64 of 128 random bits or more)."""
MAX_PHOTO_BYTES = 1024 * 1024
"""The largest photo a request may carry (the flow sends about 1280 x 720 at quality 80,
some 100-200 KB)."""
STATUS_PREFIX = "RQ1."
_PAYLOAD = re.compile(rf"{re.escape(STATUS_PREFIX)}({TRACKING_CODE})\.({STATUS_TOKEN})")


def new_tracking_code(submitted_at: datetime) -> str:
    """RQ + the local date submitted + 6 random characters of :data:`REFERENCE_ALPHABET`."""
    tail = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))
    return f"RQ{submitted_at.astimezone():%Y%m%d}-{tail}"


def new_status_token() -> str:
    """The receipt's secret for status look-ups and the rating: 128 random bits (22
    URL-safe characters)."""
    return secrets.token_urlsafe(16)


def status_payload(code: str, token: str) -> str:
    """What the receipt's QR code holds: scanned at any kiosk, it shows the status."""
    return f"{STATUS_PREFIX}{code}.{token}"


def parse_status_payload(text: str) -> tuple[str, str] | None:
    """(tracking code, token) from a scanned status code, or None if it is not one."""
    match = _PAYLOAD.fullmatch(text.strip())
    return (match.group(1), match.group(2)) if match else None


@dataclass(frozen=True, repr=False)
class RequestSubmission:
    """One request as the kiosk hands it over (may be personal: never logged unmasked).

    Attributes:
        category: a category id of ``[requests] categories``.
        compound_id: a compound id of ``[requests] compounds``.
        building: the building number (digits, from the pad); unit: the unit (digits, or
            "" where the building has none).
        description: what the resident wrote (Chinese text, at most the configured length).
        photo_jpeg: a photo of the problem (a JPEG), or None.
        mobile: 11 digits (``1[3-9]x``) or "" for none; callback: the resident wants a call
            back (needs ``mobile``).
        terminal_id: the kiosk; submitted_at: when (aware).
    """

    category: str
    compound_id: str
    building: str
    unit: str
    description: str
    photo_jpeg: bytes | None
    mobile: str
    callback: bool
    terminal_id: str
    submitted_at: datetime

    def __repr__(self) -> str:
        photo = f"{len(self.photo_jpeg)} bytes" if self.photo_jpeg is not None else "none"
        return (
            f"RequestSubmission(category={self.category!r}, compound={self.compound_id!r},"
            f" description={len(self.description)} chars, photo={photo},"
            f" mobile={mask_mobile(self.mobile)!r}, callback={self.callback},"
            f" terminal={self.terminal_id!r})"
        )

    @property
    def photo_sha256(self) -> str:
        """Hex SHA-256 of the photo ("" without one)."""
        return hashlib.sha256(self.photo_jpeg).hexdigest() if self.photo_jpeg is not None else ""

    def fields(self) -> dict[str, Any]:
        """Every field but the photo and the terminal (the wire and the outbox)."""
        return {
            "category": self.category,
            "compound_id": self.compound_id,
            "building": self.building,
            "unit": self.unit,
            "description": self.description,
            "mobile": self.mobile,
            "callback": self.callback,
            "submitted_at": self.submitted_at.isoformat(),
        }


FIELD_NAMES = (
    "category",
    "compound_id",
    "building",
    "unit",
    "description",
    "mobile",
    "callback",
    "submitted_at",
)
"""The names of :meth:`RequestSubmission.fields`."""

PERSONAL_FIELDS = ("description", "mobile")
"""The text fields the center keeps sealed and deletes after the retention (and the photo)."""


def content_digest(fields: dict[str, Any], photo_sha256: str) -> str:
    """What makes two submissions "the same" for idempotency: a SHA-256 over every field
    (canonical JSON, the time as an instant) and the photo's SHA-256 ("" without one)."""
    canon = {k: fields.get(k) for k in FIELD_NAMES}
    submitted = canon.get("submitted_at")
    if isinstance(submitted, datetime):
        canon["submitted_at"] = submitted.timestamp()
    elif isinstance(submitted, str):
        canon["submitted_at"] = datetime.fromisoformat(submitted).timestamp()
    canon["callback"] = bool(canon.get("callback"))
    text = json.dumps(canon, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8") + b"|" + photo_sha256.encode("ascii")).hexdigest()


@dataclass(frozen=True)
class SubmitReceipt:
    """The answer to a submission: what the resident's receipt shows.

    Attributes:
        code: the tracking code, e.g. ``RQ20261202-K7Q2M9`` ("" when ``queued``).
        status_token: the receipt QR's secret ("" when ``queued``).
        promised_hours: the promised first response, in hours.
        department: who handles it first.
        queued: the center could not be reached; the request waits in the outbox.
    """

    code: str
    status_token: str
    promised_hours: int
    department: str = ""
    queued: bool = False


def queued_receipt(category: RequestCategory) -> SubmitReceipt:
    """The receipt of a request left in the outbox: no code yet, the promise the kiosk's
    configuration makes for its category."""
    return SubmitReceipt("", "", category.response_hours, category.department, queued=True)


@dataclass(frozen=True)
class ProgressStep:
    """One public step of a request's progress (no staff names).

    Attributes:
        at: when (ISO 8601, UTC).
        status: the status it led to.
        text: the department it was assigned to, the progress note, what was done, or why
            it was closed.
    """

    at: str
    status: str
    text: str


@dataclass(frozen=True)
class RequestStatus:
    """What a resident sees when they scan the receipt: masked fields only.

    Attributes:
        code, status (one of :data:`STATUSES`), category (id), department (who handles it
        now), result (what was done when ``done``, why when ``closed``, else ""),
        submitted_at, updated_at, respond_by (ISO 8601, UTC: the promised first response),
        overdue (no response yet and ``respond_by`` has passed), satisfied (the resident's
        rating, None if not given), mobile_masked (``138****5678`` or ""), callback,
        steps (the public progress, oldest first).
    """

    code: str
    status: str
    category: str
    department: str
    result: str
    submitted_at: str
    updated_at: str
    respond_by: str
    overdue: bool
    satisfied: bool | None
    mobile_masked: str
    callback: bool
    steps: tuple[ProgressStep, ...] = field(default=())

    def as_json(self) -> dict[str, Any]:
        """The wire form (:mod:`center.requests.api`)."""
        return {
            "code": self.code,
            "status": self.status,
            "category": self.category,
            "department": self.department,
            "result": self.result,
            "submitted_at": self.submitted_at,
            "updated_at": self.updated_at,
            "respond_by": self.respond_by,
            "overdue": self.overdue,
            "satisfied": self.satisfied,
            "mobile_masked": self.mobile_masked,
            "callback": self.callback,
            "steps": [{"at": s.at, "status": s.status, "text": s.text} for s in self.steps],
        }

    @classmethod
    def from_json(cls, data: Any) -> RequestStatus:
        """A status from its wire form; ``ValueError`` if it does not have that shape."""
        if not isinstance(data, dict):
            raise ValueError("not an object")
        texts = (
            "code",
            "status",
            "category",
            "department",
            "result",
            "submitted_at",
            "updated_at",
            "respond_by",
            "mobile_masked",
        )
        if not all(isinstance(data.get(k), str) for k in texts):
            raise ValueError("a text field is missing")
        if data["status"] not in STATUSES:
            raise ValueError("unknown status")
        if not isinstance(data.get("overdue"), bool) or not isinstance(data.get("callback"), bool):
            raise ValueError("a flag is missing")
        satisfied = data.get("satisfied")
        if satisfied is not None and not isinstance(satisfied, bool):
            raise ValueError("satisfied is not a flag")
        steps_data = data.get("steps", [])
        if not isinstance(steps_data, list):
            raise ValueError("steps is not a list")
        steps: list[ProgressStep] = []
        for s in steps_data:
            if not isinstance(s, dict) or not all(
                isinstance(s.get(k), str) for k in ("at", "status", "text")
            ):
                raise ValueError("a step does not have its fields")
            steps.append(ProgressStep(s["at"], s["status"], s["text"]))
        return cls(
            code=data["code"],
            status=data["status"],
            category=data["category"],
            department=data["department"],
            result=data["result"],
            submitted_at=data["submitted_at"],
            updated_at=data["updated_at"],
            respond_by=data["respond_by"],
            overdue=data["overdue"],
            satisfied=satisfied,
            mobile_masked=data["mobile_masked"],
            callback=data["callback"],
            steps=tuple(steps),
        )
