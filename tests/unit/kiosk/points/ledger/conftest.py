"""Ledger helpers: a ledger on a fixed clock, and a member with a chosen balance.

``home`` is where a test's ledger lives, once on each engine: a SQLite file in the test's
folder, and a fresh database on the session's PostgreSQL (the center's engine).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kiosk.framework.clock import FakeClock
from kiosk.platform.points_config import PointsConfig
from kiosk.points.catalogue import load_catalogue_spec
from kiosk.points.demo import open_demo_ledger
from kiosk.points.ledger import Ledger
from kiosk.points.model import CartLine
from tests.support.postgres import ENGINES, engine_on
from tests.unit.kiosk.points.conftest import NOW, key

TOWEL = [CartLine(item_id="towel", quantity=1)]

Home = Path | Any
"""A SQLite ledger's folder, or the center's engine (:mod:`center.database`)."""


@pytest.fixture(params=ENGINES)
def home(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Home]:
    """The test's folder (SQLite), then the center's engine on PostgreSQL."""
    if request.param == "sqlite":
        yield tmp_path
        return
    with engine_on(request.param, tmp_path / "db", request) as engine:
        yield engine


def target(home: Home) -> Path | Any:
    """The ledger's SQLite file at ``home``, or its store on the center's engine."""
    if isinstance(home, Path):
        return home / "points.sqlite3"
    return home.store("points", sqlite_file="points.sqlite3")


def new_ledger(home: Home, config: PointsConfig | None = None, *, demo: bool = True) -> Ledger:
    """A ledger with the packaged catalogue, and the demo members unless ``demo`` is False."""
    if demo:
        return open_demo_ledger(target(home), config, FakeClock(NOW))
    ledger = Ledger(target(home), config, FakeClock(NOW))
    ledger.sync_catalogue(load_catalogue_spec())
    return ledger


def member(ledger: Ledger, points: int, member_id: str = "T0001") -> str:
    """Registers ``member_id`` with ``points`` credited; returns the id."""
    ledger.add_member(member_id, "测试")
    if points:
        ledger.credit(member_id, points, key(), reason="volunteer", terminal="t", staff="s")
    return member_id
