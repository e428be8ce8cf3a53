"""Faces in a picture: how many, where, which way they look, eyes and mouth.

Why MediaPipe and not OpenCV's Haar cascades: a Haar cascade is faster (2-6 ms against 28-47 ms
for our whole analysis on this 2-core machine, see MEASURED.md) but gives only a box. The
resident-ID rules need much more than a box: the pupils (eye line >= 207 px above the bottom),
the cheek contour (face width 207 ± 14 px), the chin, eyelids and lips (eyes open, mouth
closed) and a head pose (:mod:`kiosk.photo.head_pose`). MediaPipe's face mesh with iris
refinement gives 478 landmarks (pupil error 2-6 px on the 1350 px corpus portraits, against
the hand-placed ``.tem`` points), its full-range detector finds the second, smaller face of
the two-faces negative that the short-range one misses, and both models ship inside the installed
``mediapipe`` 0.10.21 wheel: nothing is downloaded at run time.

Cost: the MediaPipe graphs take tens of milliseconds to build, so an :class:`FaceAnalyzer` is
created once and reused. Threading: one analyser serves **one worker thread at a time**; every
call takes an internal lock, so a second thread blocks rather than corrupting the graph, but
the graphs keep per-stream state (video mode tracks the face between frames), so give each
stream (camera guidance, still photos) its own analyser.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Literal, Self, cast

import cv2
import numpy as np
import numpy.typing as npt

from kiosk.photo.head_pose import (
    LEFT_PUPIL,
    RIGHT_PUPIL,
    HeadPose,
    estimate_head_pose,
    roll_from_pupils,
)

FloatArray = npt.NDArray[np.float64]
Image = npt.NDArray[np.uint8]
Point = tuple[float, float]

# Face-mesh landmark indices (MediaPipe's canonical topology).
CHEEK_RIGHT = 234  # subject's right face contour at the ear (image left)
CHEEK_LEFT = 454
CHIN = 152
FOREHEAD = 10
NOSE_TIP = 1
MOUTH_RIGHT = 61
MOUTH_LEFT = 291
LIP_UPPER_INNER = 13
LIP_LOWER_INNER = 14
# Eyes: (outer corner, inner corner, [(upper lid, lower lid), ...]).
_EYE_RIGHT = (33, 133, [(160, 144), (159, 145), (158, 153)])
_EYE_LEFT = (263, 362, [(387, 373), (386, 374), (385, 380)])
# Points outlining the face oval (for face masks, clockwise from the forehead).
FACE_OVAL = (
    10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377,
    152, 148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109,
)  # fmt: skip


@dataclass(frozen=True)
class FaceObservation:
    """One face, in the input image's pixel coordinates.

    Attributes:
        box: x, y, width, height of the landmarks' bounding box.
        score: detector confidence (0-1), or 0.0 when only the mesh saw the face.
        landmarks: (478, 3) array; x, y in pixels, z (depth) scaled like x.
        pupil_right, pupil_left: the subject's right (image left) and left pupil centres.
        cheek_right, cheek_left: face contour points used for the face width.
        chin, forehead, nose_tip, mouth_center: single points.
        face_width: distance between the cheek points, in pixels.
        pose: yaw, pitch, roll in degrees (see :mod:`kiosk.photo.head_pose`).
        eye_openness: the less open eye, eyelid gap / eye width (open: about 0.2-0.4).
        mouth_openness: inner-lip gap / mouth width (closed: below about 0.05).
    """

    box: tuple[float, float, float, float]
    score: float
    landmarks: FloatArray
    pupil_right: Point
    pupil_left: Point
    cheek_right: Point
    cheek_left: Point
    chin: Point
    forehead: Point
    nose_tip: Point
    mouth_center: Point
    face_width: float
    pose: HeadPose
    eye_openness: float
    mouth_openness: float

    @property
    def eye_center(self) -> Point:
        """Midpoint of the two pupils."""
        return (
            (self.pupil_right[0] + self.pupil_left[0]) / 2,
            (self.pupil_right[1] + self.pupil_left[1]) / 2,
        )


@dataclass(frozen=True)
class FaceAnalysis:
    """Every face found; ``faces[0]`` is the largest. ``face_count`` counts detector hits too."""

    faces: tuple[FaceObservation, ...]
    face_count: int
    image_size: tuple[int, int]

    @property
    def primary(self) -> FaceObservation | None:
        """The largest face, if any."""
        return self.faces[0] if self.faces else None


def _pt(landmarks: FloatArray, index: int) -> Point:
    return (float(landmarks[index, 0]), float(landmarks[index, 1]))


def _dist(landmarks: FloatArray, a: int, b: int) -> float:
    return float(np.linalg.norm(landmarks[a, :2] - landmarks[b, :2]))


def eye_openness(landmarks: FloatArray) -> float:
    """The smaller of the two eyes' eyelid gap / eye width ratios."""
    ratios = []
    for outer, inner, lids in (_EYE_RIGHT, _EYE_LEFT):
        width = _dist(landmarks, outer, inner)
        gap = float(np.mean([_dist(landmarks, up, down) for up, down in lids]))
        ratios.append(gap / width if width > 0 else 0.0)
    return min(ratios)


