"""Chinese vehicle plates: the plate types residents need, normalisation and validation.

A plate is a province character, an issuing-office letter (A-Z) and a serial:

- ordinary plates (01, 02, 07, 08): 5 characters of A-Z/0-9 without I and O;
- 挂车 (15) and 教练汽车 (16): 4 such characters, then 挂 or 学;
- 香港/澳门入出境车 (26, 27): 粤Z, 4 characters, then 港 or 澳;
- small new-energy cars (52): 6 characters: a letter A-H, J or K (D and F first, the rest
  added later), then a letter or digit, then 4 digits (京AD12345, 沪AF3B123);
- large new-energy vehicles (51): 5 digits, then D or F (京A12345D).

The suffixes 挂 学 警 港 澳 领 may only come last. Validation reports every problem it finds
as a reason code (its translation key is ``plate.<code>``). Nothing here ever changes what
the resident typed beyond normalisation (case, spacing, full-width forms): an O typed where
a digit belongs is reported by :func:`ambiguities` so the UI can ask, never turned into 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
OFFICE_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
SERIAL_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # no I, no O: they read as 1 and 0
DIGITS = "0123456789"
SERIAL_CHARS = SERIAL_LETTERS + DIGITS
SUFFIXES = "挂学警港澳领"
NEW_ENERGY_SMALL_FIRST = "ABCDEFGHJK"  # D, F, and the newer A-K (no I)
NEW_ENERGY_LARGE_LAST = "DF"

# Stripped by normalisation: spaces, dots and dashes people type or copy between the parts.
_STRIP = set(" \t\u3000.·•・。∙-‐‑‒–—−﹣_")


class PlateKind(StrEnum):
    """The shape a plate type's serial takes."""

    ORDINARY = "ordinary"
    NEW_ENERGY_SMALL = "new_energy_small"
    NEW_ENERGY_LARGE = "new_energy_large"
    TRAILER = "trailer"
    COACH = "coach"
    HONG_KONG = "hong_kong"
    MACAU = "macau"


@dataclass(frozen=True)
class PlateType:
    """A 号牌种类 code (GA 24.7) with its names and serial shape.

    Attributes:
        code: two digits, as the traffic police's systems use it.
        name_zh, name_en: what residents read on the type chooser.
        kind: the serial's shape.
        suffix: the character the plate must end with ('' for none).
    """

    code: str
    name_zh: str
    name_en: str
    kind: PlateKind
    suffix: str = ""

    def name(self, language: str) -> str:
        """The name in ``language`` (zh_CN or en)."""
        return self.name_en if language == "en" else self.name_zh


PLATE_TYPES: dict[str, PlateType] = {
    t.code: t
    for t in (
        PlateType("02", "小型汽车", "Small car", PlateKind.ORDINARY),
        PlateType("52", "小型新能源汽车", "Small new-energy car", PlateKind.NEW_ENERGY_SMALL),
        PlateType("01", "大型汽车", "Large vehicle", PlateKind.ORDINARY),
        PlateType("51", "大型新能源汽车", "Large new-energy vehicle", PlateKind.NEW_ENERGY_LARGE),
        PlateType("07", "普通摩托车", "Motorcycle", PlateKind.ORDINARY),
        PlateType("08", "轻便摩托车", "Light motorcycle", PlateKind.ORDINARY),
        PlateType("15", "挂车", "Trailer", PlateKind.TRAILER, "挂"),
        PlateType("16", "教练汽车", "Driving-school car", PlateKind.COACH, "学"),
        PlateType("26", "香港入出境车", "Hong Kong cross-border", PlateKind.HONG_KONG, "港"),
        PlateType("27", "澳门入出境车", "Macau cross-border", PlateKind.MACAU, "澳"),
    )
}


