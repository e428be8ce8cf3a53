"""The center's HTTP API (FastAPI): one router per feature, put together here.

- :mod:`center.health`: ``GET /v1/health``;
- :mod:`center.violations.api`: violation lookups for authenticated terminals;
- :mod:`center.points.api`: the volunteer-points ledger (when the app has one);
- :mod:`center.fleet.api`: the fleet's repository files, heartbeats and status (likewise);
- :mod:`center.photo.api`: ``POST /v1/photos``, the encrypted photo intake (likewise);
- :mod:`center.applications.api`: ``/v1/applications``, resident-ID applications (likewise);
- :mod:`center.requests.api`: ``/v1/requests``, resident requests (likewise).

What they share lives beside this module: the error body and handlers
(:mod:`center.answers`), the caller dependencies (:mod:`center.credentials`) and the data
directory (:mod:`center.data_dir`).
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import APIRouter, FastAPI
from starlette.types import ASGIApp

from center.answers import install_error_handlers
from center.applications.api import create_applications_router
from center.applications.store import ApplicationStore, open_center_applications
from center.auth import TerminalRegistry, open_callers
from center.body_limits import JsonTooLarge
from center.console import ConsoleSettings, install_console
from center.data_dir import default_data_dir, load_settings
from center.database import Engine, open_engine
from center.fleet import FleetService
from center.fleet.api import fleet_router
from center.fleet.history import open_health_history
from center.fleet.registry import open_heartbeats
from center.health import health_router
from center.photo.api import create_photos_router
from center.photo.store import PhotoStore, open_center_photos
from center.points.api import create_points_router
from center.points.store import open_center_ledger
from center.report.usage import CountingFleet, open_usage_log
from center.requests.api import create_requests_router
from center.requests.store import RequestStore, open_center_requests
from center.retention import sweeper
from center.staff.audit import open_audit_log
from center.staff.store import open_staff_store
from center.violations.api import violations_router
from kiosk import __version__
from kiosk.points.ledger import Ledger
from kiosk.violations.local import LocalViolationService
from kiosk.violations.service import ViolationService

__all__ = ["app_from_env", "build_app", "create_app", "default_data_dir"]

log = logging.getLogger(__name__)


MAX_BODY_BYTES = 64 * 1024
"""The default cap on a request body; larger ones get 413 unread."""
VIOLATIONS_BODY_BYTES = 4 * 1024
"""A violation lookup: a plate or a licence number and a secret."""
POINTS_BODY_BYTES = 16 * 1024
"""A points call: the largest is a redemption of 50 cart lines (about 4 KB)."""
HEARTBEAT_BODY_BYTES = 32 * 1024
"""A heartbeat: bounded fields (three 2,000-character texts, a few device reports)."""


class _CenterApp(FastAPI):
    """FastAPI with a clear 413 outermost (outside the app-wide body cap)."""

    def build_middleware_stack(self) -> ASGIApp:
        return JsonTooLarge(super().build_middleware_stack())


def create_app(
    service: ViolationService,
    registry: TerminalRegistry,
    points: Ledger | None = None,
    fleet: FleetService | None = None,
    photos: PhotoStore | None = None,
    applications: ApplicationStore | None = None,
    database: Engine | None = None,
    requests: RequestStore | None = None,
) -> FastAPI:
    """The API over ``service`` (and ``points``, ``fleet``, ``photos``), admitting the
    terminals in ``registry``.

    The app closes ``service``, ``points`` and ``photos`` when it shuts down.
    """
    app = _CenterApp(
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
    if database is not None:  # first in, so its lifespan ends last: after every store's
        app.include_router(_closes(database))
    app.include_router(health_router(_ping(service, database)))
    # Per-route caps below the default, where the bodies are small (413 before reading).
    app.include_router(violations_router(service, registry), max_body_size=VIOLATIONS_BODY_BYTES)
    if points is not None:
        app.include_router(create_points_router(points, registry), max_body_size=POINTS_BODY_BYTES)
    if fleet is not None:
        app.include_router(fleet_router(fleet, registry), max_body_size=HEARTBEAT_BODY_BYTES)
    if photos is not None:
        app.include_router(create_photos_router(photos, registry))
    if applications is not None:  # its POST has its own body cap, sized for a photo
        app.include_router(create_applications_router(applications, registry))
    if requests is not None:  # likewise: its POST may carry a photo
        app.include_router(create_requests_router(requests, registry))
    return app


def build_app(data_dir: Path, terminals: Path | None = None) -> FastAPI:
    """The API over the demo-seeded store in ``data_dir``."""
    # The stores' database ([database] in database.toml): SQLite files here by default,
    # or one PostgreSQL database that several app servers share (center/database).
    database = open_engine(data_dir)
    log.info("center data in %s", database.describe())
    service = LocalViolationService.open_demo(data_dir / "violations.sqlite3")
    # --terminals FILE: a JSON registry (one machine); else the database's
    registry = TerminalRegistry(terminals) if terminals else open_callers(database, data_dir)
    # the fleet, also counting the terminals' usage for the usage report (center/report)
    usage = open_usage_log(database)
    fleet = CountingFleet(
        data_dir / "fleet",
        usage=usage,
        terminals=registry,
        heartbeats=open_heartbeats(database),
        operators=open_callers(database, data_dir, "operator"),
        history=open_health_history(database),
    )
    photos = open_center_photos(data_dir, engine=database)
    applications = open_center_applications(data_dir, engine=database)
    points = open_center_ledger(data_dir, engine=database)
    requests = open_center_requests(data_dir, engine=database)
    app = create_app(
        service,
        registry,
        points,
        fleet,
        photos,
        applications,
        database=database,
        requests=requests,
    )
    # personal data past its retention goes on a quiet day too, not only when a store is
    # written to (after the database's router: the sweeper stops before the pool closes)
    app.include_router(
        sweeper(
            {
                "photos": photos.purge,
                "applications": applications.purge,
                "requests": requests.purge,
            }
        )
    )
    # The web console (/console/) for operators, staff and auditors: center/console; its
    # accounts, sessions and audit log on the database, so any app server signs anyone in.
    console = load_settings(data_dir, "console", ConsoleSettings)
    install_console(
        app,
        data_dir,
        fleet=fleet,
        points=points,
        applications=applications,
        requests=requests,
        photos=photos,
        usage=usage,
        staff=open_staff_store(data_dir, engine=database, policy=console.staff_policy()),
        audit=open_audit_log(data_dir, engine=database),
    )
    return app


def _ping(service: ViolationService, database: Engine | None) -> Callable[[], None]:
    """The health check: the violation service, and the database if there is one."""

    def ping() -> None:
        service.ping()
        if database is not None:
            database.check()

    return ping


def _closes(database: Engine) -> APIRouter:
    """A router whose lifespan closes ``database`` when the app shuts down."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        database.close()

    return APIRouter(lifespan=lifespan)


def app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory`` (several worker processes): reads CENTER_* vars."""
    terminals = os.environ.get("CENTER_TERMINALS")
    return build_app(default_data_dir(), Path(terminals) if terminals else None)
