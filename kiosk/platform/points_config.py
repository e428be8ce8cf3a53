"""Configuration of volunteer points: one ``PointsConfig`` for kiosks and the center.

For the lead to add to :class:`kiosk.platform.config_schema.KioskConfig` as ``points``, so a site
file says::

    [points]
    token_public_key = "<base64 of the issuer's raw Ed25519 public key>"
    cancel_policy = "resident"

    [points.limits.rice-5kg]
    per_day = 1
    per_month = 2

The center reads the same model from ``<center data dir>/points.toml`` (a ``[points]``
table); the rules it enforces are the center's, the kiosk uses its own copy only to show
what is allowed before asking. Keep the two the same.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

QUIZ_REASON = "antifraud_quiz"


class ItemLimits(BaseModel):
    """How many of one item a member may take; ``None`` is no limit."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    per_day: int | None = Field(None, ge=0, le=1000)
    per_month: int | None = Field(None, ge=0, le=10000)


class PointsConfig(BaseModel):
    """Volunteer points policy.

    Attributes:
        token_public_key: the member-token issuer's Ed25519 public key (base64 of the raw 32
            bytes; ``center members keygen`` prints it). Empty: every token is refused
            (``token_no_key``).
        app_token_max_s: the longest lifetime (``exp - iat``) accepted from a points app's
            rotating QR code; a screenshot stops working after it.
        card_token_max_days: the longest lifetime accepted from a printed card's QR code; a
            lost card is revoked by issuing a new one (``center members card --new``).
        clock_skew_s: tolerance for a token issued slightly "in the future".
        cancel_policy: ``staff_only`` or ``resident`` (a resident may cancel an unfulfilled
            voucher of their own at the kiosk).
        default_limits: per-member limits for items with none of their own.
        limits: per-item limits by item id; these win over the catalogue's own.
        voucher_valid_days: days after the day of issue a voucher can be fulfilled; then it
            expires, its points come back and its stock returns.
        expiry: ``never``, ``end_of_year`` (points expire after 31 December of the year they
            were earned) or ``after_years`` (``expiry_years`` after the day earned).
        expiry_years: for ``after_years``.
        points_per_hour: points per hour of service in a staff import (rounded down).
        quiz_points_per_day: the most the anti-fraud quiz may credit a member per day, and
            the only way a kiosk can add points (0 = the quiz pays nothing).
        recent_entries: ledger entries shown on the member screen.
        max_lines: distinct items in one redemption.
        max_quantity: the most of one item in one redemption.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    token_public_key: str = ""
    app_token_max_s: int = Field(300, ge=10, le=3600)
    card_token_max_days: int = Field(400, ge=1, le=3660)
    clock_skew_s: int = Field(60, ge=0, le=600)
    cancel_policy: Literal["staff_only", "resident"] = "staff_only"
    default_limits: ItemLimits = ItemLimits(per_day=2, per_month=6)
    limits: dict[str, ItemLimits] = {}
    voucher_valid_days: int = Field(7, ge=0, le=365)
    expiry: Literal["never", "end_of_year", "after_years"] = "after_years"
    expiry_years: int = Field(3, ge=1, le=20)
    points_per_hour: int = Field(1, ge=1, le=100)
    quiz_points_per_day: int = Field(1, ge=0, le=100)
    recent_entries: int = Field(5, ge=0, le=50)
    max_lines: int = Field(10, ge=1, le=50)
    max_quantity: int = Field(20, ge=1, le=100)

    @field_validator("token_public_key")
    @classmethod
    def _key_shape(cls, v: str) -> str:
        if v:
            import base64
            import binascii

            try:
                raw = base64.b64decode(v, validate=True)
            except (binascii.Error, ValueError) as e:
                raise ValueError("not base64") from e
            if len(raw) != 32:
                raise ValueError("an Ed25519 public key is 32 bytes")
        return v

    def limits_for(self, item_id: str, own: ItemLimits | None = None) -> ItemLimits:
        """The limits of one item: this config's for it, else the catalogue's, else default."""
        return self.limits.get(item_id) or own or self.default_limits
