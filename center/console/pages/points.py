"""Vouchers and points for counter staff.

- ``/console/vouchers``: a field that takes a keyboard-wedge scanner's input: scanning a
  voucher's QR code (``VC1.XXXXXXXX`` and Enter) or typing its pickup code opens it; the
  voucher page fulfils (核销) or cancels it.
- ``/console/members``: a member looked up by id, with the name and id masked.
- ``/console/points``: stock (and restocking), the service-hours import, the daily report.

Ledger writes carry an idempotency key made when the page was drawn, so a double click
or a resent form fulfils once. Every voucher and member view, and every write, is audited.
"""

# No `from __future__ import annotations`: FastAPI reads the endpoint annotations at run time.
import asyncio
import re
import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from starlette.datastructures import UploadFile

from center.console.blocking import off_loop
from center.console.context import ConsoleContext
from center.console.navigation import PREFIX
from center.console.rendering import SECURITY_HEADERS, redirect, render
from center.console.security import Guard, Posted, Refused, client_address
from center.staff.model import Role, Session
from kiosk.framework.masking import mask_member_id
from kiosk.platform.service_errors import InvalidQuery, ServiceError
from kiosk.points.errors import VoucherNotFound
from kiosk.points.hours_import import import_hours
from kiosk.points.ledger import Ledger
from kiosk.points.report import redemption_report, report_csv
from kiosk.points.vouchers import normalize_code

TERMINAL = "center-console"
MAX_IMPORT_BYTES = 4 * 1024 * 1024
_KEY = re.compile(r"^[0-9a-f]{32}$")


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _reason(error: ServiceError) -> str:
    key = error.message_key
    return key if key.startswith("points.") else "console.points.refused"


