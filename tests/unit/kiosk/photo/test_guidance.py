"""Live guidance on the corpus selfies: what a person standing beside the kiosk would say.

Looking at the pictures: lisa1 fills the frame and her hair runs off the top (step back);
lisa2 is small and far away (come closer); lisa3 tilts her head about 20 degrees
(straighten); lisa4 is left of centre and high, hair touching the top (move into the
outline); zoom_15cm is very close (step back), zoom_60cm far (come closer), zoom_30cm is fine.
Selfies: CC0. Frontal portraits: Face Research Lab London Set, CC-BY 4.0 - DeBruine, L. &
Jones, B. (2017) Face Research Lab London Set, doi:10.6084/m9.figshare.5047666.v5.
"""

from __future__ import annotations

from collections.abc import Iterator

import cv2
import numpy as np
import numpy.typing as npt
import pytest

from kiosk.photo.guidance import GUIDE_KEYS, Guidance, GuidanceResult
from tests.unit.kiosk.photo.conftest import faces_dir, read_image

Image = npt.NDArray[np.uint8]

EXPECTED = {
    "lisa1.jpg": "photo.guide.farther",
    "lisa2.jpg": "photo.guide.closer",
    "lisa3.jpg": "photo.guide.straighten",
    "lisa4.jpg": "photo.guide.center",
    "zoom_15cm.jpg": "photo.guide.farther",
    "zoom_30cm.jpg": "photo.guide.hold_still",
    "zoom_60cm.jpg": "photo.guide.closer",
}


@pytest.fixture(scope="module")
def guidance() -> Iterator[Guidance]:
    with Guidance() as g:
        yield g


def settle(guidance: Guidance, frame: Image, frames: int = 3) -> GuidanceResult:
    """A fresh stream showing the same frame a few times (the mesh tracks between frames)."""
    guidance.reset()
    result = guidance.analyse(frame)
    for _ in range(frames - 1):
        result = guidance.analyse(frame)
    return result


def letterbox_720p(image: Image) -> Image:
    """The picture scaled to 720 rows and centred on a grey 1280x720 camera frame."""
    h, w = image.shape[:2]
    scale = 720 / h
    small = cv2.resize(image, (round(w * scale), 720), interpolation=cv2.INTER_AREA)
    frame = np.full((720, 1280, 3), 128, np.uint8)
    x0 = (1280 - small.shape[1]) // 2
    frame[:, x0 : x0 + small.shape[1]] = small
    return frame


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_selfie_gets_the_instruction_a_person_would_give(guidance: Guidance, name: str) -> None:
    result = settle(guidance, read_image(faces_dir("selfie_variations") / name))
    assert result.message_key == EXPECTED[name], result.measurements
    assert result.all_ok == (EXPECTED[name] == "photo.guide.hold_still")
    assert result.face_count == 1


@pytest.mark.parametrize("name", ["zoom_15cm.jpg", "zoom_60cm.jpg", "lisa3.jpg", "zoom_30cm.jpg"])
def test_same_instruction_on_a_1280x720_camera_frame(guidance: Guidance, name: str) -> None:
    frame = letterbox_720p(read_image(faces_dir("selfie_variations") / name))
    result = settle(guidance, frame)
    assert result.message_key == EXPECTED[name], result.measurements


def test_nobody_and_two_people(guidance: Guidance) -> None:
    cup = read_image(faces_dir("negatives", "no_face") / "skimage_coffee.png")
    result = settle(guidance, cup)
    assert (result.message_key, result.face_count, result.face_box) == (
        "photo.guide.no_face",
        0,
        None,
    )
    # Two people side by side at the kiosk: the same selfie twice in one 1280x720 frame.
    one = read_image(faces_dir("selfie_variations") / "zoom_45cm.jpg")
    half = cv2.resize(one, (540, 720), interpolation=cv2.INTER_AREA)
    frame = np.full((720, 1280, 3), 128, np.uint8)
    frame[:, 60:600], frame[:, 680:1220] = half, half
    result = settle(guidance, frame)
    assert result.face_count == 2
    assert result.message_key == "photo.guide.one_person"


def test_lighting_instructions(guidance: Guidance) -> None:
    good = read_image(faces_dir("selfie_variations") / "zoom_30cm.jpg")
    dark = settle(guidance, (good * 0.25).astype(np.uint8))
    assert dark.message_key == "photo.guide.too_dark", dark.measurements
    bright = settle(guidance, np.clip(good.astype(np.int16) + 90, 0, 255).astype(np.uint8))
    assert bright.message_key == "photo.guide.too_bright", bright.measurements


def test_outline_and_keys(guidance: Guidance) -> None:
    outline = guidance.outline(1280, 720)
    cx, cy = outline.center
    ax, ay = outline.axes
    assert cx == 640 and cy - ay > 0 and cy + ay < 720
    assert ay > ax > 0
    assert cy - ay < outline.eye_line_y < cy + ay
    assert len(set(GUIDE_KEYS)) == len(GUIDE_KEYS) == 12
    result = settle(guidance, read_image(faces_dir("selfie_variations") / "lisa3.jpg"))
    assert set(result.failing) <= set(GUIDE_KEYS)
    assert result.failing[0] == result.message_key
