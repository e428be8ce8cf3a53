"""The application's shared rules: mobile numbers, the shape of a submission (what the
embedded intake and the center both refuse), and ``[application]``: fees, the offered
businesses, the payment link and what a site file may not say."""

from __future__ import annotations

import tomllib
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from kiosk.application.model import ApplicationSubmission, content_digest
from kiosk.application.rules import (
    age_on,
    check_mobile,
    normalize_mobile,
    offered_businesses,
    payment_link,
    submission_problems,
    valid_mobile,
)
from kiosk.platform.application_config import BUSINESS_IDS, ApplicationConfig
from kiosk.platform.config_schema import KioskConfig
from tests.unit.center.applications.conftest import by_post, id_number, submission

DEFAULTS = Path(__file__).resolve().parents[4] / "config" / "defaults.toml"


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("13812345678", True),
        ("19912345678", True),
        ("138 1234 5678", True),
        ("+86 138-1234-5678", True),
        ("１３８１２３４５６７８", True),  # full-width digits
        ("12812345678", False),  # 12x is not a mobile prefix
        ("1381234567", False),
        ("138123456789", False),
        ("1381234567X", False),
        ("١٣٨١٢٣٤٥٦٧٨", False),  # Arabic-Indic digits are not folded
        ("", False),
    ],
)
def test_mobile_numbers(text: str, ok: bool) -> None:
    assert (check_mobile(text) == "") == ok
    assert (check_mobile(text) == "application.problem.mobile") == (not ok)
    assert valid_mobile(normalize_mobile(text)) == ok


def test_a_complete_submission_has_no_problem() -> None:
    assert submission_problems(submission(1).fields()) == []
    assert submission_problems(by_post(submission(1)).fields()) == []
    typed = submission(
        2,
        business="replace_lost",
        sex="",
        nation="",
        birth_date="",
        card_address="",
        card_valid_until="",
        fee_yuan="40.00",
    )
    assert submission_problems(typed.fields()) == []  # a typed 补领 has no card fields
    assert submission_problems(submission(3, card_valid_until="长期").fields()) == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"business": "temporary_card"}, "business"),
        ({"id_number": id_number(1)[:-1] + ("0" if id_number(1)[-1] != "0" else "1")}, "id_number"),
        ({"id_number": id_number(1).lower() + " "}, "id_number"),
        ({"id_number": "110101203001010017"}, "id_number"),  # born in the future
        ({"name": "  "}, "name"),
        ({"name": "张" * 31}, "name"),
        ({"sex": "M"}, "sex"),
        ({"birth_date": "1990-13-01"}, "birth_date"),
        ({"card_valid_until": "2026/11/30"}, "card_valid_until"),
        ({"mobile": "138 1234 5678"}, "mobile"),  # the flow normalises before submitting
        ({"pickup": "courier"}, "pickup"),
        ({"pickup": "post"}, "post_address"),
        ({"post_address": "天津市和平区"}, "post_address"),  # an address without post
        ({"fee_yuan": "20.0"}, "fee_yuan"),
        ({"photo_preset": "Resident ID"}, "photo_preset"),
    ],
)
def test_each_malformed_field_is_named(change: dict[str, Any], field: str) -> None:
    app: ApplicationSubmission = replace(submission(4), **change)
    assert submission_problems(app.fields(), date(2026, 12, 2)) == [field]


def test_the_digest_tells_applications_apart_and_ignores_the_time_zone() -> None:
    app = submission(5)
    same = replace(app, submitted_at=app.submitted_at.astimezone())  # local zone, same instant
    assert content_digest(app.fields(), app.photo_sha256) == content_digest(
        same.fields(), same.photo_sha256
    )
    for other in (replace(app, mobile="13900000000"), replace(app, photo_jpeg=b"\xff\xd8\xff")):
        assert content_digest(other.fields(), other.photo_sha256) != content_digest(
            app.fields(), app.photo_sha256
        )


def test_a_submission_never_shows_itself_unmasked() -> None:
    app = by_post(submission(6))
    for text in (repr(app), str(app)):
        for secret in (app.id_number, app.name, app.mobile, app.post_address):
            assert secret not in text


def test_age_from_the_id_number() -> None:
    number = id_number(0)  # born 1980-03-07
    assert age_on(number, date(2026, 3, 6)) == 45
    assert age_on(number, date(2026, 3, 7)) == 46
    assert age_on("not a number", date(2026, 3, 7)) is None


def test_the_packaged_defaults_fees_and_payment_link() -> None:
    with DEFAULTS.open("rb") as f:
        config = KioskConfig.model_validate(tomllib.load(f)).application
    assert config == ApplicationConfig()  # defaults.toml and the schema agree
    fees = {b: c.fee_yuan for b, c in offered_businesses(config).items()}
    assert fees == {
        "renew_expired": "20.00",
        "renew_expiring": "20.00",
        "renew_damaged": "40.00",
        "renew_changed": "20.00",
        "replace_lost": "40.00",
    }
    assert list(offered_businesses(config)) == list(BUSINESS_IDS)
    assert payment_link(config, "SQ20261202-K7Q2M9", "20.00") == (
        "https://pay.example.com/idcard?no=SQ20261202-K7Q2M9&fee=20.00"
    )
    assert config.outbox_lifetime_h == 24 and config.min_age_years == 16


def test_a_site_may_narrow_the_businesses_and_change_a_fee() -> None:
    config = ApplicationConfig.model_validate(
        {
            "offered": ["replace_lost", "renew_expired"],
            "businesses": {"replace_lost": {"fee_yuan": "0.00"}},  # only what changes
        }
    )
    assert list(offered_businesses(config)) == ["replace_lost", "renew_expired"]
    assert offered_businesses(config)["replace_lost"].fee_yuan == "0.00"
    assert offered_businesses(config)["replace_lost"].name_zh == "丢失补领"
    assert offered_businesses(config)["renew_expired"].fee_yuan == "20.00"


@pytest.mark.parametrize(
    "bad",
    [
        {"offered": []},
        {"offered": ["renew_expired", "renew_expired"]},
        {"offered": ["temporary_card"]},
        {"businesses": {"replace_lost": {"name_zh": ""}}},
        {"businesses": {"replace_lost": {"name_zh": "丢失补领", "name_en": "x", "fee_yuan": "40"}}},
        {"payment_url_template": "http://pay.example.com/?no={application_no}"},
        {"payment_url_template": "https://pay.example.com/?fee={fee}"},
        {"payment_url_template": "https://pay.example.com/?no={application_no}&id={id_number}"},
        {"pickup": ["window", "drone"]},
        {"outbox_lifetime_h": 0.5},
        {"unknown": 1},
    ],
)
def test_what_a_site_file_may_not_say(bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        ApplicationConfig.model_validate(bad)
