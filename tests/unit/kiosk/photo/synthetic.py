"""Pictures and meshes made from the corpus for the tests: turned heads and recoloured tops.

Made here, from faces the tests already read, so that the refusals and warnings are checked on
cases nobody tuned anything on. Frontal portraits: Face Research Lab London Set, CC-BY 4.0 -
DeBruine, L. & Jones, B. (2017) Face Research Lab London Set,
doi:10.6084/m9.figshare.5047666.v5.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, cast

import cv2
import numpy as np
import numpy.typing as npt

from kiosk.photo.checks import face_mask
from kiosk.photo.face_analysis import CHIN, FaceAnalyzer, FaceObservation
from kiosk.photo.head_pose import rotation_matrix
from kiosk.photo.segmentation import PersonSegmenter

Image = npt.NDArray[np.uint8]
FloatArray = npt.NDArray[np.float64]
MESH_POINTS = 468  # the face mesh without the iris points


def turn_landmarks(landmarks: FloatArray, yaw: float, pitch: float) -> FloatArray:
    """The face mesh turned in 3-D about its centre (orthographic: x, y stay image pixels).

    MediaPipe's depth is scaled like x, so the mesh is a 3-D face in pixel units; turning it
    and keeping x, y is what the mesh of a turned head looks like from afar.
    """
    centre = landmarks[:MESH_POINTS].mean(axis=0)
    turned: FloatArray = (landmarks - centre) @ rotation_matrix(yaw, pitch).T + centre
    return turned


@lru_cache(maxsize=1)
def _triangles() -> npt.NDArray[np.int64]:
    """Triangles of MediaPipe's face-mesh topology (its tessellation edges closed to triangles)."""
    import mediapipe as mp

    solutions: Any = mp.solutions
    edges = solutions.face_mesh_connections.FACEMESH_TESSELATION
    neighbours: dict[int, set[int]] = {}
    for a, b in edges:
        neighbours.setdefault(a, set()).add(b)
        neighbours.setdefault(b, set()).add(a)
    found = {tuple(sorted((a, b, c))) for a, b in edges for c in neighbours[a] & neighbours[b]}
    return np.array(sorted(found), dtype=np.int64)


def _signed_area(p: npt.NDArray[np.float32]) -> float:
    (ax, ay), (bx, by), (cx, cy) = (p[0], p[1], p[2])
    return float((bx - ax) * (cy - ay) - (cx - ax) * (by - ay))


def turn_face_image(image: Image, face: FaceObservation, yaw: float, pitch: float) -> Image:
    """The picture with the face's mesh turned and its texture warped along, far side first.

    Only the face moves (hair, ears and the head's outline stay), so MediaPipe reads a smaller
    turn than the one applied: about 20 degrees for a 35-degree nod.
    """
    source = face.landmarks[:MESH_POINTS]
    turned = turn_landmarks(face.landmarks, yaw, pitch)[:MESH_POINTS]
    out = image.copy()
    triangles = _triangles()
    depth = turned[triangles, 2].mean(axis=1)
    for tri in triangles[np.argsort(-depth)]:  # far side first, near side painted over it
        src = source[tri, :2].astype(np.float32)
        dst = turned[tri, :2].astype(np.float32)
        if _signed_area(src) * _signed_area(dst) <= 0:
            continue  # turned away from the camera
        x, y, w, h = cv2.boundingRect(dst)
        if w < 1 or h < 1:
            continue
        local = dst - np.float32([x, y])
        affine = cv2.getAffineTransform(src, local)
        patch = cv2.warpAffine(image, affine, (w, h), borderMode=cv2.BORDER_REFLECT)
        inside = np.zeros((h, w), np.uint8)
        cv2.fillConvexPoly(inside, np.round(local).astype(np.int32), 1)
        roi = out[y : y + h, x : x + w]
        keep = inside[: roi.shape[0], : roi.shape[1]].astype(bool)
        roi[keep] = patch[: roi.shape[0], : roi.shape[1]][keep]
    return out


def clothing_mask(image: Image, face: FaceObservation, segmenter: PersonSegmenter) -> Image:
    """The top the person wears: person pixels below the chin that are light, grey and unlike
    the face's skin (every corpus portrait wears a white T-shirt; the wall is not person)."""
    person = segmenter.segment(image) > 0.5
    lab = cv2.cvtColor(image, cv2.COLOR_BGR2LAB).astype(np.float32)
    skin = np.median(lab[face_mask(face.landmarks, person.shape) > 0], axis=0)
    light = lab[..., 0] > 170  # OpenCV's 8-bit L: 0-255
    grey = np.hypot(lab[..., 1] - 128, lab[..., 2] - 128) < 12
    unlike_skin = np.linalg.norm(lab - skin, axis=2) > 30
    below = np.zeros(person.shape, bool)
    below[round(face.landmarks[CHIN, 1] + 0.2 * face.face_width) :] = True
    mask = (person & light & grey & unlike_skin & below).astype(np.uint8)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (9, 9))
    return cast(Image, cv2.morphologyEx(mask, cv2.MORPH_OPEN, kernel))


def recolour(image: Image, mask: Image, bgr: tuple[int, int, int]) -> Image:
    """The masked pixels dyed ``bgr``, keeping their shading (folds stay folds)."""
    out = image.copy()
    inside = mask.astype(bool)
    lum = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY).astype(np.float32)[inside]
    shade = lum / max(float(np.median(lum)), 1.0)
    dyed = np.clip(np.array(bgr, np.float32)[None, :] * shade[:, None], 0, 255)
    out[inside] = dyed.astype(np.uint8)
    return out


def analyse(analyzer: FaceAnalyzer, image: Image) -> FaceObservation:
    face = analyzer.analyse(image).primary
    assert face is not None
    return face
