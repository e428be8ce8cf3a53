"""Identity numbers: length, characters, birth date, ISO 7064 MOD 11-2 check character."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.framework.i18n import LANGUAGES, has_translation
from kiosk.framework.id_numbers import (
    IdProblem,
    birth_date,
    check_character,
    normalize_id_number,
    validate_id_number,
)

TODAY = date(2026, 11, 23)


@pytest.mark.parametrize(
    ("number", "born", "male"),
    [
        ("11010519491231002X", date(1949, 12, 31), False),  # the GB 11643 example
        ("440305198807150031", date(1988, 7, 15), True),
        ("110101199003070011", date(1990, 3, 7), True),
    ],
)
def test_known_good_numbers(number: str, born: date, male: bool) -> None:
    check = validate_id_number(number, TODAY)
    assert check.ok and check.birth_date == born and check.male is male


@pytest.mark.parametrize(
    ("number", "problem"),
    [
        ("", IdProblem.EMPTY),
        ("11010519491231002", IdProblem.WRONG_LENGTH),
        ("11010519491231002XX", IdProblem.WRONG_LENGTH),
        ("1101051949123100AX", IdProblem.INVALID_CHARACTER),
        ("X10105194912310021", IdProblem.INVALID_CHARACTER),
        ("110105194902300021", IdProblem.INVALID_BIRTH_DATE),  # 30 February
        ("110105187001010021", IdProblem.INVALID_BIRTH_DATE),  # before 1880
        ("110105203001010021", IdProblem.FUTURE_BIRTH_DATE),
        ("110105194912310021", IdProblem.WRONG_CHECK_CHARACTER),
        ("11010519491231003X", IdProblem.WRONG_CHECK_CHARACTER),
    ],
)
def test_known_bad_numbers(number: str, problem: IdProblem) -> None:
    check = validate_id_number(number, TODAY)
    assert check.problem is problem and not check.ok and check.male is None


def test_normalisation_lower_x_full_width_and_spaces() -> None:
    assert normalize_id_number("110105 19491231 002x") == "11010519491231002X"
    assert validate_id_number("１１０１０５１９４９１２３１００２Ｘ", TODAY).ok


def test_an_outdated_area_code_is_not_rejected() -> None:
    # 370902 and 513228 name districts that were merged or renamed; cards still carry them.
    for body in ("37090219700101123", "51322819850505456"):
        assert validate_id_number(body + check_character(body), TODAY).ok


def test_check_character_needs_17_digits() -> None:
    with pytest.raises(ValueError):
        check_character("1234")
    assert check_character("11010519491231002") == "X"
    assert birth_date("110105abc") is None


def test_every_problem_has_both_languages() -> None:
    for problem in IdProblem:
        assert all(has_translation(problem.key, lang) for lang in LANGUAGES), problem.key


valid_birth = st.dates(min_value=date(1900, 1, 1), max_value=TODAY)


@st.composite
def id_numbers(draw: st.DrawFn) -> str:
    area = "".join(draw(st.lists(st.sampled_from("0123456789"), min_size=6, max_size=6)))
    born = draw(valid_birth)
    seq = f"{draw(st.integers(0, 999)):03d}"
    body = f"{area}{born:%Y%m%d}{seq}"
    return body + check_character(body)


@given(id_numbers())
def test_generated_numbers_are_valid(number: str) -> None:
    check = validate_id_number(number, TODAY)
    assert check.ok and check.birth_date == birth_date(number)
    assert check.male is (int(number[16]) % 2 == 1)


@given(id_numbers(), st.integers(0, 17), st.sampled_from("0123456789X"))
def test_any_single_changed_character_is_caught(number: str, position: int, ch: str) -> None:
    if number[position] == ch:
        return
    mutated = number[:position] + ch + number[position + 1 :]
    assert not validate_id_number(mutated, TODAY).ok


@given(id_numbers(), st.integers(0, 15))
def test_swapping_two_neighbouring_digits_is_caught(number: str, position: int) -> None:
    a, b = number[position], number[position + 1]
    if a == b:
        return
    swapped = number[:position] + b + a + number[position + 2 :]
    assert not validate_id_number(swapped, TODAY).ok


@given(id_numbers())
def test_a_birth_date_after_today_is_refused(number: str) -> None:
    born = birth_date(number)
    assert born is not None
    check = validate_id_number(number, born - timedelta(days=1))
    assert check.problem is IdProblem.FUTURE_BIRTH_DATE