def mouth_openness(landmarks: FloatArray) -> float:
    """Gap between the inner lips / mouth width."""
    width = _dist(landmarks, MOUTH_RIGHT, MOUTH_LEFT)
    gap = _dist(landmarks, LIP_UPPER_INNER, LIP_LOWER_INNER)
    return gap / width if width > 0 else 0.0


def observe(
    landmarks: FloatArray,
    width: int,
    height: int,
    score: float = 0.0,
    *,
    pose: HeadPose | None = None,
) -> FaceObservation:
    """Builds a :class:`FaceObservation` from (478, 3) pixel landmarks.

    ``pose``: use this pose instead of estimating one from the landmarks.
    """
    xs, ys = landmarks[:, 0], landmarks[:, 1]
    x0, y0 = float(xs.min()), float(ys.min())
    mouth = (landmarks[MOUTH_RIGHT, :2] + landmarks[MOUTH_LEFT, :2]) / 2
    return FaceObservation(
        box=(x0, y0, float(xs.max()) - x0, float(ys.max()) - y0),
        score=score,
        landmarks=landmarks,
        pupil_right=_pt(landmarks, RIGHT_PUPIL),
        pupil_left=_pt(landmarks, LEFT_PUPIL),
        cheek_right=_pt(landmarks, CHEEK_RIGHT),
        cheek_left=_pt(landmarks, CHEEK_LEFT),
        chin=_pt(landmarks, CHIN),
        forehead=_pt(landmarks, FOREHEAD),
        nose_tip=_pt(landmarks, NOSE_TIP),
        mouth_center=(float(mouth[0]), float(mouth[1])),
        face_width=_dist(landmarks, CHEEK_RIGHT, CHEEK_LEFT),
        pose=pose if pose is not None else estimate_head_pose(landmarks, width, height),
        eye_openness=eye_openness(landmarks),
        mouth_openness=mouth_openness(landmarks),
    )


def map_observation(face: FaceObservation, affine: FloatArray) -> FaceObservation:
    """The same face in another picture: landmarks through a 2x3 affine (rotation, scale, shift).

    Yaw and pitch are the head's and stay; roll is measured again from the mapped pupils (what
    is left of the tilt after levelling). Depth is scaled with the picture.
    """
    scale = float(np.sqrt(abs(np.linalg.det(affine[:, :2]))))
    mapped = face.landmarks.copy()
    mapped[:, :2] = face.landmarks[:, :2] @ affine[:, :2].T + affine[:, 2]
    mapped[:, 2] = face.landmarks[:, 2] * scale
    pose = HeadPose(face.pose.yaw, face.pose.pitch, roll_from_pupils(mapped))
    return observe(mapped, 0, 0, face.score, pose=pose)


