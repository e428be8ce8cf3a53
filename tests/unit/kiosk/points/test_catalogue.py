"""The catalogue file: validation and its pictures."""

from __future__ import annotations

import pytest

from kiosk.points.catalogue import CatalogueSpec, CatalogueSpecItem, load_catalogue_spec


def test_catalogue_files_are_validated() -> None:
    with pytest.raises(ValueError):
        CatalogueSpec(
            item=(
                CatalogueSpecItem(id="a", name_zh="甲", name_en="A", points=1, stock=1),
                CatalogueSpecItem(id="a", name_zh="乙", name_en="B", points=1, stock=1),
            )
        )
    spec = load_catalogue_spec()
    from kiosk.points.catalogue import picture_path

    for item in spec.item:
        path = picture_path(item.picture)
        assert path is not None and path.is_file() and path.stat().st_size < 30_000
    assert picture_path("../../etc/passwd") is None
