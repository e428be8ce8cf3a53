"""How the center answers, whatever the router: the JSON error body, the exception handlers
that produce it, and ``Cache-Control: no-store``.

Errors are JSON ``{"error": {"code": ..., "message": ...}}`` (``field`` too for
``invalid_query``) with the status the kiosk's clients map to their typed errors: 401/403
``auth.*``, the status of a refusal (:class:`~kiosk.platform.service_errors.ServiceRejected`),
422 ``invalid_query`` for a body that does not fit its schema, 503 ``timeout`` when a store
is busy or unreachable for now (the kiosk's client retries idempotent calls), 500
``internal``.
"""

# No `from __future__ import annotations`: FastAPI reads dependency annotations at run time.
import logging

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from center.auth import AuthFailure
from kiosk.platform.service_errors import (
    InvalidQuery,
    ServiceError,
    ServiceRejected,
    ServiceTimeout,
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


def error_response(
    status: int, code: str, message: str = "", field: str | None = None
) -> JSONResponse:
    """An error answer (never stored by caches)."""
    body = ErrorBody(error=ErrorDetail(code=code, message=message, field=field))
    return JSONResponse(body.model_dump(exclude_none=True), status_code=status, headers=NO_STORE)


async def no_store(response: Response) -> None:
    """A dependency for routers whose answers change between calls: ``no-store``."""
    response.headers.update(NO_STORE)


def install_error_handlers(app: FastAPI) -> None:
    """Makes every failure in ``app`` answer :class:`ErrorBody`."""

    @app.exception_handler(AuthFailure)
    async def _auth_failed(_request: Request, exc: AuthFailure) -> JSONResponse:
        log.info("refused a request: %s", exc.code)
        return error_response(exc.status, exc.code, str(exc))

    @app.exception_handler(ServiceError)
    async def _service_failed(_request: Request, exc: ServiceError) -> JSONResponse:
        if isinstance(exc, ServiceRejected):
            field = exc.field if isinstance(exc, InvalidQuery) else None
            return error_response(exc.status, exc.code, str(exc), field)
        log.error("service failed: %s (%s)", exc.code, exc)
        if isinstance(exc, ServiceTimeout):  # the database is busy or away: try again soon
            return error_response(503, exc.code, "the service is busy, try again")
        return error_response(500, exc.code, "the service failed")

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        loc = errors[0].get("loc", ()) if errors else ()
        field = str(loc[-1]) if loc and loc[0] == "body" and len(loc) > 1 else None
        return error_response(422, InvalidQuery.code, "the request does not fit the schema", field)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed", 413: "body_too_large"}.get(
            exc.status_code, "http_error"
        )
        return error_response(exc.status_code, code, str(exc.detail))

    @app.exception_handler(Exception)
    async def _crashed(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error in the API")
        return error_response(500, "internal", "internal error")
