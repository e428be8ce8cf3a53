"""Draws the catalogue's product pictures (simple flat icons, no photographs).

    .venv/bin/python config/points_media/make_pictures.py

Writes ``<item id>.png`` beside this file for every item of ``config/points_catalogue.toml``
that has a drawing here: 240 x 240, a palette PNG well under 30 KB each. Deterministic: the
same code draws the same bytes.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

HERE = Path(__file__).resolve().parent
CATALOGUE = HERE.parent / "points_catalogue.toml"
FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
SIZE = 240
Draw = Callable[[ImageDraw.ImageDraw], None]


def _rice(d: ImageDraw.ImageDraw) -> None:
    d.rounded_rectangle((62, 40, 178, 182), 18, fill="#f3e6c4", outline="#8a6d3b", width=4)
    d.rectangle((62, 40, 178, 62), fill="#c0392b")
    d.polygon([(120, 90), (142, 120), (120, 150), (98, 120)], fill="#8a6d3b")


def _oil(d: ImageDraw.ImageDraw) -> None:
    d.rectangle((104, 30, 136, 52), fill="#c0392b")
    d.rounded_rectangle((82, 52, 158, 186), 22, fill="#f6c744", outline="#a67c00", width=4)
    d.rectangle((92, 100, 148, 150), fill="#ffffff")


def _eggs(d: ImageDraw.ImageDraw) -> None:
    d.rounded_rectangle((36, 110, 204, 180), 12, fill="#b9a27a", outline="#7a6440", width=4)
    for x in (70, 120, 170):
        d.ellipse((x - 22, 64, x + 22, 124), fill="#fff5e1", outline="#c9b48a", width=3)


def _towel(d: ImageDraw.ImageDraw) -> None:
    d.rounded_rectangle((50, 60, 190, 180), 14, fill="#5dade2", outline="#21618c", width=4)
    for y in (150, 162):
        d.line((58, y, 182, y), fill="#ffffff", width=5)


def _soap(d: ImageDraw.ImageDraw) -> None:
    d.rounded_rectangle((40, 96, 130, 170), 16, fill="#82e0aa", outline="#1e8449", width=4)
    d.rounded_rectangle((110, 76, 200, 150), 16, fill="#a9dfbf", outline="#1e8449", width=4)
    for x, y in ((70, 70), (92, 52), (60, 44)):
        d.ellipse((x - 10, y - 10, x + 10, y + 10), outline="#5dade2", width=3)


def _toothpaste(d: ImageDraw.ImageDraw) -> None:
    d.polygon([(40, 100), (170, 86), (170, 154), (40, 140)], fill="#ffffff", outline="#2e86c1")
    d.rectangle((170, 104, 200, 136), fill="#2e86c1")
    d.rectangle((60, 104, 140, 136), fill="#e74c3c")


def _umbrella(d: ImageDraw.ImageDraw) -> None:
    d.pieslice((30, 40, 210, 200), 180, 360, fill="#8e44ad", outline="#5b2c6f", width=4)
    d.line((120, 120, 120, 186), fill="#333333", width=6)
    d.arc((100, 170, 124, 198), 0, 180, fill="#333333", width=6)


DRAWINGS: dict[str, Draw] = {
    "rice-5kg": _rice,
    "oil-1l": _oil,
    "eggs": _eggs,
    "towel": _towel,
    "soap": _soap,
    "toothpaste": _toothpaste,
    "umbrella": _umbrella,
}


def draw_item(item_id: str, label: str) -> Image.Image:
    """One picture: the drawing on a light tile with the item's Chinese name below."""
    image = Image.new("RGB", (SIZE, SIZE), "#fdfaf3")
    d = ImageDraw.Draw(image)
    DRAWINGS[item_id](d)
    font = ImageFont.truetype(FONT, 22)
    box = d.textbbox((0, 0), label, font=font)
    d.text(((SIZE - (box[2] - box[0])) // 2, 204), label, font=font, fill="#333333")
    return image.quantize(colors=32, dither=Image.Dither.NONE)


def main() -> None:
    """Draws every catalogue item that has a drawing."""
    with CATALOGUE.open("rb") as f:
        items = tomllib.load(f)["item"]
    for item in items:
        if item["id"] not in DRAWINGS:
            continue
        path = HERE / f"{item['id']}.png"
        draw_item(item["id"], item["name_zh"]).save(path, optimize=True)
        print(f"{path.name}: {path.stat().st_size} bytes")


if __name__ == "__main__":
    main()
