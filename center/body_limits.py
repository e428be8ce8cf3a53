"""A refused request body is answered clearly: 413 with the app's JSON error body.

The caps themselves are FastAPI's (``max_body_size`` on the app, and smaller ones per router
in :mod:`center.app`): they refuse a body whose ``Content-Length`` is over the cap before a
byte of it is read, and stop reading a chunked one once it passes. Starlette answers the
first case with a plain-text ``Content Too Large``; :class:`JsonTooLarge`, outermost, turns
that into ``{"error": {"code": "body_too_large", "message": ...}}`` naming the limit.
"""

from __future__ import annotations

import json

from starlette.datastructures import Headers
from starlette.middleware.body_limit import MAX_BODY_SIZE_SCOPE_KEY
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["BODY_TOO_LARGE", "JsonTooLarge", "too_large_body"]

BODY_TOO_LARGE = "body_too_large"


def too_large_body(limit: int | None) -> bytes:
    """The JSON error body of a 413 for a route capped at ``limit`` bytes."""
    where = f"{limit} bytes" if limit is not None else "this route's limit"
    message = f"请求内容过大，上限 {where}。Request body too large: the limit is {where}."
    return json.dumps(
        {"error": {"code": BODY_TOO_LARGE, "message": message, "limit_bytes": limit}},
        ensure_ascii=False,
    ).encode("utf-8")


class JsonTooLarge:
    """Rewrites a plain-text 413 into the JSON error body (other answers pass unchanged)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        swallowing = False

        async def send_clear(message: Message) -> None:
            nonlocal swallowing
            if message["type"] == "http.response.start" and message["status"] == 413:
                kind = Headers(raw=message.get("headers", [])).get("content-type", "")
                if kind.startswith("text/plain"):
                    swallowing = True
                    limit = scope.get(MAX_BODY_SIZE_SCOPE_KEY)
                    body = too_large_body(limit if isinstance(limit, int) else None)
                    headers = [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode("ascii")),
                        (b"connection", b"close"),
                    ]
                    await send({"type": "http.response.start", "status": 413, "headers": headers})
                    await send({"type": "http.response.body", "body": body})
                    return
            if swallowing:
                return  # the plain-text body that went with it
            await send(message)

        await self.app(scope, receive, send_clear)
