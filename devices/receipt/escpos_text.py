"""A small ESC/POS interpreter: what text a byte stream prints, and what it encodes.

Used by the tests to check the renderer's bytes (and against a public corpus of streams
produced by other software), and handy for looking at a captured print job.

What it understands:

* text bytes, decoded in Chinese mode (``FS &`` on, ``FS .`` off) as GB18030, otherwise with
  the code page selected by ``ESC t`` (CP437 at start; tables Python has no codec for are
  read as CP437);
* ``LF`` ends a line; ``ESC d n`` ends the line and feeds ``n`` lines (``n`` line ends in
  all); ``ESC J`` / ``ESC K`` / ``ESC e`` / ``FF`` end a non-empty line; ``HT`` moves to the next
  multiple of 8 columns; ``CR`` is ignored (auto line feed off, the usual setting);
* ``ESC @`` (reset: discards an unprinted line, leaves Chinese mode, code page 0);
* print modes for :class:`PrintedLine`: ``ESC !``, ``ESC E``, ``ESC a``, ``GS !``;
* ``GS V`` and ``ESC i`` / ``ESC m`` (cuts; counted), ``GS ( k`` (2D codes; QR data kept),
  ``GS k`` (barcodes; data kept), ``GS v 0`` (raster; kept), and skips every other command
  it knows by its length fields (``ESC *``, ``GS ( L``, ``GS 8 L``, ``ESC &``, ``FS q``, ...).

Unknown ``ESC x`` / ``GS x`` / ``FS x`` commands are skipped as two bytes and listed in
:attr:`ParsedStream.unknown`; a stream cut short ends the parse quietly.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field

__all__ = [
    "Barcode1D",
    "ParsedStream",
    "PrintedLine",
    "Raster",
    "escpos_to_text",
    "parse_escpos",
    "qr_payloads",
]

NUL, HT, LF, FF, CR, DLE, CAN, ESC, FS, GS = 0, 9, 10, 12, 13, 16, 24, 27, 28, 29

# ESC t n -> Python codec (Epson's table numbering). Missing entries are read as CP437.
_CODE_PAGES: dict[int, str] = {
    0: "cp437",
    1: "katakana",  # JIS X 0201 half-width katakana in 0xA1-0xDF, handled below
    2: "cp850",
    3: "cp860",
    4: "cp863",
    5: "cp865",
    13: "cp857",
    14: "cp737",
    15: "iso8859_7",
    16: "cp1252",
    17: "cp866",
    18: "cp852",
    19: "cp858",
    20: "cp874",
    21: "cp874",
    32: "cp720",
    33: "cp775",
    34: "cp855",
    35: "cp861",
    36: "cp862",
    37: "cp864",
    38: "cp869",
    39: "iso8859_2",
    40: "iso8859_15",
    44: "cp1125",
    45: "cp1250",
    46: "cp1251",
    47: "cp1253",
    48: "cp1254",
    49: "cp1255",
    50: "cp1256",
    51: "cp1257",
    52: "cp1258",
    53: "kz1048",
}


@dataclass
class PrintedLine:
    """One printed line of text and the print modes in effect when it started."""

    text: str
    align: int = 0  # 0 left, 1 centre, 2 right (ESC a)
    bold: bool = False
    width: int = 1  # character width multiplier (GS ! / ESC !)
    height: int = 1


@dataclass(frozen=True)
class Raster:
    """A ``GS v 0`` raster image: ``width_bytes`` * 8 dots wide, MSB first, 1 = black."""

    width_bytes: int
    height: int
    data: bytes

    @property
    def width(self) -> int:
        """Width in dots."""
        return self.width_bytes * 8

    def pixel(self, x: int, y: int) -> bool:
        """Whether the dot at (x, y) is black."""
        byte = self.data[y * self.width_bytes + x // 8]
        return bool(byte & (0x80 >> (x % 8)))


@dataclass(frozen=True)
class Barcode1D:
    """A ``GS k`` barcode: the symbology byte ``m`` and its data bytes."""

    m: int
    data: bytes


@dataclass
class ParsedStream:
    """Everything :func:`parse_escpos` found in a stream."""

    lines: list[PrintedLine] = field(default_factory=list)
    qr_data: list[bytes] = field(default_factory=list)
    barcodes: list[Barcode1D] = field(default_factory=list)
    rasters: list[Raster] = field(default_factory=list)
    cuts: int = 0
    chinese_mode_used: bool = False
    unknown: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The printed text, one ``\\n``-terminated line per printed line."""
        return "".join(line.text + "\n" for line in self.lines)


