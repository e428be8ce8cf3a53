"""Plate normalisation, validation with reason codes, and look-alike questions.

Property tests generate valid plates of every type, check they pass, then mutate them into
invalid ones and check the reason.
"""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from kiosk.framework.i18n import LANGUAGES, has_translation, tr
from kiosk.violations.plates import (
    DIGITS,
    NEW_ENERGY_SMALL_FIRST,
    PLATE_TYPES,
    PROVINCES,
    SERIAL_CHARS,
    SERIAL_LETTERS,
    SUFFIXES,
    Expect,
    PlateKind,
    PlateProblem,
    ambiguities,
    normalize_plate,
    replace_at,
    validate_plate,
)

letters = st.sampled_from(SERIAL_LETTERS)
digits = st.sampled_from(DIGITS)
serial_char = st.sampled_from(SERIAL_CHARS)
province = st.sampled_from(PROVINCES)
office = st.sampled_from("ABCDEFGHJKLMNPQRSTUVWXYZ")


@st.composite
def plates(draw: st.DrawFn, code: str | None = None) -> tuple[str, str]:
    """(type code, a valid plate of that type)."""
    code = code or draw(st.sampled_from(sorted(PLATE_TYPES)))
    kind = PLATE_TYPES[code].kind
    if kind in (PlateKind.HONG_KONG, PlateKind.MACAU):
        head = "粤Z"
    else:
        head = draw(province) + draw(office)
    if kind is PlateKind.NEW_ENERGY_SMALL:
        serial = (
            draw(st.sampled_from(NEW_ENERGY_SMALL_FIRST))
            + draw(serial_char)
            + "".join(draw(st.lists(digits, min_size=4, max_size=4)))
        )
    elif kind is PlateKind.NEW_ENERGY_LARGE:
        serial = "".join(draw(st.lists(digits, min_size=5, max_size=5))) + draw(
            st.sampled_from("DF")
        )
    elif kind is PlateKind.ORDINARY:
        serial = "".join(draw(st.lists(serial_char, min_size=5, max_size=5)))
    else:
        serial = (
            "".join(draw(st.lists(serial_char, min_size=4, max_size=4))) + PLATE_TYPES[code].suffix
        )
    return code, head + serial


# --- known examples ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "plate"),
    [
        ("02", "苏E8D2K7"),
        ("01", "京A12345"),
        ("52", "沪AD73519"),
        ("52", "粤BFA1234"),
        ("52", "京AA12345"),  # newer letters A-K
        ("51", "京A35728D"),
        ("51", "京A12345F"),
        ("07", "川A1234Z"),
        ("08", "鲁B12345"),
        ("15", "浙A8K23挂"),
        ("16", "川A6Q21学"),
        ("26", "粤Z3C45港"),
        ("27", "粤Z7M82澳"),
    ],
)
def test_known_valid_plates(code: str, plate: str) -> None:
    assert validate_plate(plate, code).ok
    assert validate_plate(plate).ok  # the shape alone also fits


@pytest.mark.parametrize(
    ("code", "plate", "problem"),
    [
        ("02", "", PlateProblem.EMPTY),
        ("99", "苏E8D2K7", PlateProblem.UNKNOWN_TYPE),
        ("02", "X E8D2K7", PlateProblem.INVALID_PROVINCE),
        ("02", "苏88D2K7", PlateProblem.INVALID_OFFICE_LETTER),
        ("02", "苏E8D2KO", PlateProblem.LETTER_I_OR_O),
        ("02", "苏EID2K7", PlateProblem.LETTER_I_OR_O),
        ("02", "苏E8D2K", PlateProblem.WRONG_LENGTH),
        ("02", "苏E8D2K77", PlateProblem.WRONG_LENGTH),
        ("02", "苏E8D2K#", PlateProblem.INVALID_CHARACTER),
        ("15", "浙A8挂K23", PlateProblem.INVALID_SUFFIX),
        ("02", "浙A8K23挂", PlateProblem.SUFFIX_TYPE_MISMATCH),
        ("15", "浙A8K237", PlateProblem.SUFFIX_TYPE_MISMATCH),
        ("52", "沪A1D3519", PlateProblem.NEW_ENERGY_SMALL_PATTERN),
        ("52", "沪AL73519", PlateProblem.NEW_ENERGY_SMALL_PATTERN),
        ("52", "沪ADA3B19", PlateProblem.NEW_ENERGY_SMALL_PATTERN),
        ("51", "京A35728G", PlateProblem.NEW_ENERGY_LARGE_PATTERN),
        ("51", "京AD35728", PlateProblem.NEW_ENERGY_LARGE_PATTERN),
        ("26", "京Z3C45港", PlateProblem.HK_MACAU_PREFIX),
        ("26", "粤B3C45港", PlateProblem.HK_MACAU_PREFIX),
    ],
)
def test_known_invalid_plates_with_their_reason(
    code: str, plate: str, problem: PlateProblem
) -> None:
    check = validate_plate(plate, code)
    assert not check.ok and problem in check.problems


