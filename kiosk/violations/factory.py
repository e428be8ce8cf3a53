"""Builds the violation service the configuration asks for."""

from __future__ import annotations

from pathlib import Path

from kiosk.framework.clock import Clock
from kiosk.platform.backend_config import ServiceConfig
from kiosk.platform.http_client import HttpClient
from kiosk.violations.http import HttpViolationService
from kiosk.violations.local import LocalViolationService
from kiosk.violations.service import ViolationService


def local_db_path(config: ServiceConfig, data_dir: Path) -> Path:
    """Where the ``local`` back end keeps its SQLite file."""
    return (
        Path(config.local_db) if config.local_db else data_dir / "violations" / "violations.sqlite3"
    )


def build_violation_service(
    config: ServiceConfig, *, data_dir: Path, terminal_id: str, clock: Clock
) -> ViolationService:
    """``local``: the embedded store (seeded with demo data when new); ``http``: the center."""
    if config.backend == "http":
        return HttpViolationService(HttpClient(config, terminal_id))
    return LocalViolationService.open_demo(
        local_db_path(config, data_dir), seed=config.demo_seed, clock=clock
    )
