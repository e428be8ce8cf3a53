"""The goods on offer: ``config/points_catalogue.toml`` (names, prices, pictures, stock).

The file gives each item's initial stock; from then on the ledger owns the stock (vouchers
reserve it, cancellations return it, ``center points restock`` adds to it). Loading the file
again updates names, prices, pictures and limits of known items and adds new ones, but never
resets a stock. An item left out of the file is withdrawn (no longer offered).

Per-member limits may be given per item here; ``PointsConfig.limits`` overrides them.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from kiosk.platform.points_config import ItemLimits
from kiosk.platform.project import CONFIG_DIR
from kiosk.points.model import ITEM_ID_PATTERN

DEFAULT_CATALOGUE = CONFIG_DIR / "points_catalogue.toml"


class CatalogueSpecItem(BaseModel):
    """One item as the catalogue file describes it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=ITEM_ID_PATTERN)
    name_zh: str = Field(min_length=1, max_length=40)
    name_en: str = Field(min_length=1, max_length=60)
    points: int = Field(ge=0, le=100000)
    stock: int = Field(ge=0, le=1_000_000)
    picture: str = ""
    limits: ItemLimits | None = None


class CatalogueSpec(BaseModel):
    """The whole catalogue file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    item: tuple[CatalogueSpecItem, ...] = ()

    @model_validator(mode="after")
    def _unique_ids(self) -> CatalogueSpec:
        ids = [i.id for i in self.item]
        if len(ids) != len(set(ids)):
            raise ValueError("item ids must be unique")
        return self


def load_catalogue_spec(path: Path = DEFAULT_CATALOGUE) -> CatalogueSpec:
    """Reads and validates a catalogue file."""
    with path.open("rb") as f:
        return CatalogueSpec.model_validate(tomllib.load(f))


def picture_path(picture: str) -> Path | None:
    """The picture file of an item (``CatalogueItem.picture``), or None if it has none.

    Paths are relative to ``config/``; anything that would leave it is refused.
    """
    if not picture:
        return None
    path = (CONFIG_DIR / picture).resolve()
    if not path.is_relative_to(CONFIG_DIR.resolve()):
        return None
    return path
