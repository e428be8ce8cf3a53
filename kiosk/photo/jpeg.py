"""JPEG encoding to a byte budget, in memory (no files), with the preset's dpi in the header."""

from __future__ import annotations

import io
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt
from PIL import Image as PILImage

from kiosk.photo.presets import JpegPolicy

Image = npt.NDArray[np.uint8]


@dataclass(frozen=True)
class EncodedJpeg:
    """The bytes, the quality used, and whether the size is inside the budget."""

    data: bytes
    quality: int
    within_budget: bool


def encode(image_bgr: Image, quality: int, dpi: int) -> bytes:
    """Baseline JPEG, 24-bit colour, 4:2:0, with a JFIF density of ``dpi``."""
    rgb = cv2.cvtColor(image_bgr, cv2.COLOR_BGR2RGB)
    buf = io.BytesIO()
    PILImage.fromarray(rgb).save(buf, "JPEG", quality=quality, dpi=(dpi, dpi), subsampling=2)
    return buf.getvalue()


def encode_within_budget(image_bgr: Image, policy: JpegPolicy, dpi: int) -> EncodedJpeg:
    """Starts at the policy's quality and bisects within its range until the size fits.

    Too large: the highest quality that fits under the maximum. Too small: the lowest quality
    that reaches the minimum. If nothing in the range fits, the closest attempt is returned
    with ``within_budget=False``.
    """
    lo_b, hi_b = policy.bytes_range
    q_lo, q_hi = policy.quality_range
    tried: dict[int, bytes] = {}

    def size_at(q: int) -> int:
        if q not in tried:
            tried[q] = encode(image_bgr, q, dpi)
        return len(tried[q])

    q = policy.quality
    n = size_at(q)
    if lo_b <= n <= hi_b:
        return EncodedJpeg(tried[q], q, True)
    if n > hi_b:
        lo, hi = q_lo, q - 1  # want the largest q in [lo, hi] with size <= hi_b
        best = None
        while lo <= hi:
            mid = (lo + hi) // 2
            if size_at(mid) <= hi_b:
                best, lo = mid, mid + 1
            else:
                hi = mid - 1
    else:
        lo, hi = q + 1, q_hi  # want the smallest q in [lo, hi] with size >= lo_b
        best = None
        while lo <= hi:
            mid = (lo + hi) // 2
            if size_at(mid) >= lo_b:
                best, hi = mid, mid - 1
            else:
                lo = mid + 1
    if best is not None and lo_b <= size_at(best) <= hi_b:
        return EncodedJpeg(tried[best], best, True)
    closest = min(tried, key=lambda k: min(abs(len(tried[k]) - lo_b), abs(len(tried[k]) - hi_b)))
    return EncodedJpeg(tried[closest], closest, False)
