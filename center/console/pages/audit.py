"""The audit log for auditors: search by text, account, action and dates; export as CSV."""

# No `from __future__ import annotations`: FastAPI reads the endpoint annotations at run time.
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from center.console.blocking import off_loop
from center.console.context import ConsoleContext
from center.console.rendering import SECURITY_HEADERS, render
from center.console.security import Guard, client_address
from center.staff.audit import AuditQuery
from center.staff.model import Role, Session

PAGE_SIZE = 100


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time()).astimezone().astimezone(UTC)


def query_of(q: str, account: str, action: str, since: str, until: str) -> AuditQuery:
    """The search the form describes (dates are the center's local days, ``until``
    inclusive)."""
    first, last = _day(since), _day(until)
    return AuditQuery(
        text=q[:100],
        account=account[:64],
        action=action[:64],
        since=_local_midnight(first) if first else None,
        until=_local_midnight(last + timedelta(days=1)) if last else None,
    )


def audit_routes(ctx: ConsoleContext, guard: Guard) -> APIRouter:
    """``/console/audit`` and ``/console/audit.csv``."""
    router = APIRouter()
    Auditor = Annotated[Session, Depends(guard.role(Role.AUDITOR))]

    @router.get("/audit")
    @off_loop
    def audit_page(
        request: Request,
        session: Auditor,
        q: str = "",
        account: str = "",
        action: str = "",
        since: str = "",
        until: str = "",
        page: int = 1,
    ) -> Response:
        """Matching entries, newest first, a page at a time."""
        query = query_of(q, account, action, since, until)
        page = max(1, page)
        entries, total = ctx.audit.search(query, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
        filters = {"q": q, "account": account, "action": action, "since": since, "until": until}
        return render(
            request,
            "audit.html",
            entries=entries,
            total=total,
            page=page,
            pages=max(1, -(-total // PAGE_SIZE)),
            filters=filters,
            accounts=ctx.audit.accounts(),
        )

    @router.get("/audit.csv")
    @off_loop
    def audit_csv(
        request: Request,
        session: Auditor,
        q: str = "",
        account: str = "",
        action: str = "",
        since: str = "",
        until: str = "",
    ) -> Response:
        """The matching entries as CSV (the export itself is audited)."""
        query = query_of(q, account, action, since, until)
        body = ctx.audit.export_csv(query).encode("utf-8-sig")
        ctx.audit_action(
            session,
            client_address(request),
            "audit.export",
            "",
            f"q={q!r} account={account!r} action={action!r} since={since} until={until}",
        )
        headers = dict(SECURITY_HEADERS)
        stamp = ctx.now().strftime("%Y%m%d-%H%M%S")
        headers["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
        return Response(body, media_type="text/csv; charset=utf-8", headers=headers)

    return router
