"""Head pose (yaw, pitch, roll in degrees) from MediaPipe face-mesh landmarks.

Yaw and pitch come from a perspective fit (``cv2.solvePnP``) of a small reference head to the
mesh's 2-D points. The reference is 16 vertices of MediaPipe's canonical face model
(``mediapipe/modules/face_geometry/data/canonical_face_model.obj``, Apache-2.0; the
coordinates below are those vertices, rounded), so "frontal" means what that model calls
frontal: nothing here is fitted to any photo. The camera is a pinhole with the principal point
at the picture's centre and, unless the caller knows better, a focal length equal to the
picture's longer side (a horizontal field of view of about 53 degrees, like the kiosk's webcam
and most phones).

Roll is measured from the pupils, since that is the line the photo levels.

Sign conventions, as seen in the image: yaw > 0 when the nose points to the image's right;
pitch > 0 when the chin is lowered; roll > 0 when the eye line falls to the image's right
(clockwise).

What the estimate is worth (``bench/photo_pipeline.py`` prints it): on the 51 frontal studio
portraits of the corpus, taken straight on, yaw reads 0.2 ± 2.3 degrees and pitch -0.2 ± 3.5
degrees (mean ± standard deviation; the estimator before issue 14 read 0.1 ± 2.5 and
0.0 ± 4.1). That spread is not noise that more points or
more frames remove: a longer forehead, a deeper-set jaw or a head held a little high reads as
pitch. Two choices lower it, both decided by geometry rather than by the corpus:

* the top of the forehead (10) and the chin (152) are left out: where MediaPipe puts them
  follows the length of the face and the hairline more than the head's tilt, and being the
  points farthest from the centre they steer the fit most;
* no 3-D (Kabsch) fit to MediaPipe's own depth values: its depth is a guess of the network
  and was the noisier estimate (pitch ± 4.6 degrees against ± 3.5 from the 2-D fit), and
  averaging with the mirrored picture did not lower the spread either (measured).

The limits in ``config/photo_presets.toml`` are set with this spread in mind.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import cast

import cv2
import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

# Canonical-model vertices: x to the subject's right is negative, y up, z toward the viewer.
_MIDLINE = {
    1: (0.0, -1.1269, 7.4756),  # nose tip
    4: (0.0, -0.4632, 7.5866),
    6: (0.0, 2.4733, 5.7886),
    168: (0.0, 3.2710, 5.2360),  # between the eyes
}
# (subject's right index, mirror index): x of the mirror is the negation.
_PAIRS = {
    (33, 263): (-4.4459, 2.6640, 3.1734),  # outer eye corners
    (133, 362): (-1.8564, 2.5852, 3.7579),  # inner eye corners
    (61, 291): (-2.4562, -4.3426, 4.2839),  # mouth corners
    (234, 454): (-7.6642, 0.6731, -2.4359),  # face contour at the ears
    (172, 397): (-5.9405, -6.2236, -0.6315),  # jaw
    (21, 251): (-7.0880, 5.4348, 0.0996),  # temples
}


def _reference() -> tuple[list[int], FloatArray]:
    indices: list[int] = []
    points: list[tuple[float, float, float]] = []
    for index, point in _MIDLINE.items():
        indices.append(index)
        points.append(point)
    for (right, left), (x, y, z) in _PAIRS.items():
        indices += [right, left]
        points += [(x, y, z), (-x, y, z)]
    # To image axes: x right, y down, z away from the camera (as MediaPipe reports z).
    model = np.asarray(points, dtype=np.float64) * np.array([1.0, -1.0, -1.0])
    return indices, model


REFERENCE_INDICES, REFERENCE_MODEL = _reference()
RIGHT_PUPIL = 468  # the subject's right pupil (image left)
LEFT_PUPIL = 473
_NO_DISTORTION = np.zeros(4, np.float64)


@dataclass(frozen=True)
class HeadPose:
    """Yaw, pitch and roll in degrees (signs: see the module docstring)."""

    yaw: float
    pitch: float
    roll: float


def euler(rotation: FloatArray) -> tuple[float, float]:
    """(yaw, pitch) of a rotation taking the reference head to the observed one."""
    yaw = -math.degrees(math.asin(max(-1.0, min(1.0, -float(rotation[2, 0])))))
    pitch = math.degrees(math.atan2(float(rotation[2, 1]), float(rotation[2, 2])))
    return yaw, pitch


def rotation_matrix(yaw: float, pitch: float, roll: float = 0.0) -> FloatArray:
    """The rotation (image axes) whose :func:`euler` is (yaw, pitch), then rolled in the image.

    Used to make turned heads from a frontal mesh (tests, bench); ``roll`` turns about the
    camera axis, clockwise as seen in the image for positive values.
    """
    a, b, c = (math.radians(v) for v in (yaw, pitch, roll))
    turn = np.array([[math.cos(a), 0, -math.sin(a)], [0, 1, 0], [math.sin(a), 0, math.cos(a)]])
    nod = np.array([[1, 0, 0], [0, math.cos(b), -math.sin(b)], [0, math.sin(b), math.cos(b)]])
    tilt = np.array([[math.cos(c), -math.sin(c), 0], [math.sin(c), math.cos(c), 0], [0, 0, 1]])
    return cast(FloatArray, tilt @ nod @ turn)


def _pnp(observed_2d: FloatArray, width: int, height: int, focal: float) -> FloatArray | None:
    camera = np.array([[focal, 0, width / 2], [0, focal, height / 2], [0, 0, 1]], np.float64)
    ok, rvec, _ = cv2.solvePnP(
        REFERENCE_MODEL,
        np.ascontiguousarray(observed_2d, dtype=np.float64),
        camera,
        _NO_DISTORTION,
        flags=cv2.SOLVEPNP_ITERATIVE,
    )
    if not ok:
        return None
    rotation, _ = cv2.Rodrigues(rvec)
    return cast(FloatArray, rotation)


def roll_from_pupils(landmarks: FloatArray) -> float:
    """Angle of the line from the image-left pupil to the image-right pupil, in degrees."""
    dx, dy = landmarks[LEFT_PUPIL, :2] - landmarks[RIGHT_PUPIL, :2]
    return math.degrees(math.atan2(float(dy), float(dx)))


def estimate_head_pose(
    landmarks: FloatArray, width: int, height: int, *, focal_px: float | None = None
) -> HeadPose:
    """Pose from a (N>=478, 2 or 3) array of landmarks in image pixels.

    ``width``, ``height``: the picture the landmarks are in; ``focal_px``: the camera's focal
    length in those pixels (default: the longer side). Yaw and pitch are NaN if the fit fails.
    """
    focal = focal_px if focal_px is not None else float(max(width, height))
    rotation = _pnp(landmarks[REFERENCE_INDICES, :2], width, height, focal)
    yaw, pitch = euler(rotation) if rotation is not None else (math.nan, math.nan)
    return HeadPose(yaw=yaw, pitch=pitch, roll=roll_from_pupils(landmarks))