class PlateProblem(StrEnum):
    """Why a plate is not valid; ``key`` is the translation key of the resident's message."""

    EMPTY = "empty"
    UNKNOWN_TYPE = "unknown_type"
    INVALID_PROVINCE = "invalid_province"
    INVALID_OFFICE_LETTER = "invalid_office_letter"
    INVALID_CHARACTER = "invalid_character"
    LETTER_I_OR_O = "letter_i_or_o"
    WRONG_LENGTH = "wrong_length"
    INVALID_SUFFIX = "invalid_suffix"
    SUFFIX_TYPE_MISMATCH = "suffix_type_mismatch"
    NEW_ENERGY_SMALL_PATTERN = "new_energy_small_pattern"
    NEW_ENERGY_LARGE_PATTERN = "new_energy_large_pattern"
    HK_MACAU_PREFIX = "hk_macau_prefix"

    @property
    def key(self) -> str:
        """Translation key, e.g. ``plate.invalid_province``."""
        return f"plate.{self.value}"


@dataclass(frozen=True)
class PlateCheck:
    """The result of validating a plate.

    Attributes:
        plate: the normalised text that was checked.
        problems: every problem found, most basic first; empty when valid.
    """

    plate: str
    problems: tuple[PlateProblem, ...] = ()

    @property
    def ok(self) -> bool:
        """Whether the plate is valid."""
        return not self.problems

    @property
    def problem(self) -> PlateProblem | None:
        """The first problem (the one to tell the resident), or None."""
        return self.problems[0] if self.problems else None


class Expect(StrEnum):
    """What a serial position holds, for :func:`ambiguities`."""

    LETTER = "letter"
    DIGIT = "digit"
    EITHER = "either"  # letter (not I/O) or digit


@dataclass(frozen=True)
class Ambiguity:
    """A character that may be a mistyped look-alike, so the UI should ask.

    Attributes:
        index: position in the normalised plate (0 = the province character).
        typed: what was typed (``O``, ``I``, ``0`` or ``1``).
        suggestion: the look-alike that would fit there (``0``, ``1``, ``O`` or ``I``).
        expected: what the position holds.
    """

    index: int
    typed: str
    suggestion: str
    expected: Expect

    @property
    def key(self) -> str:
        """Translation key of the question, with ``{position}``, ``{typed}``, ``{suggestion}``."""
        return f"plate.ask_{'digit' if self.suggestion in DIGITS else 'letter'}"


def normalize_plate(text: str) -> str:
    """Upper-case, full-width to half-width, and spaces, dots and dashes removed.

    Only form is changed: letters stay letters and digits stay digits.
    """
    out = []
    for ch in text:
        code = ord(ch)
        if 0xFF01 <= code <= 0xFF5E:  # full-width ASCII forms
            ch = chr(code - 0xFEE0)
        if ch in _STRIP:
            continue
        out.append(ch.upper() if ch.isascii() else ch)
    return "".join(out)


def plate_type(code: str) -> PlateType | None:
    """The plate type with this code, or None."""
    return PLATE_TYPES.get(code)


_SUFFIX_KINDS = {
    "挂": PlateKind.TRAILER,
    "学": PlateKind.COACH,
    "港": PlateKind.HONG_KONG,
    "澳": PlateKind.MACAU,
}


def _infer_kind(serial: str) -> PlateKind:
    """The most likely shape of a serial when the plate type is not given."""
    if serial and serial[-1] in SUFFIXES:
        return _SUFFIX_KINDS.get(serial[-1], PlateKind.ORDINARY)  # 警, 领: 4 + suffix
    if len(serial) == 6:
        if serial[-1] in NEW_ENERGY_LARGE_LAST and serial[0] in DIGITS:
            return PlateKind.NEW_ENERGY_LARGE
        return PlateKind.NEW_ENERGY_SMALL
    return PlateKind.ORDINARY


def _layout(kind: PlateKind) -> tuple[Expect, ...]:
    """What each serial position holds, suffix excluded."""
    if kind is PlateKind.NEW_ENERGY_SMALL:
        return (Expect.LETTER, Expect.EITHER, *([Expect.DIGIT] * 4))
    if kind is PlateKind.NEW_ENERGY_LARGE:
        return (*([Expect.DIGIT] * 5), Expect.LETTER)
    if kind is PlateKind.ORDINARY:
        return (Expect.EITHER,) * 5
    return (Expect.EITHER,) * 4


