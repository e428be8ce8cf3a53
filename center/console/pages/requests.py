"""Resident requests (您来点单 我来办) for staff, on the center's request store
(:mod:`center.requests.store`).

- ``/console/requests``: the list, newest first, by category, status, department and
  overdue (no response past the category's promise), nothing personal on it;
- ``/console/requests/report``: one day's counts by category, status and overdue;
- ``/console/requests/{code}``: one request, its description and mobile number masked and
  its building and unit hidden; its photo (decrypted on the server,
  ``/console/requests/{code}/photo``); its promise and response time; its progress; the
  actions its status allows: assign to a department, a progress note (in hand), done with
  what was done, close with the reason. "Show in full" reveals the personal fields for that
  one answer.

Every action is a POST with the session's CSRF token, audited in the console's log (and in
the store's own trail, with the account). Posting the same action twice (a double click, a
browser's resend) changes nothing the second time: it is answered as done and audited as a
repeat. Every view of a request, of its photo and of its full details is audited.
Auditors and operators are refused (403), as for the applications: personal records are
the counter staff's.
"""

# No `from __future__ import annotations`: FastAPI reads the endpoint annotations at run time.
import re
from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from center.console.blocking import off_loop
from center.console.context import ConsoleContext
from center.console.navigation import PREFIX
from center.console.rendering import SECURITY_HEADERS, redirect, render
from center.console.security import Guard, Posted, Refused, client_address
from center.requests.store import RequestDetail, RequestStore, TransitionRefused
from center.staff.model import Role, Session
from kiosk.platform.service_errors import ServiceRejected
from kiosk.requests.model import OPEN_STATUSES, STATUSES, TRACKING_CODE
from kiosk.requests.rules import MAX_DEPARTMENT, MAX_STAFF_TEXT

CODE = re.compile(f"^{TRACKING_CODE}$")
ACTIONS = ("assign", "update", "done", "close")
STATUS_ORDER = tuple(STATUSES)


def _text(value: object, limit: int) -> str:
    return value.strip()[:limit] if isinstance(value, str) else ""


def hidden_place(building: str, unit: str) -> tuple[str, str]:
    """A building and unit as shown before "show in full": the building's last digit kept
    (enough to tell two requests apart), the unit hidden."""
    return ("*" * max(0, len(building) - 1) + building[-1:], "*" if unit else "")


def already_done(d: RequestDetail, action: str, text: str, department: str) -> bool:
    """Whether the request already shows what ``action`` with ``text`` or ``department``
    would make (the same form posted again)."""
    if action == "assign":
        return d.status == "assigned" and d.department == department
    if action == "update":
        last = d.steps[-1] if d.steps else None
        return d.status == "in_progress" and last is not None and last.text == text
    if action == "done":
        return d.status == "done" and d.result == text
    return action == "close" and d.status == "closed" and d.result == text


def tone(status: str, overdue: bool = False) -> str:
    """The tag colour of a status."""
    if overdue:
        return "bad"
    return {"received": "info", "done": "ok", "closed": "unknown"}.get(status, "warn")


