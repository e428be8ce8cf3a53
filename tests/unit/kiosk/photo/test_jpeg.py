"""JPEG encoding to a byte budget."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from kiosk.photo.jpeg import encode_within_budget
from kiosk.photo.presets import JpegPolicy


def picture(detail: float) -> np.ndarray:
    rng = np.random.default_rng(7)
    base = np.full((441, 358, 3), 180, np.uint8)
    noise = rng.normal(0, detail, base.shape)
    return np.clip(base + noise, 0, 255).astype(np.uint8)


def test_too_detailed_picture_is_brought_under_the_maximum() -> None:
    policy = JpegPolicy(quality=70, quality_range=(20, 95), bytes_range=(14_336, 20_000))
    result = encode_within_budget(picture(12.0), policy, dpi=350)
    assert result.within_budget
    assert 14_336 <= len(result.data) <= 20_000
    assert result.quality < 70
    with Image.open(io.BytesIO(result.data)) as im:
        assert im.size == (358, 441) and im.mode == "RGB"
        assert im.info["dpi"] == (350, 350)


def test_too_plain_picture_is_raised_to_the_minimum() -> None:
    policy = JpegPolicy(quality=30, quality_range=(30, 100), bytes_range=(14_336, 40_000))
    result = encode_within_budget(picture(4.0), policy, dpi=300)
    assert result.within_budget and result.quality > 30


def test_impossible_budget_is_reported() -> None:
    policy = JpegPolicy(quality=70, quality_range=(60, 80), bytes_range=(100, 200))
    result = encode_within_budget(picture(12.0), policy, dpi=350)
    assert not result.within_budget
