"""QR code decoders for camera frames and still images.

Every decoder takes a BGR, BGRA or grayscale ``uint8`` image and returns what it read as
:class:`Decoded` values: the text, the exact payload bytes and the symbology.  The text is the
payload transcoded without any "human readable" rewriting: a control character in the payload
stays a control character (zxing-cpp's default ``TextMode.HRI`` would turn ``\\x01`` into
``<SOH>`` and GS1 data into bracketed fields, which for this kiosk is a misread).

Decoders, by :func:`make_decoder` name:

``zxing`` (the default, :class:`RetryingDecoder`)
    zxing-cpp restricted to the QR family; when that finds nothing, a few cheap retries
    (see :class:`RetryingDecoder`).  ``RetryingDecoder(try_harder=True)`` adds whole-image
    retries that make a frame without a code several times as costly; it is meant for still
    images, not for every camera frame, and has no name of its own.
``zxing-fast`` (:class:`ZxingDecoder`)
    one zxing-cpp pass.
``pyzbar`` (:class:`PyzbarDecoder`)
    ZBar through pyzbar, kept for comparison: slower and, on Shift_JIS payloads, wrong more
    often (``bench/qr_decode.py`` measures all of them).

This module is part of the device layer: it imports neither Qt nor the application.
OpenCV, numpy, zxing-cpp and pyzbar are imported when a decoder first decodes (pyzbar when its
decoder is made), not with this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Final, Protocol, cast, runtime_checkable

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    import zxingcpp

type Image = npt.NDArray[np.uint8]  # a lazy alias: numpy is not imported to define it

__all__ = [
    "DECODER_NAMES",
    "DEFAULT_DECODER",
    "Decoded",
    "Decoder",
    "PyzbarDecoder",
    "RetryingDecoder",
    "ZxingDecoder",
    "make_decoder",
    "to_gray",
]


@dataclass(frozen=True)
class Decoded:
    """One code read from an image.

    Attributes:
        text: the payload as text, transcoded but not rewritten (control characters kept).
        raw: the payload bytes as stored in the symbol (for pyzbar: as ZBar returns them,
            which is after ZBar's own transcoding to UTF-8).
        symbology: ``"QRCode"``, ``"MicroQRCode"`` or ``"RMQRCode"``.
    """

    text: str
    raw: bytes
    symbology: str


@runtime_checkable
class Decoder(Protocol):
    """Anything that finds and decodes QR codes in an image.

    ``decode`` takes a BGR (``HxWx3``), BGRA (``HxWx4``) or grayscale (``HxW`` or ``HxWx1``)
    ``uint8`` array and returns every code it read, or ``[]``.  It never raises because of what
    the image shows; it raises ``ValueError`` only for an array that is not an image.
    """

    name: str

    def decode(self, image: Image) -> list[Decoded]:
        """Decode every QR code found in ``image``."""
        ...


def to_gray(image: Image) -> Image:
    """A C-contiguous 2-D ``uint8`` grayscale view or copy of a BGR/BGRA/gray image.

    Raises:
        ValueError: ``image`` is not a ``uint8`` array of shape HxW, HxWx1, HxWx3 or HxWx4.
    """
    import cv2
    import numpy as np

    if not isinstance(image, np.ndarray) or image.dtype != np.uint8:
        raise ValueError(f"expected a uint8 numpy image, got {_describe(image)}")
    if image.ndim == 2:
        gray = image
    elif image.ndim == 3 and image.shape[2] == 1:
        gray = image[:, :, 0]
    elif image.ndim == 3 and image.shape[2] == 3:
        gray = cast(Image, cv2.cvtColor(image, cv2.COLOR_BGR2GRAY))
    elif image.ndim == 3 and image.shape[2] == 4:
        gray = cast(Image, cv2.cvtColor(image, cv2.COLOR_BGRA2GRAY))
    else:
        raise ValueError(f"expected an HxW, HxWx1, HxWx3 or HxWx4 image, got {_describe(image)}")
    if gray.shape[0] == 0 or gray.shape[1] == 0:
        raise ValueError(f"empty image: {_describe(image)}")
    out: Image = np.ascontiguousarray(gray)
    return out


def _describe(image: object) -> str:
    import numpy as np

    if isinstance(image, np.ndarray):
        return f"array of shape {image.shape} and dtype {image.dtype}"
    return type(image).__name__


# --- zxing-cpp -------------------------------------------------------------------------------

_QR_FORMAT_NAMES: Final = ("QRCode", "MicroQRCode", "RMQRCode")


@cache
def _qr_formats() -> zxingcpp.BarcodeFormats:
    """The QR family this zxing-cpp knows (older versions lack rMQR)."""
    import zxingcpp

    return zxingcpp.BarcodeFormats(
        [
            getattr(zxingcpp.BarcodeFormat, n)
            for n in _QR_FORMAT_NAMES
            if hasattr(zxingcpp.BarcodeFormat, n)
        ]
    )


def _zxing_read(
    gray: Image,
    *,
    binarizer: zxingcpp.Binarizer | None = None,
    return_errors: bool = False,
) -> list[zxingcpp.Barcode]:
    """One zxing-cpp pass over a grayscale image, QR family only, payload text as is.

    ``binarizer`` None is zxing-cpp's ``LocalAverage``.
    """
    import zxingcpp

    barcodes: list[zxingcpp.Barcode] = zxingcpp.read_barcodes(
        gray,
        formats=_qr_formats(),
        text_mode=zxingcpp.TextMode.Plain,
        binarizer=zxingcpp.Binarizer.LocalAverage if binarizer is None else binarizer,
        return_errors=return_errors,
    )
    return barcodes


def _from_zxing(barcode: zxingcpp.Barcode) -> Decoded:
    return Decoded(text=barcode.text, raw=bytes(barcode.bytes), symbology=barcode.format.name)


def _valid(barcodes: list[zxingcpp.Barcode]) -> list[Decoded]:
    return [_from_zxing(b) for b in barcodes if b.valid]


class ZxingDecoder:
    """A single zxing-cpp pass, QR family only (QR, Micro QR, rMQR), payload text as is.

    About 2 ms on a 1280x720 frame here; reading every zxing format instead takes over 10x
    longer and only adds chances of reading something that is not a QR code.
    """

    name: str = "zxing-fast"

    def decode(self, image: Image) -> list[Decoded]:
        """Decode every QR-family code in ``image`` in one pass."""
        return _valid(_zxing_read(to_gray(image)))


class RetryingDecoder:
    """zxing-cpp, then cheap retries for images where the first pass read nothing.

    Pass 1 is :class:`ZxingDecoder`'s pass, also asking zxing-cpp for the symbols it located
    but could not decode.  Only if it decoded nothing:

    * the image is read again at half size (a quarter of the pixels), which reads some codes
      whose modules are large, noisy or printed on texture (zxing-cpp's own downscaling only
      starts above 500 px, and uses other factors).  This is the only retry a frame
      without anything code-like pays for: about +0.5-0.8 ms on 1280x720 here;
    * around each symbol that pass 1 located but could not decode (at most ``max_regions``;
      a Micro QR or rMQR "symbol" there is often the corner of a larger QR code, so its crop
      is generous), the crop is read again eroded (dark modules grown by a pixel: light bleed,
      overexposure), with a global-histogram threshold, upscaled 2x, upscaled and sharpened
      (defocus), and with a fixed threshold.  Frames without anything code-like never pay
      for these.

    With ``try_harder=True`` the whole image is also read eroded, with a global-histogram
    threshold and sharpened; a 1280x720 frame without a code then costs ~11 ms instead of
    ~2.7 ms here, so it is for still images rather than for every camera frame.

    Every retry is plain zxing-cpp on a transformed image, so its result passes the same
    Reed-Solomon check as pass 1; none of them misreads on the zxing blackbox corpus at any
    rotation (``bench/qr_decode.py``).  Left out on purpose: a global-histogram threshold on
    an enlarged or eroded whole image, which reads qrcode-2/12 but also reads qrcode-2/13
    (the same artwork code) as a text that differs from its expected file; and pyzbar, which
    gains a few corpus codes but costs ~25 ms per 720p frame.
    """

    name: str

    def __init__(self, *, try_harder: bool = False, max_regions: int = 3) -> None:
        """Configure the retries.

        Args:
            try_harder: also retry on the whole image (costly on frames without a code).
            max_regions: at most this many located-but-undecoded symbols are retried.
        """
        if max_regions < 0:
            raise ValueError(f"max_regions must be >= 0, got {max_regions}")
        self.try_harder = try_harder
        self.max_regions = max_regions
        self.name = "zxing-harder" if try_harder else "zxing"

    def decode(self, image: Image) -> list[Decoded]:
        """Decode every QR-family code in ``image``, retrying if the first pass reads none."""
        import numpy as np
        import zxingcpp

        gray = to_gray(image)
        first = _zxing_read(gray, return_errors=True)
        found = _valid(first)
        if found:
            return found

        height, width = gray.shape
        if min(height, width) >= 64:
            found = _valid(_zxing_read(_resize(gray, width // 2, height // 2)))
            if found:
                return found

        for x0, y0, x1, y1 in _regions(first, width, height, self.max_regions):
            found = _retry_region(np.ascontiguousarray(gray[y0:y1, x0:x1]))
            if found:
                return found

        if not self.try_harder:
            return []
        found = _valid(_zxing_read(_erode(gray)))
        if not found:
            found = _valid(_zxing_read(gray, binarizer=zxingcpp.Binarizer.GlobalHistogram))
        if not found:
            found = _valid(_zxing_read(_sharpen(gray)))
        return found


def _regions(
    barcodes: list[zxingcpp.Barcode], width: int, height: int, limit: int
) -> list[tuple[int, int, int, int]]:
    """Crop boxes (x0, y0, x1, y1) around located-but-undecoded symbols, largest first.

    Each box is the symbol's bounding box plus a margin, clipped to the image: a third of its
    size for a QR code (the quiet zone and some slack for a wrong corner), twice its size for
    a Micro QR or rMQR code.  A symbol whose centre lies in an earlier box is skipped.
    """
    import zxingcpp

    boxes: list[tuple[int, int, int, int]] = []
    for barcode in barcodes:
        if barcode.valid:
            continue
        position = barcode.position
        corners = (
            position.top_left,
            position.top_right,
            position.bottom_right,
            position.bottom_left,
        )
        xs = [p.x for p in corners]
        ys = [p.y for p in corners]
        size = max(max(xs) - min(xs), max(ys) - min(ys))
        if size < 8:
            continue
        # An undecodable Micro QR or rMQR is often the corner of a larger QR code that
        # zxing-cpp could not sample: look well around it.
        margin = size // 3 + 8 if barcode.format == zxingcpp.BarcodeFormat.QRCode else 2 * size + 8
        box = (
            max(min(xs) - margin, 0),
            max(min(ys) - margin, 0),
            min(max(xs) + margin + 1, width),
            min(max(ys) + margin + 1, height),
        )
        boxes.append(box)
    boxes.sort(key=lambda b: (b[2] - b[0]) * (b[3] - b[1]), reverse=True)
    chosen: list[tuple[int, int, int, int]] = []
    for box in boxes:
        cx, cy = (box[0] + box[2]) // 2, (box[1] + box[3]) // 2
        if any(c[0] <= cx < c[2] and c[1] <= cy < c[3] for c in chosen):
            continue
        chosen.append(box)
        if len(chosen) >= limit:
            break
    return chosen


_MAX_UPSCALED_SIDE: Final = 1600


def _retry_region(crop: Image) -> list[Decoded]:
    """Read one crop around a symbol zxing-cpp located but could not decode."""
    import zxingcpp

    found = _valid(_zxing_read(_erode(crop)))
    if found:
        return found
    found = _valid(_zxing_read(crop, binarizer=zxingcpp.Binarizer.GlobalHistogram))
    if found:
        return found
    height, width = crop.shape
    if 2 * max(height, width) <= _MAX_UPSCALED_SIDE:
        upscaled = _resize(crop, 2 * width, 2 * height)
        found = _valid(_zxing_read(upscaled))
        if found:
            return found
        found = _valid(_zxing_read(_sharpen(upscaled)))
        if found:
            return found
    return _valid(_zxing_read(crop, binarizer=zxingcpp.Binarizer.FixedThreshold))


def _sharpen(gray: Image) -> Image:
    """Unsharp mask: twice the image minus a Gaussian blur of it (sigma 2)."""
    import cv2

    blurred = cv2.GaussianBlur(gray, (0, 0), 2.0)
    return cast(Image, cv2.addWeighted(gray, 2.0, blurred, -1.0, 0.0))


def _erode(gray: Image) -> Image:
    """Dark areas grown by one pixel (2x2 minimum filter)."""
    import cv2
    import numpy as np

    return cast(Image, cv2.erode(gray, np.ones((2, 2), dtype=np.uint8)))


def _resize(gray: Image, width: int, height: int) -> Image:
    """``gray`` resized: area averaging to shrink, bilinear to enlarge."""
    import cv2

    shrink = width * height < gray.shape[0] * gray.shape[1]
    interpolation = cv2.INTER_AREA if shrink else cv2.INTER_LINEAR
    return cast(Image, cv2.resize(gray, (width, height), interpolation=interpolation))


# --- pyzbar ----------------------------------------------------------------------------------


class PyzbarDecoder:
    """ZBar through pyzbar, QR codes only; kept to compare against zxing-cpp.

    ZBar transcodes payloads itself, guessing the character set when there is no ECI, and
    guesses Shift_JIS for some UTF-8 payloads (``"é"`` comes back as ``"矇"``); ``raw`` is
    therefore what ZBar returns, not necessarily the bytes in the symbol.  pyzbar raises
    ``ValueError`` on some symbols (e.g. structured append); such an image decodes to ``[]``.
    """

    name: str = "pyzbar"

    def __init__(self) -> None:
        """Import pyzbar (and load libzbar) now, so a missing library fails at start-up."""
        from pyzbar import pyzbar

        self._pyzbar = pyzbar
        self._symbols = [pyzbar.ZBarSymbol.QRCODE]

    def decode(self, image: Image) -> list[Decoded]:
        """Decode every QR code ZBar finds in ``image``."""
        gray = to_gray(image)
        try:
            results = self._pyzbar.decode(gray, symbols=self._symbols)
        except ValueError:
            return []
        return [
            Decoded(text=_bytes_to_text(r.data), raw=bytes(r.data), symbology="QRCode")
            for r in results
        ]


def _bytes_to_text(data: bytes) -> str:
    """UTF-8 (what ZBar converts to), else Latin-1, which maps every byte to one character."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


# --- factory ---------------------------------------------------------------------------------

DEFAULT_DECODER: Final = "zxing"
DECODER_NAMES: Final = ("zxing", "zxing-fast", "pyzbar")


def make_decoder(name: str = DEFAULT_DECODER) -> Decoder:
    """The decoder called ``name``, one of :data:`DECODER_NAMES`.

    Raises:
        ValueError: ``name`` is not one of :data:`DECODER_NAMES`.
    """
    if name == "zxing":
        return RetryingDecoder()
    if name == "zxing-fast":
        return ZxingDecoder()
    if name == "pyzbar":
        return PyzbarDecoder()
    choices = ", ".join(repr(n) for n in DECODER_NAMES)
    raise ValueError(f"unknown QR decoder {name!r}; choose one of {choices}")
