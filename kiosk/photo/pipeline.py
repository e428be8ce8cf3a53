"""The still pipeline: one camera picture in, a compliant ID photo (or a refusal with reasons) out.

Stages (each timed, for ``bench/photo_pipeline.py``):

``analyse``  faces, landmarks, pose, eyes, mouth (MediaPipe)
``segment``  person mask around the head (MediaPipe selfie segmentation, general model)
``layout``   level the eyes, find the top of the hair, choose scale and position (geometry.py)
``render``   crop first: only the part of the picture that lands in the photo is shrunk
             (area averaging) and warped, straight to the output size; the mask edge is
             refined there and the background replaced (or, in plain-backdrop mode, only
             cropped)
``encode``   JPEG within the preset's byte budget
``measure``  every output rule and quality check: geometry from the analysis' landmarks
             mapped through the transform (the face is not searched for again), the top of
             the hair from the rendered mask, exposure, sharpness and background on the
             decoded JPEG itself

A photo is produced only when every check passes; otherwise ``jpeg`` is None and ``reasons``
holds stable codes (``photo.reason.<code>`` in the translations). Nothing is written to disk
and nothing about the picture is logged.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import cast

import cv2
import numpy as np
import numpy.typing as npt

from kiosk.photo.checks import (
    Check,
    FloatArray,
    Image,
    Mask,
    background_std,
    clothing_contrast,
    face_luminance,
    face_mask,
    lighting_balance,
    luma,
    pose_checks,
    sharpness,
    within,
)
from kiosk.photo.face_analysis import (
    FACE_OVAL,
    FaceAnalyzer,
    FaceObservation,
    GraphHolder,
    downscale,
    map_observation,
)
from kiosk.photo.geometry import (
    Layout,
    beside_or_above_input,
    compose,
    find_hair_top,
    invert,
    maps_inside,
    person_cut_by_edge,
    plan_layout,
    top_of_head,
    upright_face,
)
from kiosk.photo.jpeg import encode_within_budget
from kiosk.photo.presets import PhotoPresets, Preset, load_presets
from kiosk.photo.segmentation import PersonSegmenter, composite, refine_alpha

SEGMENT_MAX_SIDE = 512  # the head crop is shrunk to this before segmentation
PRESHRINK_BELOW = 0.75  # a stronger reduction is done by area averaging before the warp
REPLAN_DRIFT_PX = 1.5  # re-place the head when the rendered hair top moved more than this


@dataclass(frozen=True)
class PhotoResult:
    """What the still pipeline made of one picture.

    Attributes:
        ok: every check passed and ``jpeg`` holds the photo.
        reasons: stable refusal codes (empty when ok), in check order, without repeats.
        checks: every check made (a refusal may stop before the later ones).
        warnings: codes to show the resident without refusing (``clothing_blends_background``,
            ``hair_top_estimated``).
        jpeg: the photo's bytes, only when ok.
        size: output (width, height) in pixels.
        transform: 2x3 affine mapping input pixel coordinates to output pixel coordinates
            (OpenCV convention: pixel centres at integers), or None if no layout was made.
        preset_id, background, background_replaced: what was asked for.
        hair_top_source: ``mask`` or ``landmarks`` (fallback), or "" if not reached.
        suggested_backgrounds: with ``clothing_blends_background``, the other background
            colours the preset allows that the clothing would stand out against (may be empty).
        timings_ms: milliseconds per stage (see the module docstring) and ``total``.
        image_bgr: the photo as decoded from ``jpeg`` (for the preview), only when ok.
        alpha: the person mask of the photo (1 = person, float 0-1), only when ok.
    """

    ok: bool
    reasons: tuple[str, ...]
    checks: tuple[Check, ...]
    warnings: tuple[str, ...]
    jpeg: bytes | None
    size: tuple[int, int]
    transform: list[list[float]] | None
    preset_id: str
    background: str
    background_replaced: bool
    hair_top_source: str = ""
    suggested_backgrounds: tuple[str, ...] = ()
    timings_ms: dict[str, float] = field(default_factory=dict)
    image_bgr: Image | None = None
    alpha: Mask | None = None

    @property
    def bytes(self) -> int:
        """Size of the JPEG (0 when refused)."""
        return len(self.jpeg) if self.jpeg is not None else 0

    def check(self, name: str) -> Check | None:
        """The check called ``name``, if it was made."""
        return next((c for c in self.checks if c.name == name), None)

    def report(self) -> dict[str, object]:
        """The JSON report: ok, reasons, checks, warnings, size, bytes, transform, ..."""
        return {
            "ok": self.ok,
            "preset": self.preset_id,
            "reasons": list(self.reasons),
            "checks": [c.as_dict() for c in self.checks],
            "warnings": list(self.warnings),
            "size": [self.size[0], self.size[1]],
            "bytes": self.bytes,
            "transform": self.transform,
            "background": self.background,
            "background_replaced": self.background_replaced,
            "hair_top_source": self.hair_top_source,
            "suggested_backgrounds": list(self.suggested_backgrounds),
            "timings_ms": {k: round(v, 2) for k, v in self.timings_ms.items()},
        }


class _Run:
    """Mutable state of one pipeline run (checks, warnings, timings)."""

    def __init__(self) -> None:
        self.checks: list[Check] = []
        self.warnings: list[str] = []
        self.timings: dict[str, float] = {}
        self.start = time.perf_counter()

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.timings[name] = self.timings.get(name, 0.0) + (time.perf_counter() - t0) * 1000

    def add(self, check: Check) -> Check:
        self.checks.append(check)
        return check

    def reasons(self) -> tuple[str, ...]:
        seen: list[str] = []
        for c in self.checks:
            if not c.passed and c.reason and c.reason not in seen:
                seen.append(c.reason)
        return tuple(seen)


def _as_bgr(picture: npt.NDArray[np.generic]) -> Image:
    if picture.dtype != np.uint8:
        raise ValueError("expected an 8-bit image")
    image = cast(Image, picture)
    if image.ndim == 2:
        return cast(Image, cv2.cvtColor(image, cv2.COLOR_GRAY2BGR))
    if image.ndim == 3 and image.shape[2] == 4:
        return cast(Image, cv2.cvtColor(image, cv2.COLOR_BGRA2BGR))
    if image.ndim == 3 and image.shape[2] == 3:
        return image
    raise ValueError("expected a BGR, BGRA or grey image")


class IdPhotoMaker(GraphHolder):
    """Makes ID photos. Holds the MediaPipe graphs: create once, reuse, :meth:`close`.

    One photo at a time: :meth:`make` takes an internal lock, so calls from several threads are
    serialised (intended use: one worker thread).
    """

    def __init__(
        self,
        presets: PhotoPresets | None = None,
        *,
        analysis_size: int = 640,
        refine_edges: bool = True,
        decontaminate: bool = True,
    ) -> None:
        self.presets = presets or load_presets()
        self.analysis_size = analysis_size
        self.refine_edges = refine_edges  # False: the coarse mask as is (for measurements)
        self.decontaminate = decontaminate
        self._faces: FaceAnalyzer | None = None
        self._segmenter: PersonSegmenter | None = None
        self._lock = threading.Lock()

    def close(self) -> None:
        """Releases the MediaPipe graphs (they are rebuilt if the maker is used again)."""
        with self._lock:
            if self._faces is not None:
                self._faces.close()
                self._faces = None
            if self._segmenter is not None:
                self._segmenter.close()
                self._segmenter = None

    def _analyzers(self) -> tuple[FaceAnalyzer, PersonSegmenter]:
        if self._faces is None:
            self._faces = FaceAnalyzer(
                "still",
                analysis_size=self.analysis_size,
                second_face_min_relative_size=self.presets.quality.second_face_min_relative_size,
            )
        if self._segmenter is None:
            self._segmenter = PersonSegmenter("general")
        return self._faces, self._segmenter

    def make(
        self,
        image_bgr: npt.NDArray[np.generic],
        preset: Preset | str | None = None,
        *,
        replace_background: bool | None = None,
        background: str | None = None,
    ) -> PhotoResult:
        """One ID photo from one picture (see :func:`make_id_photo`)."""
        if not isinstance(preset, Preset):
            preset = self.presets.preset(preset)
        replace = preset.replace_background if replace_background is None else replace_background
        bg_name = background or preset.background
        if bg_name not in preset.backgrounds_allowed:
            raise ValueError(f"background {bg_name!r} is not allowed for preset {preset.id!r}")
        with self._lock:
            faces, segmenter = self._analyzers()
            pipeline = _Pipeline(self.presets, preset, replace, bg_name, faces, segmenter)
            pipeline.refine_edges, pipeline.decontaminate = self.refine_edges, self.decontaminate
            return pipeline.run(_as_bgr(image_bgr))


class _Pipeline:
    """One run of the still pipeline (see the module docstring for the stages)."""

    def __init__(
        self,
        presets: PhotoPresets,
        preset: Preset,
        replace: bool,
        bg_name: str,
        faces: FaceAnalyzer,
        segmenter: PersonSegmenter,
    ) -> None:
        self.presets = presets
        self.preset = preset
        self.quality = presets.quality
        self.replace = replace
        self.bg_name = bg_name
        self.bg_bgr = presets.background_bgr(bg_name)
        self.faces = faces
        self.segmenter = segmenter
        self.run_state = _Run()
        self.size = (preset.width_px, preset.height_px)
        self.relax_hair = False  # set when the preset lets the eye rule win over the hair rule
        self.suggested_backgrounds: tuple[str, ...] = ()
        self.refine_edges = True
        self.decontaminate = True

    def _result(
        self,
        jpeg: bytes | None = None,
        layout: Layout | None = None,
        hair_source: str = "",
        image: Image | None = None,
        alpha: Mask | None = None,
    ) -> PhotoResult:
        run = self.run_state
        run.timings["total"] = (time.perf_counter() - run.start) * 1000
        reasons = run.reasons()
        ok = not reasons and jpeg is not None
        transform = None
        if layout is not None:
            transform = [[round(float(v), 6) for v in row] for row in layout.affine]
        return PhotoResult(
            ok=ok,
            reasons=reasons,
            checks=tuple(run.checks),
            warnings=tuple(dict.fromkeys(run.warnings)),
            jpeg=jpeg if ok else None,
            size=self.size,
            transform=transform,
            preset_id=self.preset.id,
            background=self.bg_name,
            background_replaced=self.replace,
            hair_top_source=hair_source,
            suggested_backgrounds=self.suggested_backgrounds,
            timings_ms=dict(run.timings),
            image_bgr=image if ok else None,
            alpha=alpha if ok else None,
        )

    def run(self, image: Image) -> PhotoResult:
        run, q = self.run_state, self.quality
        h_in, w_in = image.shape[:2]
        with run.stage("analyse"):
            analysis = self.faces.analyse(image)
        count = analysis.face_count
        run.add(within("face_count", count, (1, 1), "no_face" if count == 0 else "multiple_faces"))
        face = analysis.primary
        if count != 1 or face is None:
            return self._result()
        self._input_checks(face)
        oval = face.landmarks[list(FACE_OVAL), :2]
        in_picture = bool(
            (oval[:, 0] >= 0).all()
            and (oval[:, 0] <= w_in - 1).all()
            and (oval[:, 1] >= 0).all()
            and (oval[:, 1] <= h_in - 1).all()
        )
        run.add(within("face_in_picture", int(in_picture), (1, 1), "face_near_edge"))
        if not in_picture:
            return self._result()

        with run.stage("segment"):
            mask, mask_to_input = self._segment(image, face)
        with run.stage("layout"):
            correct = abs(face.pose.roll) <= q.max_roll_correction_deg
            up = upright_face(
                face.pupil_right,
                face.pupil_left,
                face.cheek_right,
                face.cheek_left,
                face.chin,
                face.forehead,
                face.pose.roll,
                correct,
            )
            hair = find_hair_top(up, mask, mask_to_input)
            layout = plan_layout(up, hair.y, self.preset.geometry, *self.size)
        if hair.source == "landmarks":
            run.warnings.append("hair_top_estimated")
        run.add(within("head_in_picture", int(not hair.cut_off), (1, 1), "head_cut_off"))
        if hair.cut_off:
            return self._result(hair_source=hair.source)
        tall = {"hair_top", "eye_height", "head_height"} & set(layout.binding)
        if (
            not layout.feasible
            and "hair_top" in layout.binding
            and self.preset.geometry.on_conflict == "eyes_win"
        ):
            relaxed = plan_layout(up, hair.y, self.preset.geometry, *self.size, relax_hair=True)
            if relaxed.feasible:
                layout, self.relax_hair = relaxed, True
                run.warnings.append("hair_top_waived")
        extra = {"binding": ",".join(layout.binding)}
        if self.relax_hair:
            extra["waived"] = "hair_top"
        run.add(
            within(
                "layout",
                layout.margin,
                (0.0, None),
                "head_too_tall" if tall else "geometry_infeasible",
                **extra,
            )
        )
        if not layout.feasible:
            return self._result(layout=layout, hair_source=hair.source)
        if self.replace:
            # Missing picture beside or above is padded with the background colour, unless
            # that edge cuts through the head or hair.
            below = layout.chin_y  # below the chin: shoulders, which may run off the side
            cut = person_cut_by_edge(
                layout.affine, mask, mask_to_input, *self.size, w_in, h_in, below
            )
            inside = not cut
        else:
            inside = maps_inside(layout.affine, *self.size, w_in, h_in)
        run.add(within("crop_inside_picture", int(inside), (1, 1), "face_near_edge"))
        if not inside:
            return self._result(layout=layout, hair_source=hair.source)

        with run.stage("render"):
            out, alpha = self._render(image, mask, mask_to_input, layout)
            # The refined edge can sit a pixel or two off the coarse mask's: measure the hair
            # top where it was rendered and, if that eats into the margin, place the head
            # once more from the measured position (a second render, rarely needed).
            w = self.size[0]
            half = layout.face_width / 2
            x0, x1 = max(0, round(w / 2 - half)), min(w, round(w / 2 + half) + 1)
            forehead_row = round(layout.eye_y + layout.scale * up.forehead_y)
            drift = top_of_head(alpha[:, x0:x1], forehead_row) - layout.hair_top_y
            if abs(drift) > min(REPLAN_DRIFT_PX, max(layout.margin - 1.0, 0.5)):
                adjusted = replace(hair, y=hair.y + drift / layout.scale)
                again = plan_layout(
                    up, adjusted.y, self.preset.geometry, *self.size, relax_hair=self.relax_hair
                )
                if again.feasible:
                    layout = again
                    out, alpha = self._render(image, mask, mask_to_input, layout)
        with run.stage("encode"):
            encoded = encode_within_budget(out, self.preset.jpeg, self.preset.dpi)
        with run.stage("measure"):
            decoded = cast(Image, cv2.imdecode(np.frombuffer(encoded.data, np.uint8), 1))
            mapped = map_observation(face, layout.affine)
            self._output_checks(decoded, alpha, mapped, correct, face.pose.roll)
        run.add(
            within(
                "jpeg_bytes",
                len(encoded.data),
                (self.preset.jpeg.bytes_range[0], self.preset.jpeg.bytes_range[1]),
                "jpeg_budget",
                quality=encoded.quality,
            )
        )
        return self._result(encoded.data, layout, hair.source, decoded, alpha)

    def _input_checks(self, face: FaceObservation) -> None:
        q, run = self.quality, self.run_state
        minimum = q.min_input_face_px
        run.add(within("face_resolution", face.face_width, (minimum, None), "face_too_small"))
        for check in pose_checks(face.pose.yaw, face.pose.pitch, q.max_yaw_deg, q.max_pitch_deg):
            run.add(check)
        run.add(within("eyes_open", face.eye_openness, (q.min_eye_openness, None), "eyes_closed"))
        run.add(
            within("mouth_closed", face.mouth_openness, (None, q.max_mouth_openness), "mouth_open")
        )

    def _segment(self, image: Image, face: FaceObservation) -> tuple[Mask, FloatArray]:
        """Person mask over a generous crop around the head, and the crop->input affine."""
        h_in, w_in = image.shape[:2]
        fw = face.face_width
        cx = (face.cheek_right[0] + face.cheek_left[0]) / 2
        ey = face.eye_center[1]
        x0, x1 = max(0, int(cx - 1.6 * fw)), min(w_in, math.ceil(cx + 1.6 * fw))
        y0, y1 = max(0, int(ey - 2.0 * fw)), min(h_in, math.ceil(ey + 1.8 * fw))
        crop = np.ascontiguousarray(image[y0:y1, x0:x1])
        small, factor = downscale(crop, SEGMENT_MAX_SIDE)
        mask = self.segmenter.segment(small)
        to_input = np.array([[1 / factor, 0.0, x0], [0.0, 1 / factor, y0]], dtype=np.float64)
        # Sample positions: mask pixel centres of a resized image sit at (i + 0.5) / f - 0.5.
        if factor != 1.0:
            to_input[:, 2] += 0.5 / factor - 0.5
        return mask, to_input

    def _render(
        self, image: Image, mask: Mask, mask_to_input: FloatArray, layout: Layout
    ) -> tuple[Image, Mask]:
        """Output picture (background replaced or only cropped) and its alpha.

        Crop first: only the input rectangle that lands in the photo is touched. A strong
        reduction (the usual case: a camera face is two to three times the photo's) is done
        by area averaging first, so the warp that follows is close to 1:1 and does not alias.
        """
        w, h = self.size
        affine = layout.affine
        back = invert(affine)
        corners = np.array([[-0.5, -0.5, 1], [w, -0.5, 1], [-0.5, h, 1], [w, h, 1]], float)
        pre = corners @ back.T
        h_in, w_in = image.shape[:2]
        x0 = int(max(0, math.floor(pre[:, 0].min()) - 2))
        y0 = int(max(0, math.floor(pre[:, 1].min()) - 2))
        x1 = int(min(w_in, math.ceil(pre[:, 0].max()) + 3))
        y1 = int(min(h_in, math.ceil(pre[:, 1].max()) + 3))
        sub = image[y0:y1, x0:x1]
        shift = np.array([[1.0, 0.0, -x0], [0.0, 1.0, -y0]])
        sub_to_out = compose(affine, invert(shift))
        k = math.floor(1.0 / layout.scale) if layout.scale > 0 else 1
        if k >= 2 and layout.scale * k >= PRESHRINK_BELOW and sub.size:
            # Whole blocks of k x k pixels averaged (OpenCV's fast path), then a mild warp.
            hh, ww = sub.shape[0] - sub.shape[0] % k, sub.shape[1] - sub.shape[1] % k
            size = (ww // k, hh // k)
            sub = cast(Image, cv2.resize(sub[:hh, :ww], size, interpolation=cv2.INTER_AREA))
            f = 1.0 / k
            shrink = np.array([[f, 0.0, 0.5 * f - 0.5], [0.0, f, 0.5 * f - 0.5]])
            sub_to_out = compose(sub_to_out, invert(shrink))
        elif layout.scale < PRESHRINK_BELOW and sub.size:
            f = layout.scale / 0.9  # leaves a 0.9 reduction to the warp (sharp, no aliasing)
            size = (max(1, round(sub.shape[1] * f)), max(1, round(sub.shape[0] * f)))
            sub = cast(Image, cv2.resize(sub, size, interpolation=cv2.INTER_AREA))
            fx, fy = size[0] / (x1 - x0), size[1] / (y1 - y0)
            shrink = np.array([[fx, 0.0, 0.5 * fx - 0.5], [0.0, fy, 0.5 * fy - 0.5]])
            sub_to_out = compose(sub_to_out, invert(shrink))
        border = cv2.BORDER_REPLICATE
        img = cast(
            Image,
            cv2.warpAffine(sub, sub_to_out, (w, h), flags=cv2.INTER_LINEAR, borderMode=border),
        )
        warped = cv2.warpAffine(
            mask, compose(affine, mask_to_input), (w, h), flags=cv2.INTER_LINEAR,
            borderMode=border,
        )  # fmt: skip
        alpha = cast(Mask, np.clip(warped, 0.0, 1.0).astype(np.float32))
        # Beside or above the input there is no picture: background there (the replicated
        # border only serves the body continuing below the bottom edge).
        alpha[beside_or_above_input(affine, w, h, w_in, h_in)] = 0.0
        if self.replace and self.refine_edges:
            alpha = refine_alpha(img, alpha, scale=1.0)
        if self.replace:
            img = composite(img, alpha, self.bg_bgr, decontaminate=self.decontaminate)
        return img, alpha

    def _output_checks(
        self, out: Image, alpha: Mask, of: FaceObservation, corrected: bool, measured_roll: float
    ) -> None:
        """Checks on the photo. ``of`` is the analysed face mapped into the photo."""
        run, q, g = self.run_state, self.quality, self.preset.geometry
        w, h = self.size
        oval = of.landmarks[list(FACE_OVAL), :2]
        inside = bool(
            (oval[:, 0] >= -0.5).all()
            and (oval[:, 0] <= w - 0.5).all()
            and (oval[:, 1] >= -0.5).all()
            and (oval[:, 1] <= h - 0.5).all()
        )
        run.add(within("output_face", int(inside), (1, 1), "geometry_not_met"))
        if not inside:
            return
        limit = q.max_roll_deg
        run.add(
            within(
                "roll",
                of.pose.roll,
                (-limit, limit),
                "head_tilted",
                measured=round(measured_roll, 3),
                corrected="yes" if corrected else "no",
            )
        )
        eye_y = of.eye_center[1]
        forehead_row = round(of.forehead[1])
        x0 = max(0, round(of.cheek_right[0]))
        x1 = min(w, round(of.cheek_left[0]) + 1)
        hair_edge = top_of_head(alpha[:, x0:x1], forehead_row)
        hair_rows = hair_edge + 0.5
        if g.face_width_px is not None:
            run.add(within("face_width", of.face_width, g.face_width_px, "geometry_not_met"))
        hair_checks: list[Check] = []
        if g.hair_top_px is not None:
            hair_checks.append(within("hair_top", hair_rows, g.hair_top_px, "geometry_not_met"))
        if g.crown_top_frac is not None:
            hair_checks.append(
                within("crown_top", hair_rows / h, g.crown_top_frac, "geometry_not_met")
            )
        for check in hair_checks:
            if self.relax_hair and not check.passed:
                # eyes_win: the preset accepts the hair closer to the top than the rule says.
                check = replace(check, passed=True, reason="", extra={"waived": "eyes_rule_wins"})
            run.add(check)
        if g.head_height_frac is not None:
            head = (of.chin[1] - hair_edge) / h
            run.add(within("head_height", head, g.head_height_frac, "geometry_not_met"))
        if g.eyes_min_above_bottom_px is not None:
            above = h - 0.5 - eye_y
            run.add(
                within("eye_height", above, (g.eyes_min_above_bottom_px, None), "geometry_not_met")
            )
        gray = luma(out)
        fmask = face_mask(of.landmarks, (h, w))
        median, clipped = face_luminance(gray, fmask)
        lo, hi = q.face_luminance
        run.add(within("exposure", median, (lo, hi), "too_dark" if median < lo else "too_bright"))
        run.add(within("highlights", clipped, (None, q.max_clipped_fraction), "too_bright"))
        balance = lighting_balance(gray, fmask, of.landmarks)
        balance_limit = (q.min_lighting_balance, None)
        run.add(within("lighting_balance", balance, balance_limit, "uneven_lighting"))
        sharp = sharpness(gray, fmask, of.face_width)
        run.add(within("sharpness", sharp, (q.min_sharpness, None), "blurry"))
        bg_std = background_std(gray, alpha)
        bg_limit = (None, q.max_background_std)
        run.add(within("background_uniform", bg_std, bg_limit, "background_not_uniform"))
        if self.replace:
            reference = self.bg_bgr
            others = {
                name: self.presets.background_bgr(name)
                for name in self.preset.backgrounds_allowed
                if name != self.bg_name
            }
        else:
            bg_pixels = out[alpha < 0.05]
            med = np.median(bg_pixels, axis=0) if len(bg_pixels) else np.full(3, 255.0)
            reference = (int(med[0]), int(med[1]), int(med[2]))
            others = {}  # the backdrop is what it is: no other colour to offer
        clothing = clothing_contrast(
            out,
            alpha,
            of.chin[1],
            of.face_width,
            reference,
            max_delta_e=q.clothing_max_delta_e,
            min_share=q.clothing_min_share,
            others=others,
        )
        if clothing.blends:
            run.warnings.append("clothing_blends_background")
            self.suggested_backgrounds = clothing.alternatives


_default: IdPhotoMaker | None = None
_default_lock = threading.Lock()


def default_maker() -> IdPhotoMaker:
    """The process-wide maker used by :func:`make_id_photo` (created on first use)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = IdPhotoMaker()
        return _default


def make_id_photo(
    image_bgr: npt.NDArray[np.generic],
    preset: Preset | str | None = None,
    *,
    replace_background: bool | None = None,
    background: str | None = None,
) -> PhotoResult:
    """An ID photo from a BGR picture, or a refusal with reasons.

    ``preset``: a :class:`Preset` or its id (None: the file's default, ``resident-id``).
    ``replace_background``: True replaces the background with the preset's colour; False is
    the plain-backdrop mode (crop only, for authorities that refuse edited photos); None
    follows the preset's ``replace_background`` flag. ``background``: a colour name allowed
    by the preset (default: the preset's). Uses one shared :class:`IdPhotoMaker`.
    """
    return default_maker().make(
        image_bgr, preset, replace_background=replace_background, background=background
    )
