"""Live guidance at the camera: one plain instruction at a time, and where the head belongs.

Each camera frame is shrunk to ``analysis_width`` (640 px for a 1280x720 camera) and analysed
with MediaPipe's short-range face detector (to count people) and the tracking (video-mode) face
mesh with iris; this keeps well above 15 frames per second on the kiosk's 2 cores (see
``bench/photo_pipeline.py``). Only the first failing instruction is given, in this order:

``no_face``, ``one_person``, ``center`` (face partly out of the picture), ``farther`` /
``closer``, ``center`` (head not where the outline is, or the photo's crop would leave the
picture), ``straighten`` (roll), ``look_straight`` (yaw / pitch), ``open_eyes``,
``close_mouth``, ``too_dark`` / ``too_bright``, and ``hold_still`` when all is well.

Hats are not detected: neither the face mesh nor the person mask tells a hat from hair
reliably, so there is no ``take off your hat`` instruction (staff and the result screen's
reference picture cover it).

Head pose is judged over several frames, not one: ``straighten`` and ``look_straight`` follow
the median yaw, pitch and roll of the last ``pose_frames`` frames of the same face
(:class:`PoseWindow`), so one odd frame (a blink, a landmark slip, a quick glance) neither
makes the kiosk say "look straight at the camera" nor stops the countdown; a head that stays
turned for more than half the window does. The limits are the still photo's
(``[quality]``), so what the camera accepts the photo accepts too.

Once a frame is all good, the next frames get a little slack (``hysteresis``,
``hysteresis_deg``) so that a wobble at a limit does not restart the countdown.

Thresholds come from ``[guidance]`` and ``[quality]`` in ``config/photo_presets.toml``. One
:class:`Guidance` per camera stream, used from one worker thread (the mesh tracks the face
from frame to frame; call :meth:`Guidance.reset` when the stream restarts).
"""

from __future__ import annotations

import statistics
import time
from collections import deque
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from kiosk.photo.checks import face_luminance, face_mask, luma
from kiosk.photo.face_analysis import FaceAnalyzer, FaceObservation, downscale
from kiosk.photo.geometry import LANDMARK_CROWN_RATIO
from kiosk.photo.head_pose import HeadPose
from kiosk.photo.presets import PhotoPresets, Preset, load_presets

Image = npt.NDArray[np.uint8]

GUIDE_KEYS = (
    "photo.guide.no_face",
    "photo.guide.one_person",
    "photo.guide.center",
    "photo.guide.farther",
    "photo.guide.closer",
    "photo.guide.straighten",
    "photo.guide.look_straight",
    "photo.guide.open_eyes",
    "photo.guide.close_mouth",
    "photo.guide.too_dark",
    "photo.guide.too_bright",
    "photo.guide.hold_still",
)


@dataclass(frozen=True)
class HeadOutline:
    """Where the head belongs, in frame pixels: an ellipse for the UI to draw.

    ``center`` and ``axes`` (half width, half height) describe the ellipse; ``eye_line_y`` is
    the row the eyes should be on; ``face_width`` the face width aimed for.
    """

    center: tuple[float, float]
    axes: tuple[float, float]
    eye_line_y: float
    face_width: float


@dataclass(frozen=True)
class GuidanceResult:
    """One frame's guidance.

    Attributes:
        message_key: the one instruction to show/say now (a ``photo.guide.*`` key).
        all_ok: True when nothing needs fixing (``message_key`` is ``photo.guide.hold_still``).
        failing: every failing instruction in priority order (``message_key`` is the first).
        face_count: faces seen.
        outline: where the head belongs (frame pixels).
        face_box: the main face's x, y, width, height in frame pixels, if any.
        measurements: numbers behind the decision (face width share, angles, luma, ...).
        elapsed_ms: analysis time of this frame.
    """

    message_key: str
    all_ok: bool
    failing: tuple[str, ...]
    face_count: int
    outline: HeadOutline
    face_box: tuple[float, float, float, float] | None = None
    measurements: dict[str, float] = field(default_factory=dict)
    elapsed_ms: float = 0.0


