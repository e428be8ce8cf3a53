"""Resident-ID applications for counter staff, on the center's application store
(:mod:`center.applications.store`).

- ``/console/applications``: the queue, newest first, by status and by number, masked.
- ``/console/applications/{no}``: one application, masked; its photo (served to staff only,
  ``/console/applications/{no}/photo``); the actions its status allows: accept, return with
  a reason (the resident's status screen shows it), in production, ready (with where to
  collect), collected. "Show in full" reveals the personal fields for that one answer.

Every view of an application, of its photo and of its full details is audited (in the
console's audit log, and in the store's own trail for photos, full details and actions).
"""

# No `from __future__ import annotations`: FastAPI reads the endpoint annotations at run time.
import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response

from center.console.blocking import off_loop
from center.console.context import ConsoleContext
from center.console.navigation import PREFIX
from center.console.rendering import SECURITY_HEADERS, redirect, render
from center.console.security import Guard, Posted, Refused, client_address
from center.staff.model import Role, Session
from kiosk.platform.service_errors import ServiceRejected

NUMBER = re.compile(r"^SQ[0-9]{8}-[A-HJ-NP-Z2-9]{6}$")
ACTIONS = ("accept", "return", "produce", "ready", "collected")
NEXT_ACTIONS = {
    "submitted": ("accept", "return"),
    "accepted": ("produce", "return"),
    "in_production": ("ready",),
    "ready": ("collected",),
}
"""The actions each status allows (the store checks them again)."""
STATUS_ORDER = ("submitted", "accepted", "in_production", "ready", "returned", "collected")


def _text(value: object, limit: int) -> str:
    return value.strip()[:limit] if isinstance(value, str) else ""


def applications_routes(ctx: ConsoleContext, guard: Guard) -> APIRouter:
    """The queue, the detail page, the photo and the actions."""
    router = APIRouter()
    Staff = Annotated[Session, Depends(guard.role(Role.STAFF))]
    Form = Annotated[Posted, Depends(guard.posted(Role.STAFF))]

    def store() -> Any:
        if ctx.applications is None:
            raise Refused(503, "console.unavailable")
        return ctx.applications

    def number(value: str) -> str:
        if not NUMBER.match(value):
            raise Refused(404, "console.applications.unknown")
        return value

    @router.get("/applications")
    @off_loop
    def queue(request: Request, session: Staff, status: str = "", q: str = "") -> Response:
        """The queue (filtered by status and by a part of the number or terminal)."""
        if ctx.applications is None:
            return render(request, "unavailable.html", what="console.nav.applications")
        wanted = status if status in STATUS_ORDER else None
        rows = store().list_applications(wanted, limit=500)
        needle = q.strip().upper()[:40]
        if needle:
            rows = [r for r in rows if needle in r.application_no or needle in r.terminal.upper()]
        counts = {s: store().count(s) for s in STATUS_ORDER}
        return render(
            request,
            "applications.html",
            rows=rows,
            counts=counts,
            statuses=STATUS_ORDER,
            filters={"status": wanted or "", "q": q[:40]},
        )

    def detail(
        request: Request,
        session: Session,
        application_no: str,
        status_code: int = 200,
        *,
        unmasked: bool = False,
        **extra: object,
    ) -> Response:
        try:
            app = store().show(application_no, unmasked=unmasked, account=session.account.name)
        except ServiceRejected as e:
            raise Refused(404, "console.applications.unknown") from e
        ctx.audit_action(
            session,
            client_address(request),
            "view.application_unmasked" if unmasked else "view.application",
            application_no,
        )
        return render(
            request,
            "application.html",
            status_code,
            app=app,
            unmasked=unmasked,
            actions=NEXT_ACTIONS.get(app.status, ()),
            trail=store().audit_trail(application_no),
            **extra,
        )

    @router.get("/applications/{application_no}")
    @off_loop
    def application_page(
        request: Request, application_no: str, session: Staff, done: str = ""
    ) -> Response:
        """One application, masked, with its photo and the actions its status allows."""
        return detail(request, session, number(application_no), done=done)

    @router.get("/applications/{application_no}/photo")
    @off_loop
    def photo(request: Request, application_no: str, session: Staff) -> Response:
        """The application's photo (staff only; each view audited)."""
        try:
            jpeg = store().photo(number(application_no), account=session.account.name)
        except ServiceRejected as e:
            raise Refused(404, "console.applications.unknown") from e
        if jpeg is None:
            raise Refused(404, "console.applications.photo_gone")
        ctx.audit_action(session, client_address(request), "view.application_photo", application_no)
        return Response(jpeg, media_type="image/jpeg", headers=SECURITY_HEADERS)

    @router.post("/applications/{application_no}/unmask")
    @off_loop
    def unmask(request: Request, application_no: str, posted: Form) -> Response:
        """The personal fields in full, for this answer only (audited)."""
        return detail(request, posted.session, number(application_no), unmasked=True)

    @router.post("/applications/{application_no}/act")
    @off_loop
    def act(request: Request, application_no: str, posted: Form) -> Response:
        """A staff action: accept, return (with a reason), produce, ready (with a place),
        collected."""
        no = number(application_no)
        action = _text(posted.form.get("action"), 20)
        reason = _text(posted.form.get("reason"), 200)
        place = _text(posted.form.get("place"), 100)
        if action not in ACTIONS:
            return detail(request, posted.session, no, 422, error="console.applications.bad")
        if action == "return" and not reason:
            return detail(
                request, posted.session, no, 422, error="console.applications.needs_reason"
            )
        try:
            store().act(no, action, account=posted.session.account.name, reason=reason, place=place)
        except ServiceRejected as e:
            ctx.audit_action(
                posted.session, posted.client, f"application.{action}", no, e.code, "refused"
            )
            return detail(request, posted.session, no, 409, error="console.applications.refused")
        ctx.audit_action(
            posted.session, posted.client, f"application.{action}", no, reason or place
        )
        return redirect(f"{PREFIX}/applications/{no}?done={action}")

    return router
