"""The center's HTTP API (FastAPI): one router per feature, put together here.

- :mod:`center.health`: ``GET /v1/health``;
- :mod:`center.violations.api`: violation lookups for authenticated terminals;
- :mod:`center.points.api`: the volunteer-points ledger (when the app has one);
- :mod:`center.fleet.api`: the fleet's repository files, heartbeats and status (likewise);
- :mod:`center.photo.api`: ``POST /v1/photos``, the encrypted photo intake (likewise).

What they share lives beside this module: the error body and handlers
(:mod:`center.answers`), the caller dependencies (:mod:`center.credentials`) and the data
directory (:mod:`center.data_dir`).
"""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import FastAPI

from center.answers import install_error_handlers
from center.auth import TerminalRegistry
from center.data_dir import default_data_dir
from center.fleet import FleetService
from center.fleet.api import fleet_router
from center.health import health_router
from center.photo.api import create_photos_router
from center.photo.store import PhotoStore, open_center_photos
from center.points.api import create_points_router
from center.points.store import open_center_ledger
from center.violations.api import violations_router
from kiosk import __version__
from kiosk.points.ledger import Ledger
from kiosk.violations.local import LocalViolationService
from kiosk.violations.service import ViolationService

__all__ = ["app_from_env", "build_app", "create_app", "default_data_dir"]


MAX_BODY_BYTES = 64 * 1024
"""The default cap on a request body; larger ones get 413 unread."""


def create_app(
    service: ViolationService,
    registry: TerminalRegistry,
    points: Ledger | None = None,
    fleet: FleetService | None = None,
    photos: PhotoStore | None = None,
) -> FastAPI:
    """The API over ``service`` (and ``points``, ``fleet``, ``photos``), admitting the
    terminals in ``registry``.

    The app closes ``service``, ``points`` and ``photos`` when it shuts down.
    """
    app = FastAPI(
        title="融治理中心 API",
        version=__version__,
        description="Violation lookups for self-service terminals. Every lookup needs "
        "`Authorization: Bearer <terminal token>` and `X-Terminal-Id`.",
        # Every request body is capped before anything reads it (and so before the token is
        # checked): lookups, points calls and heartbeats are a few KB. A route that takes
        # more says so itself (the photo upload).
        max_body_size=MAX_BODY_BYTES,
    )
    install_error_handlers(app)
    app.include_router(health_router(service.ping))
    app.include_router(violations_router(service, registry))
    if points is not None:
        app.include_router(create_points_router(points, registry))
    if fleet is not None:
        app.include_router(fleet_router(fleet, registry))
    if photos is not None:
        app.include_router(create_photos_router(photos, registry))
    return app


def build_app(data_dir: Path, terminals: Path | None = None) -> FastAPI:
    """The API over the demo-seeded store in ``data_dir``."""
    service = LocalViolationService.open_demo(data_dir / "violations.sqlite3")
    registry = TerminalRegistry(terminals or data_dir / "terminals.json")
    fleet = FleetService(data_dir / "fleet", terminals=registry)
    photos = open_center_photos(data_dir)
    return create_app(service, registry, open_center_ledger(data_dir), fleet, photos)


def app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory`` (several worker processes): reads CENTER_* vars."""
    terminals = os.environ.get("CENTER_TERMINALS")
    return build_app(default_data_dir(), Path(terminals) if terminals else None)
