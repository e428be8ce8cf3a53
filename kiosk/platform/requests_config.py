"""Configuration of resident requests (您来点单 我来办): ``[requests]``.

The categories a resident chooses from, each with the department that handles it and the
response it promises; the residential compounds the center serves; how long a description
may be; whether a photo may be added; and how long a request that could not be sent may
wait in the outbox. A site file says, for instance::

    [requests]
    description_max_chars = 200
    photo_allowed = false

    [[requests.categories]]
    id = "lift"
    name_zh = "电梯故障"
    name_en = "Lift out of order"
    department = "物业服务中心"
    response_hours = 12

    [[requests.compounds]]
    id = "heping-li"
    name = "和平里小区"

A list in a site file replaces the whole default list (``categories`` or ``compounds``),
as every list in the configuration does. The promised response is the time until staff
first act on a request (assign it, note progress or close it), counted from submission.
The center keeps its own copy of the categories (``requests.toml`` in its data directory,
:mod:`center.requests.store`): the department and the promise a receipt shows are the
center's when it is reached.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

SLUG = r"^[a-z0-9][a-z0-9_-]{0,31}$"
"""Category and compound ids: lower-case ASCII, digits, ``-`` and ``_``, up to 32."""
MAX_DESCRIPTION_CHARS = 1000
"""No configuration may allow a longer description (the center refuses longer ones)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RequestCategory(_Strict):
    """One kind of request.

    Attributes:
        id: stable id (receipts, the center, reports).
        name_zh, name_en: what the resident reads on the tile.
        department: who handles it (the first assignment; staff may reassign).
        response_hours: the promised first response, in hours after submission.
    """

    id: str = Field(pattern=SLUG)
    name_zh: str = Field(min_length=1, max_length=16)
    name_en: str = Field(min_length=1, max_length=48)
    department: str = Field(min_length=1, max_length=32)
    response_hours: int = Field(ge=1, le=720)


class Compound(_Strict):
    """A residential compound (小区) the center serves."""

    id: str = Field(pattern=SLUG)
    name: str = Field(min_length=1, max_length=32)


DEFAULT_CATEGORIES: tuple[RequestCategory, ...] = (
    RequestCategory(
        id="sanitation",
        name_zh="环境卫生",
        name_en="Cleanliness and refuse",
        department="社区环卫所",
        response_hours=24,
    ),
    RequestCategory(
        id="repairs",
        name_zh="设施维修",
        name_en="Repairs to shared facilities",
        department="物业服务中心",
        response_hours=48,
    ),
    RequestCategory(
        id="neighbours",
        name_zh="邻里纠纷",
        name_en="A dispute between neighbours",
        department="人民调解委员会",
        response_hours=72,
    ),
    RequestCategory(
        id="safety",
        name_zh="安全隐患",
        name_en="A safety hazard",
        department="社区网格员",
        response_hours=4,
    ),
    RequestCategory(
        id="convenience",
        name_zh="便民服务",
        name_en="Everyday services",
        department="党群服务中心",
        response_hours=48,
    ),
    RequestCategory(
        id="other",
        name_zh="其他",
        name_en="Something else",
        department="社区居委会",
        response_hours=72,
    ),
)
"""The categories a new site starts with: 环境卫生, 设施维修, 邻里纠纷, 安全隐患, 便民服务,
其他."""

DEFAULT_COMPOUNDS: tuple[Compound, ...] = (
    Compound(id="yangguang", name="阳光花园"),
    Compound(id="heping-li", name="和平里小区"),
    Compound(id="jinxiu", name="锦绣家园"),
    Compound(id="xingfu-li", name="幸福里"),
)
"""Demo compounds: a site lists its own."""


def _unique_ids[T: (RequestCategory, Compound)](items: list[T]) -> list[T]:
    if not items:
        raise ValueError("needs at least one entry")
    ids = [item.id for item in items]
    if len(set(ids)) != len(ids):
        raise ValueError(f"ids repeat: {sorted({i for i in ids if ids.count(i) > 1})}")
    return items


class RequestsConfig(_Strict):
    """Resident requests at the kiosk.

    Attributes:
        categories: what a resident may report, in tile order.
        compounds: the residential compounds offered under "where".
        description_max_chars: the longest description (characters, after trimming).
        photo_allowed: whether the resident may add a photo of the problem.
        outbox_lifetime_h: how long a request that could not be sent waits (encrypted)
            before it is deleted unsent.
    """

    categories: list[RequestCategory] = list(DEFAULT_CATEGORIES)
    compounds: list[Compound] = list(DEFAULT_COMPOUNDS)
    description_max_chars: int = Field(300, ge=20, le=MAX_DESCRIPTION_CHARS)
    photo_allowed: bool = True
    outbox_lifetime_h: float = Field(72.0, ge=1.0, le=168.0)

    @field_validator("categories")
    @classmethod
    def _categories(cls, v: list[RequestCategory]) -> list[RequestCategory]:
        return _unique_ids(v)

    @field_validator("compounds")
    @classmethod
    def _compounds(cls, v: list[Compound]) -> list[Compound]:
        return _unique_ids(v)

    def category(self, category_id: str) -> RequestCategory | None:
        """The category with this id, or None."""
        return next((c for c in self.categories if c.id == category_id), None)

    def compound(self, compound_id: str) -> Compound | None:
        """The compound with this id, or None."""
        return next((c for c in self.compounds if c.id == compound_id), None)