def downscale(image: Image, max_side: int) -> tuple[Image, float]:
    """The image shrunk to a longer side of about ``max_side``, and the factor used (< 1).

    Where a whole-number reduction lands within 25 % above ``max_side`` (1280 -> 640,
    1350 -> 675, 1536 -> 768) it is used: area averaging over whole blocks is OpenCV's fast
    path, ten times quicker than an arbitrary ratio. The last rows and columns that do not
    fill a block (fewer than the factor) are dropped; pixel ``(i, j)`` of the result covers
    input pixels ``[i/f, (i+1)/f)``, so input = (small + 0.5) / f - 0.5 either way.
    """
    h, w = image.shape[:2]
    side = max(h, w)
    if side <= max_side:
        return image, 1.0
    k = round(side / max_side)
    if k >= 2 and side / k <= 1.25 * max_side:
        hh, ww = h - h % k, w - w % k
        small = cv2.resize(image[:hh, :ww], (ww // k, hh // k), interpolation=cv2.INTER_AREA)
        return cast(Image, small), 1.0 / k
    factor = max_side / side
    size = (max(1, round(w * factor)), max(1, round(h * factor)))
    return cast(Image, cv2.resize(image, size, interpolation=cv2.INTER_AREA)), factor


class GraphHolder:
    """Holds MediaPipe graphs until :meth:`close`; ``with holder:`` closes it at the end."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Releases the graphs."""
        raise NotImplementedError


class FaceAnalyzer(GraphHolder):
    """Face detection + face mesh (with iris) from the installed MediaPipe models.

    ``mode="still"``: full-range detector (finds small second faces) and a static-image mesh
    (no tracking). ``mode="video"``: short-range detector and a tracking mesh, for camera
    frames in order. Create once, reuse, :meth:`close` at the end (or use ``with``). One worker
    thread at a time (calls are serialised by a lock; see the module docstring).
    """

    def __init__(
        self,
        mode: Literal["still", "video"] = "still",
        *,
        analysis_size: int = 640,
        min_confidence: float = 0.5,
        second_face_min_relative_size: float = 0.25,
    ) -> None:
        import mediapipe as mp

        self.mode = mode
        self.analysis_size = analysis_size
        self.min_confidence = min_confidence
        self.second_face_min_relative_size = second_face_min_relative_size
        solutions: Any = mp.solutions
        self._detector: Any = solutions.face_detection.FaceDetection(
            model_selection=1 if mode == "still" else 0,
            min_detection_confidence=min_confidence,
        )
        self._mesh: Any = solutions.face_mesh.FaceMesh(
            static_image_mode=mode == "still",
            max_num_faces=2 if mode == "still" else 1,
            refine_landmarks=True,
            min_detection_confidence=min_confidence,
            min_tracking_confidence=0.5,
        )
        self._lock = threading.Lock()
        self._closed = False

    def close(self) -> None:
        """Releases the MediaPipe graphs (idempotent)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            for graph in (self._detector, self._mesh):
                graph.close()

    def _mesh_landmarks(self, mesh: Any, rgb: Image, factor: float) -> list[FloatArray]:
        """Landmarks in input pixels (``factor``: analysed image size / input size)."""
        result = mesh.process(rgb)
        h, w = rgb.shape[:2]
        scale = np.array([w / factor, h / factor, w / factor], dtype=np.float64)
        faces: list[FloatArray] = []
        for face in result.multi_face_landmarks or []:
            arr = np.array([(p.x, p.y, p.z) for p in face.landmark], dtype=np.float64)
            faces.append(arr * scale)
        return faces

    def count_faces(self, rgb: Image) -> tuple[int, list[float]]:
        """Detector hits on an RGB image: (count of plausible faces, relative widths)."""
        result = self._detector.process(rgb)
        widths = []
        for det in result.detections or []:
            if float(det.score[0]) >= self.min_confidence:
                widths.append(float(det.location_data.relative_bounding_box.width))
        if not widths:
            return 0, []
        largest = max(widths)
        kept = [w for w in widths if w >= largest * self.second_face_min_relative_size]
        return len(kept), kept

    def analyse(self, image_bgr: Image) -> FaceAnalysis:
        """Faces in a BGR image (landmarks in its own pixel coordinates)."""
        h_in, w_in = image_bgr.shape[:2]
        small, factor = downscale(image_bgr, self.analysis_size)
        rgb = cast(Image, cv2.cvtColor(small, cv2.COLOR_BGR2RGB))
        with self._lock:
            if self._closed:
                raise RuntimeError("FaceAnalyzer is closed")
            detected, _ = self.count_faces(rgb)
            meshes = self._mesh_landmarks(self._mesh, rgb, factor)
        faces = [observe(lm, w_in, h_in) for lm in meshes]
        faces.sort(key=lambda f: f.face_width, reverse=True)
        return FaceAnalysis(
            faces=tuple(faces), face_count=max(detected, len(faces)), image_size=(w_in, h_in)
        )
