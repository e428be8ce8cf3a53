"""``clothing_blends_background`` speaks when it is true (issue 14).

Every corpus portrait wears a white T-shirt. On a white photo background the shirt does blend
in where the photo shows it; the warning must follow what the photo shows, not the shirt
alone. The tops are dyed here to check both ways. Frontal portraits: Face Research Lab London
Set, CC-BY 4.0 - DeBruine, L. & Jones, B. (2017) Face Research Lab London Set,
doi:10.6084/m9.figshare.5047666.v5.
"""

from __future__ import annotations

import numpy as np
import pytest

from kiosk.photo.checks import clothing_contrast
from kiosk.photo.face_analysis import FaceAnalyzer
from kiosk.photo.pipeline import IdPhotoMaker
from kiosk.photo.segmentation import PersonSegmenter
from tests.unit.kiosk.photo.conftest import Image, faces_dir, read_image
from tests.unit.kiosk.photo.synthetic import analyse, clothing_mask, recolour

WARNING = "clothing_blends_background"
NAVY = (80, 30, 20)  # BGR
PRESET_BLUE = (0xCE, 0x8B, 0x62)  # BGR of the presets' "blue" (#628BCE)


def dyed(name: str, bgr: tuple[int, int, int] | None) -> Image:
    """Portrait ``name`` with its T-shirt dyed ``bgr`` (None: as photographed)."""
    image = read_image(faces_dir("frontal") / name)
    if bgr is None:
        return image
    with FaceAnalyzer("still") as faces, PersonSegmenter("general") as segmenter:
        mask = clothing_mask(image, analyse(faces, image), segmenter)
    assert mask.sum() > 0.03 * mask.size, "the T-shirt was found"
    return recolour(image, mask, bgr)


@pytest.mark.parametrize("name", ["021_03.jpg", "005_03.jpg"])
def test_warns_when_the_top_matches_the_background_and_offers_another_colour(
    maker: IdPhotoMaker, name: str
) -> None:
    """Shirt shows across the bottom of the photo: white on white blends, navy does not; a
    top dyed the preset's blue blends on blue but not on white."""
    white = dyed(name, None)
    result = maker.make(white, "social-security", background="white")
    assert result.ok and WARNING in result.warnings
    assert result.suggested_backgrounds == ("blue", "red")
    assert result.report()["suggested_backgrounds"] == ["blue", "red"]
    # The resident ID allows only white: nothing else to offer.
    resident = maker.make(white, "resident-id")
    assert WARNING in resident.warnings and resident.suggested_backgrounds == ()
    assert WARNING not in maker.make(dyed(name, NAVY), "social-security").warnings
    blue_top = dyed(name, PRESET_BLUE)
    on_blue = maker.make(blue_top, "social-security", background="blue")
    assert on_blue.ok and WARNING in on_blue.warnings
    assert on_blue.suggested_backgrounds == ("white", "red")
    assert WARNING not in maker.make(blue_top, "social-security", background="white").warnings


def test_silent_when_the_photo_hardly_shows_the_top(maker: IdPhotoMaker) -> None:
    """063_03's white T-shirt is cut off by the tight resident-ID crop: nothing to warn about."""
    result = maker.make(dyed("063_03.jpg", None))
    assert result.ok and WARNING not in result.warnings


def test_plain_backdrop_compares_with_the_wall_and_offers_nothing(maker: IdPhotoMaker) -> None:
    result = maker.make(dyed("021_03.jpg", None), "social-security", replace_background=False)
    assert result.ok
    assert result.suggested_backgrounds == ()


def test_the_measure_on_flat_pictures() -> None:
    """Rows below the chin filled with the background colour: blends; a dark top: does not;
    the blended rim of an outline (alpha below 0.95) never counts."""
    h, w = 441, 358
    alpha = np.zeros((h, w), np.float32)
    alpha[:, 80:280] = 1.0
    image = np.full((h, w, 3), 255, np.uint8)
    image[:, 80:280] = (40, 40, 40)
    image[300:, 80:280] = (250, 250, 250)  # a white top from row 300 down: 200 x 141 px
    kwargs = {"max_delta_e": 12.0, "min_share": 0.02, "others": {"blue": PRESET_BLUE}}
    white = clothing_contrast(image, alpha, 250.0, 200.0, (255, 255, 255), **kwargs)
    assert white.blends and white.alternatives == ("blue",)
    assert white.blending_share == pytest.approx(200 * 141 / (h * w))
    on_blue = clothing_contrast(image, alpha, 250.0, 200.0, PRESET_BLUE, **kwargs)
    assert not on_blue.blends and on_blue.alternatives == ()
    rim = alpha.copy()
    rim[300:] *= 0.9  # only partly person: not counted
    assert not clothing_contrast(image, rim, 250.0, 200.0, (255, 255, 255), **kwargs).blends
