"""The SAM frame protocol of GA 450 desktop ID-card readers, and the card's text layout.

Frames (UART; the reader's default is 115200 8N1, also 57600/38400/19200/9600)::

    request:  AA AA AA 96 69 | LEN1 LEN2 | CMD PARA | DATA... | CHK
    answer:   AA AA AA 96 69 | LEN1 LEN2 | SW1 SW2 SW3 | DATA... | CHK

The preamble is five bytes (three to synchronise, ``96 69`` to start the frame). LEN is
big-endian and counts everything after it, the checksum included. CHK is the XOR of every byte
after the preamble up to the checksum (the length bytes included). SW1 SW2 pass on the card's
APDU status; SW3 is the reader's own status (:class:`Sw3`).

Reading a card is three commands: find (``20 01``, answer SW3 ``9F`` with the card's IIN, or
``80`` when there is none), select (``20 02``, ``90``, or ``81``), read base information
(``30 01``, ``90`` with a text length, a photo length, 256 bytes of text and the 1024-byte WLT
photo; ``41`` when the read failed). ``11 FF`` asks the SAM's status (``90`` when it is well).

The 256 bytes of text are UCS-2 little-endian (GB 13000), fixed-width and padded with spaces:
name 30, sex code 2, nation code 4, birth date 16 (YYYYMMDD), address 70, ID number 36,
issuing authority 30, valid from 16, valid until 16 (a date or ``长期``), reserved 36. A
permanent residence card for foreigners uses the same command with another layout and carries
``I`` at bytes 248-249; it is refused as :class:`CardDataError` ``unsupported``, as is ``J``
(the Hong Kong, Macao and Taiwan residents' residence permit, by the same reckoning).

What was checked, and where (public documentation and code, read through the project's
search tool; nothing was copied):

- framing, the LEN and CHK rules, the command/parameter table and the SW3 table: the "身份证
  阅读器模块SAM通讯协议" text as published by eastcoms.com (service/downdrive/508.html), mirrored
  on blog.csdn.net/zhangbijun1230 (85242964) and nameidi.com; softs.im's "身份证阅读器通信协议"
  (SW3 90/9F/10/11/21/24/31/32/33/40/41/47/60/66/80/81/91) with two worked answers
  (``AA AA AA 96 69 00 04 00 00 41 45``: LEN 4, read failed, XOR 45 over ``00 04 00 00 41``);
- the three exchanges byte for byte: blog.csdn.net/qiwenmingshiwo (50698927): find
  ``AA AA AA 96 69 00 03 20 01 22`` answered ``... 00 08 00 00 9F 00 00 00 00 97``; select
  ``... 00 03 20 02 21`` answered ``... 00 0C 00 00 90`` + 8 bytes + ``9C``; read
  ``... 00 03 30 01 32`` answered ``... 05 08 00 00 90 01 00 04 00`` + 256 + 1024 + CHK (1295
  bytes); the checksums above were recomputed here and agree with the XOR rule;
- the text layout and widths: wiki.nfc.im "二代居民身份证" (GA/T 490 table: widths, GB/T 2261.1 sex
  and GB 3304 nation codes, GB 11643 number), the same offsets in public reader code
  (Kunoon/BeiST20141020 ID2Info.java, chenhaifeng2016/FaceRecognitionTest IDReader.h), the
  big-endian text and photo lengths at answer bytes 10-13 (lochyhuang/DKCloudID_UART_Andoird
  IDCardData.java), a decoded sample on chinasem.cn (article 392748), ``长期`` as a valid-until
  value (waitingsong/node-idcard-reader README);
- GB/T 2261.1 codes 0/1/2/9 (gardenerframework/fragrans SexualDistinctionCodes), GB 3304 codes
  01-56 (bes2008/langx-java ChinaEthnic) and 97 其他 / 98 外国血统中国籍人士 as reader SDKs
  map them (several public enums); the foreigners' card layout with its ``I`` at byte 248
  (afzhan.com news_212938: widths 120+2+30+6+30+16+16+16+4+8 = 248, then the 2-byte type).

Not verified: the ``J`` mark of the residence permit; what SW3 ``91`` means exactly (the
softs.im table is cut there; commonly "此项无内容"); what a reader answers when a card leaves
during a read (we take ``41``, or an answer cut short, and then look for the card again: see
:mod:`devices.idcard.serial`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import IntEnum, StrEnum

from devices.idcard.model import LONG_TERM, NATIONS, SEXES, IdCard, id_number_ok

__all__ = [
    "FIND_CARD",
    "MAX_LENGTH",
    "PREAMBLE",
    "READ_BASE",
    "SAM_STATUS",
    "SELECT_CARD",
    "Answer",
    "AnswerParser",
    "CardDataError",
    "FrameError",
    "FrameProblem",
    "Sw3",
    "checksum",
    "encode_request",
    "parse_base_info",
]

PREAMBLE = b"\xaa\xaa\xaa\x96\x69"

SAM_STATUS = (0x11, 0xFF)
FIND_CARD = (0x20, 0x01)
SELECT_CARD = (0x20, 0x02)
READ_BASE = (0x30, 0x01)

#: The longest answer we accept (text + photo + two 512-byte fingerprints is 2314).
MAX_LENGTH = 4096
_MIN_ANSWER_LENGTH = 4  # SW1 SW2 SW3 CHK

TEXT_BYTES = 256
PHOTO_BYTES = 1024
# (field, width) in the order of the 256 bytes of text; reserved 36 bytes follow.
_LAYOUT = (
    ("name", 30),
    ("sex", 2),
    ("nation", 4),
    ("birth", 16),
    ("address", 70),
    ("id_number", 36),
    ("issuer", 30),
    ("valid_from", 16),
    ("valid_until", 16),
)
_TYPE_MARK = slice(248, 250)  # foreigners' permanent residence card: "I"
_PAD = " \x00"


class Sw3(IntEnum):
    """The reader's own status byte (SW3) in an answer."""

    SUCCESS = 0x90
    FOUND = 0x9F
    BAD_CHECKSUM = 0x10  # the reader got our frame with a wrong checksum
    BAD_LENGTH = 0x11
    BAD_COMMAND = 0x21
    UNKNOWN_ERROR = 0x24
    CARD_REJECTED_READER = 0x31  # the card's authentication of the reader failed
    READER_REJECTED_CARD = 0x32  # the reader's authentication of the card failed
    VERIFY_FAILED = 0x33
    WRONG_CARD = 0x40
    READ_FAILED = 0x41
    RANDOM_FAILED = 0x47
    SELF_TEST_FAILED = 0x60
    NOT_AUTHORISED = 0x66
    FIND_FAILED = 0x80  # no card
    SELECT_FAILED = 0x81
    NO_CONTENT = 0x91