def validate_plate(text: str, type_code: str | None = None) -> PlateCheck:
    """Checks a plate (normalised first) against the rules of ``type_code`` if given.

    Without a type, the shape is inferred from the suffix and the length.
    """
    plate = normalize_plate(text)
    if not plate:
        return PlateCheck(plate, (PlateProblem.EMPTY,))
    ptype = PLATE_TYPES.get(type_code) if type_code is not None else None
    if type_code is not None and ptype is None:
        return PlateCheck(plate, (PlateProblem.UNKNOWN_TYPE,))
    problems: list[PlateProblem] = []

    def add(p: PlateProblem) -> None:
        if p not in problems:
            problems.append(p)

    if plate[0] not in PROVINCES:
        add(PlateProblem.INVALID_PROVINCE)
    if len(plate) < 2 or plate[1] not in OFFICE_LETTERS:
        add(PlateProblem.INVALID_OFFICE_LETTER)
    serial = plate[2:]
    for i, ch in enumerate(serial):
        if ch in SUFFIXES:
            if i != len(serial) - 1:
                add(PlateProblem.INVALID_SUFFIX)
        elif ch in "IO":
            add(PlateProblem.LETTER_I_OR_O)
        elif ch not in SERIAL_CHARS:
            add(PlateProblem.INVALID_CHARACTER)
    suffix = serial[-1] if serial and serial[-1] in SUFFIXES else ""
    kind = ptype.kind if ptype else _infer_kind(serial)
    body = serial[:-1] if suffix else serial
    if ptype is not None and suffix != ptype.suffix:
        add(PlateProblem.SUFFIX_TYPE_MISMATCH)
    elif ptype is None and suffix and len(body) != 4:
        add(PlateProblem.WRONG_LENGTH)
    expected_len = {PlateKind.ORDINARY: 5, PlateKind.NEW_ENERGY_SMALL: 6}.get(
        kind, 6 if kind is PlateKind.NEW_ENERGY_LARGE else 4
    )
    if (ptype is not None and len(body) != expected_len) or (
        ptype is None and not suffix and len(body) not in (5, 6)
    ):
        add(PlateProblem.WRONG_LENGTH)
    if len(body) == expected_len and not suffix:
        if kind is PlateKind.NEW_ENERGY_SMALL and not (
            body[0] in NEW_ENERGY_SMALL_FIRST
            and body[1] in SERIAL_CHARS
            and all(c in DIGITS for c in body[2:])
        ):
            add(PlateProblem.NEW_ENERGY_SMALL_PATTERN)
        if kind is PlateKind.NEW_ENERGY_LARGE and not (
            all(c in DIGITS for c in body[:5]) and body[5] in NEW_ENERGY_LARGE_LAST
        ):
            add(PlateProblem.NEW_ENERGY_LARGE_PATTERN)
    if kind in (PlateKind.HONG_KONG, PlateKind.MACAU) and plate[:2] != "粤Z":
        add(PlateProblem.HK_MACAU_PREFIX)
    return PlateCheck(plate, tuple(problems))


def ambiguities(text: str, type_code: str | None = None) -> list[Ambiguity]:
    """Where an O or I was typed where a digit belongs, or 0/1 where a letter belongs.

    Only look-alikes that would fit the position are reported: an ``O`` in any serial
    position (plates never use O there) suggests ``0``; a ``0`` as the office letter
    suggests ``O``. The UI asks the resident; nothing is changed here.
    """
    plate = normalize_plate(text)
    out: list[Ambiguity] = []
    if len(plate) >= 2 and plate[1] in "01":
        out.append(Ambiguity(1, plate[1], "O" if plate[1] == "0" else "I", Expect.LETTER))
    ptype = PLATE_TYPES.get(type_code) if type_code else None
    serial = plate[2:]
    kind = ptype.kind if ptype else _infer_kind(serial)
    layout = _layout(kind)
    for i, ch in enumerate(serial):
        expect = layout[i] if i < len(layout) else Expect.EITHER
        if ch in "OI" and expect in (Expect.DIGIT, Expect.EITHER):
            out.append(Ambiguity(i + 2, ch, "0" if ch == "O" else "1", expect))
    return out


def replace_at(text: str, index: int, char: str) -> str:
    """The normalised plate with one character replaced: the resident's explicit answer."""
    plate = normalize_plate(text)
    if not 0 <= index < len(plate):
        raise IndexError(f"position {index} is outside the plate")
    return plate[:index] + char + plate[index + 1 :]