class PoseWindow:
    """The median head pose of the last ``frames`` frames of one face (see the module doc)."""

    def __init__(self, frames: int) -> None:
        if frames < 1:
            raise ValueError("frames >= 1")
        self._poses: deque[HeadPose] = deque(maxlen=frames)

    def clear(self) -> None:
        """Forgets every frame (no face, another face, the stream restarted)."""
        self._poses.clear()

    def add(self, pose: HeadPose) -> HeadPose:
        """Adds one frame's pose and returns the median over the window (per angle)."""
        self._poses.append(pose)
        return HeadPose(
            yaw=statistics.median(p.yaw for p in self._poses),
            pitch=statistics.median(p.pitch for p in self._poses),
            roll=statistics.median(p.roll for p in self._poses),
        )


def _crop_in_frame(preset: Preset, face: FaceObservation) -> tuple[float, float, float, float]:
    """Approximate (x0, y0, x1, y1) of the photo this face would give, in frame pixels.

    Uses the landmark estimate of the hair top (the mask is not computed live).
    """
    g = preset.geometry
    fw = face.face_width
    span = face.chin[1] - face.forehead[1]
    crown = face.forehead[1] - LANDMARK_CROWN_RATIO * span
    if g.face_width_px is not None:
        target = g.face_width_target_px or sum(g.face_width_px) / 2
        scale = target / max(fw, 1.0)
    else:
        assert g.head_height_frac is not None
        head = (face.chin[1] - crown) / preset.height_px
        scale = (sum(g.head_height_frac) / 2) / max(head, 1e-6)
    if g.hair_top_px is not None:
        above = sum(g.hair_top_px) / 2
    else:
        assert g.crown_top_frac is not None
        above = sum(g.crown_top_frac) / 2 * preset.height_px
    cx = (face.cheek_right[0] + face.cheek_left[0]) / 2
    y0 = crown - above / scale
    half_w = preset.width_px / scale / 2
    return (cx - half_w, y0, cx + half_w, y0 + preset.height_px / scale)