class FrameProblem(StrEnum):
    """Why bytes from the reader are not an answer."""

    GARBAGE = "garbage"  # bytes that hold no frame, or a frame with an impossible length
    TRUNCATED = "truncated"  # a frame began and did not end in time
    BAD_CHECKSUM = "bad_checksum"


class FrameError(Exception):
    """The reader's bytes are not a valid answer; ``problem`` says how."""

    def __init__(self, problem: FrameProblem, detail: str = "") -> None:
        super().__init__(f"{problem}: {detail}" if detail else str(problem))
        self.problem = problem
        self.detail = detail


class CardDataError(Exception):
    """A valid answer whose card data cannot be a resident ID card's.

    ``kind`` is ``garbage`` (lengths, encoding, dates or number do not hold) or
    ``unsupported`` (another card type, e.g. a foreigner's permanent residence card).
    The message never holds card contents.
    """

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind = kind
        self.detail = detail


def checksum(body: bytes | bytearray | memoryview) -> int:
    """The XOR of every byte of ``body`` (everything between the preamble and the checksum)."""
    value = 0
    for byte in bytes(body):
        value ^= byte
    return value


def encode_request(command: tuple[int, int], data: bytes = b"") -> bytes:
    """A request frame for ``(CMD, PARA)`` with optional data."""
    cmd, para = command
    length = 2 + len(data) + 1
    body = length.to_bytes(2, "big") + bytes((cmd, para)) + data
    return PREAMBLE + body + bytes((checksum(body),))


@dataclass(frozen=True)
class Answer:
    """One answer frame: the three status bytes and the data (checksum already checked)."""

    sw1: int
    sw2: int
    sw3: int
    data: bytes = b""

    def __repr__(self) -> str:  # the data may be a card's text: never shown
        return f"Answer(sw={self.sw1:02X} {self.sw2:02X} {self.sw3:02X}, {len(self.data)} bytes)"


