"""Stock: catalogue sync, demo seeding, configured limits, and what a member may take."""

from __future__ import annotations

import pytest

from kiosk.platform.points_config import ItemLimits, PointsConfig
from kiosk.points.catalogue import CatalogueSpec, load_catalogue_spec
from kiosk.points.errors import (
    UnknownItem,
)
from kiosk.points.model import Balance, CartLine
from tests.unit.kiosk.points.conftest import key
from tests.unit.kiosk.points.ledger.conftest import Home, new_ledger


def test_demo_seeding_and_catalogue_sync_are_idempotent(home: Home) -> None:
    new_ledger(home).close()
    ledger = new_ledger(home)  # opened again: nothing seeded twice
    try:
        members = {m[0]: m for m in ledger.members()}
        assert members["M20230517"][3] == Balance(available=120, held=0)
        assert members["M20210309"][3] == Balance(available=34, held=11)
        assert members["M20250001"][2] == 2
        assert len(ledger.entries()) == 5  # four credits and one demo voucher
        towels = ledger.catalogue().item("towel")
        assert towels is not None and towels.stock == 49
        spec = load_catalogue_spec()
        cheaper = [i.model_copy(update={"points": 4}) if i.id == "towel" else i for i in spec.item]
        ledger.sync_catalogue(CatalogueSpec(item=tuple(x for x in cheaper if x.id != "soap")))
        towels = ledger.catalogue().item("towel")
        assert towels is not None and (towels.points, towels.stock) == (4, 49)  # stock kept
        assert ledger.catalogue().item("soap") is None  # withdrawn
        with pytest.raises(UnknownItem):
            ledger.redeem("M20230517", [CartLine(item_id="soap", quantity=1)], key(), "k")
        assert ledger.verify() == []
    finally:
        ledger.close()


def test_configured_limits_win_over_the_catalogue(home: Home) -> None:
    config = PointsConfig(limits={"rice-5kg": ItemLimits(per_day=3, per_month=None)})
    ledger = new_ledger(home, config)
    try:
        rice = ledger.catalogue("M20230517").item("rice-5kg")
        assert rice is not None and (rice.per_day, rice.per_month, rice.left_today) == (3, None, 3)
        ledger.redeem("M20230517", [CartLine(item_id="rice-5kg", quantity=3)], key(), "k")
    finally:
        ledger.close()
