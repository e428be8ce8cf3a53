"""What a resident-ID application is, as plain values (no Qt): the submission the kiosk hands
over, the receipt it gets back, and the status a resident may look up later.

A submission is personal through and through (ID number, name, address, mobile, face): its
``repr`` masks it, and the kiosk drops it once the center (or the sealed outbox) has it. A
status carries masked fields only. The card's own photo (WLT) is never part of any of them.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kiosk.framework.masking import mask_id_number, mask_mobile, mask_name
from kiosk.platform.application_config import BUSINESS_IDS, DEFAULT_BUSINESSES

__all__ = [
    "APPLICATION_NO",
    "BUSINESS",
    "BUSINESS_IDS",
    "FINAL_STATUSES",
    "MAX_PHOTO_BYTES",
    "PERSONAL_FIELDS",
    "PICKUP",
    "REFERENCE_ALPHABET",
    "STATUSES",
    "ApplicationStatus",
    "ApplicationSubmission",
    "SubmitReceipt",
    "content_digest",
    "new_application_no",
    "new_status_token",
]

BUSINESS: dict[str, str] = {b: DEFAULT_BUSINESSES[b].name_zh for b in BUSINESS_IDS}
"""Business id -> its Chinese name (the configuration may rename; the ids are fixed)."""

PICKUP: dict[str, str] = {"window": "窗口领取", "post": "邮寄"}
"""How the new card is collected: at the window, or by post (needs ``post_address``)."""

STATUSES: dict[str, str] = {
    "submitted": "已提交",
    "accepted": "已受理",
    "returned": "已退回",
    "in_production": "制证中",
    "ready": "可领取",
    "collected": "已领取",
}
"""Every status an application passes through, with its Chinese name."""

FINAL_STATUSES = frozenset({"returned", "collected"})
"""Nothing happens after these (a returned application is made again as a new one)."""

REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no I, O, 0, 1: read aloud safely
APPLICATION_NO = r"SQ[0-9]{8}-[A-HJ-NP-Z2-9]{6}"
"""The shape of an application number: SQ + date + 6 characters, e.g. SQ20261202-K7Q2M9."""
PHOTO_PRESET = "resident-id"
MAX_PHOTO_BYTES = 256 * 1024
"""The largest photo an application may carry (a resident-ID photo is about 20 KB)."""


def new_application_no(submitted_at: datetime) -> str:
    """SQ + the date submitted + 6 random characters of :data:`REFERENCE_ALPHABET`."""
    tail = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))
    return f"SQ{submitted_at:%Y%m%d}-{tail}"


def new_status_token() -> str:
    """The receipt's secret for status look-ups: 128 random bits, URL-safe (22 chars)."""
    return secrets.token_urlsafe(16)


@dataclass(frozen=True, repr=False)
class ApplicationSubmission:
    """One application as the kiosk hands it over (personal: never logged unmasked).

    Attributes:
        business: one of :data:`BUSINESS`.
        id_number: 18 characters, MOD 11-2 valid; ``name`` as on the card.
        sex, nation, birth_date (``YYYY-MM-DD``), card_address, card_valid_until
            (``YYYY-MM-DD`` or ``长期``): from the card read; "" for a typed 补领.
        mobile: 11 digits, ``1[3-9]x``.
        pickup: ``window`` or ``post``; post_address: "" unless ``post``.
        fee_yuan: the fee the resident was shown (decimal text, e.g. ``"20.00"``).
        photo_jpeg: the ID photo; photo_preset: ``resident-id``.
        terminal_id: the kiosk; submitted_at: when (aware, UTC).
    """

    business: str
    id_number: str
    name: str
    sex: str
    nation: str
    birth_date: str
    card_address: str
    card_valid_until: str
    mobile: str
    pickup: str
    post_address: str
    fee_yuan: str
    photo_jpeg: bytes
    photo_preset: str
    terminal_id: str
    submitted_at: datetime

    def __repr__(self) -> str:
        return (
            f"ApplicationSubmission(business={self.business!r},"
            f" id={mask_id_number(self.id_number)!r}, name={mask_name(self.name)!r},"
            f" mobile={mask_mobile(self.mobile)!r}, pickup={self.pickup!r},"
            f" photo={len(self.photo_jpeg)} bytes, terminal={self.terminal_id!r})"
        )

    @property
    def photo_sha256(self) -> str:
        """Hex SHA-256 of the photo."""
        return hashlib.sha256(self.photo_jpeg).hexdigest()

    def fields(self) -> dict[str, str]:
        """Every field but the photo and the terminal, as text (the wire and the outbox)."""
        return {
            "business": self.business,
            "id_number": self.id_number,
            "name": self.name,
            "sex": self.sex,
            "nation": self.nation,
            "birth_date": self.birth_date,
            "card_address": self.card_address,
            "card_valid_until": self.card_valid_until,
            "mobile": self.mobile,
            "pickup": self.pickup,
            "post_address": self.post_address,
            "fee_yuan": self.fee_yuan,
            "photo_preset": self.photo_preset,
            "submitted_at": self.submitted_at.isoformat(),
        }


PERSONAL_FIELDS = (
    "id_number",
    "name",
    "sex",
    "nation",
    "birth_date",
    "card_address",
    "card_valid_until",
    "mobile",
    "post_address",
)
"""The fields the center keeps sealed and deletes after the retention."""


def content_digest(fields: dict[str, Any], photo_sha256: str) -> str:
    """What makes two submissions "the same" for idempotency: a SHA-256 over every field
    (canonical JSON, the time as an instant) and the photo's SHA-256."""
    canon = dict(fields)
    submitted = canon.get("submitted_at")
    if isinstance(submitted, datetime):
        canon["submitted_at"] = submitted.timestamp()
    elif isinstance(submitted, str):
        canon["submitted_at"] = datetime.fromisoformat(submitted).timestamp()
    text = json.dumps(canon, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8") + b"|" + photo_sha256.encode("ascii")).hexdigest()


@dataclass(frozen=True)
class SubmitReceipt:
    """The center's answer to a submission.

    Attributes:
        application_no: e.g. ``SQ20261202-K7Q2M9`` ("" when ``queued``).
        status_token: the receipt QR's secret for status look-ups ("" when ``queued``).
        status: ``submitted`` (or ``queued``).
        queued: the center could not be reached; the application waits in the outbox.
    """

    application_no: str
    status_token: str
    status: str
    queued: bool = False


@dataclass(frozen=True)
class ApplicationStatus:
    """What a resident sees when they scan the receipt: masked personal fields only.

    Attributes:
        application_no, status (one of :data:`STATUSES`), reason ("" unless returned),
        business, updated_at (ISO text), pickup, pickup_place ("" or set by staff when
        ready), name_masked (e.g. ``张*``), id_masked (e.g. ``110***********1234``).
    """

    application_no: str
    status: str
    reason: str
    business: str
    updated_at: str
    pickup: str
    pickup_place: str
    name_masked: str
    id_masked: str
