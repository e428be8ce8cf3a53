"""The fleet for operators: every terminal with filters, one terminal's health timeline,
and how far each published configuration has reached."""

# No `from __future__ import annotations`: FastAPI reads the endpoint annotations at run time.
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from center.console.blocking import off_loop
from center.console.context import ConsoleContext
from center.console.rendering import render
from center.console.security import Guard, Refused
from center.console.timeline import build_timeline
from center.fleet.publish import current_documents
from center.fleet.status import FleetStatus, TerminalStatus
from center.staff.model import Role, Session
from kiosk.fleet.document import Audience

FLEET_STATES = ("ok", "trial", "starting", "unreachable", "rejected", "rolled_back", "error")
TIMELINE_HOURS = (6, 24, 168)


@dataclass(frozen=True)
class Reach:
    """How far one published document has reached.

    Attributes:
        addressed: terminals that listen to its audience (and have reported).
        applied: those of them that report this version as applied.
    """

    audience: str
    version: int
    published_at: datetime
    note: str
    addressed: int
    applied: int

    @property
    def complete(self) -> bool:
        """Whether every terminal it addresses has applied it."""
        return self.applied >= self.addressed


def _listens(t: TerminalStatus, audience: Audience) -> bool:
    if t.fleet_state == "never_seen":
        return False
    if audience.kind == "all":
        return True
    if audience.kind == "group":
        return t.group == audience.name
    return t.terminal_id == audience.name


def reach_of(ctx: ConsoleContext, status: FleetStatus) -> list[Reach]:
    """Every published document, newest first, with how many terminals applied it."""
    assert ctx.fleet is not None
    repo = ctx.fleet.repository()
    if not repo.initialized:
        return []
    out = []
    for audience, doc in current_documents(repo).items():
        listeners = [t for t in status.terminals if _listens(t, audience)]
        applied = sum(1 for t in listeners if t.applied.get(str(audience)) == doc.version)
        out.append(
            Reach(str(audience), doc.version, doc.published_at, doc.note, len(listeners), applied)
        )
    return sorted(out, key=lambda r: r.published_at, reverse=True)


def _matches(t: TerminalStatus, group: str, state: str, converged: str, q: str) -> bool:
    if group and t.group != group:
        return False
    if state == "silent":
        if not t.silent:
            return False
    elif state and t.fleet_state != state:
        return False
    if converged == "yes" and not t.converged:
        return False
    if converged == "no" and t.converged:
        return False
    return not q or q.lower() in t.terminal_id.lower()


def fleet_routes(ctx: ConsoleContext, guard: Guard) -> APIRouter:
    """``/console/fleet`` and ``/console/fleet/terminals/{id}``."""
    router = APIRouter()
    Operator = Annotated[Session, Depends(guard.role(Role.OPERATOR))]

    @router.get("/fleet")
    @off_loop
    def fleet_page(
        request: Request,
        session: Operator,
        group: str = "",
        state: str = "",
        converged: str = "",
        q: str = "",
    ) -> Response:
        """Every terminal (filtered), the alarms, and each document's reach."""
        if ctx.fleet is None:
            return render(request, "unavailable.html", what="console.nav.fleet")
        status = ctx.fleet.status()
        rows = [t for t in status.terminals if _matches(t, group, state, converged, q.strip())]
        alarms: dict[str, list[str]] = {}
        for a in status.alarms:
            alarms.setdefault(a.subject, []).append(a.code)
        heard = [t for t in status.terminals if t.fleet_state != "never_seen"]
        return render(
            request,
            "fleet.html",
            status=status,
            rows=rows,
            alarms=alarms,
            groups=sorted({t.group for t in status.terminals if t.group}),
            states=FLEET_STATES,
            filters={"group": group, "state": state, "converged": converged, "q": q},
            reach=reach_of(ctx, status),
            heard=len(heard),
            converged_count=sum(1 for t in heard if t.converged),
            repo_alarms=[a for a in status.alarms if a.code.startswith("metadata.")],
        )

    @router.get("/fleet/terminals/{terminal_id}")
    @off_loop
    def terminal_page(
        request: Request, terminal_id: str, session: Operator, hours: int = 24
    ) -> Response:
        """One terminal: its row, its alarms and its health over the last ``hours``."""
        if ctx.fleet is None:
            return render(request, "unavailable.html", what="console.nav.fleet")
        hours = hours if hours in TIMELINE_HOURS else 24
        status = ctx.fleet.status()
        row = next((t for t in status.terminals if t.terminal_id == terminal_id), None)
        if row is None:
            raise Refused(404, "console.fleet.no_terminal")
        now = ctx.now()
        start = now - timedelta(hours=hours)
        samples = ctx.fleet.history.samples(terminal_id, start)
        max_gap = ctx.fleet.history.sample_every + timedelta(seconds=ctx.fleet.silent_after_s)
        timeline = build_timeline(samples, start, now, max_gap=max_gap)
        return render(
            request,
            "terminal.html",
            row=row,
            alarms=[a for a in status.alarms if a.subject == terminal_id],
            timeline=timeline,
            samples=list(reversed(samples))[:200],
            hours=hours,
            hour_choices=TIMELINE_HOURS,
        )

    return router
