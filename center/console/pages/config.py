"""Configuration for operators: edit or upload a fleet document for all, a group or a kiosk;
check it against the kiosk's schema with each problem at its key; see the change against
what is live; sign and publish it with the fleet's online keys; roll back to a version the
repository still holds.

The console signs with the online targets key the center already has (as ``center fleet
publish`` does). The offline root key is never asked for and never used here.
"""

# No `from __future__ import annotations`: FastAPI reads the endpoint annotations at run time.
import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from starlette.datastructures import UploadFile

from center.console.blocking import off_loop
from center.console.context import ConsoleContext
from center.console.documents import (
    DocumentSyntaxError,
    as_toml,
    diff,
    key_lines,
    line_of,
    parse_text,
    published_versions,
)
from center.console.media import medium_path, uploaded
from center.console.navigation import PREFIX
from center.console.rendering import redirect, render
from center.console.security import Guard, Posted
from center.fleet.publish import check_for_publish, current_document, publish, retract
from center.fleet.repository import FleetRepository, RepositoryNotReady
from center.staff.model import Role, Session
from kiosk.fleet.document import Audience, DocumentRejected, FleetDocument

MAX_FORM_BYTES = 512 * 1024
"""A document (typed or uploaded) with its form: far more than any configuration needs."""


@dataclass(frozen=True)
class Problem:
    """One reason the document is refused, at its key (and the line where it is written)."""

    key: str
    reason: str
    line: int
    source: str = ""


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def config_routes(ctx: ConsoleContext, guard: Guard) -> APIRouter:
    """``/console/config`` and its forms."""
    router = APIRouter()
    Operator = Annotated[Session, Depends(guard.role(Role.OPERATOR))]
    Form = Annotated[Posted, Depends(guard.posted(Role.OPERATOR))]

    def repo() -> FleetRepository:
        assert ctx.fleet is not None
        return FleetRepository(ctx.fleet.fleet_dir, policy=ctx.fleet.policy)

    def keys_installed() -> bool:
        assert ctx.fleet is not None
        return (ctx.fleet.fleet_dir / "keys" / "root.json").exists()

    def audiences() -> list[str]:
        assert ctx.fleet is not None
        status = ctx.fleet.status()
        groups = sorted({t.group for t in status.terminals if t.group})
        kiosks = sorted(t.terminal_id for t in status.terminals)
        return ["all", *(f"group:{g}" for g in groups), *(f"kiosk:{k}" for k in kiosks)]

    def kiosk_group(audience: Audience) -> str | None:
        assert ctx.fleet is not None
        if audience.kind != "kiosk":
            return None
        rec = ctx.fleet.heartbeats.all().get(audience.name)
        return rec.heartbeat.group if rec else None

    def live(audience: Audience) -> FleetDocument | None:
        r = repo()
        return current_document(r, audience) if r.initialized else None

    def editor(
        request: Request,
        audience: Audience,
        text: str,
        *,
        status: int = 200,
        note: str = "",
        **extra: Any,
    ) -> Response:
        live_doc = live(audience)
        r = repo()
        return render(
            request,
            "config.html",
            status,
            audience=str(audience),
            audiences=audiences(),
            text=text,
            note=note,
            live=live_doc,
            history=published_versions(r, audience) if r.initialized else [],
            keys_installed=keys_installed(),
            media=uploaded(ctx.upload_dir),
            **extra,
        )

    def parse_audience(value: str) -> Audience | None:
        try:
            return Audience.parse(value.strip())
        except ValueError:
            return None

    def check(audience: Audience, text: str) -> tuple[dict[str, Any] | None, list[Problem]]:
        """The document's table and its problems (none: fit to publish)."""
        try:
            config = parse_text(text)
        except DocumentSyntaxError as e:
            return None, [Problem("", str(e), e.line)]
        lines = key_lines(text)
        try:
            check_for_publish(repo(), audience, config, kiosk_group=kiosk_group(audience))
        except DocumentRejected as e:
            problems = [
                Problem(p.key, p.reason, line_of(lines, p.key), p.source) for p in e.problems
            ] or [Problem("", e.reason, 0)]
            return config, problems
        return config, []

    @router.get("/config")
    @off_loop
    def config_page(
        request: Request, session: Operator, audience: str = "all", published: int = 0
    ) -> Response:
        """The editor, filled with the audience's live document."""
        if ctx.fleet is None:
            return render(request, "unavailable.html", what="console.nav.config")
        parsed = parse_audience(audience) or Audience("all")
        doc = live(parsed)
        text = as_toml(doc.config) if doc is not None else ""
        return editor(request, parsed, text, published=published)

    async def document_text(posted: Posted) -> str:
        upload = posted.form.get("file")
        if isinstance(upload, UploadFile) and upload.filename:
            raw = await upload.read()
            try:
                return raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                return "\x00"  # parse_text reports it as not TOML
        return _text(posted.form.get("text"))

    @router.post("/config/check", max_body_size=MAX_FORM_BYTES)
    async def check_page(request: Request, posted: Form) -> Response:
        """Checks the typed or uploaded document; shows problems at their keys, or the
        change against what is live with the button to publish."""
        if ctx.fleet is None:
            return render(request, "unavailable.html", what="console.nav.config")
        audience = parse_audience(_text(posted.form.get("audience")))
        text = await document_text(posted)
        note = _text(posted.form.get("note"))[:500]
        if audience is None:
            return editor(request, Audience("all"), text, status=422, note=note, bad_audience=True)
        config, problems = await asyncio.to_thread(check, audience, text)
        if problems or config is None:
            return editor(request, audience, text, status=422, note=note, problems=problems)
        live_doc = await asyncio.to_thread(live, audience)
        changes = diff(live_doc.config if live_doc else None, config)
        return editor(request, audience, text, note=note, checked=True, changes=changes)

    @router.post("/config/publish", max_body_size=MAX_FORM_BYTES)
    async def publish_page(request: Request, posted: Form) -> Response:
        """Checks again, then signs and publishes the document (with the media chosen)."""
        if ctx.fleet is None:
            return render(request, "unavailable.html", what="console.nav.config")
        audience = parse_audience(_text(posted.form.get("audience")))
        text = _text(posted.form.get("text"))
        note = _text(posted.form.get("note"))[:500]
        if audience is None:
            return editor(request, Audience("all"), text, status=422, bad_audience=True)
        media: list[Path] = []
        for name in posted.form.getlist("media"):
            path = medium_path(ctx.upload_dir, _text(name))
            if path is not None:
                media.append(path)

        def sign() -> tuple[int, list[Problem], str]:
            config, problems = check(audience, text)
            if problems or config is None:
                return 0, problems, ""
            try:
                result = publish(
                    repo(),
                    audience,
                    config,
                    note=note,
                    media=media,
                    kiosk_group=kiosk_group(audience),
                )
            except DocumentRejected as e:
                return 0, [Problem(p.key, p.reason, 0, p.source) for p in e.problems], ""
            except (RepositoryNotReady, OSError):  # no keys installed, or one missing
                return 0, [], "console.config.no_keys"
            ctx.audit_action(
                posted.session,
                posted.client,
                "config.publish",
                str(audience),
                f"v{result.version} sha256 {result.sha256[:16]} media {len(result.media)}"
                + (f"; {note}" if note else ""),
            )
            return result.version, [], ""

        version, problems, error = await asyncio.to_thread(sign)
        if not version:
            return editor(
                request, audience, text, status=422, note=note, problems=problems, error=error
            )
        return redirect(f"{PREFIX}/config?audience={audience}&published={version}")

    @router.post("/config/rollback")
    async def rollback(request: Request, posted: Form) -> Response:
        """Publishes an earlier version's configuration again, as a new version."""
        if ctx.fleet is None:
            return render(request, "unavailable.html", what="console.nav.config")
        audience = parse_audience(_text(posted.form.get("audience"))) or Audience("all")
        wanted = _text(posted.form.get("version"))

        def sign() -> tuple[int, list[Problem], str]:
            r = repo()
            doc = next(
                (d for d in published_versions(r, audience) if str(d.version) == wanted), None
            )
            if doc is None:
                return 0, [], "console.config.no_such_version"
            media = []
            for path in doc.media:
                target = r.target(path)
                if target is not None:
                    media.append(r.target_file(target))
            note = f"rollback to v{doc.version}"
            try:
                result = publish(
                    r,
                    audience,
                    doc.config,
                    note=note,
                    media=media,
                    kiosk_group=kiosk_group(audience),
                )
            except DocumentRejected as e:
                return 0, [Problem(p.key, p.reason, 0, p.source) for p in e.problems], ""
            except (RepositoryNotReady, OSError):  # no keys installed, or one missing
                return 0, [], "console.config.no_keys"
            ctx.audit_action(
                posted.session,
                posted.client,
                "config.rollback",
                str(audience),
                f"v{doc.version} republished as v{result.version}",
            )
            return result.version, [], ""

        version, problems, error = await asyncio.to_thread(sign)
        if not version:
            doc = await asyncio.to_thread(live, audience)
            text = as_toml(doc.config) if doc else ""
            return editor(request, audience, text, status=422, problems=problems, error=error)
        return redirect(f"{PREFIX}/config?audience={audience}&published={version}")

    @router.post("/config/retract")
    async def retract_page(request: Request, posted: Form) -> Response:
        """Removes the audience's document: its kiosks drop that layer."""
        if ctx.fleet is None:
            return render(request, "unavailable.html", what="console.nav.config")
        audience = parse_audience(_text(posted.form.get("audience"))) or Audience("all")

        def remove() -> bool:
            try:
                removed = retract(repo(), audience)
            except (RepositoryNotReady, OSError):
                return False
            if removed:
                ctx.audit_action(posted.session, posted.client, "config.retract", str(audience))
            return removed

        await asyncio.to_thread(remove)
        return redirect(f"{PREFIX}/config?audience={audience}")

    return router
