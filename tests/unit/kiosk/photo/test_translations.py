"""Every code the photo package can show has Chinese and English text, under ``photo.``."""

from __future__ import annotations

import tomllib

from kiosk.photo.checks import CHECK_NAMES, REASON_CODES, WARNING_CODES
from kiosk.photo.guidance import GUIDE_KEYS
from kiosk.photo.presets import load_presets
from kiosk.platform.config_loader import PROJECT_ROOT

I18N = PROJECT_ROOT / "config" / "i18n"


def catalogue() -> dict[str, dict[str, str]]:
    with (I18N / "photo.toml").open("rb") as f:
        return tomllib.load(f)


def needed_keys() -> list[str]:
    presets = load_presets()
    keys = [*GUIDE_KEYS, "photo.capture.countdown", "photo.capture.now"]
    keys += [f"photo.check.{name}" for name in CHECK_NAMES]
    keys += [f"photo.reason.{code}" for code in REASON_CODES]
    keys += [f"photo.warning.{code}" for code in WARNING_CODES]
    keys += [p.name_key for p in presets.presets]
    keys += [f"photo.background.{name}" for name in presets.backgrounds]
    return keys


def test_every_code_has_both_languages() -> None:
    texts = catalogue()
    missing = [k for k in needed_keys() if set(texts.get(k, {})) != {"zh_CN", "en"}]
    assert not missing


def test_keys_are_prefixed_and_do_not_collide_with_other_files() -> None:
    texts = catalogue()
    assert all(key.startswith("photo.") for key in texts)
    for other in sorted(I18N.glob("*.toml")):
        if other.name == "photo.toml":
            continue
        with other.open("rb") as f:
            assert not set(tomllib.load(f)) & set(texts), other.name


def test_refusals_say_what_to_do_next() -> None:
    texts = catalogue()
    for code in REASON_CODES:
        zh = texts[f"photo.reason.{code}"]["zh_CN"]
        assert "，" in zh and any(w in zh for w in ("请", "人工窗口")), code
    assert texts["photo.guide.closer"]["zh_CN"] == "请靠近一点"
    assert texts["photo.check.face_width"]["zh_CN"] == "脸部大小"
    assert texts["photo.check.eyes_open"]["zh_CN"] == "眼睛睁开"
