"""The checks a photo must pass, and the measurements behind them.

Every check is reported as ``{"name", "passed", "value", "limit"}`` where ``limit`` is
``[min, max]`` (``null`` for an open end). A failed check carries a stable refusal code
(``reason``) that the UI translates (``photo.reason.<code>`` in ``config/i18n/photo.toml``).
Warnings (for example clothing that blends into the background) are shown to the resident
but do not refuse the photo.

Measurements on faces use the face oval from the mesh, shrunk a little so that hair and
background at its border do not count. Sharpness is measured after resampling the face to a
fixed width (200 px), so it does not depend on how large the face was in the picture.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import cast

import cv2
import numpy as np
import numpy.typing as npt

from kiosk.photo.face_analysis import FACE_OVAL, NOSE_TIP

Image = npt.NDArray[np.uint8]
Mask = npt.NDArray[np.float32]
FloatArray = npt.NDArray[np.float64]
Limit = tuple[float | None, float | None]

SHARPNESS_FACE_WIDTH = 200  # px: faces are resampled to this width before the Laplacian

# Every code the still pipeline can report (translations: photo.check.*, photo.reason.*,
# photo.warning.* in config/i18n/photo.toml).
CHECK_NAMES = (
    "face_count",
    "face_resolution",
    "yaw",
    "pitch",
    "eyes_open",
    "mouth_closed",
    "face_in_picture",
    "head_in_picture",
    "layout",
    "crop_inside_picture",
    "output_face",
    "roll",
    "face_width",
    "hair_top",
    "crown_top",
    "head_height",
    "eye_height",
    "exposure",
    "highlights",
    "lighting_balance",
    "sharpness",
    "background_uniform",
    "jpeg_bytes",
)
REASON_CODES = (
    "no_face",
    "multiple_faces",
    "face_near_edge",
    "head_cut_off",
    "head_too_tall",
    "geometry_infeasible",
    "face_too_small",
    "pose_not_frontal",
    "head_tilted",
    "eyes_closed",
    "mouth_open",
    "blurry",
    "too_dark",
    "too_bright",
    "uneven_lighting",
    "background_not_uniform",
    "geometry_not_met",
    "jpeg_budget",
)
WARNING_CODES = ("clothing_blends_background", "hair_top_estimated", "hair_top_waived")


@dataclass(frozen=True)
class Check:
    """One check: its value against its limit, and the refusal code if it failed.

    ``extra`` holds additional report fields (for the roll: the ``measured`` tilt before the
    photo was levelled).
    """

    name: str
    passed: bool
    value: float | int | None
    limit: Limit
    reason: str = ""
    extra: dict[str, float | str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        """The JSON form used in reports."""
        value: float | int | None = self.value
        if isinstance(value, float):
            value = round(value, 3)
        out: dict[str, object] = {
            "name": self.name,
            "passed": self.passed,
            "value": value,
            "limit": [self.limit[0], self.limit[1]],
        }
        out.update(self.extra)
        return out


def within(
    name: str, value: float | None, limit: Limit, reason: str, **extra: float | str
) -> Check:
    """A check that passes when ``limit[0] <= value <= limit[1]`` (open ends allowed)."""
    lo, hi = limit
    ok = value is not None and (lo is None or value >= lo) and (hi is None or value <= hi)
    return Check(name, bool(ok), value, limit, "" if ok else reason, dict(extra))


def pose_checks(yaw: float, pitch: float, max_yaw: float, max_pitch: float) -> tuple[Check, Check]:
    """The yaw and pitch checks of a still photo (a NaN angle, a failed estimate, fails)."""
    return (
        within("yaw", yaw, (-max_yaw, max_yaw), "pose_not_frontal"),
        within("pitch", pitch, (-max_pitch, max_pitch), "pose_not_frontal"),
    )


def luma(image_bgr: Image) -> Image:
    """BT.601 luma (OpenCV's grey)."""
    return cast(Image, cv2.cvtColor(image_bgr, cv2.COLOR_BGR2GRAY))


def face_mask(landmarks: FloatArray, shape: tuple[int, int], shrink: float = 0.08) -> Image:
    """The face oval as a uint8 mask, shrunk toward its centre by ``shrink`` of its size."""
    pts = landmarks[list(FACE_OVAL), :2]
    center = pts.mean(axis=0)
    pts = center + (pts - center) * (1.0 - shrink)
    mask = np.zeros(shape, np.uint8)
    cv2.fillPoly(mask, [np.round(pts).astype(np.int32)], (255,))
    return mask


def face_luminance(gray: Image, mask: Image) -> tuple[float, float]:
    """(median luma, share of clipped pixels >= 250) over the face mask."""
    values = gray[mask > 0]
    if values.size == 0:
        return 0.0, 0.0
    return float(np.median(values)), float(np.mean(values >= 250))


def lighting_balance(gray: Image, mask: Image, landmarks: FloatArray) -> float:
    """Darker half / brighter half of the face (median luma, split at the nose tip): 0-1."""
    split = round(float(landmarks[NOSE_TIP, 0]))
    left = gray[:, :split][mask[:, :split] > 0]
    right = gray[:, split:][mask[:, split:] > 0]
    if left.size == 0 or right.size == 0:
        return 0.0
    a, b = float(np.median(left)), float(np.median(right))
    return min(a, b) / max(a, b, 1.0)


def sharpness(gray: Image, mask: Image, face_width: float) -> float:
    """Variance of the Laplacian inside the face, after resampling the face to 200 px wide."""
    ys, xs = np.nonzero(mask)
    if ys.size == 0 or face_width <= 0:
        return 0.0
    y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    factor = SHARPNESS_FACE_WIDTH / face_width
    crop_in = gray[y0:y1, x0:x1]
    sub_in = mask[y0:y1, x0:x1]
    size = (max(3, round(crop_in.shape[1] * factor)), max(3, round(crop_in.shape[0] * factor)))
    interp = cv2.INTER_AREA if factor < 1 else cv2.INTER_LINEAR
    crop = cv2.resize(crop_in, size, interpolation=interp)
    sub = cv2.erode(
        cv2.resize(sub_in, size, interpolation=cv2.INTER_NEAREST), np.ones((3, 3), np.uint8)
    )
    lap = cv2.Laplacian(crop, cv2.CV_32F, ksize=3)
    values = lap[sub > 0]
    return float(values.var()) if values.size else 0.0


def background_std(gray: Image, alpha: Mask) -> float:
    """Standard deviation of the luma of clear-background pixels (alpha < 0.05)."""
    values = gray[alpha < 0.05]
    return float(values.std()) if values.size > 50 else 0.0


def _lab(pixels_bgr: npt.NDArray[np.uint8]) -> npt.NDArray[np.float32]:
    """CIE Lab (L 0-100) of an (N, 3) or (H, W, 3) uint8 BGR array."""
    arr = pixels_bgr.reshape(-1, 1, 3)
    lab = cv2.cvtColor(arr, cv2.COLOR_BGR2LAB).astype(np.float32).reshape(-1, 3)
    # OpenCV's 8-bit Lab scales L by 255/100 and offsets a, b by 128.
    lab[:, 0] *= 100.0 / 255.0
    lab[:, 1:] -= 128.0
    return lab


@dataclass(frozen=True)
class ClothingContrast:
    """How the clothing in a photo stands against its background.

    ``clothing_share``: share of the photo that is surely person below the chin (neck and
    clothing); ``blending_share``: share of the photo that is person below the chin within
    ``max_delta_e`` of the background colour (skin and hair never are: they are far from white,
    blue or red); ``blends``: ``blending_share`` reaches ``min_share``; ``alternatives``: the
    other allowed background colours the same clothing would not blend with, in the preset's
    order.
    """

    clothing_share: float
    blending_share: float
    blends: bool
    alternatives: tuple[str, ...] = ()


def clothing_contrast(
    image_bgr: Image,
    alpha: Mask,
    chin_y: float,
    face_width: float,
    background_bgr: tuple[int, int, int],
    *,
    max_delta_e: float,
    min_share: float,
    others: dict[str, tuple[int, int, int]] | None = None,
) -> ClothingContrast:
    """Whether clothing the eye cannot tell from the background fills a visible part of the photo.

    Only pixels that are surely person (alpha > 0.95, so the blended rim of any outline does
    not count) from a tenth of a face width below the chin down are looked at; their CIE76
    colour distance to the background decides. The warning is about what the photo shows: a
    white top that shows only as a sliver in the corners does not fire it, one that makes the
    shoulders vanish into a white background does.
    """
    h, w = alpha.shape
    y0 = max(0, min(h, round(chin_y + 0.1 * face_width)))
    sure = alpha[y0:] > 0.95
    area = float(h * w)
    if not sure.any():
        return ClothingContrast(0.0, 0.0, False)
    colours = _lab(image_bgr[y0:][sure])

    def share_near(bgr: tuple[int, int, int]) -> float:
        ref = _lab(np.array([list(bgr)], dtype=np.uint8))[0]
        near = np.linalg.norm(colours - ref, axis=1) <= max_delta_e
        return float(np.count_nonzero(near)) / area

    blending = share_near(background_bgr)
    blends = blending >= min_share
    alternatives: tuple[str, ...] = ()
    if blends and others:
        alternatives = tuple(name for name, bgr in others.items() if share_near(bgr) < min_share)
    return ClothingContrast(float(sure.sum()) / area, blending, blends, alternatives)