class Guidance:
    """Per-frame guidance for one camera stream (see the module docstring).

    ``preset`` decides the framing (which crop must fit in the picture). Create once per
    stream; :meth:`close` releases the MediaPipe graphs.
    """

    def __init__(
        self, preset: Preset | str | None = None, *, presets: PhotoPresets | None = None
    ) -> None:
        self.presets = presets or load_presets()
        self.preset = preset if isinstance(preset, Preset) else self.presets.preset(preset)
        self.policy = self.presets.guidance
        self.quality = self.presets.quality
        self._faces = self._analyzer()
        self._was_ok = False  # the previous frame needed nothing: limits get some slack
        self._poses = PoseWindow(self.policy.pose_frames)

    def __enter__(self) -> Guidance:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Releases the MediaPipe graphs."""
        self._faces.close()

    def reset(self) -> None:
        """Forgets the tracked face (a new person, or the stream restarted)."""
        self._faces.close()
        self._faces = self._analyzer()
        self._was_ok = False
        self._poses.clear()

    def _analyzer(self) -> FaceAnalyzer:
        return FaceAnalyzer(
            "video",
            analysis_size=self.policy.analysis_width,
            second_face_min_relative_size=self.quality.second_face_min_relative_size,
        )

    def outline(self, width: int, height: int) -> HeadOutline:
        """Where the head belongs in a frame of this size."""
        lo, hi = self.policy.face_width_frac
        fw = (lo + hi) / 2 * height
        cx = self.policy.outline_center[0] * width
        eye_y = self.policy.outline_center[1] * height
        # Head from about 0.9 face widths above the eyes (hair) to 0.83 below (chin).
        top, bottom = eye_y - 0.9 * fw, eye_y + 0.83 * fw
        return HeadOutline(
            center=(cx, (top + bottom) / 2),
            axes=(0.58 * fw, (bottom - top) / 2),
            eye_line_y=eye_y,
            face_width=fw,
        )

    def analyse(self, frame_bgr: Image) -> GuidanceResult:
        """Guidance for one BGR camera frame (any size; 1280x720 expected)."""
        start = time.perf_counter()
        h, w = frame_bgr.shape[:2]
        outline = self.outline(w, h)
        analysis = self._faces.analyse(frame_bgr)
        face = analysis.primary
        failing: list[str] = []
        measurements: dict[str, float] = {"faces": float(analysis.face_count)}
        if face is None or analysis.face_count != 1:
            self._poses.clear()  # nobody, or not one person: the next face starts afresh
        if analysis.face_count == 0 or face is None:
            failing.append("photo.guide.no_face")
        elif analysis.face_count > 1:
            failing.append("photo.guide.one_person")
        if face is not None:
            failing += self._face_problems(frame_bgr, face, outline, measurements)
        if not failing:
            failing.append("photo.guide.hold_still")
        key = failing[0]
        ok = key == "photo.guide.hold_still"
        self._was_ok = ok
        return GuidanceResult(
            message_key=key,
            all_ok=ok,
            failing=tuple(failing) if not ok else (),
            face_count=analysis.face_count,
            outline=outline,
            face_box=face.box if face is not None else None,
            measurements=measurements,
            elapsed_ms=(time.perf_counter() - start) * 1000,
        )

    def _face_problems(
        self,
        frame: Image,
        face: FaceObservation,
        outline: HeadOutline,
        m: dict[str, float],
    ) -> list[str]:
        p, q = self.policy, self.quality
        h, w = frame.shape[:2]
        problems: list[str] = []
        points = face.landmarks[:, :2]
        margin = p.frame_margin_frac * h
        partly_out = bool(
            (points[:, 0] < margin).any()
            or (points[:, 0] > w - 1 - margin).any()
            or (points[:, 1] < margin).any()
            or (points[:, 1] > h - 1 - margin).any()
        )
        fw_frac = face.face_width / h
        m.update(face_width_frac=fw_frac, face_width_px=face.face_width)
        lo, hi = p.face_width_frac
        # Once all is well, small wobbles must not restart the countdown: widen the limits.
        slack = p.hysteresis if self._was_ok else 0.0
        lo, hi = lo * (1 - slack), hi * (1 + slack)
        x0, y0, x1, y1 = _crop_in_frame(self.preset, face)
        crop_out = x0 < margin or y0 < margin or x1 > w - margin or y1 > h - margin
        crop_too_tall = (y1 - y0) > h - 2 * margin
        if partly_out and not fw_frac > hi:
            problems.append("photo.guide.center")
        if fw_frac > hi or crop_too_tall:
            problems.append("photo.guide.farther")
        elif fw_frac < lo or face.face_width < p.min_face_px:
            problems.append("photo.guide.closer")
        eye_y = face.eye_center[1]
        cx = (face.cheek_right[0] + face.cheek_left[0]) / 2
        dx = (cx - outline.center[0]) / face.face_width
        dy = (eye_y - outline.eye_line_y) / face.face_width
        m.update(offset_x=dx, offset_y=dy)
        tolerance = p.center_tolerance * (1 + slack)
        off = abs(dx) > tolerance or abs(dy) > tolerance
        if (off or crop_out) and "photo.guide.center" not in problems:
            problems.append("photo.guide.center")
        pose = self._poses.add(face.pose)
        m.update(yaw=pose.yaw, pitch=pose.pitch, roll=pose.roll)
        m.update(frame_yaw=face.pose.yaw, frame_pitch=face.pose.pitch, frame_roll=face.pose.roll)
        extra_deg = p.hysteresis_deg if self._was_ok else 0.0
        if abs(pose.roll) > q.max_roll_deg + extra_deg:
            problems.append("photo.guide.straighten")
        yaw_limit, pitch_limit = q.max_yaw_deg + extra_deg, q.max_pitch_deg + extra_deg
        if abs(pose.yaw) > yaw_limit or abs(pose.pitch) > pitch_limit:
            problems.append("photo.guide.look_straight")
        m.update(eye_openness=face.eye_openness, mouth_openness=face.mouth_openness)
        if face.eye_openness < q.min_eye_openness:
            problems.append("photo.guide.open_eyes")
        if face.mouth_openness > q.max_mouth_openness:
            problems.append("photo.guide.close_mouth")
        small, factor = downscale(frame, p.analysis_width)
        landmarks = face.landmarks * factor
        gray = luma(small)
        median, clipped = face_luminance(gray, face_mask(landmarks, (gray.shape[0], gray.shape[1])))
        m.update(face_luminance=median, clipped=clipped)
        if median < p.dark_luminance:
            problems.append("photo.guide.too_dark")
        elif median > p.bright_luminance or clipped > q.max_clipped_fraction:
            problems.append("photo.guide.too_bright")
        return problems
