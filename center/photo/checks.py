"""What an uploaded photo must be before the center keeps it: base64 that decodes, no
larger than :data:`MAX_JPEG_BYTES`, the SHA-256 the terminal computed, and a JPEG that
decodes completely with plausible dimensions.

Decoding runs Pillow over untrusted bytes, so the pixel count is checked from the header
before anything is decompressed (no decompression bomb) and a truncated file is refused.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import io
import warnings

from center.photo.errors import NotAJpeg, PhotoChecksumMismatch, PhotoTooLarge
from kiosk.platform.service_errors import InvalidQuery

MAX_JPEG_BYTES = 2 * 1024 * 1024
"""The largest photo accepted (the presets' budgets are tens of kilobytes)."""
MAX_PIXELS = 40_000_000
"""The most pixels a photo's header may announce."""
SOI = b"\xff\xd8\xff"
"""How every JPEG starts: the start-of-image marker and the next marker's first byte."""


def b64_length(size: int) -> int:
    """The length of the base64 text of ``size`` bytes (padded)."""
    return 4 * ((size + 2) // 3)


def decode_jpeg_b64(text: str) -> bytes:
    """The bytes of strict, padded base64 ``text``; :class:`InvalidQuery` otherwise."""
    if len(text) > b64_length(MAX_JPEG_BYTES):  # decodes to more than the limit
        raise PhotoTooLarge(f"the photo is larger than {MAX_JPEG_BYTES} bytes")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as e:
        raise InvalidQuery("jpeg_b64 is not base64", field="jpeg_b64") from e


def check_photo(jpeg: bytes, sha256: str) -> None:
    """Returns if ``jpeg`` is a photo the center keeps, else raises a refusal.

    Raises:
        PhotoTooLarge: more than :data:`MAX_JPEG_BYTES`.
        PhotoChecksumMismatch: its SHA-256 is not ``sha256`` (lower-case hex).
        NotAJpeg: no JPEG markers, Pillow cannot decode it whole, or too many pixels.
    """
    if len(jpeg) > MAX_JPEG_BYTES:
        raise PhotoTooLarge(f"the photo is larger than {MAX_JPEG_BYTES} bytes")
    if not hmac.compare_digest(hashlib.sha256(jpeg).hexdigest(), sha256):
        raise PhotoChecksumMismatch("the photo's SHA-256 does not match")
    if not jpeg.startswith(SOI):
        raise NotAJpeg("no JPEG start-of-image marker")
    _decode(jpeg)


def _decode(jpeg: bytes) -> None:
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(jpeg), formats=["JPEG"]) as image:
                width, height = image.size
                if not (0 < width * height <= MAX_PIXELS):
                    raise NotAJpeg(f"implausible dimensions {width}x{height}")
                image.load()  # decodes every scan: a truncated or corrupt file raises
    except NotAJpeg:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Warning) as e:
        raise NotAJpeg(f"not a JPEG that decodes: {type(e).__name__}") from e
    except Image.DecompressionBombError as e:
        raise NotAJpeg("implausible dimensions") from e