def test_normalisation() -> None:
    assert normalize_plate(" 苏e·8d2-k7 ") == "苏E8D2K7"
    assert normalize_plate("苏Ｅ８Ｄ２Ｋ７") == "苏E8D2K7"  # full-width
    assert normalize_plate("苏E.8D2 K7") == "苏E8D2K7"
    assert normalize_plate("京a12345d") == "京A12345D"
    assert normalize_plate("苏E8D2KO") == "苏E8D2KO"  # O stays O


def test_every_problem_and_type_has_both_languages() -> None:
    for problem in PlateProblem:
        for lang in LANGUAGES:
            assert has_translation(problem.key, lang), problem.key
    for code, ptype in PLATE_TYPES.items():
        assert tr(f"plate.type.{code}", "zh_CN") == ptype.name("zh_CN")
        assert tr(f"plate.type.{code}", "en") == ptype.name("en")
    for key in ("plate.ask_digit", "plate.ask_letter", "plate.ask_yes", "plate.ask_no"):
        assert all(has_translation(key, lang) for lang in LANGUAGES)


# --- ambiguities ------------------------------------------------------------------------


def test_o_and_i_where_a_digit_belongs_are_asked_about_never_changed() -> None:
    found = ambiguities("沪AD7O5I9", "52")
    assert [(a.index, a.typed, a.suggestion, a.expected) for a in found] == [
        (4, "O", "0", Expect.DIGIT),
        (6, "I", "1", Expect.DIGIT),
    ]
    assert validate_plate("沪AD7O5I9", "52").problem is PlateProblem.LETTER_I_OR_O
    assert replace_at("沪AD7O5I9", 4, "0") == "沪AD705I9"


def test_zero_or_one_as_the_office_letter_is_asked_about() -> None:
    found = ambiguities("苏0D2K78", "02")
    assert [(a.index, a.typed, a.suggestion, a.expected) for a in found] == [
        (1, "0", "O", Expect.LETTER)
    ]
    assert found[0].key == "plate.ask_letter"


def test_a_clean_plate_has_no_questions() -> None:
    assert ambiguities("苏E8D2K7", "02") == []
    assert ambiguities("京A35728D", "51") == []


# --- properties -------------------------------------------------------------------------


@given(plates())
def test_generated_plates_are_valid(item: tuple[str, str]) -> None:
    code, plate = item
    assert validate_plate(plate, code).ok, (code, plate)
    assert ambiguities(plate, code) == []


@given(plates(), st.data())
def test_formatting_noise_does_not_matter(item: tuple[str, str], data: st.DataObject) -> None:
    code, plate = item
    noisy = []
    for ch in plate:
        if ch.isascii() and data.draw(st.booleans()):
            ch = chr(ord(ch) + 0xFEE0) if data.draw(st.booleans()) else ch.lower()
        noisy.append(ch + data.draw(st.sampled_from(["", " ", "·", "-", "."])))
    assert validate_plate("".join(noisy), code).ok
    assert normalize_plate("".join(noisy)) == plate


@given(plates(), st.sampled_from(list("豫ABC1#字")))
def test_a_bad_province_is_named(item: tuple[str, str], first: str) -> None:
    code, plate = item
    assume(first not in PROVINCES)
    assert PlateProblem.INVALID_PROVINCE in validate_plate(first + plate[1:], code).problems


