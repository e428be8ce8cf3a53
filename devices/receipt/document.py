"""A receipt as data: what to print, with no knowledge of any printer.

Blocks are printed top to bottom. Both renderers (ESC/POS bytes and PNG) take the same
document, so the on-screen preview is what the paper shows.
"""

from __future__ import annotations

import base64
import json
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any, Literal


class Align(StrEnum):
    """Horizontal alignment of a block."""

    LEFT = "left"
    CENTER = "center"
    RIGHT = "right"


@dataclass(frozen=True)
class Text:
    """A paragraph, wrapped to the paper width (CJK characters count two columns).

    ``size`` multiplies character width and height (1 = normal, 2 = double).
    """

    text: str
    size: int = 1
    bold: bool = False
    align: Align = Align.LEFT
    kind: Literal["text"] = "text"


@dataclass(frozen=True)
class Rule:
    """A horizontal line across the paper."""

    char: str = "-"
    kind: Literal["rule"] = "rule"


@dataclass(frozen=True)
class QRCode:
    """A QR code; ``module_px`` is the module size in printer dots."""

    data: str
    module_px: int = 6
    align: Align = Align.CENTER
    kind: Literal["qr"] = "qr"


@dataclass(frozen=True)
class Barcode:
    """A one-dimensional barcode (CODE128 by default) with its human-readable text below."""

    data: str
    symbology: str = "CODE128"
    align: Align = Align.CENTER
    kind: Literal["barcode"] = "barcode"


@dataclass(frozen=True)
class Image:
    """A raster image, stored as PNG bytes; scaled down to the printable width if wider."""

    png: bytes
    align: Align = Align.CENTER
    kind: Literal["image"] = "image"


@dataclass(frozen=True)
class Feed:
    """Blank lines."""

    lines: int = 1
    kind: Literal["feed"] = "feed"


@dataclass(frozen=True)
class Cut:
    """Feed past the cutter and cut the paper."""

    kind: Literal["cut"] = "cut"


Block = Text | Rule | QRCode | Barcode | Image | Feed | Cut

_KINDS: dict[str, type[Any]] = {
    "text": Text,
    "rule": Rule,
    "qr": QRCode,
    "barcode": Barcode,
    "image": Image,
    "feed": Feed,
    "cut": Cut,
}


@dataclass
class Receipt:
    """A whole receipt: a title for logs and job lists, and its blocks in order.

    The title must not carry personal data: it is shown in the maintenance job list.
    """

    title: str
    blocks: list[Block] = field(default_factory=list)

    def add(self, *blocks: Block) -> Receipt:
        """Appends blocks; returns self so building reads top to bottom."""
        self.blocks.extend(blocks)
        return self

    def to_json(self) -> str:
        """Serialises the receipt (image bytes as base64) for the durable job store."""
        out = []
        for block in self.blocks:
            d = asdict(block)
            if isinstance(block, Image):
                d["png"] = base64.b64encode(block.png).decode("ascii")
            out.append(d)
        return json.dumps({"title": self.title, "blocks": out}, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Receipt:
        """The inverse of :meth:`to_json`."""
        data = json.loads(text)
        blocks: list[Block] = []
        for d in data["blocks"]:
            kind = d.pop("kind")
            if kind == "image":
                d["png"] = base64.b64decode(d["png"])
            if "align" in d:
                d["align"] = Align(d["align"])
            blocks.append(_KINDS[kind](**d))
        return cls(title=data["title"], blocks=blocks)


@dataclass(frozen=True)
class PaperProfile:
    """What a renderer needs to know about the paper and the printer.

    Attributes:
        width_mm: 58 or 80.
        columns: characters per line at size 1 (58 mm = 32, 80 mm = 48); CJK takes two.
        dots: printable width in dots (58 mm = 384, 80 mm = 576 at 203 dpi).
        native_qr: whether the printer draws QR codes itself (GS ( k) or needs an image.
        chinese_mode: whether to send FS & and GB18030 (a Chinese-firmware printer).
    """

    width_mm: int = 58
    columns: int = 32
    dots: int = 384
    native_qr: bool = True
    chinese_mode: bool = True

    @classmethod
    def for_width(cls, width_mm: int, *, native_qr: bool = True) -> PaperProfile:
        """The standard profile for 58 mm or 80 mm paper."""
        if width_mm == 80:
            return cls(80, 48, 576, native_qr)
        if width_mm == 58:
            return cls(58, 32, 384, native_qr)
        raise ValueError(f"unsupported paper width {width_mm} mm (58 or 80)")
