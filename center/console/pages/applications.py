"""Applications for staff (placeholder until the applications store is wired in)."""

# No `from __future__ import annotations`: FastAPI reads the endpoint annotations at run time.
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from center.console.blocking import off_loop
from center.console.context import ConsoleContext
from center.console.rendering import render
from center.console.security import Guard
from center.staff.model import Role, Session


def applications_routes(ctx: ConsoleContext, guard: Guard) -> APIRouter:
    """``/console/applications``."""
    router = APIRouter()
    Staff = Annotated[Session, Depends(guard.role(Role.STAFF))]

    @router.get("/applications")
    @off_loop
    def applications_page(request: Request, session: Staff) -> Response:
        """The queue of applications."""
        return render(request, "unavailable.html", what="console.nav.applications")

    return router