def requests_routes(ctx: ConsoleContext, guard: Guard, requests: RequestStore | None) -> APIRouter:
    """The list, the daily report, the detail page, the photo and the actions."""
    router = APIRouter()
    Staff = Annotated[Session, Depends(guard.role(Role.STAFF))]
    Form = Annotated[Posted, Depends(guard.posted(Role.STAFF))]

    def store() -> RequestStore:
        if requests is None:
            raise Refused(503, "console.unavailable")
        return requests

    def code_of(value: str) -> str:
        if not CODE.match(value):
            raise Refused(404, "console.requests.unknown")
        return value

    def names() -> dict[str, str]:
        return {c.id: c.name_zh for c in store().config.categories}

    @router.get("/requests")
    @off_loop
    def request_list(
        request: Request,
        session: Staff,
        status: str = "",
        category: str = "",
        department: str = "",
        overdue: str = "",
    ) -> Response:
        """The requests, filtered; overdue ones marked."""
        if requests is None:
            return render(request, "unavailable.html", what="console.nav.requests")
        s = store()
        wanted = status if status in STATUS_ORDER else None
        categories = names()
        chosen = category if category in categories else ""
        departments = s.departments()
        dept = department if department in departments else ""
        late_only = overdue == "1"
        rows = s.list_requests(
            wanted,
            overdue=late_only,
            category=chosen or None,
            department=dept or None,
            limit=500,
        )
        return render(
            request,
            "requests.html",
            rows=rows,
            counts={x: s.count(x) for x in STATUS_ORDER},
            overdue_count=len(s.list_requests(overdue=True, limit=10000)),
            statuses=STATUS_ORDER,
            categories=categories,
            departments=departments,
            compounds={c.id: c.name for c in s.config.compounds},
            filters={
                "status": wanted or "",
                "category": chosen,
                "department": dept,
                "overdue": "1" if late_only else "",
            },
            tone=tone,
            hidden_place=hidden_place,
        )

    def report_day(value: str) -> date:
        if not value:
            return datetime.now().date()
        try:
            return date.fromisoformat(value)
        except ValueError as e:
            raise Refused(422, "console.requests.bad_day") from e

    @router.get("/requests/report")
    @off_loop
    def report_page(request: Request, session: Staff, day: str = "") -> Response:
        """One day's requests by category, status and overdue."""
        when = report_day(day)
        report = store().daily_report(when)
        ctx.audit_action(session, client_address(request), "view.requests_report", when.isoformat())
        table: dict[str, dict[str, tuple[int, int]]] = {}
        for row in report.rows:
            table.setdefault(row.category, {})[row.status] = (row.count, row.overdue)
        return render(
            request,
            "requests_report.html",
            report=report,
            day=when,
            table=table,
            statuses=STATUS_ORDER,
            categories=names(),
        )

    def detail(
        request: Request,
        session: Session,
        code: str,
        status_code: int = 200,
        *,
        unmasked: bool = False,
        **extra: object,
    ) -> Response:
        try:
            d = store().show(code, unmasked=unmasked, account=session.account.name)
        except ServiceRejected as e:
            raise Refused(404, "console.requests.unknown") from e
        ctx.audit_action(
            session,
            client_address(request),
            "view.request_unmasked" if unmasked else "view.request",
            code,
        )
        building, unit = (d.building, d.unit) if unmasked else hidden_place(d.building, d.unit)
        return render(
            request,
            "request.html",
            status_code,
            r=d,
            unmasked=unmasked,
            building=building,
            unit=unit,
            category_name=names().get(d.category, d.category),
            departments=store().departments(),
            open=d.status in OPEN_STATUSES,
            trail=store().audit_trail(code),
            steps=[(datetime.fromisoformat(step.at), step) for step in d.steps],
            tone=tone,
            max_text=MAX_STAFF_TEXT,
            max_department=MAX_DEPARTMENT,
            **extra,
        )

    @router.get("/requests/{code}")
    @off_loop
    def request_page(request: Request, code: str, session: Staff, done: str = "") -> Response:
        """One request, masked, with its photo, promise, progress and actions."""
        return detail(request, session, code_of(code), done=done if done in ACTIONS else "")

    @router.get("/requests/{code}/photo")
    @off_loop
    def photo(request: Request, code: str, session: Staff) -> Response:
        """The request's photo, decrypted on the server (staff only; each view audited)."""
        try:
            jpeg = store().photo(code_of(code), account=session.account.name)
        except ServiceRejected as e:
            raise Refused(404, "console.requests.unknown") from e
        if jpeg is None:
            raise Refused(404, "console.requests.photo_gone")
        ctx.audit_action(session, client_address(request), "view.request_photo", code)
        return Response(jpeg, media_type="image/jpeg", headers=SECURITY_HEADERS)

    @router.post("/requests/{code}/unmask")
    @off_loop
    def unmask(request: Request, code: str, posted: Form) -> Response:
        """The personal fields in full, for this answer only (audited)."""
        return detail(request, posted.session, code_of(code), unmasked=True)

    @router.post("/requests/{code}/act")
    @off_loop
    def act(request: Request, code: str, posted: Form) -> Response:
        """A staff action: assign (a department), update (a note), done (what was done),
        close (the reason). The same action posted again is answered as done."""
        c = code_of(code)
        action = _text(posted.form.get("action"), 20)
        text = _text(posted.form.get("text"), MAX_STAFF_TEXT + 1)
        department = _text(posted.form.get("department"), MAX_DEPARTMENT + 1)
        session = posted.session
        if action not in ACTIONS:
            return detail(request, session, c, 422, error="console.requests.bad")
        if action == "assign" and not department:
            return detail(request, session, c, 422, error="console.requests.needs_department")
        if action != "assign" and not text:
            return detail(request, session, c, 422, error=f"console.requests.needs_{action}")
        shown = department if action == "assign" else text
        s = store()
        try:
            if already_done(s.show(c), action, text, department):
                ctx.audit_action(session, posted.client, f"request.{action}", c, shown, "repeat")
                return redirect(f"{PREFIX}/requests/{c}?done={action}")
            s.act(c, action, account=session.account.name, text=text, department=department)
        except TransitionRefused as e:
            if already_done(s.show(c), action, text, department):  # a repeat that raced
                ctx.audit_action(session, posted.client, f"request.{action}", c, shown, "repeat")
                return redirect(f"{PREFIX}/requests/{c}?done={action}")
            ctx.audit_action(session, posted.client, f"request.{action}", c, e.code, "refused")
            return detail(request, session, c, 409, error="console.requests.refused")
        except ServiceRejected as e:
            raise Refused(404, "console.requests.unknown") from e
        ctx.audit_action(session, posted.client, f"request.{action}", c, shown)
        return redirect(f"{PREFIX}/requests/{c}?done={action}")

    return router
