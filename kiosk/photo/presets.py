"""ID-photo presets and the quality policy, loaded from ``config/photo_presets.toml``.

Everything an office may set differently (sizes, colours, byte budgets, thresholds) is data;
this module only validates it. Unknown keys are errors (``extra="forbid"``), so a misspelt
threshold in a site file never silently falls back to a default.
"""

from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from kiosk.platform.project import PROJECT_ROOT

PRESETS_FILE = PROJECT_ROOT / "config" / "photo_presets.toml"
_HEX = re.compile(r"^#[0-9A-Fa-f]{6}$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _ordered(value: tuple[float, float], name: str) -> tuple[float, float]:
    if value[0] > value[1]:
        raise ValueError(f"{name}: minimum {value[0]} is above maximum {value[1]}")
    return value


def _ordered_field(value: tuple[float, float], info: ValidationInfo) -> tuple[float, float]:
    return _ordered(value, info.field_name or "range")


Range = Annotated[tuple[float, float], AfterValidator(_ordered_field)]
"""A ``[minimum, maximum]`` pair; a minimum above the maximum is refused."""


class Geometry(_Strict):
    """Where the head goes in the output, in output pixels (``*_frac``: share of the height).

    A preset needs one scale rule (face width or head height) and one vertical placement rule
    (hair top in pixels or as a fraction). ``eyes_min_above_bottom_px`` wins on conflict:
    with ``on_conflict = "refuse"`` a head too tall for the frame is refused; with
    ``"eyes_win"`` the photo is made with the eye and face-width rules met and the hair
    allowed closer to (or past) the top edge, and the report marks the hair rule as waived.
    """

    face_width_px: tuple[float, float] | None = None
    face_width_target_px: float | None = None
    hair_top_px: tuple[float, float] | None = None
    eyes_min_above_bottom_px: float | None = None
    head_height_frac: tuple[float, float] | None = None
    crown_top_frac: tuple[float, float] | None = None
    on_conflict: Literal["refuse", "eyes_win"] = "refuse"

    @model_validator(mode="after")
    def _complete(self) -> Self:
        for name in ("face_width_px", "hair_top_px", "head_height_frac", "crown_top_frac"):
            value = getattr(self, name)
            if value is not None:
                _ordered(value, name)
        if self.face_width_px is None and self.head_height_frac is None:
            raise ValueError("needs face_width_px or head_height_frac (a scale rule)")
        if self.hair_top_px is None and self.crown_top_frac is None:
            raise ValueError("needs hair_top_px or crown_top_frac (a vertical placement rule)")
        if self.face_width_target_px is not None:
            if self.face_width_px is None:
                raise ValueError("face_width_target_px needs face_width_px")
            lo, hi = self.face_width_px
            if not lo <= self.face_width_target_px <= hi:
                raise ValueError("face_width_target_px lies outside face_width_px")
        return self


class JpegPolicy(_Strict):
    """Start at ``quality``; move within ``quality_range`` until the size is in ``bytes_range``."""

    quality: int = Field(ge=1, le=100)
    quality_range: tuple[int, int]
    bytes_range: tuple[int, int]

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        lo, hi = self.quality_range
        if not 1 <= lo <= self.quality <= hi <= 100:
            raise ValueError("quality must lie inside quality_range (1-100)")
        if self.bytes_range[0] > self.bytes_range[1] or self.bytes_range[0] < 0:
            raise ValueError("bytes_range must be [min, max] with 0 <= min <= max")
        return self


class Preset(_Strict):
    """One photo format: size, resolution, background and geometry rules."""

    id: str = Field(pattern=r"^[a-z0-9-]+$")
    name_key: str = Field(pattern=r"^photo\.")
    standard: str
    width_px: int = Field(ge=64, le=4000)
    height_px: int = Field(ge=64, le=4000)
    dpi: int = Field(ge=72, le=1200)
    background: str
    backgrounds_allowed: list[str]
    replace_background: bool = True
    geometry: Geometry
    jpeg: JpegPolicy

    @model_validator(mode="after")
    def _background_allowed(self) -> Self:
        if self.background not in self.backgrounds_allowed:
            raise ValueError(f"background {self.background!r} is not in backgrounds_allowed")
        return self


class QualityPolicy(_Strict):
    """Thresholds of the still-photo checks (policy: see the comments in the TOML file)."""

    max_yaw_deg: float = Field(gt=0, le=45)
    max_pitch_deg: float = Field(gt=0, le=45)
    max_roll_deg: float = Field(gt=0, le=45)
    max_roll_correction_deg: float = Field(ge=0, le=45)
    min_eye_openness: float = Field(ge=0, le=1)
    max_mouth_openness: float = Field(ge=0, le=1)
    min_sharpness: float = Field(ge=0)
    face_luminance: Range
    max_clipped_fraction: float = Field(ge=0, le=1)
    min_lighting_balance: float = Field(ge=0, le=1)
    max_background_std: float = Field(ge=0)
    min_input_face_px: float = Field(ge=0)
    second_face_min_relative_size: float = Field(gt=0, le=1)
    clothing_max_delta_e: float = Field(ge=0)
    clothing_min_share: float = Field(gt=0, le=1)


class GuidancePolicy(_Strict):
    """Thresholds of the live guidance at the camera and of the automatic capture."""

    analysis_width: int = Field(ge=160, le=1920)
    face_width_frac: Range
    min_face_px: float = Field(ge=0)
    center_tolerance: float = Field(gt=0)
    outline_center: tuple[float, float]
    frame_margin_frac: float = Field(ge=0, lt=0.5)
    dark_luminance: float = Field(ge=0, le=255)
    bright_luminance: float = Field(ge=0, le=255)
    hysteresis: float = Field(ge=0, lt=0.5)
    hysteresis_deg: float = Field(ge=0, le=10)
    pose_frames: int = Field(ge=1, le=60)
    auto_capture_frames: int = Field(ge=1, le=300)
    countdown_from: int = Field(ge=0, le=10)
    countdown_step_s: float = Field(gt=0, le=10)


class PhotoPresets(_Strict):
    """The whole file: colours, presets, quality and guidance policy."""

    schema_: int = Field(alias="schema", ge=1, le=1)
    default_preset: str
    backgrounds: dict[str, str]
    presets: list[Preset]
    quality: QualityPolicy
    guidance: GuidancePolicy

    @field_validator("backgrounds")
    @classmethod
    def _hex(cls, v: dict[str, str]) -> dict[str, str]:
        for name, value in v.items():
            if not _HEX.match(value):
                raise ValueError(f"background {name!r}: {value!r} is not #RRGGBB")
        return v

    @model_validator(mode="after")
    def _references(self) -> Self:
        ids = [p.id for p in self.presets]
        if len(set(ids)) != len(ids):
            raise ValueError("preset ids must be unique")
        if self.default_preset not in ids:
            raise ValueError(f"default_preset {self.default_preset!r} is not a preset")
        for preset in self.presets:
            for colour in preset.backgrounds_allowed:
                if colour not in self.backgrounds:
                    raise ValueError(f"{preset.id}: background {colour!r} is not defined")
        return self

    def preset(self, preset_id: str | None = None) -> Preset:
        """The preset with this id (the default preset for None); KeyError if unknown."""
        wanted = preset_id or self.default_preset
        for preset in self.presets:
            if preset.id == wanted:
                return preset
        raise KeyError(f"unknown photo preset {wanted!r}; known: {[p.id for p in self.presets]}")

    def background_bgr(self, name: str) -> tuple[int, int, int]:
        """A named background colour as a BGR triple (OpenCV order)."""
        value = self.backgrounds[name]
        r, g, b = (int(value[i : i + 2], 16) for i in (1, 3, 5))
        return (b, g, r)


def load_presets_from(path: Path) -> PhotoPresets:
    """Reads and validates a presets file (uncached)."""
    with path.open("rb") as f:
        data = tomllib.load(f)
    return PhotoPresets.model_validate(data)


@lru_cache(maxsize=4)
def load_presets(path: Path = PRESETS_FILE) -> PhotoPresets:
    """The presets file, validated once per path and then cached (the models are frozen)."""
    return load_presets_from(path)
