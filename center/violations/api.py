"""The center's violation endpoints: an ``APIRouter`` over the violation store.

The endpoints are ``async`` and call the SQLite store directly: a lookup is two indexed
point reads taking well under a millisecond, cheaper than the hop to a worker thread that a
sync endpoint costs (measured in ``bench/violations.py``). Scale out with uvicorn workers
(processes), which WAL lets read the same file.

Every lookup needs ``Authorization: Bearer <terminal token>`` and ``X-Terminal-Id``.
Refusals: 401/403 ``auth.*``, 404 ``not_matched``, 422 ``invalid_query`` (with ``field``),
500 ``internal`` (:mod:`center.answers`). Answers carry ``Cache-Control: no-store``: records
change between lookups.
"""

# No `from __future__ import annotations` here: FastAPI reads the endpoint annotations at
# run time, and they name dependencies local to violations_router.
import functools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI

from center.answers import ErrorBody, no_store
from center.auth import TerminalRegistry
from center.credentials import terminal_caller
from kiosk.violations.service import (
    LicenceQuery,
    LookupOutcome,
    LookupResult,
    StillFetching,
    VehicleQuery,
    ViolationService,
)

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "auth.missing or auth.invalid_token"},
    403: {"model": ErrorBody, "description": "auth.terminal_mismatch or auth.terminal_disabled"},
    404: {"model": ErrorBody, "description": "not_matched: nothing matches identifiers + secret"},
    422: {"model": ErrorBody, "description": "invalid_query (field names the input)"},
    500: {"model": ErrorBody, "description": "internal"},
}


def violations_router(service: ViolationService, registry: TerminalRegistry) -> APIRouter:
    """The ``/v1/violations`` lookups over ``service`` for the terminals in ``registry``.

    The router's lifespan closes ``service`` when the app shuts down.
    """

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        service.close()

    router = APIRouter(prefix="/v1/violations", tags=["violations"], lifespan=lifespan)
    Terminal = Annotated[str, Depends(terminal_caller(registry))]
    lookup = functools.partial(
        router.post,
        response_model=LookupOutcome,
        responses=ERRORS,
        dependencies=[Depends(no_store)],
    )

    @lookup("/vehicle-lookups", summary="Look up violations by vehicle")
    async def lookup_vehicle(query: VehicleQuery, _t: Terminal) -> LookupResult | StillFetching:
        """Records of one vehicle, newest first, or ``kind: pending`` (check back later).

        A POST so the secret never sits in a URL; it changes nothing (send an
        ``Idempotency-Key`` to let clients retry it).
        """
        return service.lookup_vehicle(query)

    @lookup("/licence-lookups", summary="Look up violations by driving licence")
    async def lookup_licence(query: LicenceQuery, _t: Terminal) -> LookupResult | StillFetching:
        """Records of the holder's vehicles, newest first, with the holder's cycle points."""
        return service.lookup_licence(query)

    return router
