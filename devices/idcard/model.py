"""What a resident ID card holds, as the reader gives it: nine text fields, no photo.

The text is personal data. :class:`IdCard` never shows it unmasked in ``repr``/``str`` (so a
log line or a traceback that prints a card leaks nothing); :meth:`IdCard.to_dict` gives the
full values only when asked. The card's photo (a WLT file) is never part of it: decoding WLT
needs a licensed library, and the kiosk takes its own photo.

Codes: sex per GB/T 2261.1 (0 unknown, 1 male, 2 female, 9 not stated); nation per GB 3304
(01-56) with the 97 其他 and 98 外国血统中国籍人士 codes readers also return. Sources checked
are named in :mod:`devices.idcard.protocol`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

__all__ = [
    "EXPIRING_DAYS",
    "LONG_TERM",
    "NATIONS",
    "SEXES",
    "CardValidity",
    "IdCard",
    "id_number_ok",
    "mask_address",
    "mask_id_number",
    "mask_name",
]

LONG_TERM = "长期"
"""What the card's 有效期截止日期 field holds for a card valid for life."""

EXPIRING_DAYS = 90
"""A card that expires within this many days may be renewed (有效期将满换领)."""

SEXES = {"0": "未知", "1": "男", "2": "女", "9": "未说明"}
"""GB/T 2261.1 sex codes to the text printed on a card."""

_NATION_LIST = (
    "汉",
    "蒙古",
    "回",
    "藏",
    "维吾尔",
    "苗",
    "彝",
    "壮",
    "布依",
    "朝鲜",
    "满",
    "侗",
    "瑶",
    "白",
    "土家",
    "哈尼",
    "哈萨克",
    "傣",
    "黎",
    "傈僳",
    "佤",
    "畲",
    "高山",
    "拉祜",
    "水",
    "东乡",
    "纳西",
    "景颇",
    "柯尔克孜",
    "土",
    "达斡尔",
    "仫佬",
    "羌",
    "布朗",
    "撒拉",
    "毛南",
    "仡佬",
    "锡伯",
    "阿昌",
    "普米",
    "塔吉克",
    "怒",
    "乌孜别克",
    "俄罗斯",
    "鄂温克",
    "德昂",
    "保安",
    "裕固",
    "京",
    "塔塔尔",
    "独龙",
    "鄂伦春",
    "赫哲",
    "门巴",
    "珞巴",
    "基诺",
)
NATIONS = {f"{i:02d}": name for i, name in enumerate(_NATION_LIST, start=1)}
"""GB 3304 nation codes to the text printed on a card (民族 汉, without 族)."""
NATIONS.update({"97": "其他", "98": "外国血统中国籍人士"})

# ISO 7064 MOD 11-2 (GB 11643): weights 2^(17-i) mod 11, check characters by sum mod 11.
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def id_number_ok(number: str) -> bool:
    """Whether ``number`` is 18 characters with a correct MOD 11-2 check character."""
    if len(number) != 18 or not number[:17].isascii() or not number[:17].isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _WEIGHTS, strict=True))
    return number[17].upper() == _CHECK[total % 11]


def mask_id_number(value: str) -> str:
    """110101199003071234 -> 110***********1234 (the kiosk's format: 3 + last 4)."""
    v = value.strip()
    if len(v) <= 7:
        return "*" * len(v)
    return v[:3] + "*" * (len(v) - 7) + v[-4:]


def mask_name(value: str) -> str:
    """张三 -> 张*: the first character only."""
    v = value.strip()
    return v[:1] + "*" * (len(v) - 1) if v else ""


def mask_address(value: str, keep: int = 6) -> str:
    """The first ``keep`` characters (the district), then at most 8 stars."""
    v = value.strip()
    if len(v) <= keep:
        return v[:2] + "*" * (len(v) - 2) if len(v) > 2 else "*" * len(v)
    return v[:keep] + "*" * min(len(v) - keep, 8)


class CardValidity(StrEnum):
    """How a card stands on a given day."""

    VALID = "valid"
    EXPIRING = "expiring"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"


@dataclass(frozen=True, repr=False)
class IdCard:
    """The text of one resident ID card. Personal data: ``repr`` and ``str`` are masked.

    Attributes:
        name: 姓名.
        sex: 性别 as printed (男, 女...); ``sex_code`` is the GB/T 2261.1 code.
        nation: 民族 as printed (汉, 回...); ``nation_code`` is the GB 3304 code.
        birth_date: 出生.
        address: 住址.
        id_number: 公民身份号码 (18 characters, MOD 11-2 checked when read).
        issuer: 签发机关.
        valid_from: 有效期限 start.
        valid_until: 有效期限 end; None for a card valid for life (长期).
    """

    name: str
    sex: str
    nation: str
    birth_date: date
    address: str
    id_number: str
    issuer: str
    valid_from: date
    valid_until: date | None
    sex_code: str = ""
    nation_code: str = ""

    @property
    def long_term(self) -> bool:
        """Whether the card is valid for life (有效期限 …-长期)."""
        return self.valid_until is None

    @property
    def valid_until_text(self) -> str:
        """``YYYY-MM-DD`` or ``长期``."""
        return LONG_TERM if self.valid_until is None else self.valid_until.isoformat()

    def days_left(self, today: date) -> int | None:
        """Days from ``today`` to the last valid day (negative: expired); None for 长期."""
        return None if self.valid_until is None else (self.valid_until - today).days

    def validity(self, today: date, expiring_days: int = EXPIRING_DAYS) -> CardValidity:
        """Valid, expiring within ``expiring_days``, expired (after its last day), or not
        yet valid. The end date is the last valid day."""
        if today < self.valid_from:
            return CardValidity.NOT_YET_VALID
        left = self.days_left(today)
        if left is None:
            return CardValidity.VALID
        if left < 0:
            return CardValidity.EXPIRED
        if left <= expiring_days:
            return CardValidity.EXPIRING
        return CardValidity.VALID

    def to_dict(self, *, masked: bool = True) -> dict[str, Any]:
        """The fields as strings (dates ``YYYY-MM-DD``, ``长期``); masked unless told not to.

        Masked: name 张*, address to the district, ID number 3 + last 4, birth date to the year.
        """
        birth = self.birth_date.isoformat()
        return {
            "name": mask_name(self.name) if masked else self.name,
            "sex": self.sex,
            "sex_code": self.sex_code,
            "nation": self.nation,
            "nation_code": self.nation_code,
            "birth_date": f"{birth[:4]}-**-**" if masked else birth,
            "address": mask_address(self.address) if masked else self.address,
            "id_number": mask_id_number(self.id_number) if masked else self.id_number,
            "issuer": self.issuer,
            "valid_from": self.valid_from.isoformat(),
            "valid_until": self.valid_until_text,
        }

    def __repr__(self) -> str:
        return (
            f"IdCard(name={mask_name(self.name)!r}, id_number={mask_id_number(self.id_number)!r},"
            f" sex={self.sex!r}, valid_until={self.valid_until_text!r})"
        )

    __str__ = __repr__