class _Interpreter:
    def __init__(self, data: bytes, force_codec: str | None) -> None:
        self.data = data
        self.force_codec = force_codec
        self.out = ParsedStream()
        self._reset()

    def _reset(self) -> None:
        self.chinese = False
        self.codepage = 0
        self.align = 0
        self.bold = False
        self.width = 1
        self.height = 1
        self.esc_bang_bold = False
        self.line = ""  # decoded text of the current line
        self.run = bytearray()  # undecoded text bytes (current encoding)
        self.line_style: tuple[int, bool, int, int] | None = None

    # -- text ------------------------------------------------------------------------------

    def _decode_run(self) -> None:
        if not self.run:
            return
        raw = bytes(self.run)
        self.run.clear()
        if self.chinese:
            self.line += raw.decode("gb18030", errors="replace")
            return
        codec = self.force_codec or _CODE_PAGES.get(self.codepage, "cp437")
        if codec == "katakana":
            self.line += "".join(
                chr(b) if b < 0x80 else chr(0xFF61 + b - 0xA1) if 0xA1 <= b <= 0xDF else "\ufffd"
                for b in raw
            )
            return
        try:
            codecs.lookup(codec)
        except LookupError:
            codec = "cp437"
        self.line += raw.decode(codec, errors="replace")

    def _text_byte(self, b: int) -> None:
        if self.line_style is None:
            self.line_style = (self.align, self.bold, self.width, self.height)
        self.run.append(b)

    def _has_text(self) -> bool:
        return bool(self.run) or bool(self.line)

    def _end_line(self) -> None:
        self._decode_run()
        style = self.line_style or (self.align, self.bold, self.width, self.height)
        align, bold, width, height = style
        self.out.lines.append(PrintedLine(self.line, align, bold, width, height))
        self.line = ""
        self.line_style = None

    def _set_encoding(self, *, chinese: bool | None = None, codepage: int | None = None) -> None:
        self._decode_run()  # bytes so far belong to the old encoding
        if chinese is not None:
            self.chinese = chinese
            self.out.chinese_mode_used |= chinese
        if codepage is not None:
            self.codepage = codepage

    # -- parsing ---------------------------------------------------------------------------

    def run_all(self) -> ParsedStream:
        i = 0
        n = len(self.data)
        while i < n:
            try:
                i = self._step(i)
            except IndexError:
                break  # truncated command at the end of the stream
        if self._has_text():
            self._decode_run()
            self.out.lines.append(
                PrintedLine(self.line, *(self.line_style or (self.align, self.bold, 1, 1)))
            )
        return self.out

    def _byte(self, i: int) -> int:
        return self.data[i]  # IndexError past the end ends the parse

    def _u16(self, i: int) -> int:
        return self._byte(i) | (self._byte(i + 1) << 8)

    def _step(self, i: int) -> int:
        b = self.data[i]
        if b == LF:
            self._end_line()
            return i + 1
        if b == ESC:
            return self._esc(i)
        if b == GS:
            return self._gs(i)
        if b == FS:
            return self._fs(i)
        if b == DLE:
            return self._dle(i)
        if b == HT:
            self._decode_run()
            if self.line_style is None:
                self.line_style = (self.align, self.bold, self.width, self.height)
            self.line += " " * (8 - len(self.line) % 8)
            return i + 1
        if b == FF:
            if self._has_text():
                self._end_line()
            return i + 1
        if b < 0x20 or b == 0x7F:
            return i + 1  # CR, CAN, NUL and other controls print nothing
        self._text_byte(b)
        return i + 1

    def _esc(self, i: int) -> int:
        c = self._byte(i + 1)
        ch = chr(c)
        if ch == "@":
            self._reset()
            return i + 2
        if ch == "!":
            n = self._byte(i + 2)
            self.bold = bool(n & 0x08)
            self.height = 2 if n & 0x10 else 1
            self.width = 2 if n & 0x20 else 1
            return i + 3
        if ch == "E":
            self.bold = bool(self._byte(i + 2) & 1)
            return i + 3
        if ch == "a":
            self.align = self._byte(i + 2) & 0x03  # 0/48 left, 1/49 centre, 2/50 right
            return i + 3
        if ch == "t":
            self._set_encoding(codepage=self._byte(i + 2))
            return i + 3
        if ch == "d":
            count = self._byte(i + 2)
            if count == 0 and self._has_text():
                count = 1  # prints the buffer; the line still ends
            for _ in range(count):
                self._end_line()
            return i + 3
        if ch in "JKe":  # feed n dots / reverse feeds: end a non-empty line only
            self._byte(i + 2)
            if self._has_text():
                self._end_line()
            return i + 3
        if ch == "*":
            m = self._byte(i + 2)
            dots = self._u16(i + 3)
            per_column = 3 if m in (32, 33) else 1
            return i + 5 + dots * per_column
        if ch == "&":
            y = self._byte(i + 2)
            c1, c2 = self._byte(i + 3), self._byte(i + 4)
            j = i + 5
            for _ in range(max(0, c2 - c1 + 1)):
                x = self._byte(j)
                j += 1 + y * x
            return j
        if ch == "D":
            j = i + 2
            while self._byte(j) != NUL:
                j += 1
            return j + 1
        if ch == "p":
            return i + 5
        if ch == "W":
            return i + 10
        if ch in "$\\":
            return i + 4
        if ch == "c":
            return i + 4  # ESC c 3 n / ESC c 4 n / ESC c 5 n
        if ch in " %-3=?GMRTVru{":
            return i + 3
        if ch in "im":  # legacy cuts
            if self._has_text():
                self._end_line()
            self.out.cuts += 1
            return i + 2
        if ch in "\x0c2<LSv":
            return i + 2
        self.out.unknown.append(f"ESC {c:#04x}")
        return i + 2

    def _gs(self, i: int) -> int:
        c = self._byte(i + 1)
        ch = chr(c)
        if ch == "!":
            n = self._byte(i + 2)
            self.width = (n >> 4 & 0x07) + 1
            self.height = (n & 0x07) + 1
            return i + 3
        if ch == "V":
            m = self._byte(i + 2)
            if self._has_text():
                self._end_line()
            self.out.cuts += 1
            return i + 4 if m in (65, 66, 97, 98, 103, 104) else i + 3
        if ch == "(":
            fn_group = chr(self._byte(i + 2))
            length = self._u16(i + 3)
            body = self.data[i + 5 : i + 5 + length]
            if len(body) < length:
                raise IndexError("truncated GS (")
            if fn_group == "k" and length >= 3 and body[0] == 49 and body[1] == 80:
                self.out.qr_data.append(bytes(body[3:]))
            return i + 5 + length
        if ch == "8":
            kind = chr(self._byte(i + 2))
            if kind in "LD":
                length = self._u16(i + 3) | (self._u16(i + 5) << 16)
                return i + 7 + length
            self.out.unknown.append(f"GS 8 {ord(kind):#04x}")
            return i + 3
        if ch == "k":
            m = self._byte(i + 2)
            if m <= 6:
                j = i + 3
                while self._byte(j) != NUL:
                    j += 1
                self.out.barcodes.append(Barcode1D(m, bytes(self.data[i + 3 : j])))
                return j + 1
            length = self._byte(i + 3)
            end = i + 4 + length
            if end > len(self.data):
                raise IndexError("truncated GS k")
            self.out.barcodes.append(Barcode1D(m, bytes(self.data[i + 4 : end])))
            return end
        if ch == "v":
            if self._byte(i + 2) != 48:
                self.out.unknown.append("GS v (not 0)")
                return i + 3
            xb = self._u16(i + 4)
            h = self._u16(i + 6)
            end = i + 8 + xb * h
            if end > len(self.data):
                raise IndexError("truncated GS v 0")
            self.out.rasters.append(Raster(xb, h, bytes(self.data[i + 8 : end])))
            return end
        if ch == "*":
            x, y = self._byte(i + 2), self._byte(i + 3)
            return i + 4 + x * y * 8
        if ch == "g":
            return i + 6 if chr(self._byte(i + 2)) in "02" else i + 3
        if ch == "D":
            return i + 6 if self._byte(i + 2) == 0x15 else i + 3
        if ch in "$LPW\\":
            return i + 4
        if ch == "^":
            return i + 5
        if ch in "/BHIabfhjrTw":
            return i + 3
        if ch in ":c":
            return i + 2
        self.out.unknown.append(f"GS {c:#04x}")
        return i + 2

    def _fs(self, i: int) -> int:
        c = self._byte(i + 1)
        ch = chr(c)
        if ch == "&":
            self._set_encoding(chinese=True)
            return i + 2
        if ch == ".":
            self._set_encoding(chinese=False)
            return i + 2
        if ch == "(":
            return i + 5 + self._u16(i + 3)
        if ch == "2":
            return i + 4 + 72
        if ch == "q":
            count = self._byte(i + 2)
            j = i + 3
            for _ in range(count):
                xb, yb = self._u16(j), self._u16(j + 2)
                j += 4 + xb * yb * 8
            return j
        if ch in "SpC":
            return i + 4 if ch in "Sp" else i + 3
        if ch in "!-W":
            return i + 3
        self.out.unknown.append(f"FS {c:#04x}")
        return i + 2

    def _dle(self, i: int) -> int:
        c = self._byte(i + 1)
        if c in (4, 5):  # DLE EOT n / DLE ENQ n
            n = self._byte(i + 2)
            return i + 4 if c == 4 and n in (7, 8) else i + 3
        if c == 20:  # DLE DC4 fn ...
            fn = self._byte(i + 2)
            return i + {1: 5, 2: 5, 3: 5, 7: 4, 8: 10}.get(fn, 3)
        return i + 1  # a lone DLE is not a command here


def parse_escpos(data: bytes, *, force_codec: str | None = None) -> ParsedStream:
    """Interprets an ESC/POS byte stream; see the module docstring for what is understood.

    Args:
        data: the bytes sent to the printer.
        force_codec: read every non-Chinese-mode byte with this Python codec and ignore
            ``ESC t``. ``"cp437"`` reproduces what escpos-tools' ``esc2text`` does.
    """
    return _Interpreter(data, force_codec).run_all()


def escpos_to_text(data: bytes) -> str:
    """The text ``data`` prints: one ``\\n``-terminated line per printed line.

    Alignment and character size are not reflected (no padding is added); blank lines come
    from ``LF`` / ``ESC d`` with nothing to print. A last line without a line end is included.
    """
    return parse_escpos(data).text


def qr_payloads(data: bytes) -> list[str]:
    """The data stored by native QR commands (``GS ( k`` cn 49 fn 80), in order.

    Decoded as UTF-8, or as Latin-1 where that fails (so binary payloads survive).
    """
    out: list[str] = []
    for raw in parse_escpos(data).qr_data:
        try:
            out.append(raw.decode("utf-8"))
        except UnicodeDecodeError:
            out.append(raw.decode("latin-1"))
    return out
