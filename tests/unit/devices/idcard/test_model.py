"""The card model: masked everywhere it could be printed, validity against a day, the codes."""

from __future__ import annotations

import logging
import random
from datetime import date

import pytest

from devices.idcard.model import (
    NATIONS,
    SEXES,
    CardValidity,
    IdCard,
    id_number_ok,
    mask_address,
    mask_id_number,
    mask_name,
)
from devices.idcard.reader import ReadOutcome, ReadResult
from kiosk.framework import masking
from kiosk.framework.id_numbers import check_character


def card(valid_until: date | None = date(2030, 6, 30), **kw: object) -> IdCard:
    fields: dict[str, object] = {
        "name": "样例张三",
        "sex": "男",
        "nation": "汉",
        "birth_date": date(1990, 3, 7),
        "address": "演示省样例市测试区示范路1号（演示数据）",
        "id_number": "999999199003071234",
        "issuer": "样例市公安局演示分局",
        "valid_from": date(2020, 6, 30),
        "valid_until": valid_until,
        **kw,
    }
    return IdCard(**fields)  # type: ignore[arg-type]


def test_repr_str_and_logs_never_hold_the_name_number_or_address(
    caplog: pytest.LogCaptureFixture,
) -> None:
    c = card()
    result = ReadResult(ReadOutcome.OK, c)
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("t").info("read %s / %r / %s", c, c, result)
        logging.getLogger("t").info(f"{c} {result!r}")
    printed = repr(c) + str(c) + repr(result) + caplog.text
    for secret in ("样例张三", "999999199003071234", "19900307", "示范路"):
        assert secret not in printed
    assert "样*" in repr(c) and "999***********1234" in repr(c)


def test_to_dict_masks_unless_told_not_to() -> None:
    c = card()
    masked = c.to_dict()
    assert masked["name"] == "样***"
    assert masked["id_number"] == "999***********1234"
    assert masked["birth_date"] == "1990-**-**"
    assert masked["address"].startswith("演示省样例市") and "示范路" not in masked["address"]
    full = c.to_dict(masked=False)
    assert (full["name"], full["id_number"], full["birth_date"]) == (
        "样例张三",
        "999999199003071234",
        "1990-03-07",
    )
    assert full["valid_until"] == "2030-06-30"
    assert card(valid_until=None).to_dict()["valid_until"] == "长期"


def test_maskers_agree_with_the_kiosks() -> None:
    assert mask_id_number("110101199003071234") == masking.mask_id_number("110101199003071234")
    for name in ("张三", "欧阳娜娜", "阿依古丽·买买提"):
        assert mask_name(name) == name[0] + "*" * (len(name) - 1)
    assert mask_address("北京市东城区景山前街4号") == "北京市东城区******"


@pytest.mark.parametrize(
    ("today", "expected", "days"),
    [
        (date(2030, 1, 1), CardValidity.VALID, 180),
        (date(2030, 4, 1), CardValidity.EXPIRING, 90),  # 90 days left: may renew
        (date(2030, 3, 31), CardValidity.VALID, 91),
        (date(2030, 6, 30), CardValidity.EXPIRING, 0),  # the last valid day
        (date(2030, 7, 1), CardValidity.EXPIRED, -1),
        (date(2019, 1, 1), CardValidity.NOT_YET_VALID, None),
    ],
)
def test_validity_against_a_day(today: date, expected: CardValidity, days: int | None) -> None:
    c = card()
    assert c.validity(today) is expected
    if days is not None:
        assert c.days_left(today) == days


def test_a_long_term_card_never_expires() -> None:
    c = card(valid_until=None)
    assert c.long_term and c.days_left(date(2099, 1, 1)) is None
    assert c.validity(date(2099, 1, 1)) is CardValidity.VALID


def test_the_mod_11_2_check_agrees_with_the_kiosks() -> None:
    rng = random.Random(11643)
    for _ in range(500):
        first = f"{rng.randrange(10**16, 10**17):017d}"
        good = first + check_character(first)
        assert id_number_ok(good)
        wrong = "0123456789X".replace(good[-1], "")[rng.randrange(10)]
        assert not id_number_ok(first + wrong)
    for bad in ("", "12345", "99999919900307123", "9999991990030712345", "a99999199003071234"):
        assert not id_number_ok(bad)


def test_the_code_tables() -> None:
    assert SEXES == {"0": "未知", "1": "男", "2": "女", "9": "未说明"}
    assert len(NATIONS) == 58
    assert (NATIONS["01"], NATIONS["03"], NATIONS["11"], NATIONS["56"]) == (
        "汉",
        "回",
        "满",
        "基诺",
    )
    assert (NATIONS["97"], NATIONS["98"]) == ("其他", "外国血统中国籍人士")
