"""Ledger helpers: a ledger on a fixed clock, and a member with a chosen balance."""

from __future__ import annotations

from pathlib import Path

from kiosk.framework.clock import FakeClock
from kiosk.platform.points_config import PointsConfig
from kiosk.points.catalogue import load_catalogue_spec
from kiosk.points.ledger import Ledger
from kiosk.points.local import LocalPointsService
from kiosk.points.model import CartLine
from tests.unit.kiosk.points.conftest import NOW, key

TOWEL = [CartLine(item_id="towel", quantity=1)]


def new_ledger(tmp_path: Path, config: PointsConfig | None = None, *, demo: bool = True) -> Ledger:
    """A ledger with the packaged catalogue, and the demo members unless ``demo`` is False."""
    if demo:
        return LocalPointsService.open_demo(
            tmp_path / "points.sqlite3", config=config, clock=FakeClock(NOW)
        ).ledger
    ledger = Ledger(tmp_path / "points.sqlite3", config, FakeClock(NOW))
    ledger.sync_catalogue(load_catalogue_spec())
    return ledger


def member(ledger: Ledger, points: int, member_id: str = "T0001") -> str:
    """Registers ``member_id`` with ``points`` credited; returns the id."""
    ledger.add_member(member_id, "测试")
    if points:
        ledger.credit(member_id, points, key(), reason="volunteer", terminal="t", staff="s")
    return member_id
