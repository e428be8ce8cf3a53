"""Renders a :class:`~devices.receipt.document.Receipt` as a PNG-ready picture of the paper.

The picture is ``profile.dots`` pixels wide (one pixel per printer dot) and is laid out on the
same grid as the ESC/POS renderer: text is wrapped by :mod:`devices.receipt.layout`, every
half-width character gets a ``dots / columns`` pixel cell and every full-width one two, so the
preview breaks lines where the paper does. Vertical spacing follows what
:func:`devices.receipt.escpos.render_escpos` sends (``ESC 3`` line spacing, dot feeds around
codes and images). Glyph shapes are the CJK font's, not the printer's ROM font.

The QR, barcode and image rasters are built here and shared with the ESC/POS renderer (which
sends them as ``GS v 0`` raster images when needed), so both print the same dots.

Pillow, qrcode and python-barcode are imported by the functions that draw, so importing this
module (or the ESC/POS renderer) costs nothing until a receipt is rendered.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from devices.receipt import document as doc
from devices.receipt import layout
from devices.receipt.document import Align, Barcode, PaperProfile, Receipt

if TYPE_CHECKING:
    from PIL import Image as PILImage
    from PIL import ImageFont

__all__ = [
    "CJK_FONT_PACKAGE",
    "FontNotFoundError",
    "barcode_modules",
    "find_cjk_font",
    "fit_image",
    "line_height",
    "qr_bitmap",
    "qr_module_size",
    "qr_quiet_zone",
    "render_png",
]

CJK_FONT_PACKAGE = "fonts-wqy-microhei"
_FONT_CANDIDATES = (
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),  # Debian / Ubuntu
    Path("/usr/share/fonts/wqy-microhei/wqy-microhei.ttc"),  # Fedora
    Path("/usr/share/fonts/wenquanyi/wqy-microhei/wqy-microhei.ttc"),  # Arch
)
_FONT_FAMILY = "WenQuanYi Micro Hei"

CHAR_HEIGHT = 24  # dots: height of a size-1 character (printer font A / 24x24 hanzi)
LINE_GAP = 6  # dots between size-1 lines (line spacing 30 dots)
QUIET_MODULES = 4  # QR quiet zone, in modules, on every side
GAP_AFTER_GRAPHIC = 12  # dots fed after a barcode or an image
BARCODE_HEIGHT = 64  # dots
HRI_GAP = 4  # dots between the bars and the human-readable text
CUT_MARGIN = 24  # dots above and below the dashed cut line in the preview


class FontNotFoundError(FileNotFoundError):
    """No CJK font was found to draw the receipt preview."""


def find_cjk_font() -> Path:
    """The font file used for the preview (WenQuanYi Micro Hei).

    Looks at the usual install paths, then asks fontconfig (``fc-match``).

    Raises:
        FontNotFoundError: naming the Debian package to install (``fonts-wqy-microhei``).
    """
    for candidate in _FONT_CANDIDATES:
        if candidate.is_file():
            return candidate
    fc_match = shutil.which("fc-match")
    if fc_match:
        try:
            result = subprocess.run(
                [fc_match, "-f", "%{family}\n%{file}", _FONT_FAMILY],
                capture_output=True,
                text=True,
                timeout=10,
                check=False,
            )
        except (OSError, subprocess.SubprocessError):
            result = None
        if result is not None and result.returncode == 0 and "\n" in result.stdout:
            family, file = result.stdout.split("\n", 1)
            path = Path(file.strip())
            if "WenQuanYi" in family and path.is_file():
                return path
    raise FontNotFoundError(
        f"no CJK font found for the receipt preview: install the Debian package "
        f"{CJK_FONT_PACKAGE} (apt-get install {CJK_FONT_PACKAGE}); looked for "
        f"{', '.join(str(p) for p in _FONT_CANDIDATES)} and fc-match {_FONT_FAMILY!r}"
    )


@lru_cache(maxsize=64)
def _font(path: Path, px: int, mono: bool) -> ImageFont.FreeTypeFont:
    """The font at ``px`` pixels; the Mono face of a .ttc collection when ``mono``."""
    from PIL import ImageFont

    if mono and path.suffix.lower() == ".ttc":
        try:
            face = ImageFont.truetype(str(path), px, index=1)
            if "Mono" in (face.getname()[0] or ""):
                return face
        except OSError:
            pass
    return ImageFont.truetype(str(path), px)


@lru_cache(maxsize=64)
def _narrow_font(path: Path, cell: int) -> ImageFont.FreeTypeFont:
    """A font whose half-width glyphs are about ``cell`` pixels wide."""
    probe = _font(path, 100, True)
    advance = probe.getlength("M") or 50.0
    px = max(6, round(100 * cell / advance))
    return _font(path, px, True)


def line_height(size: int) -> int:
    """Dots from one text line to the next at character ``size`` (the ``ESC 3`` value)."""
    return CHAR_HEIGHT * size + LINE_GAP


# -- rasters shared with the ESC/POS renderer -------------------------------------------------


def _qr_matrix(data: str) -> list[list[bool]]:
    """The QR symbol (model 2, error correction M, smallest version) without quiet zone.

    Raises:
        ValueError: if the data does not fit a version 40 symbol.
    """
    import qrcode
    import qrcode.constants
    from qrcode.exceptions import DataOverflowError

    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    qr.add_data(data.encode("utf-8"))
    try:
        qr.make(fit=True)
    except (DataOverflowError, ValueError) as exc:  # qrcode raises either past version 40
        raise ValueError(f"QR payload of {len(data)} characters is too long") from exc
    return [list(row) for row in qr.get_matrix()]


def qr_module_size(data: str, module_px: int, dots: int) -> int:
    """The module size actually used: ``module_px`` clamped to 1..16 (the printer's range)
    and reduced until the symbol with its quiet zone fits ``dots``.

    Raises:
        ValueError: if the symbol does not fit even at one dot per module.
    """
    modules = len(_qr_matrix(data)) + 2 * QUIET_MODULES
    size = min(max(module_px, 1), 16)
    while size > 1 and modules * size > dots:
        size -= 1
    if modules * size > dots:
        raise ValueError(f"QR code of {len(data)} characters does not fit {dots} dots")
    return size


def qr_quiet_zone(module: int) -> int:
    """Dots of quiet zone around a QR symbol with this module size."""
    return QUIET_MODULES * module


def qr_bitmap(data: str, module_px: int, dots: int, align: Align) -> PILImage.Image:
    """The QR code as a 1-bit image ``dots`` wide, quiet zone included, placed per ``align``."""
    from PIL import Image as PILImage
    from PIL import ImageDraw

    module = qr_module_size(data, module_px, dots)
    matrix = _qr_matrix(data)
    n = len(matrix)
    side = (n + 2 * QUIET_MODULES) * module
    img = PILImage.new("1", (dots, side), 1)
    x0 = layout.align_offset(side, dots, align) + QUIET_MODULES * module
    y0 = QUIET_MODULES * module
    draw = ImageDraw.Draw(img)
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if dark:
                x = x0 + c * module
                y = y0 + r * module
                draw.rectangle((x, y, x + module - 1, y + module - 1), fill=0)
    return img


def barcode_modules(data: str) -> str:
    """The CODE128 bars as a string of ``1`` (bar) / ``0`` (space) modules, no quiet zone.

    Raises:
        ValueError: for data CODE128 set B cannot carry (empty, or not printable ASCII).
    """
    if not data or not all(32 <= ord(ch) < 127 for ch in data):
        raise ValueError(f"CODE128 needs non-empty printable ASCII, got {data!r}")
    from barcode import Code128

    return str(Code128(data).build()[0])


def fit_image(png: bytes, dots: int, align: Align) -> PILImage.Image:
    """A PNG as a 1-bit image ``dots`` wide: flattened on white, scaled down to fit if
    wider, Floyd-Steinberg dithered, placed per ``align``."""
    from PIL import Image as PILImage

    with PILImage.open(io.BytesIO(png)) as src:
        src.load()
        rgba = src.convert("RGBA")
    flat = PILImage.new("RGBA", rgba.size, (255, 255, 255, 255))
    flat.alpha_composite(rgba)
    gray = flat.convert("L")
    if gray.width > dots:
        height = max(1, round(gray.height * dots / gray.width))
        gray = gray.resize((dots, height), PILImage.Resampling.LANCZOS)
    mono = gray.convert("1")  # Floyd-Steinberg
    out = PILImage.new("1", (dots, mono.height), 1)
    out.paste(mono, (layout.align_offset(mono.width, dots, align), 0))
    return out


# -- the preview ----------------------------------------------------------------------------

if TYPE_CHECKING:
    _Strip = PILImage.Image


class _Renderer:
    def __init__(self, profile: PaperProfile, font_path: Path) -> None:
        self.profile = profile
        self.font_path = font_path
        self.cell = profile.dots // profile.columns  # dots per half-width column
        self.east_asian = profile.chinese_mode

    def strip(self, height: int) -> _Strip:
        from PIL import Image as PILImage

        return PILImage.new("L", (self.profile.dots, max(0, height)), 255)

    def text_lines(self, lines: list[str], size: int, bold: bool, align: Align) -> _Strip:
        from PIL import ImageDraw

        cell = self.cell * size
        lh = line_height(size)
        out = self.strip(lh * len(lines))
        draw = ImageDraw.Draw(out)
        wide = _font(self.font_path, CHAR_HEIGHT * size, False)
        narrow = _narrow_font(self.font_path, cell)
        baseline = round(CHAR_HEIGHT * size * 0.83)
        for row, line in enumerate(lines):
            used = layout.display_width(line, east_asian=self.east_asian) * cell
            x = layout.align_offset(used, self.profile.dots, align)
            y = row * lh + baseline
            prev_center = x
            for ch in line:
                w = layout.char_width(ch, east_asian=self.east_asian)
                if w == 0:
                    draw.text((prev_center, y), ch, font=narrow, fill=0, anchor="ms")
                    continue
                font = wide if w == 2 else narrow
                center = x + w * cell // 2
                for dx in (0, 1) if bold else (0,):
                    draw.text((center + dx, y), ch, font=font, fill=0, anchor="ms")
                prev_center = center
                x += w * cell
        return out

    def block(self, block: doc.Block) -> list[_Strip]:
        p = self.profile
        match block:
            case doc.Text():
                size = layout.clamp_size(block.size)
                lines = layout.text_block_lines(block, p)
                return [self.text_lines(lines, size, block.bold, block.align)]
            case doc.Rule():
                return [self.text_lines([layout.rule_line(block, p)], 1, False, Align.LEFT)]
            case doc.QRCode():
                return [self.bitmap(qr_bitmap(block.data, block.module_px, p.dots, block.align))]
            case doc.Barcode():
                return [self.barcode(block)]
            case doc.Image():
                bitmap = fit_image(block.png, p.dots, block.align)
                return [self.bitmap(bitmap), self.strip(GAP_AFTER_GRAPHIC)]
            case doc.Feed():
                return [self.strip(line_height(1) * max(0, block.lines))]
            case doc.Cut():
                return [self.cut()]
        raise TypeError(f"unknown block {block!r}")  # pragma: no cover

    def bitmap(self, img: PILImage.Image) -> _Strip:
        return img.convert("L")

    def barcode(self, block: Barcode) -> _Strip:
        from PIL import ImageDraw

        if block.symbology.upper() != "CODE128":
            raise ValueError(f"unsupported barcode symbology {block.symbology!r} (CODE128)")
        bars = barcode_modules(block.data)
        module = barcode_module_width(len(bars), self.profile.dots)
        width = len(bars) * module
        x0 = layout.align_offset(width, self.profile.dots, block.align)
        hri_width = layout.display_width(block.data) * self.cell
        hri = self.text_lines([block.data], 1, False, Align.LEFT).crop(
            (0, 0, hri_width, line_height(1))
        )
        out = self.strip(BARCODE_HEIGHT + HRI_GAP + hri.height + GAP_AFTER_GRAPHIC)
        draw = ImageDraw.Draw(out)
        for i, bit in enumerate(bars):
            if bit == "1":
                x = x0 + i * module
                draw.rectangle((x, 0, x + module - 1, BARCODE_HEIGHT - 1), fill=0)
        out.paste(hri, (x0 + (width - hri_width) // 2, BARCODE_HEIGHT + HRI_GAP))
        return out

    def cut(self) -> _Strip:
        from PIL import ImageDraw

        out = self.strip(2 * CUT_MARGIN + 1)
        draw = ImageDraw.Draw(out)
        for x in range(0, self.profile.dots, 12):
            draw.line((x, CUT_MARGIN, min(x + 6, self.profile.dots - 1), CUT_MARGIN), fill=0)
        return out


def barcode_module_width(modules: int, dots: int) -> int:
    """Dots per barcode module: the widest of 3, 2, 1 that leaves a 10-module quiet zone
    on both sides within ``dots`` (1 if none does)."""
    for width in (3, 2):
        if (modules + 20) * width <= dots:
            return width
    return 1


def _stack(strips: list[_Strip], width: int) -> PILImage.Image:
    from PIL import Image as PILImage

    height = sum(s.height for s in strips)
    out = PILImage.new("L", (width, max(1, height)), 255)
    y = 0
    for s in strips:
        out.paste(s, (0, y))
        y += s.height
    return out


def render_png(receipt: Receipt, profile: PaperProfile) -> PILImage.Image:
    """Draws the receipt as the paper will look: a grayscale (``L``) image, white paper,
    ``profile.dots`` pixels wide and as tall as needed.

    Raises:
        FontNotFoundError: when no CJK font is installed (see :func:`find_cjk_font`).
        ValueError: for content the printer cannot print (bad barcode data, a QR code too
            big for the paper, a text size below 1).
    """
    renderer = _Renderer(profile, find_cjk_font())
    strips: list[_Strip] = [renderer.strip(LINE_GAP)]
    for block in receipt.blocks:
        strips.extend(renderer.block(block))
    strips.append(renderer.strip(LINE_GAP))
    return _stack(strips, profile.dots)
