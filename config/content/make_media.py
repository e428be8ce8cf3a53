"""Draws the anti-fraud demo posters and the short attract video, named by their SHA-256.

Run from anywhere with the project's virtualenv::

    .venv/bin/python config/content/make_media.py

It needs only Pillow, NumPy and OpenCV (no project imports), writes
``config/content/media/sha256-<hex>.<ext>`` and prints each medium's ``sha256:<hex>``
reference for ``playlist.toml``. The output is deterministic for a given Pillow/OpenCV build;
a different build may change the bytes, and then the playlist's references must be updated
(``tests/unit/kiosk/content`` checks that every reference resolves and verifies).
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

HERE = Path(__file__).resolve().parent
MEDIA = HERE / "media"
FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")

POSTER_SIZE = (540, 960)  # portrait, half the reference screen; the UI scales it
VIDEO_SIZE = (320, 240)
VIDEO_FPS = 10
VIDEO_SECONDS = 4

NAVY = (18, 44, 92)
RED = (200, 30, 40)
WHITE = (255, 255, 255)
YELLOW = (255, 214, 0)
PALE = (234, 240, 250)


def font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT), size)


def centred(draw: ImageDraw.ImageDraw, y: int, text: str, size: int, fill: tuple[int, ...]) -> int:
    """Draws one centred line; returns the y below it."""
    f = font(size)
    left, top, right, bottom = draw.textbbox((0, 0), text, font=f)
    x = (POSTER_SIZE[0] - (right - left)) // 2 - left
    draw.text((x, y - top), text, font=f, fill=fill)
    return int(y + (bottom - top))


def poster(
    headline: list[str], sub_zh: list[str], sub_en: list[str], accent: tuple[int, int, int]
) -> Image.Image:
    """A flat poster: a coloured band with the headline, then Chinese and English lines."""
    w, h = POSTER_SIZE
    img = Image.new("RGB", (w, h), PALE)
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 0, w, 440), fill=accent)
    draw.rectangle((0, 440, w, 452), fill=YELLOW)
    y = 90
    for line in headline:
        y = centred(draw, y, line, 76, WHITE) + 28
    y = 500
    for line in sub_zh:
        y = centred(draw, y, line, 36, NAVY) + 22
    y += 30
    for line in sub_en:
        y = centred(draw, y, line, 28, NAVY) + 14
    draw.rectangle((0, h - 70, w, h), fill=NAVY)
    centred(draw, h - 52, "融治理中心 · 反诈宣传", 30, WHITE)
    return img


def png_bytes(img: Image.Image) -> bytes:
    """A small, deterministic PNG: flat art quantised to 32 colours, no metadata."""
    quantised = img.quantize(colors=32, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "p.png"
        quantised.save(path, format="PNG", optimize=True)
        return path.read_bytes()


def poster_slogan() -> tuple[bytes, str]:
    img = poster(
        ["不听", "不信", "不转账"],
        ["陌生来电说你涉案、", "说要给你退款、要你转账，", "先挂断，再核实"],
        ["Don't listen. Don't believe.", "Don't transfer money."],
        RED,
    )
    return png_bytes(img), ".png"


def poster_links() -> tuple[bytes, str]:
    img = poster(
        ["陌生链接", "不能点"],
        ["短信、聊天里的链接和二维码", "不点、不扫、不下载", "验证码不告诉任何人"],
        ["Never open links from strangers.", "Never tell anyone your SMS code."],
        NAVY,
    )
    return png_bytes(img), ".png"


def poster_110() -> tuple[bytes, str]:
    img = poster(
        ["已经转账？", "马上打 110"],
        ["越早报警，越有机会", "把钱追回来", "保存好聊天记录和转账凭证"],
        ["Already paid? Call 110 now.", "Keep the chats and receipts."],
        RED,
    )
    return png_bytes(img), ".png"


def poster_family() -> tuple[bytes, str]:
    img = poster(
        ["转账之前", "先问家人"],
        ["“领导”“亲友”找你借钱，", "先打电话、当面核实", "不着急，骗子才着急"],
        ["Before you pay, ask your family.", "Call the person back to check."],
        NAVY,
    )
    return png_bytes(img), ".png"


def video_slogan() -> tuple[bytes, str]:
    """Four seconds: 不听 / 不信 / 不转账 appear one by one, then hold."""
    w, h = VIDEO_SIZE
    words = ["不听", "不信", "不转账"]
    frames: list[np.ndarray[Any, Any]] = []
    total = VIDEO_FPS * VIDEO_SECONDS
    for i in range(total):
        shown = min(len(words), 1 + i * len(words) // (total - VIDEO_FPS))
        img = Image.new("RGB", (w, h), RED)
        draw = ImageDraw.Draw(img)
        f = font(44)
        for k, word in enumerate(words[:shown]):
            left, top, right, _ = draw.textbbox((0, 0), word, font=f)
            draw.text(
                ((w - (right - left)) // 2 - left, 30 + k * 62 - top), word, font=f, fill=WHITE
            )
        bar = int(w * (i + 1) / total)
        draw.rectangle((0, h - 10, bar, h), fill=YELLOW)
        frames.append(cv2.cvtColor(np.asarray(img), cv2.COLOR_RGB2BGR))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "v.mp4"
        writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"mp4v"), VIDEO_FPS, (w, h))
        if not writer.isOpened():
            raise RuntimeError("OpenCV cannot write mp4v here")
        for frame in frames:
            writer.write(frame)
        writer.release()
        return path.read_bytes(), ".mp4"


MEDIA_MAKERS: dict[str, Callable[[], tuple[bytes, str]]] = {
    "poster_slogan": poster_slogan,
    "poster_links": poster_links,
    "poster_110": poster_110,
    "poster_family": poster_family,
    "video_slogan": video_slogan,
}


def write_named_by_hash(data: bytes, suffix: str) -> tuple[str, Path]:
    """Writes ``media/sha256-<hex><suffix>`` (atomically) and returns its reference and path."""
    digest = hashlib.sha256(data).hexdigest()
    path = MEDIA / f"sha256-{digest}{suffix}"
    if not path.exists():
        MEDIA.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=MEDIA, suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
        path.chmod(0o644)
    return f"sha256:{digest}", path


def main() -> int:
    if not FONT.exists():
        print(f"font {FONT} is missing (apt install fonts-wqy-microhei)", file=sys.stderr)
        return 1
    total = 0
    for name, make in MEDIA_MAKERS.items():
        data, suffix = make()
        ref, path = write_named_by_hash(data, suffix)
        total += len(data)
        print(f'{name:15} hash = "{ref}"  path = "{path.name}"  ({len(data) / 1024:.1f} KB)')
    print(f"total {total / 1024:.1f} KB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
