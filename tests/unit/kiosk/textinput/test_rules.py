"""Name, address and description rules: the middle dot, bounds, and no look-alike swaps."""

from __future__ import annotations

import pytest

from kiosk.framework.i18n import LANGUAGES, has_translation, tr
from kiosk.textinput import rules
from kiosk.textinput.rules import (
    Field,
    Reason,
    validate_address,
    validate_description,
    validate_name,
)


@pytest.mark.parametrize(
    "typed",
    [
        "阿依古丽·买买提",  # U+00B7, the standard 间隔号
        "阿依古丽・买买提",  # U+30FB, GB 2312 A1A4's older mapping
        "阿依古丽•买买提",  # U+2022, the bullet some input methods give
        "阿依古丽‧买买提",  # U+2027
        " 阿依古丽·买买提　",  # spaces around are trimmed
    ],
)
def test_a_minority_name_keeps_one_standard_dot(typed: str) -> None:
    check = validate_name(typed)
    assert check.ok, check
    assert check.text == "阿依古丽·买买提"
    assert check.text.count("\u00b7") == 1
    assert check.reason is Reason.OK


def test_ordinary_and_long_names() -> None:
    assert validate_name("张三").ok
    assert validate_name("欧阳娜娜").ok
    assert validate_name("爱新觉罗·溥仪").ok
    assert validate_name("努尔买买提·阿布都外力·艾合买提").ok
    assert validate_name("张").ok  # one character: rare, but a name
    assert validate_name("王〇").ok  # 〇 is in the 通用规范汉字表
    assert validate_name("𠀀𠀁").ok  # CJK Extension B: GB 18030 must be covered


def test_traditional_characters_are_kept_as_typed() -> None:
    check = validate_name("張偉")
    assert check.ok and check.text == "張偉"  # never "simplified" into 张伟


def test_the_length_bound_counts_characters_not_dots() -> None:
    assert validate_name("王" * rules.NAME_MAX_CHARS).ok
    long = validate_name("王" * (rules.NAME_MAX_CHARS + 1))
    assert not long.ok and long.reason is Reason.TOO_LONG and long.sends_to_counter
    dotted = "·".join(["阿依古丽"] * 6)  # 24 characters and 5 dots
    assert validate_name(dotted).ok


@pytest.mark.parametrize(
    ("typed", "reason", "character"),
    [
        ("", Reason.EMPTY, ""),
        ("   ", Reason.EMPTY, ""),
        ("张 三", Reason.SPACE, " "),
        ("张3", Reason.BAD_CHARACTER, "3"),
        ("Zhang San", Reason.BAD_CHARACTER, "Z"),
        ("阿依古丽.买买提", Reason.WRONG_DOT, "."),
        ("阿依古丽。买买提", Reason.WRONG_DOT, "。"),
        ("·买买提", Reason.DOT_PLACE, "·"),
        ("买买提·", Reason.DOT_PLACE, "·"),
        ("阿依古丽··买买提", Reason.DOT_PLACE, "·"),
        ("阿依古丽•・买买提", Reason.DOT_PLACE, "·"),
        ("张\u200b三", Reason.CONTROL, "\u200b"),
    ],
)
def test_names_refused_with_a_reason(typed: str, reason: Reason, character: str) -> None:
    check = validate_name(typed)
    assert not check.ok
    assert check.reason is reason
    assert check.character == character
    assert check.key == f"textinput.rules.name.{reason.value}"


@pytest.mark.parametrize(
    ("typed", "lookalike"),
    [
        ("⾦一", "⾦"),  # U+2F26 KANGXI RADICAL GOLD: NFKC would make it 金
        ("王⺟", "⺟"),  # U+2E9F CJK RADICAL MOTHER
        ("李\uf900", "\uf900"),  # U+F900, a compatibility ideograph (豈)
        ("陈\U0002f800", "\U0002f800"),  # CJK Compatibility Ideographs Supplement
        ("㊀二", "㊀"),  # circled ideograph one
    ],
)
def test_look_alikes_are_refused_never_swapped(typed: str, lookalike: str) -> None:
    check = validate_name(typed)
    assert not check.ok
    assert check.reason is Reason.LOOKALIKE
    assert check.character == lookalike
    assert check.text == typed  # nothing was replaced
    assert check.sends_to_counter
    message = rules.message(check)
    assert lookalike in message
    assert tr(rules.counter_referral()) in message  # and the resident is sent to the counter


