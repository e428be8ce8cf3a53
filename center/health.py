"""``GET /v1/health``: whether the API and its store answer (no authentication)."""

# No `from __future__ import annotations`: FastAPI reads the endpoint annotations at run time.
from collections.abc import Callable

from fastapi import APIRouter
from pydantic import BaseModel

from kiosk import __version__


class Health(BaseModel):
    """The health answer."""

    status: str
    version: str


def health_router(ping: Callable[[], None]) -> APIRouter:
    """The health route; ``ping`` raises a ServiceError when the store does not answer."""
    router = APIRouter(tags=["health"])

    @router.get("/v1/health", response_model=Health)
    async def health() -> Health:
        """Whether the API and its store answer (no authentication)."""
        ping()
        return Health(status="ok", version=__version__)

    return router
