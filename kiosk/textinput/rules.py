"""What a resident may type as a name, an address or a description, and why not.

Every check returns a :class:`TextCheck`: ``ok``, the normalised ``text`` to keep, a stable
``reason`` code and its translation key (``textinput.rules.<field>.<reason>``, Chinese
first, with the next step). Nothing here ever replaces a character by one that merely looks
like it:

- Names are written in Chinese characters (CJK Unified Ideographs, any extension: the 2016
  notice of the State Ethnic Affairs Commission and eleven other bodies, 民委发〔2016〕33号,
  asks information systems to cover all of GB 18030 / GB 13000).
- The one normalisation that notice prescribes is the name separator of many minority names
  (阿依古丽·买买提): "统一采用'·'(GB13000 编码 00B7, GB18030 编码 A1A4)". The same
  间隔号 reaches a kiosk under other code points — U+30FB (the older mapping of GB 2312's
  A1A4 and the Japanese middle dot), U+2022 (the bullet some input methods give), U+2027,
  U+FF65, U+2219, U+22C5 — and each is stored as U+00B7. Only between two characters of a
  name, never in an address or a description, and never a full stop or a period (those are
  refused with a message that names the · key).
- A compatibility ideograph or a Kangxi radical (``⾦``, U+2F26) looks like a character but
  is another code point; NFKC would silently swap it for the unified character. It is
  refused (``lookalike``), never swapped. A traditional or variant character is a character
  of its own and is kept exactly as typed: it is never "simplified" into another one.
- A character that cannot be entered here (not offered by the keyboard or the pad, or not
  one the systems accept) is not approximated: :func:`counter_referral` is the message that
  sends the resident to the counter.

Full-width digits, Latin letters and ASCII punctuation (``１２号``) are the same characters
in another width and are folded to ASCII in addresses and descriptions, as the plate rules
do.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from enum import StrEnum

NAME_DOT = "\u00b7"
# Other code points that carry the same 间隔号 (see the module docstring).
DOT_LOOKALIKES = frozenset("\u00b7\u30fb\u2022\u2027\uff65\u2219\u22c5")
# Dots that are not a 间隔号: refused in a name with a pointer to the · key.
WRONG_DOTS = frozenset(".\uff0e\u3002\u02d9\u0387\u2024\u2e31")

NAME_MAX_CHARS = 25  # the 2016 notice: at least 50 bytes, 25 Chinese characters
ADDRESS_MIN_CHARS = 2
ADDRESS_MAX_CHARS = 80
DESCRIPTION_MAX_CHARS = 500

ADDRESS_PUNCTUATION = frozenset("-—－#（）()、，,/：:　 ")
DESCRIPTION_PUNCTUATION = frozenset("，。、；：？！“”‘’（）《》【】—…·-,.;:?!\"'()[]/#%+*=&@ \n　")


class Field(StrEnum):
    """The kind of text being checked (the translation keys' middle part)."""

    NAME = "name"
    ADDRESS = "address"
    DESCRIPTION = "description"


class Reason(StrEnum):
    """Why a text is refused (``OK`` when it is not). Stable: logs and tests use them."""

    OK = "ok"
    EMPTY = "empty"
    TOO_SHORT = "too_short"
    TOO_LONG = "too_long"
    BAD_CHARACTER = "bad_character"  # not allowed in this field (a digit in a name, ...)
    LOOKALIKE = "lookalike"  # looks like a character but is another code point
    SPACE = "space"  # a space inside a name
    WRONG_DOT = "wrong_dot"  # a full stop where the name's · belongs
    DOT_PLACE = "dot_place"  # a · first, last, or two in a row
    NO_CHINESE = "no_chinese"  # an address with no Chinese character at all
    CONTROL = "control"  # an invisible control or format character


@dataclass(frozen=True)
class TextCheck:
    """The verdict on one text."""

    ok: bool
    text: str  # the normalised text (what to keep when ok)
    reason: Reason
    field: Field
    character: str = ""  # the offending character, when one is to blame
    position: int = -1  # its index in the normalised text

    @property
    def key(self) -> str:
        """Translation key: ``textinput.rules.<field>.<reason>``."""
        return f"textinput.rules.{self.field.value}.{self.reason.value}"

    @property
    def sends_to_counter(self) -> bool:
        """Whether the resident must finish this at the counter (retyping cannot help)."""
        return self.reason in (Reason.LOOKALIKE, Reason.TOO_LONG) and self.field is Field.NAME


def counter_referral() -> str:
    """Translation key of "this character cannot be entered here: please go to the counter"."""
    return "textinput.rules.cannot_enter"


def is_han(char: str) -> bool:
    """A CJK Unified Ideograph (basic block or any extension), not a compatibility form."""
    code = ord(char)
    return (
        0x4E00 <= code <= 0x9FFF
        or 0x3400 <= code <= 0x4DBF
        or 0x20000 <= code <= 0x2A6DF
        or 0x2A700 <= code <= 0x2EBEF
        or 0x2EBF0 <= code <= 0x2EE5F
        or 0x30000 <= code <= 0x323AF
        or code == 0x3007  # 〇, the ideographic zero (as in 二〇二四, 〇号)
    )


def is_lookalike(char: str) -> bool:
    """A code point that stands for another character: a compatibility ideograph, a Kangxi
    or supplementary radical, an enclosed or other compatibility form of a Han character."""
    code = ord(char)
    if 0x2E80 <= code <= 0x2FDF or 0xF900 <= code <= 0xFAFF or 0x2F800 <= code <= 0x2FA1F:
        return True
    folded = unicodedata.normalize("NFKC", char)
    return folded != char and any(is_han(c) for c in folded)


def _fold_width(text: str) -> str:
    """Full-width ASCII (U+FF01-FF5E) to ASCII; nothing else changes."""
    return "".join(chr(ord(c) - 0xFEE0) if 0xFF01 <= ord(c) <= 0xFF5E else c for c in text)


def _control(text: str, field: Field) -> TextCheck | None:
    for i, c in enumerate(text):
        if c in "\n" and field is Field.DESCRIPTION:
            continue
        if unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Cn"):
            return TextCheck(False, text, Reason.CONTROL, field, c, i)
    return None


def validate_name(text: str) -> TextCheck:
    """A person's name: Chinese characters, with · between the parts of a minority name."""
    field = Field.NAME
    text = text.strip().strip("\u3000")
    if not text:
        return TextCheck(False, text, Reason.EMPTY, field)
    if bad := _control(text, field):
        return bad
    # one 间隔号, whatever code point it came as
    text = "".join(NAME_DOT if c in DOT_LOOKALIKES else c for c in text)
    for i, c in enumerate(text):
        if c == NAME_DOT:
            continue
        if c.isspace():
            return TextCheck(False, text, Reason.SPACE, field, c, i)
        if c in WRONG_DOTS:
            return TextCheck(False, text, Reason.WRONG_DOT, field, c, i)
        if is_lookalike(c):
            return TextCheck(False, text, Reason.LOOKALIKE, field, c, i)
        if not is_han(c):  # 〇 is one (通用规范汉字表 lists it)
            return TextCheck(False, text, Reason.BAD_CHARACTER, field, c, i)
    for i, c in enumerate(text):
        if c == NAME_DOT and (i == 0 or i == len(text) - 1 or text[i + 1] == NAME_DOT):
            return TextCheck(False, text, Reason.DOT_PLACE, field, c, i)
    if sum(c != NAME_DOT for c in text) > NAME_MAX_CHARS:
        return TextCheck(False, text, Reason.TOO_LONG, field)
    return TextCheck(True, text, Reason.OK, field)


def _free_text(
    text: str, field: Field, punctuation: frozenset[str], min_chars: int, max_chars: int
) -> TextCheck:
    text = _fold_width(text.strip())
    if not text:
        return TextCheck(False, text, Reason.EMPTY, field)
    if bad := _control(text, field):
        return bad
    for i, c in enumerate(text):
        if is_lookalike(c):
            return TextCheck(False, text, Reason.LOOKALIKE, field, c, i)
        allowed = is_han(c) or c in punctuation or (c.isascii() and c.isalnum())
        if not allowed:
            return TextCheck(False, text, Reason.BAD_CHARACTER, field, c, i)
    if len(text) < min_chars:
        return TextCheck(False, text, Reason.TOO_SHORT, field)
    if len(text) > max_chars:
        return TextCheck(False, text, Reason.TOO_LONG, field)
    return TextCheck(True, text, Reason.OK, field)


def validate_address(text: str) -> TextCheck:
    """An address: Chinese characters, digits, Latin letters (A座) and a little punctuation."""
    result = _free_text(
        text, Field.ADDRESS, ADDRESS_PUNCTUATION, ADDRESS_MIN_CHARS, ADDRESS_MAX_CHARS
    )
    if result.ok and not any(is_han(c) for c in result.text):
        return TextCheck(False, result.text, Reason.NO_CHINESE, Field.ADDRESS)
    return result


def validate_description(text: str) -> TextCheck:
    """A resident's description of a request: ordinary Chinese text, up to 500 characters."""
    return _free_text(text, Field.DESCRIPTION, DESCRIPTION_PUNCTUATION, 1, DESCRIPTION_MAX_CHARS)


LIMITS = {
    Field.NAME: NAME_MAX_CHARS,
    Field.ADDRESS: ADDRESS_MAX_CHARS,
    Field.DESCRIPTION: DESCRIPTION_MAX_CHARS,
}


def message(check: TextCheck, language: str = "zh_CN") -> str:
    """The check's text for the resident: the character to blame first (“⾦”：...), and the
    counter referral after it when retyping cannot help."""
    from kiosk.framework.i18n import tr

    text = tr(check.key, language)
    if check.character and not check.character.isspace() and check.reason is not Reason.CONTROL:
        text = (
            f"“{check.character}”：{text}"
            if language == "zh_CN"
            else f'"{check.character}": {text}'
        )
    if check.sends_to_counter:
        text += " " + tr(counter_referral(), language)
    return text