class AnswerParser:
    """Finds one answer frame in a stream of bytes fed as they arrive.

    Bytes before a preamble are skipped and counted (``junk``). :meth:`take` returns the
    answer once it is complete, None while more is needed, and raises :class:`FrameError`
    for an impossible length or a wrong checksum. :meth:`give_up` says what the bytes were
    when no more will come.
    """

    def __init__(self) -> None:
        self._buf = bytearray()
        self.junk = 0

    def feed(self, chunk: bytes) -> None:
        """Adds bytes that arrived."""
        self._buf.extend(chunk)

    @property
    def started(self) -> bool:
        """Whether a preamble has been seen (the start of a frame is in the buffer)."""
        return self._buf.startswith(PREAMBLE)

    def take(self) -> Answer | None:
        """The answer if a whole one is in; None if more is needed. Raises FrameError."""
        self._skip_to_preamble()
        if not self.started or len(self._buf) < len(PREAMBLE) + 2:
            return None
        start = len(PREAMBLE)
        length = int.from_bytes(self._buf[start : start + 2], "big")
        if not _MIN_ANSWER_LENGTH <= length <= MAX_LENGTH:
            self._wipe()
            raise FrameError(FrameProblem.GARBAGE, f"impossible answer length {length}")
        end = start + 2 + length
        if len(self._buf) < end:
            return None
        body = self._buf[start : end - 1]
        expected = self._buf[end - 1]
        if checksum(body) != expected:
            self._wipe()
            raise FrameError(FrameProblem.BAD_CHECKSUM, f"{length}-byte answer")
        answer = Answer(body[2], body[3], body[4], bytes(body[5:]))
        self._wipe()
        return answer

    def give_up(self) -> FrameError | None:
        """What was received when no answer came: truncated, garbage, or None for silence."""
        self._skip_to_preamble()
        if self._buf and self.started:
            have = len(self._buf)
            return FrameError(FrameProblem.TRUNCATED, f"frame cut off after {have} bytes")
        if self.junk or self._buf:
            return FrameError(FrameProblem.GARBAGE, f"{self.junk + len(self._buf)} bytes, no frame")
        return None

    def _skip_to_preamble(self) -> None:
        at = self._buf.find(PREAMBLE)
        if at > 0:
            self.junk += at
            del self._buf[:at]
        elif at < 0:
            # keep a tail that may be the start of a preamble still arriving
            keep = 0
            for n in range(min(len(PREAMBLE) - 1, len(self._buf)), 0, -1):
                if self._buf.endswith(PREAMBLE[:n]):
                    keep = n
                    break
            self.junk += len(self._buf) - keep
            del self._buf[: len(self._buf) - keep]

    def _wipe(self) -> None:
        # the buffer may hold a card's text and photo: overwrite before letting it go
        self._buf[:] = bytes(len(self._buf))
        self._buf.clear()


def _text(raw: bytes, field: str) -> str:
    try:
        return raw.decode("utf-16-le").strip(_PAD)
    except UnicodeDecodeError:
        raise CardDataError("garbage", f"{field} is not UCS-2 text") from None


def _date(value: str, field: str) -> date:
    if len(value) != 8 or not value.isascii() or not value.isdigit():
        raise CardDataError("garbage", f"{field} is not YYYYMMDD")
    try:
        return date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        raise CardDataError("garbage", f"{field} is not a real date") from None


def parse_base_info(data: bytes) -> IdCard:
    """The card from the data of a successful ``30 01`` answer; the photo is skipped.

    ``data`` is text length (2, big-endian), photo length (2), the text, the photo. The photo's
    bytes are only counted, never decoded or kept. Raises :class:`CardDataError`.
    """
    if len(data) < 4:
        raise CardDataError("garbage", f"{len(data)} bytes of card data")
    text_len = int.from_bytes(data[0:2], "big")
    photo_len = int.from_bytes(data[2:4], "big")
    if text_len != TEXT_BYTES or 4 + text_len + photo_len != len(data):
        raise CardDataError(
            "garbage", f"lengths text {text_len} photo {photo_len} in {len(data)} bytes"
        )
    text = data[4 : 4 + TEXT_BYTES]
    mark = text[_TYPE_MARK].decode("utf-16-le", errors="replace")
    if mark in ("I", "J"):
        raise CardDataError("unsupported", f"card type {mark!r}, not a resident ID card")
    values: dict[str, str] = {}
    at = 0
    for field, width in _LAYOUT:
        values[field] = _text(text[at : at + width], field)
        at += width
    number = values["id_number"].upper()
    if not id_number_ok(number):
        raise CardDataError("garbage", "ID number fails its MOD 11-2 check")
    if not values["name"]:
        raise CardDataError("garbage", "empty name")
    until = values["valid_until"]
    sex, nation = values["sex"], values["nation"]
    return IdCard(
        name=values["name"],
        sex=SEXES.get(sex, sex),
        nation=NATIONS.get(nation, nation),
        birth_date=_date(values["birth"], "birth date"),
        address=values["address"],
        id_number=number,
        issuer=values["issuer"],
        valid_from=_date(values["valid_from"], "valid from"),
        valid_until=None if until == LONG_TERM else _date(until, "valid until"),
        sex_code=sex,
        nation_code=nation,
    )
