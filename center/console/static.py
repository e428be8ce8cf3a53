"""The console's stylesheet and script, installed with the project and served from memory
(read once when the app starts), with an ETag so browsers revalidate instead of fetching."""

from __future__ import annotations

import hashlib
from pathlib import Path

from fastapi import Request, Response

TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}


class StaticAssets:
    """Every ``.css`` and ``.js`` file of ``folder``, by name."""

    def __init__(self, folder: Path) -> None:
        self.files: dict[str, tuple[bytes, str, str]] = {}
        for path in sorted(folder.iterdir()):
            if path.suffix in TYPES:
                body = path.read_bytes()
                etag = '"' + hashlib.sha256(body).hexdigest()[:24] + '"'
                self.files[path.name] = (body, TYPES[path.suffix], etag)

    async def serve(self, request: Request) -> Response:
        """``GET /console/static/{name}`` (no session needed: nothing in them is private)."""
        found = self.files.get(request.path_params["name"])
        if found is None:
            return Response(b"not found", status_code=404, media_type="text/plain")
        body, media_type, etag = found
        headers = {"ETag": etag, "Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}
        if etag in request.headers.get("if-none-match", ""):
            return Response(status_code=304, headers=headers)
        return Response(
            b"" if request.method == "HEAD" else body, media_type=media_type, headers=headers
        )
