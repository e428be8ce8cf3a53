"""Signing in and out: ``/console/login``, ``/console/logout``, and ``/console/`` itself."""

# No `from __future__ import annotations`: FastAPI reads the endpoint annotations at run time.
import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from center.console.context import ConsoleContext
from center.console.navigation import PREFIX, home_of
from center.console.rendering import local_time, redirect, render
from center.console.security import (
    CSRF_FIELD,
    SESSION_COOKIE,
    Guard,
    Posted,
    SignInTokens,
    clear_session_cookie,
    client_address,
    safe_next,
    same_origin,
    set_session_cookie,
)
from center.staff.model import Role
from center.staff.store import SignInOutcome


def _field(value: object, limit: int) -> str:
    return value[:limit] if isinstance(value, str) else ""


def signin_routes(ctx: ConsoleContext, guard: Guard, tokens: SignInTokens) -> APIRouter:
    """The sign-in page, its form, sign-out and the console's start page."""
    router = APIRouter()
    Everyone = Annotated[Posted, Depends(guard.posted(*Role))]

    def page(request: Request, status: int, error: str = "", **fields: object) -> Response:
        return render(
            request,
            "login.html",
            status,
            csrf=tokens.issue(),
            error=error,
            next=_field(request.query_params.get("next"), 300),
            **fields,
        )

    @router.get("/")
    async def start(request: Request) -> Response:
        """Signed in: the role's first page; else the sign-in page."""
        session = await guard.session(request)
        if session is None:
            return redirect(f"{PREFIX}/login")
        return redirect(home_of(session.account.role))

    @router.get("/login")
    async def login_page(request: Request) -> Response:
        """The sign-in form."""
        session = await guard.session(request)
        if session is not None:
            return redirect(home_of(session.account.role))
        return page(request, 200)

    @router.post("/login")
    async def login(request: Request) -> Response:
        """Checks the form's token, then the password (counting wrong ones)."""
        form = await request.form()
        name = _field(form.get("username"), 64).strip()
        password = _field(form.get("password"), 256)
        wanted = _field(form.get("next"), 300)
        client = client_address(request)

        def audit(action: str, outcome: str, detail: str = "") -> None:
            ctx.audit.record(name or "-", action, client=client, outcome=outcome, detail=detail)

        if not same_origin(request) or not tokens.valid(_field(form.get(CSRF_FIELD), 300)):
            await asyncio.to_thread(audit, "signin.refused", "refused", "no valid CSRF token")
            return page(request, 403, "console.signin.csrf", username=name)
        result = await asyncio.to_thread(ctx.staff.sign_in, name, password)
        if result.outcome is SignInOutcome.LOCKED:
            await asyncio.to_thread(audit, "signin.locked", "refused")
            until = local_time(result.locked_until, seconds=False)
            return page(request, 429, "console.signin.locked", username=name, until=until)
        if result.outcome is SignInOutcome.DISABLED:
            await asyncio.to_thread(audit, "signin.disabled", "refused")
            return page(request, 403, "console.signin.disabled", username=name)
        if result.outcome is not SignInOutcome.OK or result.account is None:
            await asyncio.to_thread(audit, "signin.failed", "refused", "wrong name or password")
            return page(request, 401, "console.signin.wrong", username=name)
        account = result.account
        token, _session = await asyncio.to_thread(ctx.staff.open_session, account.name, client)
        await asyncio.to_thread(
            lambda: ctx.audit.record(
                account.name, "signin.ok", role=account.role.value, client=client
            )
        )
        target = safe_next(wanted)
        response = redirect(target if target != PREFIX + "/" else home_of(account.role))
        set_session_cookie(response, request, token)
        return response

    @router.post("/logout")
    async def logout(request: Request, posted: Everyone) -> Response:
        """Ends the session."""
        token = request.cookies.get(SESSION_COOKIE, "")
        await asyncio.to_thread(ctx.staff.end_session, token)
        await asyncio.to_thread(ctx.audit_action, posted.session, posted.client, "signout")
        response = redirect(f"{PREFIX}/login")
        clear_session_cookie(response, request)
        return response

    return router
