"""Resident identity numbers (GB 11643): 18 characters with an ISO 7064 MOD 11-2 check.

Layout: 6-digit area code, 8-digit birth date (YYYYMMDD), 3-digit sequence (odd = male), and
a check character 0-9 or X. Area codes are not checked against any list: codes of merged or
renamed districts stay valid on the cards that carry them. A driving-licence number is the
holder's identity number.

Never log or show a number unmasked: use :func:`kiosk.framework.masking.mask_id_number`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)  # 2^(17-i) mod 11
_CHECK = "10X98765432"  # indexed by the weighted sum mod 11
MIN_BIRTH_YEAR = 1880
_STRIP = set(" \t\u3000-")


class IdProblem(StrEnum):
    """Why an identity number is not valid; ``key`` is its translation key."""

    EMPTY = "empty"
    WRONG_LENGTH = "wrong_length"
    INVALID_CHARACTER = "invalid_character"
    INVALID_BIRTH_DATE = "invalid_birth_date"
    FUTURE_BIRTH_DATE = "future_birth_date"
    WRONG_CHECK_CHARACTER = "wrong_check_character"

    @property
    def key(self) -> str:
        """Translation key, e.g. ``idnum.wrong_check_character``."""
        return f"idnum.{self.value}"


@dataclass(frozen=True)
class IdCheck:
    """The result of validating an identity number.

    Attributes:
        number: the normalised number that was checked (personal data: mask before showing).
        problem: why it is invalid, or None.
        birth_date: the encoded birth date when it is a real date.
    """

    number: str
    problem: IdProblem | None = None
    birth_date: date | None = None

    @property
    def ok(self) -> bool:
        """Whether the number is valid."""
        return self.problem is None

    @property
    def male(self) -> bool | None:
        """Odd sequence = male; None when the number is invalid."""
        return int(self.number[16]) % 2 == 1 if self.ok else None


def normalize_id_number(text: str) -> str:
    """Half-width, upper-case X, without spaces or dashes."""
    out = []
    for ch in text:
        code = ord(ch)
        if 0xFF01 <= code <= 0xFF5E:
            ch = chr(code - 0xFEE0)
        if ch not in _STRIP:
            out.append(ch.upper() if ch.isascii() else ch)
    return "".join(out)


def check_character(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character for 17 digits."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError("needs exactly 17 digits")
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK[total % 11]


def birth_date(number: str) -> date | None:
    """The birth date encoded in positions 7-14, or None if it is not a real date."""
    digits = number[6:14]
    if len(digits) != 8 or not digits.isascii() or not digits.isdigit():
        return None
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return None


def validate_id_number(text: str, today: date | None = None) -> IdCheck:
    """Checks length, characters, the birth date (a real day, not after ``today``) and the
    check character. ``today`` defaults to the system date.
    """
    number = normalize_id_number(text)
    if not number:
        return IdCheck(number, IdProblem.EMPTY)
    if len(number) != 18:
        return IdCheck(number, IdProblem.WRONG_LENGTH)
    body, last = number[:17], number[17]
    if not (body.isascii() and body.isdigit() and (last.isdigit() or last == "X")):
        return IdCheck(number, IdProblem.INVALID_CHARACTER)
    born = birth_date(number)
    if born is None or born.year < MIN_BIRTH_YEAR:
        return IdCheck(number, IdProblem.INVALID_BIRTH_DATE)
    if born > (today or date.today()):
        return IdCheck(number, IdProblem.FUTURE_BIRTH_DATE, born)
    if check_character(body) != last:
        return IdCheck(number, IdProblem.WRONG_CHECK_CHARACTER, born)
    return IdCheck(number, None, born)
