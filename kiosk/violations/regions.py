"""Which extra secret a region asks for in a vehicle lookup, as data.

Cities differ: some want the full engine number, some the last 6 characters of the engine
number or of the VIN, some the owner's name, some nothing. Regions are matched by plate
prefix (the longest prefix wins, so ``苏E`` can differ from ``苏``); plates matching no
region use the default one. The table lives in ``config/demo/regions.toml`` for the demo;
a deployment ships its own.
"""

from __future__ import annotations

import hmac
import tomllib
import unicodedata
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from kiosk.platform.project import PROJECT_ROOT
from kiosk.violations.plates import normalize_plate

DEFAULT_REGIONS_FILE = PROJECT_ROOT / "config" / "demo" / "regions.toml"


class SecretKind(StrEnum):
    """What a region asks for besides the plate."""

    ENGINE_FULL = "engine_full"
    ENGINE_LAST6 = "engine_last6"
    VIN_LAST6 = "vin_last6"
    OWNER_NAME = "owner_name"
    NONE = "none"

    @property
    def prompt_key(self) -> str:
        """Translation key of the question for this secret."""
        return f"violations.secret.{self.value}"


class Region(BaseModel):
    """One region's lookup rule and its demo flavour (places, authority).

    Attributes:
        id: stable identifier.
        name: by language.
        prefixes: plate prefixes (province character, optionally with the office letter).
        secret: what a vehicle lookup must carry besides the plate.
        area_code: 6-digit code that starts generated decision numbers (demo data).
        authority: the collecting authority named on records (demo data).
        places: street names for generated records (demo data).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-z][a-z0-9_-]{0,31}$")
    name: dict[str, str]
    prefixes: list[str] = []
    secret: SecretKind
    area_code: str = Field("", pattern=r"^(\d{6})?$")
    authority: str = ""
    places: list[str] = []


class RegionTable(BaseModel):
    """Every region, and the one used for plates no region claims."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    default: str
    regions: list[Region] = Field(alias="region")

    @model_validator(mode="after")
    def _consistent(self) -> RegionTable:
        ids = [r.id for r in self.regions]
        if len(set(ids)) != len(ids):
            raise ValueError("region ids must be unique")
        if self.default not in ids:
            raise ValueError(f"default region {self.default!r} is not defined")
        seen: set[str] = set()
        for r in self.regions:
            for p in r.prefixes:
                if p in seen:
                    raise ValueError(f"prefix {p!r} belongs to two regions")
                seen.add(p)
        return self

    def for_plate(self, plate: str) -> Region:
        """The region whose longest prefix matches the plate, else the default."""
        plate = normalize_plate(plate)
        best: Region | None = None
        best_len = 0
        for r in self.regions:
            for p in r.prefixes:
                if plate.startswith(p) and len(p) > best_len:
                    best, best_len = r, len(p)
        return best or self.by_id(self.default)

    def by_id(self, region_id: str) -> Region:
        """The region with this id."""
        for r in self.regions:
            if r.id == region_id:
                return r
        raise KeyError(region_id)


def load_regions(path: Path = DEFAULT_REGIONS_FILE) -> RegionTable:
    """Reads and validates a regions file."""
    with path.open("rb") as f:
        return RegionTable.model_validate(tomllib.load(f))


def normalize_secret(kind: SecretKind, text: str) -> str:
    """The secret as compared: names keep inner characters, codes are upper-case, no spaces."""
    text = unicodedata.normalize("NFKC", text).strip()
    if kind is SecretKind.OWNER_NAME:
        return " ".join(text.split())
    return "".join(text.split()).upper()


def secret_format_ok(kind: SecretKind, text: str) -> bool:
    """Whether ``text`` has the shape the secret needs (checked before any lookup)."""
    value = normalize_secret(kind, text)
    if kind is SecretKind.NONE:
        return True
    if kind is SecretKind.OWNER_NAME:
        return 1 <= len(value) <= 40
    if kind in (SecretKind.ENGINE_LAST6, SecretKind.VIN_LAST6):
        return len(value) == 6 and value.isascii() and value.isalnum()
    return 4 <= len(value) <= 30 and value.isascii() and value.isalnum()


def expected_secret(kind: SecretKind, *, engine_number: str, vin: str, owner_name: str) -> str:
    """What a vehicle's secret is under ``kind`` (normalised)."""
    if kind is SecretKind.ENGINE_FULL:
        return normalize_secret(kind, engine_number)
    if kind is SecretKind.ENGINE_LAST6:
        return normalize_secret(kind, engine_number)[-6:]
    if kind is SecretKind.VIN_LAST6:
        return normalize_secret(kind, vin)[-6:]
    if kind is SecretKind.OWNER_NAME:
        return normalize_secret(kind, owner_name)
    return ""


def secret_matches(kind: SecretKind, given: str, expected: str) -> bool:
    """Constant-time comparison of a normalised secret."""
    if kind is SecretKind.NONE:
        return True
    return hmac.compare_digest(
        normalize_secret(kind, given).encode("utf-8"), expected.encode("utf-8")
    )
