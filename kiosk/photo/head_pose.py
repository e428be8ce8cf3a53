"""Head pose (yaw, pitch, roll in degrees) from MediaPipe face-mesh landmarks.

Two estimates are averaged, both against the same small reference head: 18 points of
MediaPipe's canonical face model (``mediapipe/modules/face_geometry/data/
canonical_face_model.obj``, Apache-2.0; the coordinates below are those vertices, rounded):

* a rigid 3-D fit (Kabsch) of the reference to the mesh's own x, y, z, and
* a perspective fit (``cv2.solvePnP``) of the reference to the 2-D points only.

Sign conventions, as seen in the image: yaw > 0 when the nose points to the image's right;
pitch > 0 when the chin is lowered; roll > 0 when the eye line falls to the image's right
(clockwise). Roll is measured from the pupils, since that is the line the photo levels.

Measured on the 12 lab portraits of the corpus (all meant to be frontal), the two methods
disagree by up to ~2.5 degrees and the mesh of a mirrored image differs by up to ~1.5 degrees:
treat single estimates as good to about ±2 degrees. The still pipeline therefore also averages
with the mirrored image (see ``combine_mirrored``).
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
    10: (0.0, 8.2618, 4.4815),  # top of the forehead
    152: (0.0, -9.4034, 4.2645),  # chin
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


REFERENCE_INDICES, _REFERENCE = _reference()
RIGHT_PUPIL = 468  # the subject's right pupil (image left)
LEFT_PUPIL = 473


@dataclass(frozen=True)
class HeadPose:
    """Yaw, pitch and roll in degrees (signs: see the module docstring)."""

    yaw: float
    pitch: float
    roll: float


def _euler(rotation: FloatArray) -> tuple[float, float]:
    """(yaw, pitch) of a rotation taking the reference head to the observed one."""
    yaw = -math.degrees(math.asin(max(-1.0, min(1.0, -float(rotation[2, 0])))))
    pitch = math.degrees(math.atan2(float(rotation[2, 1]), float(rotation[2, 2])))
    return yaw, pitch


def _kabsch(observed: FloatArray) -> FloatArray:
    a = _REFERENCE - _REFERENCE.mean(axis=0)
    b = observed - observed.mean(axis=0)
    u, _, vt = np.linalg.svd(a.T @ b)
    d = float(np.sign(np.linalg.det(vt.T @ u.T))) or 1.0
    return cast(FloatArray, vt.T @ np.diag([1.0, 1.0, d]) @ u.T)


def _pnp(observed_2d: FloatArray, width: int, height: int) -> FloatArray | None:
    focal = float(max(width, height))
    camera = np.array([[focal, 0, width / 2], [0, focal, height / 2], [0, 0, 1]], np.float64)
    no_distortion = np.zeros(4, np.float64)
    ok, rvec, _ = cv2.solvePnP(
        _REFERENCE,
        observed_2d.astype(np.float64),
        camera,
        no_distortion,
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


def estimate_head_pose(landmarks: FloatArray, width: int, height: int) -> HeadPose:
    """Pose from a (N>=478, 3) array of landmarks in image pixels (z scaled like x)."""
    observed = landmarks[REFERENCE_INDICES]
    yaw, pitch = _euler(_kabsch(observed))
    rotation = _pnp(observed[:, :2], width, height)
    if rotation is not None:
        yaw2, pitch2 = _euler(rotation)
        yaw, pitch = (yaw + yaw2) / 2, (pitch + pitch2) / 2
    return HeadPose(yaw=yaw, pitch=pitch, roll=roll_from_pupils(landmarks))


def combine_mirrored(pose: HeadPose, mirrored: HeadPose) -> HeadPose:
    """Averages a pose with the pose measured on the mirrored image (cancels left/right bias)."""
    return HeadPose(
        yaw=(pose.yaw - mirrored.yaw) / 2,
        pitch=(pose.pitch + mirrored.pitch) / 2,
        roll=pose.roll,
    )
