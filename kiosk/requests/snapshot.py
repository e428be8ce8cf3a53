"""A still picture of a problem from the kiosk camera (no Qt): the newest frame, as a JPEG
small enough for a request, and whether a face fills it.

A request's photo shows a place or a thing (a broken lift button held up, a leaking pipe on
a phone's screen), not the resident: when the face detector of the photo pipeline
(:class:`kiosk.photo.face_analysis.FaceAnalyzer`, handed in as a :class:`FaceDetector`)
finds a face taking up a large part of the frame, the flow says so and offers to take it
again or go on without a photo.

The frame is not mirrored: the photo shows what the camera saw (the preview mirrors it, as a
looking-glass does).
"""

from __future__ import annotations

import io
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from kiosk.requests.model import MAX_PHOTO_BYTES

if TYPE_CHECKING:
    from devices.camera import Camera, Image

log = logging.getLogger(__name__)

MAX_SIDE = 1280
"""The longest side of a request photo, in pixels."""
QUALITIES = (80, 70, 60, 50)
"""JPEG qualities tried in turn until the photo is under :data:`MAX_PHOTO_BYTES`."""
FACE_FILLS = 0.18
"""A face wider than this share of the frame "fills" it: the photo shows a person rather
than a problem. (A face at arm's length from the kiosk camera is 0.25-0.5 of its width; a
person passing in the background is under 0.1.)"""


class SnapshotError(Exception):
    """No picture could be taken. ``reason``: ``no_frame`` (the camera delivers nothing)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, repr=False)
class Snapshot:
    """A picture of the problem.

    Attributes:
        jpeg: the JPEG (at most :data:`MAX_PHOTO_BYTES`).
        face_fills: a face takes up a large part of it.
        size: width, height in pixels.
    """

    jpeg: bytes
    face_fills: bool
    size: tuple[int, int]

    def __repr__(self) -> str:
        return f"Snapshot({len(self.jpeg)} bytes, {self.size}, face_fills={self.face_fills})"


def encode_photo(image_bgr: Image) -> tuple[bytes, tuple[int, int]]:
    """The image shrunk to :data:`MAX_SIDE` and encoded as a baseline JPEG under
    :data:`MAX_PHOTO_BYTES`; returns the bytes and the size."""
    import cv2
    from PIL import Image as PILImage

    h, w = image_bgr.shape[:2]
    scale = min(1.0, MAX_SIDE / max(h, w))
    if scale < 1.0:
        w, h = max(1, round(w * scale)), max(1, round(h * scale))
        image_bgr = cv2.resize(image_bgr, (w, h), interpolation=cv2.INTER_AREA)  # type: ignore[assignment]
    picture = PILImage.fromarray(cv2.cvtColor(image_bgr, cv2.COLOR_BGR2RGB))
    data = b""
    for quality in QUALITIES:
        buf = io.BytesIO()
        picture.save(buf, "JPEG", quality=quality)
        data = buf.getvalue()
        if len(data) <= MAX_PHOTO_BYTES:
            break
    return data, (w, h)


class FaceDetector(Protocol):
    """What the face check needs of a detector: the photo pipeline's
    :class:`~kiosk.photo.face_analysis.FaceAnalyzer` (handed over by ``ui/features.py``:
    features do not import each other)."""

    analysis_size: int

    def count_faces(self, rgb: Image) -> tuple[int, list[float]]:
        """(plausible faces, their widths as shares of the image's width)."""
        ...

    def close(self) -> None:
        """Releases the detector."""
        ...


class FaceShare:
    """The largest face's width as a share of the frame's (0.0 with no face). The detector
    is built by ``make_detector`` on first use (on the worker thread); :meth:`close`
    releases it."""

    def __init__(self, make_detector: Callable[[], FaceDetector]) -> None:
        self._make = make_detector
        self._detector: FaceDetector | None = None
        self._lock = threading.Lock()

    def __call__(self, image_bgr: Image) -> float:
        import cv2

        with self._lock:
            if self._detector is None:
                self._detector = self._make()
            h, w = image_bgr.shape[:2]
            scale = min(1.0, self._detector.analysis_size / max(h, w))
            small = image_bgr
            if scale < 1.0:
                size = (max(1, round(w * scale)), max(1, round(h * scale)))
                small = cv2.resize(image_bgr, size, interpolation=cv2.INTER_AREA)  # type: ignore[assignment]
            rgb: Image = cv2.cvtColor(small, cv2.COLOR_BGR2RGB)  # type: ignore[assignment]
            _count, widths = self._detector.count_faces(rgb)
        return max(widths, default=0.0)

    def close(self) -> None:
        """Releases the detector."""
        with self._lock:
            if self._detector is not None:
                self._detector.close()
                self._detector = None


class CameraSnapshot:
    """Takes :class:`Snapshot` s from ``camera``'s newest frame (on a worker thread)."""

    def __init__(self, camera: Camera, face_share: FaceShare | None = None) -> None:
        self.camera = camera
        self.face_share = face_share  # None: no face check on this terminal

    def __call__(self) -> Snapshot:
        frame = self.camera.latest()
        if frame is None:
            raise SnapshotError("no_frame")
        jpeg, size = encode_photo(frame.image)
        try:
            share = self.face_share(frame.image) if self.face_share is not None else 0.0
        except Exception:  # no detector: the resident still sees the picture before sending
            log.exception("face check of a request photo failed")
            share = 0.0
        snapshot = Snapshot(jpeg, share >= FACE_FILLS, size)
        log.info("request photo taken: %r (largest face %.2f of the width)", snapshot, share)
        return snapshot

    def close(self) -> None:
        """Releases the face detector."""
        if self.face_share is not None:
            self.face_share.close()
