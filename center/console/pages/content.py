"""Content for operators: the anti-fraud playlist with its schedule and media previews, and
media uploads kept by hash (they reach the kiosks with the next configuration publish)."""

# No `from __future__ import annotations`: FastAPI reads the endpoint annotations at run time.
import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from starlette.datastructures import UploadFile

from center.console.blocking import off_loop
from center.console.context import ConsoleContext
from center.console.media import CONTENT_TYPES, MediaRefused, keep_upload, uploaded
from center.console.navigation import PREFIX
from center.console.rendering import SECURITY_HEADERS, redirect, render
from center.console.security import Guard, Posted, Refused
from center.staff.model import Role, Session
from kiosk.content.library import ContentError, load_content
from kiosk.content.model import AnyItem, MediaRef
from kiosk.content.playlist import is_scheduled


@dataclass(frozen=True)
class ItemView:
    """A playlist item as the page lists it."""

    item: AnyItem
    on_now: bool
    media_ok: bool
    media_kind: str
    media_hex: str


def content_routes(ctx: ConsoleContext, guard: Guard) -> APIRouter:
    """``/console/content``, its media and the upload."""
    router = APIRouter()
    Operator = Annotated[Session, Depends(guard.role(Role.OPERATOR))]
    Form = Annotated[Posted, Depends(guard.posted(Role.OPERATOR))]
    max_bytes = ctx.settings.max_media_mb * 1024 * 1024

    def page(request: Request, status: int = 200, **extra: object) -> Response:
        try:
            library = load_content()
        except ContentError as e:
            return render(request, "content.html", status, error=str(e), items=[], media=[])
        now = datetime.now()
        items = []
        for item in library.playlist.items:
            ref = item.media
            media_ok = ref is None or ctx.media.path_for(ref) is not None
            kind = str(getattr(item, "kind", ""))
            items.append(
                ItemView(item, is_scheduled(item, now), media_ok, kind, ref.hex if ref else "")
            )
        return render(
            request,
            "content.html",
            status,
            items=items,
            fallback=library.playlist.fallback,
            media=uploaded(ctx.upload_dir),
            max_mb=ctx.settings.max_media_mb,
            now_local=now,
            **extra,
        )

    @router.get("/content")
    @off_loop
    def content_page(request: Request, session: Operator, uploaded_as: str = "") -> Response:
        """The playlist (what plays, when, whether it plays now) and the uploaded media."""
        return page(request, uploaded_as=uploaded_as)

    @router.get("/content/media/{digest}")
    @off_loop
    def medium(digest: str, session: Operator) -> Response:
        """A medium's bytes (uploaded or packaged), served only if they match the hash."""
        if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            raise Refused(404, "console.content.no_medium")
        for folder in ctx.media.roots:
            for path in folder.glob(f"sha256-{digest}*"):
                ref = MediaRef(hash=f"sha256:{digest}", path=path.name)
                verified = ctx.media.path_for(ref)
                if verified is not None:
                    media_type = CONTENT_TYPES.get(
                        verified.suffix.lower(), "application/octet-stream"
                    )
                    # Read whole to check its hash just now: a poster or a short clip.
                    body = verified.read_bytes()
                    return Response(body, media_type=media_type, headers=SECURITY_HEADERS)
        raise Refused(404, "console.content.no_medium")

    @router.post("/content/media", max_body_size=max_bytes + 64 * 1024)
    async def upload(request: Request, posted: Form) -> Response:
        """Keeps an uploaded image or video by its hash."""
        file = posted.form.get("file")
        if not isinstance(file, UploadFile) or not file.filename:
            error = "console.content.no_file"
        else:
            data = await file.read()
            try:
                ref = await asyncio.to_thread(keep_upload, ctx.media, file.filename, data)
            except MediaRefused as e:
                error = e.key
            else:
                await asyncio.to_thread(
                    ctx.audit_action,
                    posted.session,
                    posted.client,
                    "content.upload",
                    ref.path,
                    f"{len(data)} bytes from {file.filename[:80]}",
                )
                return redirect(f"{PREFIX}/content?uploaded_as={ref.path}")
        return await asyncio.to_thread(page, request, 422, upload_error=error)

    return router
