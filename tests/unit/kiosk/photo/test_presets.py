"""Presets file: shipped values, strict validation, colours."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from kiosk.photo.presets import PRESETS_FILE, PhotoPresets, load_presets, load_presets_from


def raw() -> dict[str, Any]:
    with PRESETS_FILE.open("rb") as f:
        return tomllib.load(f)


def test_resident_id_is_default_and_matches_ga_461() -> None:
    presets = load_presets()
    p = presets.preset()
    assert p.id == "resident-id"
    assert (p.width_px, p.height_px, p.dpi) == (358, 441, 350)
    assert p.background == "white" and p.backgrounds_allowed == ["white"]
    g = p.geometry
    assert g.face_width_px == (193, 221) and g.face_width_target_px == 207
    assert g.hair_top_px == (7, 21)
    assert g.eyes_min_above_bottom_px == 207
    assert p.jpeg.quality == 70
    lo, hi = p.jpeg.bytes_range
    assert 14_000 <= lo < hi <= 20_480


@pytest.mark.parametrize(
    ("preset_id", "size"),
    [
        ("one-inch", (295, 413)),
        ("small-one-inch", (260, 378)),
        ("driving-licence", (260, 378)),
        ("large-one-inch", (390, 567)),
        ("social-security", (358, 441)),
    ],
)
def test_other_presets_have_their_sizes(preset_id: str, size: tuple[int, int]) -> None:
    p = load_presets().preset(preset_id)
    assert (p.width_px, p.height_px) == size


def test_presets_without_ga_rules_use_icao_proportions() -> None:
    for p in load_presets().presets:
        if p.geometry.face_width_px is None:
            assert p.geometry.head_height_frac == (0.70, 0.80), p.id
            assert "ICAO" in p.standard


def test_background_colours() -> None:
    presets = load_presets()
    assert presets.background_bgr("white") == (255, 255, 255)
    assert presets.background_bgr("blue") == (0xCE, 0x8B, 0x62)  # #628BCE in BGR order
    assert "red" in presets.backgrounds


def test_unknown_preset_is_a_key_error() -> None:
    with pytest.raises(KeyError, match="unknown photo preset"):
        load_presets().preset("passport-of-mars")


def test_unknown_key_is_rejected() -> None:
    data = raw()
    data["quality"] = {**data["quality"], "max_yaw": 5.0}
    with pytest.raises(ValidationError, match="max_yaw"):
        PhotoPresets.model_validate(data)


def test_reversed_range_is_rejected() -> None:
    data = raw()
    presets = list(data["presets"])
    first = dict(presets[0])
    first["geometry"] = {**first["geometry"], "hair_top_px": [21, 7]}
    data["presets"] = [first, *presets[1:]]
    with pytest.raises(ValidationError, match="hair_top_px"):
        PhotoPresets.model_validate(data)


def test_bad_colour_and_undefined_background_are_rejected(tmp_path: Path) -> None:
    data = raw()
    data["backgrounds"] = {**data["backgrounds"], "blue": "blue"}
    with pytest.raises(ValidationError, match="#RRGGBB"):
        PhotoPresets.model_validate(data)
    data = raw()
    data["backgrounds"] = {"white": "#FFFFFF"}
    with pytest.raises(ValidationError, match="not defined"):
        PhotoPresets.model_validate(data)


def test_preset_without_a_scale_rule_is_rejected(tmp_path: Path) -> None:
    text = PRESETS_FILE.read_text(encoding="utf-8")
    broken = text.replace("face_width_px = [193, 221]                  # 207 ± 14", "", 1)
    broken = broken.replace("face_width_target_px = 207\n", "", 1)
    path = tmp_path / "presets.toml"
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(ValidationError, match="scale rule"):
        load_presets_from(path)
