"""Points fixtures: a local ledger and the real center (uvicorn on 127.0.0.1) serving another,
both on a fixed clock, and a per-test member with a chosen balance on whichever is in use.
The center's ledger is a SQLite file, or (``http-postgresql``) on a PostgreSQL database."""

from __future__ import annotations

import contextlib
import itertools
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from center.app import create_app
from center.auth import TerminalRegistry
from center.points.store import ledger_store
from kiosk.framework.clock import FakeClock
from kiosk.platform.backend_config import ServiceConfig
from kiosk.platform.database import Database
from kiosk.platform.http_client import HttpClient
from kiosk.platform.points_config import PointsConfig
from kiosk.points.demo import open_demo_ledger
from kiosk.points.http import HttpPointsService
from kiosk.points.ledger import Ledger
from kiosk.points.local import LocalPointsService
from kiosk.points.service import PointsService
from tests.support.center_fixtures import NoViolations, kiosk_config
from tests.support.postgres import SKIP_REASON, PostgresCluster
from tests.support.uvicorn_server import UvicornThread

NOW = datetime(2026, 11, 23, 9, 30)
TERMINAL = "kiosk-test"
_counter = itertools.count()


@dataclass
class PointsCenter:
    """The real center app with a points ledger, served on 127.0.0.1."""

    url: str
    port: int
    token: str
    ledger: Ledger
    clock: FakeClock
    registry: TerminalRegistry

    def config(self, **overrides: Any) -> ServiceConfig:
        """A kiosk ``ServiceConfig`` for this center."""
        return kiosk_config(self.url, TERMINAL, self.token, **overrides)

    def client(self, **overrides: Any) -> HttpPointsService:
        """An http points service for this center."""
        return HttpPointsService(HttpClient(self.config(**overrides), TERMINAL))


def open_ledger(
    path: Path | Database, clock: FakeClock, config: PointsConfig | None = None
) -> Ledger:
    """A ledger with the packaged catalogue and the demo members."""
    return open_demo_ledger(path, config, clock)


@contextlib.contextmanager
def serve_points_center(
    folder: Path, config: PointsConfig | None = None, *, engine: Any = None
) -> Iterator[PointsCenter]:
    """The real center app (``create_app`` with a points ledger) on 127.0.0.1, its ledger
    in ``folder`` (or on the center's ``engine``) on a fixed clock, one terminal registered;
    stopped on exit."""
    clock = FakeClock(NOW)
    where = ledger_store(engine) if engine is not None else folder / "points.sqlite3"
    ledger = open_ledger(where, clock, config)
    registry = TerminalRegistry(folder / "terminals.json")
    token = registry.add(TERMINAL)
    app = create_app(NoViolations(), registry, points=ledger)
    with UvicornThread(app, name="uvicorn-points") as server:
        yield PointsCenter(server.url, server.port, token, ledger, clock, registry)


@pytest.fixture(scope="module")
def points_center(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PointsCenter]:
    """The center on 127.0.0.1 with its own ledger and clock (module-wide)."""
    with serve_points_center(tmp_path_factory.mktemp("points-center")) as center:
        yield center


@pytest.fixture(scope="module")
def points_center_pg(
    tmp_path_factory: pytest.TempPathFactory, maybe_postgres: PostgresCluster | None
) -> Iterator[PointsCenter | None]:
    """The center on 127.0.0.1 with its ledger on a PostgreSQL database (module-wide); None
    without PostgreSQL."""
    from center.database import DatabaseSettings, open_engine

    if maybe_postgres is None:
        yield None
        return
    folder = tmp_path_factory.mktemp("points-center-pg")
    url = maybe_postgres.create_database()
    engine = open_engine(folder, DatabaseSettings(url=url, pool_size=4))
    try:
        with serve_points_center(folder, engine=engine) as center:
            yield center
    finally:
        engine.close()


@pytest.fixture(scope="module")
def local_ledger(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ledger]:
    """A local ledger (module-wide) with its own clock."""
    ledger = open_ledger(tmp_path_factory.mktemp("points-local") / "points.sqlite3", FakeClock(NOW))
    yield ledger
    ledger.close()


@dataclass
class Backend:
    """One implementation under test with the ledger behind it (to arrange and to check)."""

    name: str
    service: PointsService
    ledger: Ledger

    @property
    def clock(self) -> FakeClock:
        """The ledger's clock."""
        clock = self.ledger.clock
        assert isinstance(clock, FakeClock)
        return clock

    def member(self, points: int = 0, *, name: str = "测试会员", hours: int = 0) -> str:
        """A new member with ``points`` available (and ``hours`` of service)."""
        member_id = f"T{next(_counter):04d}{uuid.uuid4().hex[:6]}"
        self.ledger.add_member(member_id, name)
        if points or hours:
            self.ledger.credit(
                member_id,
                points,
                f"setup-{uuid.uuid4().hex}",
                hours_centi=hours * 100,
                reason="volunteer",
                terminal="setup",
                staff="setup",
            )
        return member_id

    def stock(self, item_id: str) -> int:
        """An item's stock, as the ledger has it."""
        item = self.ledger.catalogue().item(item_id)
        assert item is not None
        return item.stock


@pytest.fixture(params=["local", "http", "http-postgresql"])
def backend(
    request: pytest.FixtureRequest,
    local_ledger: Ledger,
    points_center: PointsCenter,
    points_center_pg: PointsCenter | None,
) -> Iterator[Backend]:
    """Each implementation in turn: local (SQLite here), and http to the center with its
    ledger on SQLite, then on PostgreSQL."""
    service: PointsService
    if request.param == "local":
        service = LocalPointsService(local_ledger, TERMINAL)
        yield Backend("local", service, local_ledger)
        return
    center = points_center if request.param == "http" else points_center_pg
    if center is None:
        pytest.skip(SKIP_REASON)
    service = center.client()
    yield Backend(request.param, service, center.ledger)
    service.close()


def key() -> str:
    """A fresh idempotency key."""
    return f"test-{uuid.uuid4().hex}"
