"""The center's points ledger: in the center's database (:mod:`center.database`; on SQLite
``<data_dir>/points.sqlite3``), its policy ``points.toml`` and catalogue
``points_catalogue.toml`` (both optional)."""

from __future__ import annotations

from pathlib import Path

from center.data_dir import load_settings
from center.database import Engine
from kiosk.framework.clock import Clock
from kiosk.platform.database import Database
from kiosk.platform.points_config import PointsConfig
from kiosk.points.catalogue import DEFAULT_CATALOGUE, load_catalogue_spec
from kiosk.points.demo import open_demo_ledger
from kiosk.points.ledger import Ledger

STORE = "points"
SQLITE_FILE = "points.sqlite3"


def load_points_config(data_dir: Path) -> PointsConfig:
    """``<data_dir>/points.toml`` (its ``[points]`` table), or the defaults if absent."""
    return load_settings(data_dir, "points", PointsConfig)


def ledger_store(engine: Engine) -> Database:
    """The ledger's store on ``engine``."""
    return engine.store(STORE, sqlite_file=SQLITE_FILE)


def open_center_ledger(
    data_dir: Path, clock: Clock | None = None, *, engine: Engine | None = None
) -> Ledger:
    """The center's ledger (on ``engine``, else ``<data_dir>/points.sqlite3``): the
    catalogue synced from ``<data_dir>/points_catalogue.toml`` (else the packaged one), demo
    members seeded into a new ledger, and an expiry run (vouchers and points past their
    dates). Several app servers may open it at once."""
    catalogue = data_dir / "points_catalogue.toml"
    return open_demo_ledger(
        ledger_store(engine) if engine is not None else data_dir / SQLITE_FILE,
        load_points_config(data_dir),
        clock,
        catalogue=load_catalogue_spec(catalogue if catalogue.exists() else DEFAULT_CATALOGUE),
        expiry_terminal="center",
    )