@given(plates(), digits)
def test_a_digit_as_office_letter_is_named(item: tuple[str, str], digit: str) -> None:
    code, plate = item
    assert (
        PlateProblem.INVALID_OFFICE_LETTER
        in validate_plate(plate[0] + digit + plate[2:], code).problems
    )


@given(plates(), st.data())
def test_an_i_or_o_in_the_serial_is_named_and_asked_about(
    item: tuple[str, str], data: st.DataObject
) -> None:
    code, plate = item
    body_len = len(plate) - 2 - len(PLATE_TYPES[code].suffix)
    position = 2 + data.draw(st.integers(0, body_len - 1))
    letter = data.draw(st.sampled_from("IO"))
    mutated = plate[:position] + letter + plate[position + 1 :]
    check = validate_plate(mutated, code)
    assert not check.ok
    expected_question = {
        PlateKind.NEW_ENERGY_SMALL: position != 2,  # first position: a letter, 0 would not fit
        PlateKind.NEW_ENERGY_LARGE: position != len(plate) - 1,
    }.get(PLATE_TYPES[code].kind, True)
    found = [a for a in ambiguities(mutated, code) if a.index == position]
    if expected_question:
        assert PlateProblem.LETTER_I_OR_O in check.problems
        assert found and found[0].suggestion == ("0" if letter == "O" else "1")
        assert (
            validate_plate(replace_at(mutated, position, found[0].suggestion), code).ok
            or (PLATE_TYPES[code].kind is PlateKind.NEW_ENERGY_SMALL and position > 3)
            or PLATE_TYPES[code].kind is not PlateKind.NEW_ENERGY_SMALL
        )
    else:
        assert not found


@given(plates(), st.sampled_from(["drop", "add"]), serial_char)
def test_wrong_length_is_named(item: tuple[str, str], how: str, extra: str) -> None:
    code, plate = item
    suffix = PLATE_TYPES[code].suffix
    body = plate[:-1] if suffix else plate
    body = body[:-1] if how == "drop" else body + extra
    assert PlateProblem.WRONG_LENGTH in validate_plate(body + suffix, code).problems


@given(plates(), st.sampled_from(SUFFIXES))
def test_a_suffix_anywhere_but_last_is_named(item: tuple[str, str], suffix: str) -> None:
    code, plate = item
    mutated = plate[:3] + suffix + plate[4:]
    assume(mutated[-1] not in SUFFIXES or len(mutated) > 4)
    problems = validate_plate(mutated, code).problems
    if mutated[-1] in SUFFIXES:
        assert PlateProblem.INVALID_SUFFIX in problems
    else:
        assert problems


@given(plates("52"), st.sampled_from("LMNPQRSTUVWXYZ0123456789"))
def test_small_new_energy_needs_a_letter_a_to_k_first(item: tuple[str, str], ch: str) -> None:
    code, plate = item
    problems = validate_plate(plate[:2] + ch + plate[3:], code).problems
    assert PlateProblem.NEW_ENERGY_SMALL_PATTERN in problems


@given(plates("52"), st.integers(4, 7), letters)
def test_small_new_energy_ends_in_four_digits(
    item: tuple[str, str], position: int, letter: str
) -> None:
    code, plate = item
    mutated = plate[:position] + letter + plate[position + 1 :]
    assert PlateProblem.NEW_ENERGY_SMALL_PATTERN in validate_plate(mutated, code).problems


@given(plates("51"), st.sampled_from("ABCEGHJKLMNPQRSTUVWXYZ0123456789"))
def test_large_new_energy_ends_in_d_or_f(item: tuple[str, str], last: str) -> None:
    code, plate = item
    problems = validate_plate(plate[:-1] + last, code).problems
    assert PlateProblem.NEW_ENERGY_LARGE_PATTERN in problems


@given(plates(), st.sampled_from(sorted(PLATE_TYPES)))
def test_a_plate_fails_for_a_type_of_another_shape(item: tuple[str, str], other: str) -> None:
    code, plate = item
    assume(PLATE_TYPES[code].kind is not PLATE_TYPES[other].kind)
    assert not validate_plate(plate, other).ok
