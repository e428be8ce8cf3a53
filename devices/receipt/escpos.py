"""Renders a :class:`~devices.receipt.document.Receipt` as ESC/POS bytes.

Every byte is generated here (python-escpos is not used): its ``text()`` cannot put a
Chinese-firmware printer into Chinese mode (``FS &``) and mangles full-width punctuation, its
native QR cannot be centred, its image QR has a one-module quiet zone and its ``cut()`` adds
six blank lines; owning the whole stream also keeps it exactly what
:mod:`devices.receipt.escpos_text` reads back in the tests.

Stream layout::

    ESC @                          reset
    FS &            (Chinese mode: text is GB18030)   or   FS . ESC t 0   (CP437)
    per block:
      Text     ESC a n, ESC E b, GS ! s, ESC 3 h, wrapped lines each + LF
      Rule     the rule character across the columns + LF
      QRCode   native: ESC a n, ESC J quiet, GS ( k (model 2, size, EC M, store, print),
               ESC J quiet;  otherwise: GS v 0 raster (quiet zone included)
      Barcode  ESC a n, GS h, GS w, GS H 2 (HRI below), GS f 0, GS k 73 (CODE128), ESC J
      Image    GS v 0 raster, dithered, scaled to the paper, alignment in the bitmap; ESC J
      Feed     ESC d n
      Cut      GS V 65 n (feed to the cutter, full cut)

Line wrapping comes from :mod:`devices.receipt.layout` (the same as the PNG preview), so no
line ever reaches the printer's own wrap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from devices.receipt import layout
from devices.receipt.document import (
    Align,
    Barcode,
    Block,
    Cut,
    Feed,
    Image,
    PaperProfile,
    QRCode,
    Receipt,
    Rule,
    Text,
)
from devices.receipt.png import (
    BARCODE_HEIGHT,
    GAP_AFTER_GRAPHIC,
    barcode_module_width,
    barcode_modules,
    fit_image,
    line_height,
    qr_bitmap,
    qr_module_size,
    qr_quiet_zone,
)

if TYPE_CHECKING:
    from PIL import Image as PILImage

__all__ = ["encode_text", "qr_native_commands", "raster_commands", "render_escpos"]

ESC = b"\x1b"
GS = b"\x1d"
FS = b"\x1c"
LF = b"\n"

RESET = ESC + b"@"
CHINESE_ON = FS + b"&"
CHINESE_OFF = FS + b"."
CUT_FEED = 3  # GS V 65 n: extra feed past the cutter, in motion units
RASTER_BAND = 256  # rows per GS v 0 command (small printer buffers)

_ALIGN = {Align.LEFT: 0, Align.CENTER: 1, Align.RIGHT: 2}


def encode_text(text: str, *, chinese_mode: bool) -> bytes:
    """The bytes for already-printable text (see :func:`layout.printable_text`).

    Chinese mode: GB18030 (full-width punctuation included). Otherwise CP437, with ``?`` for
    what it cannot encode.
    """
    if chinese_mode:
        return text.encode("gb18030", errors="replace")
    return text.encode("cp437", errors="replace")


def _u16(n: int) -> bytes:
    return bytes((n & 0xFF, n >> 8 & 0xFF))


def _feed_dots(n: int) -> bytes:
    """ESC J: feed ``n`` dots without printing a text line."""
    out = b""
    while n > 0:
        step = min(n, 255)
        out += ESC + b"J" + bytes((step,))
        n -= step
    return out


def qr_native_commands(data: str, module: int) -> bytes:
    """``GS ( k`` for a model 2 QR code, ``module`` dots per module, error correction M:
    select model, set size, set EC, store the UTF-8 data, print."""
    payload = data.encode("utf-8")
    if len(payload) > 7089:
        raise ValueError("QR payload too long for a printer QR code")

    def fn(body: bytes) -> bytes:
        return GS + b"(k" + _u16(len(body)) + body

    return (
        fn(b"1A2\x00")  # cn 49, fn 65: model 2
        + fn(b"1C" + bytes((module,)))  # fn 67: module size
        + fn(b"1E1")  # fn 69: error correction M (49)
        + fn(b"1P0" + payload)  # fn 80: store
        + fn(b"1Q0")  # fn 81: print
    )


def raster_commands(img: PILImage.Image) -> bytes:
    """``GS v 0`` commands for a 1-bit image (black = printed), in bands of 256 rows."""
    from PIL import Image as PILImage

    mono = img.convert("1")
    width_bytes = (mono.width + 7) // 8
    # PIL packs mode "1" MSB first with 1 = white; the printer wants 1 = black.
    padded = PILImage.new("1", (width_bytes * 8, mono.height), 1)
    padded.paste(mono, (0, 0))
    packed = bytes(b ^ 0xFF for b in padded.tobytes())
    out = bytearray()
    for top in range(0, mono.height, RASTER_BAND):
        rows = min(RASTER_BAND, mono.height - top)
        out += GS + b"v0\x00" + _u16(width_bytes) + _u16(rows)
        out += packed[top * width_bytes : (top + rows) * width_bytes]
    return bytes(out)


def _code128_data(data: str) -> bytes:
    """GS k 73 data: code set C for an even run of digits, else code set B."""
    barcode_modules(data)  # validates
    if len(data) >= 4 and len(data) % 2 == 0 and data.isascii() and data.isdigit():
        return b"{C" + bytes(int(data[i : i + 2]) for i in range(0, len(data), 2))
    return b"{B" + data.replace("{", "{{").encode("ascii")


def _style(align: Align, bold: bool, size: int) -> bytes:
    return (
        ESC
        + b"a"
        + bytes((_ALIGN[align],))
        + ESC
        + b"E"
        + bytes((1 if bold else 0,))
        + GS
        + b"!"
        + bytes(((size - 1) << 4 | (size - 1),))
        + ESC
        + b"3"
        + bytes((line_height(size),))
    )


class _Writer:
    def __init__(self, profile: PaperProfile) -> None:
        self.profile = profile
        self.out = bytearray()

    def text(self, line: str) -> None:
        self.out += encode_text(line, chinese_mode=self.profile.chinese_mode) + LF

    def block(self, block: Block) -> None:
        p = self.profile
        match block:
            case Text():
                size = layout.clamp_size(block.size)
                self.out += _style(block.align, block.bold, size)
                for line in layout.text_block_lines(block, p):
                    self.text(line)
                self.out += _style(Align.LEFT, False, 1)
            case Rule():
                self.text(layout.rule_line(block, p))
            case QRCode():
                if p.native_qr:
                    module = qr_module_size(block.data, block.module_px, p.dots)
                    quiet = qr_quiet_zone(module)
                    self.out += ESC + b"a" + bytes((_ALIGN[block.align],))
                    self.out += _feed_dots(quiet)
                    self.out += qr_native_commands(block.data, module)
                    self.out += _feed_dots(quiet)
                    self.out += ESC + b"a\x00"
                else:
                    bitmap = qr_bitmap(block.data, block.module_px, p.dots, block.align)
                    self.out += raster_commands(bitmap)
            case Barcode():
                self.barcode(block)
            case Image():
                self.out += raster_commands(fit_image(block.png, p.dots, block.align))
                self.out += _feed_dots(GAP_AFTER_GRAPHIC)
            case Feed():
                remaining = max(0, block.lines)
                while remaining > 0:
                    step = min(remaining, 255)
                    self.out += ESC + b"d" + bytes((step,))
                    remaining -= step
            case Cut():
                self.out += GS + b"VA" + bytes((CUT_FEED,))
            case _:  # pragma: no cover
                raise TypeError(f"unknown block {block!r}")

    def barcode(self, block: Barcode) -> None:
        if block.symbology.upper() != "CODE128":
            raise ValueError(f"unsupported barcode symbology {block.symbology!r} (CODE128)")
        module = barcode_module_width(len(barcode_modules(block.data)), self.profile.dots)
        data = _code128_data(block.data)
        if len(data) > 255:
            raise ValueError("barcode data too long")
        self.out += ESC + b"a" + bytes((_ALIGN[block.align],))
        self.out += GS + b"h" + bytes((BARCODE_HEIGHT,))
        self.out += GS + b"w" + bytes((module,))
        self.out += GS + b"H\x02"  # HRI below
        self.out += GS + b"f\x00"  # HRI in font A
        self.out += GS + b"kI" + bytes((len(data),)) + data  # m = 73: CODE128
        self.out += _feed_dots(GAP_AFTER_GRAPHIC)
        self.out += ESC + b"a\x00"


def render_escpos(receipt: Receipt, profile: PaperProfile) -> bytes:
    """The ESC/POS byte stream that prints ``receipt`` on ``profile``'s printer.

    Starts with ``ESC @``; in Chinese mode (``profile.chinese_mode``) sends ``FS &`` and all
    text as GB18030, otherwise selects CP437 and prints ``?`` for what it cannot encode.

    Raises:
        ValueError: for content the printer cannot print (bad barcode data, a QR code too
            big for the paper, a text size below 1).
    """
    writer = _Writer(profile)
    writer.out += RESET
    if profile.chinese_mode:
        writer.out += CHINESE_ON
    else:
        writer.out += CHINESE_OFF + ESC + b"t\x00"
    writer.out += _style(Align.LEFT, False, 1)
    for block in receipt.blocks:
        writer.block(block)
    return bytes(writer.out)
