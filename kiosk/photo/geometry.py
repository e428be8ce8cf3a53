"""Where the head goes: the 2x3 affine from input pixels to output pixels.

The transform levels the eyes (when the tilt is small enough to correct), scales the face and
places it so the preset's rules hold. For the resident ID (GA 461):

* face width (cheek to cheek) 207 ± 14 px,
* top of the hair 7-21 px below the top edge,
* eye line at least 207 px above the bottom edge (this rule wins on conflict).

Scale ``s`` and the eye row ``y`` are chosen together on a fine grid to maximise the smallest
margin to any rule, so each rule is met with room to spare for measurement error. When no
choice meets every rule the layout is *infeasible* and the photo must be refused (for
instance hair piled so high that hair top and eye line cannot both fit at the minimum face
width): a non-compliant photo is never produced.

The top of the hair comes from the person mask above the face; :func:`find_hair_top` says
when the mask cannot be trusted, and :func:`hair_top_from_landmarks` is the fallback.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import cast

import cv2
import numpy as np
import numpy.typing as npt

from kiosk.photo.presets import Geometry

FloatArray = npt.NDArray[np.float64]
Mask = npt.NDArray[np.float32]
Point = tuple[float, float]

# Typical crown height above the forehead landmark (10) as a share of the forehead-to-chin
# distance, plus hair; used only when the mask is unreliable (see hair_top_from_landmarks).
LANDMARK_CROWN_RATIO = 0.42
# A row is "head" when this share of the face-width band is person.
HAIR_ROW_FRACTION = 0.08
# Margin kept on the other rules when the hair-top rule is relaxed.
RELAXED_MARGIN_PX = 3.0


def rotation_about(center: Point, degrees: float) -> FloatArray:
    """2x3 affine rotating the image by ``degrees`` (counter-clockwise on screen) about center."""
    return cast(FloatArray, cv2.getRotationMatrix2D(center, degrees, 1.0).astype(np.float64))


def apply(affine: FloatArray, point: Point) -> Point:
    """Maps one point through a 2x3 affine."""
    x, y = point
    return (
        float(affine[0, 0] * x + affine[0, 1] * y + affine[0, 2]),
        float(affine[1, 0] * x + affine[1, 1] * y + affine[1, 2]),
    )


def invert(affine: FloatArray) -> FloatArray:
    """The inverse 2x3 affine."""
    return cast(FloatArray, cv2.invertAffineTransform(affine).astype(np.float64))


def compose(outer: FloatArray, inner: FloatArray) -> FloatArray:
    """``outer`` after ``inner`` (both 2x3)."""
    a = np.vstack([outer, [0.0, 0.0, 1.0]])
    b = np.vstack([inner, [0.0, 0.0, 1.0]])
    return cast(FloatArray, (a @ b)[:2])


@dataclass(frozen=True)
class UprightFace:
    """The face measured in the levelled frame: input pixels, origin at the eye midpoint.

    ``rotation`` is the 2x3 affine input -> levelled frame (pure rotation about the eye
    midpoint, which it maps to (0, 0)). y grows downwards.
    """

    rotation: FloatArray
    angle_deg: float
    eye_y: float  # 0 by construction
    chin_y: float
    forehead_y: float
    face_center_x: float
    face_width: float


def upright_face(
    pupil_right: Point,
    pupil_left: Point,
    cheek_right: Point,
    cheek_left: Point,
    chin: Point,
    forehead: Point,
    roll_deg: float,
    correct: bool,
) -> UprightFace:
    """Levels the eyes (if ``correct``) and measures the face in that frame."""
    eye = ((pupil_right[0] + pupil_left[0]) / 2, (pupil_right[1] + pupil_left[1]) / 2)
    angle = roll_deg if correct else 0.0
    rot = rotation_about(eye, angle)
    rot[:, 2] -= np.array(eye)  # eye midpoint -> origin
    cr, cl = apply(rot, cheek_right), apply(rot, cheek_left)
    return UprightFace(
        rotation=rot,
        angle_deg=angle,
        eye_y=0.0,
        chin_y=apply(rot, chin)[1],
        forehead_y=apply(rot, forehead)[1],
        face_center_x=(cr[0] + cl[0]) / 2,
        face_width=math.dist(cr, cl),
    )


@dataclass(frozen=True)
class HairTop:
    """Top of the hair, in the levelled frame (negative: above the eye line).

    ``source`` is ``"mask"`` or ``"landmarks"``; ``reason`` says why the mask was not used.
    ``cut_off`` is True when the head reaches the top edge of the input picture.
    """

    y: float
    source: str
    reason: str = ""
    cut_off: bool = False


def top_of_head(alpha: Mask, start_row: int) -> float:
    """Top edge of the person in a column band, walking up from ``start_row`` (in the face).

    A row counts as head while at least ``HAIR_ROW_FRACTION`` of the band is person
    (alpha > 0.5), so single stray hairs do not count; gaps of up to 2 rows are bridged.
    Coordinates are OpenCV's (pixel centres at integers): the edge lies half a row above the
    topmost head row, so the number of rows above the hair is ``result + 0.5``.
    """
    rows = (alpha > 0.5).mean(axis=1) >= HAIR_ROW_FRACTION
    start = min(max(0, start_row), len(rows) - 1)
    row, gap, last = start, 0, start
    while row > 0 and gap <= 2:
        row -= 1
        if rows[row]:
            last, gap = row, 0
        else:
            gap += 1
    return float(last) - 0.5


def hair_top_from_landmarks(face: UprightFace) -> float:
    """Estimated crown from the forehead and chin landmarks (no hair volume known)."""
    span = face.chin_y - face.forehead_y
    return face.forehead_y - LANDMARK_CROWN_RATIO * span


def find_hair_top(face: UprightFace, mask: Mask, mask_to_input: FloatArray) -> HairTop:
    """Top of the hair from a person mask, or the landmark estimate if the mask is unreliable.

    ``mask_to_input`` maps mask pixels to input pixels. The mask is resampled into the
    levelled frame at a scale of about 256 px per face width, over the face-width column band.
    """
    scale = 256.0 / max(face.face_width, 1.0)
    half = face.face_width / 2
    x0 = face.face_center_x - half
    top = face.eye_y - 2.2 * face.face_width  # search window above the eyes
    bottom = face.chin_y
    width = max(8, round(face.face_width * scale))
    height = max(8, round((bottom - top) * scale))
    # canvas pixel -> levelled frame -> input -> mask
    to_canvas = np.array([[scale, 0.0, -x0 * scale], [0.0, scale, -top * scale]])
    canvas_from_mask = compose(to_canvas, compose(face.rotation, mask_to_input))
    h_m, w_m = mask.shape
    band = cast(
        Mask,
        cv2.warpAffine(
            mask, canvas_from_mask, (width, height), flags=cv2.INTER_LINEAR, borderValue=(0.0,)
        ),
    )
    inside = cv2.warpAffine(
        np.ones((h_m, w_m), np.float32),
        canvas_from_mask,
        (width, height),
        flags=cv2.INTER_NEAREST,
        borderValue=(0.0,),
    )
    fallback = hair_top_from_landmarks(face)
    forehead_row = round((face.forehead_y - top) * scale)
    face_rows = band[max(0, forehead_row) : round((face.chin_y - top) * scale)]
    if face_rows.size == 0 or float(face_rows[:, width // 4 : 3 * width // 4].mean()) < 0.8:
        return HairTop(fallback, "landmarks", "the mask does not cover the face")
    y_canvas = top_of_head(band, forehead_row)
    last = round(y_canvas + 0.5)
    hair_y = top + y_canvas / scale
    # Rows just above the head that lie outside the picture: the camera cut the head off.
    above = inside[max(0, last - 3) : last + 1, width // 4 : 3 * width // 4]
    if float(above.min(initial=1.0)) < 1.0:
        return HairTop(hair_y, "mask", "the head reaches the top of the picture", cut_off=True)
    height_ratio = (face.eye_y - hair_y) / face.face_width
    if last <= 1 or not 0.45 <= height_ratio <= 1.8:
        # The mask ran up to the end of the search window, or stopped at the forehead.
        return HairTop(fallback, "landmarks", f"implausible head height ({height_ratio:.2f})")
    return HairTop(hair_y, "mask")


@dataclass(frozen=True)
class Layout:
    """The chosen scale and placement, with the predicted output geometry and margins.

    ``margin`` is the smallest distance (output px) to any rule; negative means infeasible,
    and ``binding`` names the rules that could not be met together.
    """

    affine: FloatArray
    scale: float
    eye_y: float
    hair_top_y: float
    chin_y: float
    face_width: float
    margin: float
    feasible: bool
    binding: tuple[str, ...]


def _margins(
    geometry: Geometry,
    height: int,
    s: FloatArray,
    eye: FloatArray,
    hair_d: float,
    chin_d: float,
    fw: float,
    relax_hair: bool,
) -> dict[str, FloatArray]:
    # Pixel centres sit at integers, so an edge at y has y + 0.5 rows above it and
    # height - 0.5 - y rows below it.
    hair = eye - s * hair_d + 0.5
    chin = eye + s * chin_d
    m: dict[str, FloatArray] = {}
    if geometry.face_width_px is not None:
        lo, hi = geometry.face_width_px
        m["face_width"] = np.minimum(s * fw - lo, hi - s * fw)
    if geometry.hair_top_px is not None:
        lo, hi = geometry.hair_top_px
        m["hair_top"] = hi - hair if relax_hair else np.minimum(hair - lo, hi - hair)
    if geometry.eyes_min_above_bottom_px is not None:
        m["eye_height"] = (height - 0.5 - eye) - geometry.eyes_min_above_bottom_px
    if geometry.head_height_frac is not None:
        lo, hi = (f * height for f in geometry.head_height_frac)
        head = s * (hair_d + chin_d)
        m["head_height"] = np.minimum(head - lo, hi - head)
    if geometry.crown_top_frac is not None:
        lo, hi = (f * height for f in geometry.crown_top_frac)
        m["hair_top"] = hi - hair if relax_hair else np.minimum(hair - lo, hi - hair)
    m["chin_in_frame"] = height - 0.5 - chin
    return m


def plan_layout(
    face: UprightFace,
    hair_top_y: float,
    geometry: Geometry,
    width: int,
    height: int,
    *,
    relax_hair: bool = False,
) -> Layout:
    """Chooses scale and eye row to meet every rule with the largest margin (see module doc).

    ``relax_hair`` drops the lower bound of the hair-top rule (the hair may reach or leave the
    top edge): the preset's ``on_conflict = "eyes_win"`` reading of GA 461. Margins are then
    capped at a few pixels and, among the choices that keep them, the one showing the most
    hair is taken.
    """
    fw = face.face_width
    hair_d = face.eye_y - hair_top_y
    chin_d = face.chin_y - face.eye_y
    if geometry.face_width_px is not None:
        s_lo, s_hi = (v / fw for v in geometry.face_width_px)
    else:
        assert geometry.head_height_frac is not None
        s_lo, s_hi = (f * height / (hair_d + chin_d) for f in geometry.head_height_frac)
    pad = 0.15 * (s_hi - s_lo)
    s_axis = np.linspace(s_lo - pad, s_hi + pad, 81)
    eye_axis = np.linspace(0.0, float(height), 2 * height + 1)
    s, eye = np.meshgrid(s_axis, eye_axis, indexing="ij")
    margins = _margins(geometry, height, s, eye, hair_d, chin_d, fw, relax_hair)
    worst = np.min(np.stack(list(margins.values())), axis=0)
    if relax_hair:
        worst = np.minimum(worst, RELAXED_MARGIN_PX)
    # Among (nearly) best choices prefer the target face width, then the centre of the range.
    best = float(worst.max())
    target = geometry.face_width_target_px
    if relax_hair:
        preference = eye - s * hair_d  # lowest hair top: the most hair in the picture
    elif target is not None:
        preference = -np.abs(s * fw - target)
    else:
        preference = -np.abs(s - (s_lo + s_hi) / 2) * fw
    score = np.where(worst >= best - 0.25, preference, -np.inf)
    i, j = np.unravel_index(int(np.argmax(score)), score.shape)
    s_best, eye_best = float(s[i, j]), float(eye[i, j])
    binding = tuple(sorted(k for k, v in margins.items() if float(v[i, j]) < 0))
    # affine: levelled frame (eye midpoint at 0,0) -> output
    tx = width / 2 - s_best * face.face_center_x
    place = np.array([[s_best, 0.0, tx], [0.0, s_best, eye_best]])
    return Layout(
        affine=compose(place, face.rotation),
        scale=s_best,
        eye_y=eye_best,
        hair_top_y=eye_best - s_best * hair_d,
        chin_y=eye_best + s_best * chin_d,
        face_width=s_best * fw,
        margin=best,
        feasible=best >= 0,
        binding=binding,
    )


def maps_inside(affine: FloatArray, width: int, height: int, in_w: int, in_h: int) -> bool:
    """Whether the whole output rectangle comes from inside the input picture (0.5 px slack)."""
    back = invert(affine)
    corners = [(0.0, 0.0), (width - 1.0, 0.0), (0.0, height - 1.0), (width - 1.0, height - 1.0)]
    for corner in corners:
        x, y = apply(back, corner)
        if not (-0.5 <= x <= in_w - 0.5 and -0.5 <= y <= in_h - 0.5):
            return False
    return True


def beside_or_above_input(
    affine: FloatArray, width: int, height: int, in_w: int, in_h: int
) -> npt.NDArray[np.bool_]:
    """Output pixels whose source lies left of, right of or above the input picture.

    (Below is not included: a body continuing past the bottom edge is extended, not cut.)
    """
    if maps_inside(affine, width, height, in_w, in_h):
        return np.zeros((height, width), dtype=bool)
    back = invert(affine)
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float64)
    sx = back[0, 0] * xs + back[0, 1] * ys + back[0, 2]
    sy = back[1, 0] * xs + back[1, 1] * ys + back[1, 2]
    return cast(npt.NDArray[np.bool_], (sx < -0.5) | (sx > in_w - 0.5) | (sy < -0.5))


def person_cut_by_edge(
    affine: FloatArray,
    mask: Mask,
    mask_to_input: FloatArray,
    width: int,
    height: int,
    in_w: int,
    in_h: int,
    below_row: float,
) -> bool:
    """Whether the input's left, right or top edge cuts through the person inside the photo.

    Only rows above ``below_row`` (output pixels; the pipeline uses the chin) count: a
    shoulder running off the picture is acceptable, a head or hair cut straight is not.
    """
    outside = beside_or_above_input(affine, width, height, in_w, in_h)
    if not outside.any():
        return False
    person = cv2.warpAffine(
        mask,
        compose(affine, mask_to_input),
        (width, height),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_REPLICATE,
    )
    kernel = np.ones((5, 5), np.uint8)
    near = cv2.dilate(outside.astype(np.uint8), kernel).astype(bool) & ~outside
    near[max(0, int(below_row)) :] = False
    return bool((person[near] > 0.5).any())
