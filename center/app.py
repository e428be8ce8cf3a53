"""The center's HTTP API (FastAPI): violation lookups for authenticated terminals, and health.

The endpoints are ``async`` and call the SQLite store directly: a lookup is two indexed
point reads taking well under a millisecond, cheaper than the hop to a worker thread that a
sync endpoint costs (measured in ``bench/violations.py``). Scale out with uvicorn workers
(processes), which WAL lets read the same file.

Errors are JSON ``{"error": {"code": ..., "message": ...}}`` with the status the kiosk's
client maps to its typed errors: 401/403 ``auth.*``, 404 ``not_matched``, 422
``invalid_query`` (with ``field``), 500 ``internal``. Answers carry
``Cache-Control: no-store``: records change between lookups.
"""

# No `from __future__ import annotations` here: FastAPI reads the endpoint annotations at
# run time, and they name dependencies local to create_app.
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from center.auth import AuthFailure, TerminalRegistry
from center.fleet import FleetService
from center.fleet.api import fleet_router
from center.points import api as points_api
from kiosk import __version__
from kiosk.platform.service_errors import InvalidQuery, ServiceError, ServiceRejected
from kiosk.violations.local import LocalViolationService
from kiosk.violations.service import (
    LicenceQuery,
    LookupOutcome,
    LookupResult,
    StillFetching,
    VehicleQuery,
    ViolationService,
)

log = logging.getLogger(__name__)

NO_STORE = {"Cache-Control": "no-store"}


class ErrorDetail(BaseModel):
    """What went wrong, as a stable code and a technician's message (never personal data)."""

    code: str
    message: str = ""
    field: str | None = None


class ErrorBody(BaseModel):
    """Every error answer."""

    error: ErrorDetail


class Health(BaseModel):
    """The health answer."""

    status: str
    version: str


_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "auth.missing or auth.invalid_token"},
    403: {"model": ErrorBody, "description": "auth.terminal_mismatch or auth.terminal_disabled"},
    404: {"model": ErrorBody, "description": "not_matched: nothing matches identifiers + secret"},
    422: {"model": ErrorBody, "description": "invalid_query (field names the input)"},
    500: {"model": ErrorBody, "description": "internal"},
}

_bearer = HTTPBearer(auto_error=False, description="This terminal's token")
_terminal = APIKeyHeader(name="X-Terminal-Id", auto_error=False, description="This terminal's id")


def _error(status: int, code: str, message: str = "", field: str | None = None) -> JSONResponse:
    body = ErrorBody(error=ErrorDetail(code=code, message=message, field=field))
    return JSONResponse(body.model_dump(exclude_none=True), status_code=status, headers=NO_STORE)


def create_app(
    service: ViolationService,
    registry: TerminalRegistry,
    points: points_api.Ledger | None = None,
    fleet: FleetService | None = None,
) -> FastAPI:
    """The API over ``service``, admitting the terminals in ``registry``.

    The app closes ``service`` when it shuts down.
    """

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        service.close()

    app = FastAPI(
        title="融治理中心 API",
        version=__version__,
        description="Violation lookups for self-service terminals. Every lookup needs "
        "`Authorization: Bearer <terminal token>` and `X-Terminal-Id`.",
        lifespan=lifespan,
    )

    async def terminal(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
        terminal_id: Annotated[str | None, Depends(_terminal)],
    ) -> str:
        token = credentials.credentials if credentials is not None else None
        return registry.authenticate(terminal_id, token)

    @app.exception_handler(AuthFailure)
    async def _auth_failed(_request: Request, exc: AuthFailure) -> JSONResponse:
        log.info("refused a request: %s", exc.code)
        return _error(exc.status, exc.code, str(exc))

    @app.exception_handler(ServiceError)
    async def _service_failed(_request: Request, exc: ServiceError) -> JSONResponse:
        if isinstance(exc, ServiceRejected):
            field = exc.field if isinstance(exc, InvalidQuery) else None
            return _error(exc.status, exc.code, str(exc), field)
        log.error("service failed: %s (%s)", exc.code, exc)
        return _error(500, exc.code, "the service failed")

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        loc = errors[0].get("loc", ()) if errors else ()
        field = str(loc[-1]) if loc and loc[0] == "body" and len(loc) > 1 else None
        return _error(422, InvalidQuery.code, "the request does not fit the schema", field)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return _error(exc.status_code, code, str(exc.detail))

    @app.exception_handler(Exception)
    async def _crashed(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error in the API")
        return _error(500, "internal", "internal error")

    @app.get("/v1/health", response_model=Health, tags=["health"])
    async def health() -> Health:
        """Whether the API and its store answer (no authentication)."""
        service.ping()
        return Health(status="ok", version=__version__)

    @app.post(
        "/v1/violations/vehicle-lookups",
        response_model=LookupOutcome,
        responses=_ERRORS,
        tags=["violations"],
        summary="Look up violations by vehicle",
    )
    async def lookup_vehicle(
        query: VehicleQuery, response: Response, _terminal_id: Annotated[str, Depends(terminal)]
    ) -> LookupResult | StillFetching:
        """Records of one vehicle, newest first, or ``kind: pending`` (check back later).

        A POST so the secret never sits in a URL; it changes nothing (send an
        ``Idempotency-Key`` to let clients retry it).
        """
        response.headers.update(NO_STORE)
        return service.lookup_vehicle(query)

    @app.post(
        "/v1/violations/licence-lookups",
        response_model=LookupOutcome,
        responses=_ERRORS,
        tags=["violations"],
        summary="Look up violations by driving licence",
    )
    async def lookup_licence(
        query: LicenceQuery, response: Response, _terminal_id: Annotated[str, Depends(terminal)]
    ) -> LookupResult | StillFetching:
        """Records of the holder's vehicles, newest first, with the holder's cycle points."""
        response.headers.update(NO_STORE)
        return service.lookup_licence(query)

    if points is not None:
        app.include_router(points_api.create_points_router(points, registry))
    if fleet is not None:
        app.include_router(fleet_router(fleet, registry))
    return app


def default_data_dir() -> Path:
    """``$CENTER_DATA_DIR``, else ``var/center`` in the project."""
    env = os.environ.get("CENTER_DATA_DIR")
    return Path(env) if env else Path(__file__).resolve().parents[1] / "var" / "center"


def build_app(data_dir: Path, terminals: Path | None = None) -> FastAPI:
    """The API over the demo-seeded store in ``data_dir``."""
    service = LocalViolationService.open_demo(data_dir / "violations.sqlite3")
    registry = TerminalRegistry(terminals or data_dir / "terminals.json")
    fleet = FleetService(data_dir / "fleet", terminals=registry)
    return create_app(service, registry, points_api.open_center_ledger(data_dir), fleet)


def app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory`` (several worker processes): reads CENTER_* vars."""
    terminals = os.environ.get("CENTER_TERMINALS")
    return build_app(default_data_dir(), Path(terminals) if terminals else None)
