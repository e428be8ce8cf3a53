"""The center's web console at ``/console/``: server-rendered pages for operators (fleet,
configuration, content, usage report), counter staff (vouchers and points, applications,
resident requests, usage report) and auditors (the audit log).

:func:`install_console` adds it to the center's app: the routes, the static files (one
stylesheet, one small script, installed with the project), and the answers for a missing
session (a redirect to the sign-in page) and for a refusal (an HTML page with the reason).
Accounts are made with ``center staff add`` (:mod:`center.staff.cli`); see
:mod:`center.console.security` for sessions, roles and CSRF.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, FastAPI, Request, Response

from center.console.context import ConsoleContext, ConsoleSettings
from center.console.navigation import PREFIX
from center.console.pages.applications import applications_routes
from center.console.pages.audit import audit_routes
from center.console.pages.config import config_routes
from center.console.pages.content import content_routes
from center.console.pages.fleet import fleet_routes
from center.console.pages.points import points_routes
from center.console.pages.report_usage import usage_routes
from center.console.pages.requests import requests_routes
from center.console.pages.signin import signin_routes
from center.console.rendering import STATIC, redirect, render
from center.console.security import Guard, Refused, SignInNeeded, SignInTokens
from center.console.static import StaticAssets
from center.data_dir import load_settings
from center.fleet.service import FleetService
from center.staff.audit import AuditLog, open_audit_log
from center.staff.store import StaffStore, open_staff_store
from kiosk.points.ledger import Ledger

__all__ = ["ConsoleContext", "ConsoleSettings", "install_console"]

SIGN_IN_KEY = "console-sign-in-form"


def console_router(ctx: ConsoleContext, stores: Mapping[str, Any] | None = None) -> APIRouter:
    """Every console route (under ``/console``); closes the stores when the app stops.

    ``stores`` are the request store (``requests``), the photo store (``photos``) and the
    usage log (``usage``) the pages of resident requests and of the usage report read.
    """
    more = dict(stores or {})

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        ctx.staff.close()
        ctx.audit.close()

    guard = Guard(ctx)
    static = StaticAssets(STATIC)
    tokens = SignInTokens(ctx.staff.secret(SIGN_IN_KEY))
    router = APIRouter(prefix=PREFIX, lifespan=lifespan, include_in_schema=False)
    router.add_api_route("/static/{name}", static.serve, methods=["GET", "HEAD"])
    router.include_router(signin_routes(ctx, guard, tokens))
    router.include_router(fleet_routes(ctx, guard))
    router.include_router(config_routes(ctx, guard))
    router.include_router(content_routes(ctx, guard))
    router.include_router(points_routes(ctx, guard))
    router.include_router(applications_routes(ctx, guard))
    router.include_router(requests_routes(ctx, guard, more.get("requests")))
    router.include_router(
        usage_routes(
            ctx,
            guard,
            requests=more.get("requests"),
            photos=more.get("photos"),
            usage=more.get("usage"),
        )
    )
    router.include_router(audit_routes(ctx, guard))

    @router.api_route("/{rest:path}", methods=["GET", "POST"])
    async def not_found(request: Request, rest: str) -> Response:
        """Any other address under /console: an HTML 404 (a session is still needed)."""
        if await guard.session(request) is None:
            raise SignInNeeded()
        raise Refused(404, "console.not_found")

    return router


def install_console(
    app: FastAPI,
    data_dir: Path,
    *,
    fleet: FleetService | None = None,
    points: Ledger | None = None,
    applications: Any = None,
    requests: Any = None,
    photos: Any = None,
    usage: Any = None,
    staff: StaffStore | None = None,
    audit: AuditLog | None = None,
    now: Callable[[], datetime] | None = None,
) -> ConsoleContext:
    """Adds the console to ``app``; answers what its pages work on.

    The staff store and the audit log are opened in ``data_dir`` unless given; the app
    closes them when it stops. Settings come from ``<data_dir>/console.toml``.
    """
    settings = load_settings(data_dir, "console", ConsoleSettings)
    extra: dict[str, Any] = {"now": now} if now is not None else {}
    ctx = ConsoleContext(
        data_dir=data_dir,
        staff=staff or open_staff_store(data_dir, policy=settings.staff_policy(), **extra),
        audit=audit or open_audit_log(data_dir, **extra),
        settings=settings,
        fleet=fleet,
        points=points,
        applications=applications,
        **extra,
    )
    app.include_router(
        console_router(ctx, {"requests": requests, "photos": photos, "usage": usage})
    )

    @app.exception_handler(SignInNeeded)
    async def _sign_in(_request: Request, exc: SignInNeeded) -> Response:
        target = f"{PREFIX}/login"
        if exc.next_url:
            target += "?next=" + quote(exc.next_url, safe="/")
        return redirect(target)

    @app.exception_handler(Refused)
    async def _refused(request: Request, exc: Refused) -> Response:
        return render(request, "refused.html", exc.status, reason=exc.reason_key)

    return ctx
