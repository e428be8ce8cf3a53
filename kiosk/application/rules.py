"""The application's rules that both ends apply (no Qt): the contact number, the shape of a
submission, and what ``[application]`` says about businesses, fees and the payment link.

- :func:`check_mobile` / :func:`valid_mobile`: a mainland mobile number (11 digits,
  ``1[3-9]``); :func:`normalize_mobile` folds what a resident may type around it.
- :func:`submission_problems`: every field of a submission checked for shape (the ID number
  with its MOD 11-2 check character, dates, business, pickup and address, fee, photo
  preset): the embedded intake and the center both refuse what fails it, so a kiosk whose
  flow let something through still gets one clear refusal.
- :func:`offered_businesses`, :func:`payment_link`, :func:`age_on`: the configuration and
  the ID number as the flow asks them.

Which 换领 a card allows and who is sent to the counter are the flow's
(:mod:`kiosk.application.flow`). Nothing here logs personal data.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date

from kiosk.application.model import BUSINESS_IDS, PICKUP
from kiosk.framework.id_numbers import birth_date, validate_id_number
from kiosk.platform.application_config import FEE_PATTERN, ApplicationConfig, BusinessConfig

MOBILE = re.compile(r"1[3-9][0-9]{9}")
"""A mainland mobile number."""
MOBILE_PROBLEM = "application.problem.mobile"
PRESET = re.compile(r"[a-z0-9][a-z0-9-]{0,47}")
DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
LONG_TERM = "长期"
SEXES = ("男", "女", "")
MAX_TEXT = {"name": 30, "nation": 16, "card_address": 120, "post_address": 120}


def normalize_mobile(text: str) -> str:
    """Digits only: spaces and dashes removed, full-width digits folded, a leading +86
    dropped."""
    digits = "".join(
        chr(ord(c) - 0xFEE0) if "\uff10" <= c <= "\uff19" else c
        for c in text
        if c not in " \t\u3000-"
    )
    if digits.startswith("+86"):
        digits = digits[3:]
    return digits


def valid_mobile(text: str) -> bool:
    """Whether ``text`` is a mainland mobile number as it stands (11 digits, ``1[3-9]``)."""
    return MOBILE.fullmatch(text) is not None


def check_mobile(text: str) -> str:
    """ "" for a mainland mobile number (after :func:`normalize_mobile`), else the problem's
    translation key (``application.problem.mobile``)."""
    return "" if valid_mobile(normalize_mobile(text)) else MOBILE_PROBLEM


def age_on(id_number: str, today: date) -> int | None:
    """Full years of the holder of ``id_number`` on ``today`` (None if no birth date)."""
    born = birth_date(id_number)
    if born is None:
        return None
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def offered_businesses(config: ApplicationConfig) -> dict[str, BusinessConfig]:
    """The businesses this terminal takes, in the configured order, with names and fee."""
    return {b: config.businesses[b] for b in config.offered}


def payment_link(config: ApplicationConfig, application_no: str, fee_yuan: str) -> str:
    """The official payment channel's address for this application (the fee QR code)."""
    return config.payment_url_template.format(application_no=application_no, fee=fee_yuan)


def submission_problems(fields: Mapping[str, str], today: date | None = None) -> list[str]:
    """The names of the fields of a submission (:meth:`ApplicationSubmission.fields
    <kiosk.application.model.ApplicationSubmission.fields>`) that are not what an
    application needs; empty when it may be taken. Fee and business are checked for shape,
    not against a terminal's configuration (the center takes what any terminal offers)."""
    bad: list[str] = []

    def get(name: str) -> str:
        value = fields.get(name, "")
        return value if isinstance(value, str) else ""

    if get("business") not in BUSINESS_IDS:
        bad.append("business")
    if (
        not validate_id_number(get("id_number"), today).ok
        or get("id_number") != get("id_number").strip().upper()
    ):
        bad.append("id_number")
    name = get("name").strip()
    if not name or len(name) > MAX_TEXT["name"]:
        bad.append("name")
    if get("sex") not in SEXES:
        bad.append("sex")
    if len(get("nation")) > MAX_TEXT["nation"]:
        bad.append("nation")
    if get("birth_date") and not _is_date(get("birth_date")):
        bad.append("birth_date")
    if len(get("card_address")) > MAX_TEXT["card_address"]:
        bad.append("card_address")
    valid_until = get("card_valid_until")
    if valid_until and valid_until != LONG_TERM and not _is_date(valid_until):
        bad.append("card_valid_until")
    if not MOBILE.fullmatch(get("mobile")):
        bad.append("mobile")
    if get("pickup") not in PICKUP:
        bad.append("pickup")
    post = get("post_address").strip()
    if (get("pickup") == "post") != bool(post) or len(post) > MAX_TEXT["post_address"]:
        bad.append("post_address")
    if not re.fullmatch(FEE_PATTERN, get("fee_yuan")):
        bad.append("fee_yuan")
    if not PRESET.fullmatch(get("photo_preset")):
        bad.append("photo_preset")
    return bad


def _is_date(text: str) -> bool:
    if not DATE.fullmatch(text):
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True
