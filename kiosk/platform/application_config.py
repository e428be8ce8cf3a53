"""Configuration of the resident-ID application service (户籍自助办理): ``[application]``.

The businesses a terminal takes, their names and fees, who may apply here, the official
payment channel, where and when the card is collected, and how long an application that
could not be sent may wait in the outbox. A site file says, for instance::

    [application]
    offered = ["renew_expired", "renew_expiring", "replace_lost"]
    card_address_prefixes = ["天津市"]          # only residents registered here
    payment_url_template = "https://pay.example.com/idcard?no={application_no}&fee={fee}"

    [application.businesses.replace_lost]
    fee_yuan = "40.00"

Fees (工本费) follow the national rule (发改价格〔2003〕2322号): a card applied for or renewed
at the end of its validity costs 20 yuan; a lost card replaced (丢失补领) or a damaged card
renewed (损坏换领) 40 yuan. Residents on minimum-living allowances are exempt at the counter,
which the guide says. Temporary cards (临时身份证) are not offered at the kiosk.
"""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

BusinessId = Literal[
    "renew_expired", "renew_expiring", "renew_damaged", "renew_changed", "replace_lost"
]
BUSINESS_IDS: tuple[BusinessId, ...] = (
    "renew_expired",
    "renew_expiring",
    "renew_damaged",
    "renew_changed",
    "replace_lost",
)
"""Every business the kiosk knows, in the order the guide lists them."""

PickupId = Literal["window", "post"]
FEE_PATTERN = r"^\d{1,4}\.\d{2}$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BusinessConfig(_Strict):
    """One business: its names and its fee (decimal text with two places, e.g. ``20.00``)."""

    name_zh: str = Field(min_length=1, max_length=32)
    name_en: str = Field(min_length=1, max_length=64)
    fee_yuan: str = Field(pattern=FEE_PATTERN)


DEFAULT_BUSINESSES: dict[BusinessId, BusinessConfig] = {
    "renew_expired": BusinessConfig(
        name_zh="有效期满换领", name_en="Renewal: the card has expired", fee_yuan="20.00"
    ),
    "renew_expiring": BusinessConfig(
        name_zh="有效期将满换领",
        name_en="Renewal: the card expires within 90 days",
        fee_yuan="20.00",
    ),
    "renew_damaged": BusinessConfig(
        name_zh="证件损坏换领", name_en="Renewal: the card is damaged", fee_yuan="40.00"
    ),
    "renew_changed": BusinessConfig(
        name_zh="登记项目变更换领",
        name_en="Renewal: registered details have changed",
        fee_yuan="20.00",
    ),
    "replace_lost": BusinessConfig(
        name_zh="丢失补领", name_en="Replacement of a lost card", fee_yuan="40.00"
    ),
}


class ApplicationConfig(_Strict):
    """The resident-ID application service.

    Attributes:
        offered: the businesses this terminal takes (others go to the counter).
        businesses: names and fee of every business (all five, offered or not).
        min_age_years: younger residents apply at the counter with a guardian (a resident
            under 16 is applied for by a guardian).
        card_address_prefixes: who may apply here, by the address registered on the card
            (e.g. ``["天津市"]``); empty takes every resident (换领 and 补领 may be done
            anywhere in the country). A typed 补领 has no card address: staff check it.
        pickup: how the new card may be collected (``window``, ``post``).
        pickup_place_zh, pickup_place_en: where the window is, for the receipt.
        production_working_days: working days until the card is usually ready.
        payment_url_template: the official payment channel the fee QR code opens;
            ``{application_no}`` and ``{fee}`` (e.g. ``20.00``) are filled in. https only.
        renew_expiring_days: a card expiring within this many days may be renewed now.
        outbox_lifetime_h: how long an application that could not be sent waits
            (encrypted) before it is deleted unsent.
    """

    offered: list[BusinessId] = list(BUSINESS_IDS)
    businesses: dict[BusinessId, BusinessConfig] = dict(DEFAULT_BUSINESSES)
    min_age_years: int = Field(16, ge=0, le=120)
    card_address_prefixes: list[str] = []
    pickup: list[PickupId] = ["window", "post"]
    pickup_place_zh: str = "本中心户籍窗口"
    pickup_place_en: str = "the household registration window of this center"
    production_working_days: int = Field(15, ge=1, le=90)
    payment_url_template: str = "https://pay.example.com/idcard?no={application_no}&fee={fee}"
    renew_expiring_days: int = Field(90, ge=1, le=365)
    outbox_lifetime_h: float = Field(24.0, ge=1.0, le=168.0)

    @field_validator("businesses", mode="before")
    @classmethod
    def _over_defaults(cls, v: object) -> object:
        """A site names only what it changes (``fee_yuan`` of one business, say); the rest
        stays as packaged."""
        if not isinstance(v, dict):
            return v
        merged: dict[str, object] = {b: c.model_dump() for b, c in DEFAULT_BUSINESSES.items()}
        for business, entry in v.items():
            base = merged.get(business)
            merged[business] = (
                {**base, **entry} if isinstance(base, dict) and isinstance(entry, dict) else entry
            )
        return merged

    @field_validator("offered", "pickup")
    @classmethod
    def _not_empty_unique(cls, v: list[str]) -> list[str]:
        if not v:
            raise ValueError("needs at least one entry")
        if len(set(v)) != len(v):
            raise ValueError("entries repeat")
        return v

    @field_validator("payment_url_template")
    @classmethod
    def _payment_url(cls, v: str) -> str:
        if urlsplit(v).scheme != "https" or not urlsplit(v).hostname:
            raise ValueError("the payment channel is an https URL")
        if "{application_no}" not in v:
            raise ValueError("the payment URL needs {application_no}")
        try:
            v.format(application_no="SQ20260101-AAAAAA", fee="20.00")
        except (KeyError, IndexError, ValueError) as e:
            raise ValueError(f"only {{application_no}} and {{fee}} may be filled in: {e}") from e
        return v

    @model_validator(mode="after")
    def _offered_are_described(self) -> ApplicationConfig:
        missing = [b for b in self.offered if b not in self.businesses]
        if missing:
            raise ValueError(f"offered businesses without names and fee: {missing}")
        return self