def points_routes(ctx: ConsoleContext, guard: Guard) -> APIRouter:
    """The vouchers, members and points pages."""
    router = APIRouter()
    Staff = Annotated[Session, Depends(guard.role(Role.STAFF))]
    Form = Annotated[Posted, Depends(guard.posted(Role.STAFF))]

    def ledger() -> Ledger:
        if ctx.points is None:
            raise Refused(503, "console.points.none")
        return ctx.points

    def request_key(posted: Posted) -> str:
        key = _text(posted.form.get("key"))
        return f"console-{key}" if _KEY.match(key) else f"console-{uuid.uuid4().hex}"

    # -- vouchers ---------------------------------------------------------------------

    @router.get("/vouchers")
    @off_loop
    def vouchers_page(request: Request, session: Staff) -> Response:
        """The scan field, and the latest vouchers."""
        recent = list(reversed(ledger().vouchers()[-15:]))
        return render(request, "vouchers.html", recent=recent, mask=mask_member_id)

    @router.get("/vouchers/open")
    @off_loop
    def open_scanned(request: Request, session: Staff, code: str = "") -> Response:
        """What the scan field sends: a code or a QR payload, opened if it is one."""
        normal = normalize_code(code[:200])
        if normal is None:
            recent = list(reversed(ledger().vouchers()[-15:]))
            return render(
                request,
                "vouchers.html",
                422,
                recent=recent,
                mask=mask_member_id,
                error="console.vouchers.not_a_code",
            )
        return redirect(f"{PREFIX}/vouchers/{normal}")

    def voucher_view(
        request: Request, session: Session, code: str, status: int = 200, **extra: object
    ) -> Response:
        normal = normalize_code(code)
        try:
            if normal is None:
                raise VoucherNotFound("not a code")
            voucher = ledger().voucher(normal)
        except VoucherNotFound:
            return render(
                request,
                "vouchers.html",
                404,
                recent=[],
                mask=mask_member_id,
                error="points.voucher_error.not_found",
            )
        ctx.audit_action(
            session,
            client_address(request),
            "view.voucher",
            voucher.code,
            f"member {mask_member_id(voucher.member_id)}",
        )
        return render(
            request,
            "voucher.html",
            status,
            voucher=voucher,
            mask=mask_member_id,
            key=uuid.uuid4().hex,
            **extra,
        )

    @router.get("/vouchers/{code}")
    @off_loop
    def voucher_page(request: Request, code: str, session: Staff, done: str = "") -> Response:
        """One voucher: member (masked), items, points, state; fulfil and cancel."""
        return voucher_view(request, session, code, done=done)

    @router.post("/vouchers/{code}/fulfil")
    @off_loop
    def fulfil(request: Request, code: str, posted: Form) -> Response:
        """Hands the goods over: the held points are posted."""
        normal = normalize_code(code) or code[:20]
        try:
            ledger().fulfil(normal, posted.session.account.name, request_key(posted), TERMINAL)
        except ServiceError as e:
            ctx.audit_action(
                posted.session, posted.client, "voucher.fulfil", normal, e.code, "refused"
            )
            return voucher_view(request, posted.session, normal, 409, error=_reason(e))
        ctx.audit_action(posted.session, posted.client, "voucher.fulfil", normal)
        return redirect(f"{PREFIX}/vouchers/{normal}?done=fulfilled")

    @router.post("/vouchers/{code}/cancel")
    @off_loop
    def cancel(request: Request, code: str, posted: Form) -> Response:
        """Cancels an open voucher (points and stock come back); needs the confirmation box."""
        normal = normalize_code(code) or code[:20]
        if posted.form.get("confirm") != "yes":
            return voucher_view(
                request, posted.session, normal, 422, error="console.vouchers.confirm_cancel"
            )
        try:
            ledger().cancel(
                normal, request_key(posted), TERMINAL, staff=posted.session.account.name
            )
        except ServiceError as e:
            ctx.audit_action(
                posted.session, posted.client, "voucher.cancel", normal, e.code, "refused"
            )
            return voucher_view(request, posted.session, normal, 409, error=_reason(e))
        ctx.audit_action(posted.session, posted.client, "voucher.cancel", normal)
        return redirect(f"{PREFIX}/vouchers/{normal}?done=cancelled")

    # -- members ----------------------------------------------------------------------

    @router.get("/members")
    @off_loop
    def members_page(request: Request, session: Staff, member_id: str = "") -> Response:
        """A member's balance, hours, open vouchers and recent entries, masked."""
        member_id = member_id.strip()[:40]
        if not member_id:
            return render(request, "members.html", summary=None, mask=mask_member_id)
        try:
            summary = ledger().member_summary(member_id)
        except ServiceError as e:
            ctx.audit_action(
                session,
                client_address(request),
                "view.member",
                mask_member_id(member_id),
                e.code,
                "refused",
            )
            return render(
                request,
                "members.html",
                404,
                summary=None,
                mask=mask_member_id,
                error=_reason(e),
                member_id=member_id,
            )
        ctx.audit_action(session, client_address(request), "view.member", summary.masked_id)
        return render(request, "members.html", summary=summary, mask=mask_member_id)

    # -- stock, hours, report ---------------------------------------------------------

    def points_view(request: Request, status: int = 200, **extra: object) -> Response:
        return render(
            request,
            "points.html",
            status,
            catalogue=ledger().catalogue(),
            today=ledger().clock.now().date(),
            **extra,
        )

    @router.get("/points")
    @off_loop
    def points_page(request: Request, session: Staff, restocked: str = "") -> Response:
        """Stock levels, the import form, the report form."""
        return points_view(request, restocked=restocked)

    @router.post("/points/restock")
    @off_loop
    def restock(request: Request, posted: Form) -> Response:
        """Adds stock to an item."""
        item_id = _text(posted.form.get("item_id"))[:40]
        try:
            quantity = int(_text(posted.form.get("quantity")) or "0")
            if not 1 <= quantity <= 10_000:
                raise ValueError
            left = ledger().restock(item_id, quantity)
        except (ValueError, ServiceError) as e:
            error = _reason(e) if isinstance(e, ServiceError) else "console.points.bad_quantity"
            return points_view(request, 422, error=error)
        ctx.audit_action(
            posted.session,
            posted.client,
            "points.restock",
            item_id,
            f"+{quantity}, {left} in stock",
        )
        return redirect(f"{PREFIX}/points?restocked={item_id}")

    @router.post("/points/import", max_body_size=MAX_IMPORT_BYTES)
    async def import_page(request: Request, posted: Form) -> Response:
        """Imports service hours from a CSV file (or checks it, with "dry run")."""
        upload = posted.form.get("file")
        dry_run = posted.form.get("dry_run") == "yes"
        if not isinstance(upload, UploadFile) or not upload.filename:
            return await asyncio.to_thread(
                points_view, request, 422, error="console.points.no_file"
            )
        raw = await upload.read()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("gb18030", errors="replace")

        def run() -> Response:
            try:
                report = import_hours(
                    ledger(),
                    text,
                    staff=posted.session.account.name,
                    terminal=TERMINAL,
                    dry_run=dry_run,
                )
            except InvalidQuery as e:
                return points_view(
                    request, 422, error="console.points.bad_header", error_detail=str(e)
                )
            ctx.audit_action(
                posted.session,
                posted.client,
                "points.import_check" if dry_run else "points.import",
                upload.filename[:80] if upload.filename else "",
                f"{report.imported} rows, {report.points} points, "
                f"{len(report.rejected)} rejected, {len(report.already_imported)} repeated",
                "ok" if report.ok else "partly",
            )
            return points_view(request, 200 if report.ok else 422, report=report, dry_run=dry_run)

        return await asyncio.to_thread(run)

    def report_day(value: str) -> date:
        try:
            return date.fromisoformat(value) if value else ledger().clock.now().date()
        except ValueError:
            return ledger().clock.now().date()

    @router.get("/points/report")
    @off_loop
    def report_page(request: Request, session: Staff, day: str = "") -> Response:
        """The day's voucher events (members masked)."""
        when = report_day(day)
        rows = redemption_report(ledger(), when)
        ctx.audit_action(session, client_address(request), "view.report", when.isoformat())
        return render(request, "report.html", rows=rows, day=when)

    @router.get("/points/report.csv")
    @off_loop
    def report_csv_file(request: Request, session: Staff, day: str = "") -> Response:
        """The day's report as CSV (UTF-8 with BOM, for spreadsheet programs)."""
        when = report_day(day)
        body = report_csv(redemption_report(ledger(), when)).encode("utf-8-sig")
        ctx.audit_action(session, client_address(request), "points.report_export", when.isoformat())
        headers = dict(SECURITY_HEADERS)
        headers["Content-Disposition"] = f'attachment; filename="points-{when.isoformat()}.csv"'
        return Response(body, media_type="text/csv; charset=utf-8", headers=headers)

    return router
