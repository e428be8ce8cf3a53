"""Builds the points service the configuration asks for (``backend`` is shared with the
violation lookup: one center, one terminal token)."""

from __future__ import annotations

from pathlib import Path

from kiosk.framework.clock import Clock
from kiosk.platform.backend_config import ServiceConfig
from kiosk.platform.http_client import HttpClient
from kiosk.platform.points_config import PointsConfig
from kiosk.points.http import HttpPointsService
from kiosk.points.local import LocalPointsService
from kiosk.points.service import PointsService


def local_ledger_path(data_dir: Path) -> Path:
    """Where the ``local`` back end keeps its ledger."""
    return data_dir / "points" / "points.sqlite3"


def build_points_service(
    backend: ServiceConfig,
    points: PointsConfig,
    *,
    data_dir: Path,
    terminal_id: str,
    clock: Clock,
) -> PointsService:
    """``local``: the embedded ledger (demo members, packaged catalogue); ``http``: the
    center."""
    if backend.backend == "http":
        return HttpPointsService(HttpClient(backend, terminal_id))
    return LocalPointsService.open_demo(
        local_ledger_path(data_dir), config=points, clock=clock, terminal_id=terminal_id
    )