def test_addresses() -> None:
    ok = validate_address("北京市朝阳区建国路８８号Ａ座１２０１室")
    assert ok.ok
    assert ok.text == "北京市朝阳区建国路88号A座1201室"  # full-width ASCII folded, nothing else
    assert validate_address("广州市天河区体育西路（南）3-2号#201").ok
    assert validate_address("上海市浦东新区 世纪大道 100 号").ok
    for typed, reason in [
        ("", Reason.EMPTY),
        ("路", Reason.TOO_SHORT),
        ("X" * 3, Reason.NO_CHINESE),
        ("12-3", Reason.NO_CHINESE),
        ("北京市" + "路" * rules.ADDRESS_MAX_CHARS, Reason.TOO_LONG),
        ("北京市⾦台路", Reason.LOOKALIKE),
        ("北京市😀路", Reason.BAD_CHARACTER),
        ("北京市·朝阳区", Reason.BAD_CHARACTER),  # the name dot is not an address character
        ("北京市\x07朝阳区", Reason.CONTROL),
    ]:
        check = validate_address(typed)
        assert not check.ok and check.reason is reason, (typed, check)
    assert validate_address("北" + "路" * (rules.ADDRESS_MAX_CHARS - 1)).ok


def test_descriptions() -> None:
    text = "我家楼下的路灯坏了三天，晚上很黑。请尽快修理！\n联系电话见登记。"
    assert validate_description(text).ok
    assert validate_description("a" * rules.DESCRIPTION_MAX_CHARS).ok
    too_long = validate_description("好" * (rules.DESCRIPTION_MAX_CHARS + 1))
    assert too_long.reason is Reason.TOO_LONG and not too_long.sends_to_counter
    assert validate_description("").reason is Reason.EMPTY
    assert validate_description("⾦额不对").reason is Reason.LOOKALIKE
    assert validate_description("<script>").reason is Reason.BAD_CHARACTER


def test_every_reason_a_field_can_give_has_both_languages() -> None:
    reasons = {
        Field.NAME: [
            Reason.OK,
            Reason.EMPTY,
            Reason.CONTROL,
            Reason.SPACE,
            Reason.WRONG_DOT,
            Reason.DOT_PLACE,
            Reason.LOOKALIKE,
            Reason.BAD_CHARACTER,
            Reason.TOO_LONG,
        ],
        Field.ADDRESS: [
            Reason.OK,
            Reason.EMPTY,
            Reason.CONTROL,
            Reason.LOOKALIKE,
            Reason.BAD_CHARACTER,
            Reason.TOO_SHORT,
            Reason.TOO_LONG,
            Reason.NO_CHINESE,
        ],
        Field.DESCRIPTION: [
            Reason.OK,
            Reason.EMPTY,
            Reason.TOO_SHORT,
            Reason.CONTROL,
            Reason.LOOKALIKE,
            Reason.BAD_CHARACTER,
            Reason.TOO_LONG,
        ],
    }
    keys = [f"textinput.rules.{f.value}.{r.value}" for f, rs in reasons.items() for r in rs]
    keys.append(rules.counter_referral())
    for key in keys:
        for language in LANGUAGES:
            assert has_translation(key, language), (key, language)
            assert "{" not in tr(key, language)  # shown as they are: no fields to fill


def test_limits_in_the_messages_match_the_rules() -> None:
    for field, limit in rules.LIMITS.items():
        key = f"textinput.rules.{field.value}.too_long"
        assert str(limit) in tr(key, "zh_CN") and str(limit) in tr(key, "en")


def test_messages_name_the_character_and_are_chinese_first() -> None:
    check = validate_name("张3")
    assert rules.message(check).startswith("“3”：姓名只能由汉字组成")
    assert rules.message(check, "en").startswith('"3": A name')
    assert rules.message(validate_name("张三")) == tr("textinput.rules.name.ok")
