"""Layout planning and hair-top finding on synthetic inputs (no models involved)."""

from __future__ import annotations

import numpy as np
import pytest

from kiosk.photo.geometry import (
    UprightFace,
    apply,
    find_hair_top,
    hair_top_from_landmarks,
    maps_inside,
    plan_layout,
    top_of_head,
    upright_face,
)
from kiosk.photo.presets import load_presets

GA = load_presets().preset("resident-id").geometry
ICAO = load_presets().preset("one-inch").geometry


def face(width: float = 400.0, chin: float = 330.0, forehead: float = -150.0) -> UprightFace:
    rotation = np.array([[1.0, 0.0, -500.0], [0.0, 1.0, -400.0]])  # eyes at (500, 400)
    return UprightFace(
        rotation=rotation,
        angle_deg=0.0,
        eye_y=0.0,
        chin_y=chin,
        forehead_y=forehead,
        face_center_x=0.0,
        face_width=width,
    )


def test_typical_head_meets_every_ga_rule_with_margin() -> None:
    f = face()
    layout = plan_layout(f, hair_top_y=-0.85 * f.face_width, geometry=GA, width=358, height=441)
    assert layout.feasible and layout.margin >= 6.5
    assert abs(layout.face_width - 207) < 1.0
    assert 7 <= layout.hair_top_y + 0.5 <= 21
    assert 441 - 0.5 - layout.eye_y >= 207
    # The affine puts the eye midpoint (input 500, 400) on the eye row, centred.
    x, y = apply(layout.affine, (500.0, 400.0))
    assert abs(x - 179) < 0.5 and abs(y - layout.eye_y) < 1e-6


def test_head_too_tall_is_infeasible_and_names_the_rules() -> None:
    f = face()
    # Hair 1.4 face widths above the eyes: at 193 px face width that is 270 px, but only
    # 441 - 207 - 7 = 227 px fit between the hair-top band and the eye line.
    layout = plan_layout(f, hair_top_y=-1.4 * f.face_width, geometry=GA, width=358, height=441)
    assert not layout.feasible
    assert "hair_top" in layout.binding and "eye_height" in layout.binding


def test_relaxed_hair_rule_keeps_eye_and_face_width_rules() -> None:
    f = face()
    layout = plan_layout(
        f, hair_top_y=-1.4 * f.face_width, geometry=GA, width=358, height=441, relax_hair=True
    )
    assert layout.feasible
    assert 441 - 0.5 - layout.eye_y >= 207 + 2.5
    assert 193 + 2.5 <= layout.face_width <= 221
    assert layout.hair_top_y + 0.5 < 7  # the hair is allowed past the band, not the eyes


def test_icao_preset_uses_head_height_share() -> None:
    f = face()
    hair = -0.9 * f.face_width
    layout = plan_layout(f, hair_top_y=hair, geometry=ICAO, width=295, height=413)
    assert layout.feasible
    head = layout.chin_y - layout.hair_top_y
    assert 0.70 * 413 <= head <= 0.80 * 413


def test_levelling_rotates_the_eyes_onto_one_row() -> None:
    # Eye line falling 20 degrees to the image's right (clockwise): roll +20.
    angle = np.radians(20)
    left, right = (400.0, 400.0), (400.0 + 100 * np.cos(angle), 400.0 + 100 * np.sin(angle))
    cheeks, chin, forehead = ((350.0, 420.0), (520.0, 480.0)), (470.0, 560.0), (440.0, 300.0)
    up = upright_face(left, right, *cheeks, chin, forehead, 20.0, True)
    a, b = apply(up.rotation, left), apply(up.rotation, right)
    assert abs(a[1] - b[1]) < 1e-3 and abs(a[1]) < 1e-3
    not_levelled = upright_face(left, right, *cheeks, chin, forehead, 20.0, False)
    a, b = apply(not_levelled.rotation, left), apply(not_levelled.rotation, right)
    assert abs(a[1] - b[1]) > 30


def test_top_of_head_ignores_stray_hairs() -> None:
    alpha = np.zeros((100, 50), np.float32)
    alpha[30:, :] = 1.0  # head from row 30
    alpha[10:30, 25] = 1.0  # one stray hair column (2% of the band) above it
    assert top_of_head(alpha, start_row=60) == pytest.approx(29.5)
    alpha[20:30, 10:40] = 1.0  # a real bun: 60% of the band
    assert top_of_head(alpha, start_row=60) == pytest.approx(19.5)


def test_maps_inside_detects_a_crop_leaving_the_picture() -> None:
    identity = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    assert maps_inside(identity, 358, 441, 400, 500)
    shifted = np.array([[1.0, 0.0, 10.0], [0.0, 1.0, 0.0]])  # output x = input x + 10
    assert not maps_inside(shifted, 358, 441, 400, 500)


def test_hair_top_from_mask_and_fallbacks() -> None:
    f = face()  # eyes at input (500, 400), face width 400
    identity = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    mask = np.zeros((1000, 1000), np.float32)
    mask[60:, 250:750] = 1.0  # head from row 60: hair top 340 px above the eyes
    hair = find_hair_top(f, mask, identity)
    assert hair.source == "mask" and not hair.cut_off
    assert abs(hair.y - (-340.5)) < 2.0
    # The head runs into the top edge of the picture: cut off, not guessed.
    mask[:60, 250:750] = 1.0
    assert find_hair_top(f, mask, identity).cut_off
    # A mask that misses the face is not trusted: landmark estimate, with the reason.
    empty = np.zeros_like(mask)
    fallback = find_hair_top(f, empty, identity)
    assert fallback.source == "landmarks" and "does not cover" in fallback.reason
    assert fallback.y == pytest.approx(hair_top_from_landmarks(f))
