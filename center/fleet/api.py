"""The fleet's HTTP endpoints, as an ``APIRouter`` the center's app includes.

- ``GET /fleet/metadata/{name}``, ``GET /fleet/targets/{path}``: the TUF repository's static
  files, exactly as on disk (no authentication: everything is signed, and a fleet document
  holds no secrets), with ETags, 304s and CDN-friendly ``Cache-Control``.
- ``POST /v1/fleet/heartbeats``: a terminal's heartbeat, authenticated like every terminal
  call (``Authorization: Bearer <token>`` + ``X-Terminal-Id``); the body's ``terminal_id``
  must be the caller's. Answers the center's clock and the skew it saw.
- ``GET /v1/fleet/status``, ``GET /v1/fleet/alarms``: for operators, with an operator token
  (``center fleet operator add NAME``) as ``Authorization: Bearer`` + ``X-Operator-Id``.
"""

# No `from __future__ import annotations`: FastAPI reads the annotations at run time.
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response

from center.answers import no_store
from center.auth import AuthFailure, TerminalRegistry
from center.credentials import operator_caller, terminal_caller
from center.fleet.service import MISSING_ROOT, FleetService, StaticFile
from center.fleet.status import status_json
from kiosk.fleet.heartbeat import Heartbeat, HeartbeatAnswer


def _serve(found: StaticFile | None, request: Request, missing_cache: str) -> Response:
    if found is None:
        return Response(
            b'{"error":{"code":"not_found","message":"no such file"}}',
            status_code=404,
            media_type="application/json",
            headers={"Cache-Control": missing_cache},
        )
    headers = {"ETag": found.etag, "Cache-Control": found.cache_control}
    match = request.headers.get("if-none-match")
    if match is not None and found.etag in {m.strip() for m in match.split(",")}:
        return Response(status_code=304, headers=headers)
    body = b"" if request.method == "HEAD" else found.body
    headers["Content-Length"] = str(len(found.body))
    return Response(
        body, media_type="application/json" if body[:1] == b"{" else None, headers=headers
    )


def fleet_router(fleet: FleetService, registry: TerminalRegistry) -> APIRouter:
    """The fleet's routes over ``fleet``, admitting the terminals in ``registry``."""
    # The API routes' answers change between calls (no-store); the static files below are
    # plain routes with their own caching headers.
    router = APIRouter(tags=["fleet"], dependencies=[Depends(no_store)])
    Terminal = Annotated[str, Depends(terminal_caller(registry))]
    Operator = Annotated[str, Depends(operator_caller(fleet.operators))]

    # Plain Starlette routes (no dependency solving, no response model): these answer every
    # poll of every kiosk, and are exactly what a static host would serve.
    async def metadata(request: Request) -> Response:
        """A metadata file of the repository (``timestamp.json``, ``N.<role>.json``)."""
        name = request.path_params["name"]
        cache = MISSING_ROOT if name.endswith(".root.json") else "no-cache"
        return _serve(fleet.static.metadata(name), request, cache)

    async def targets(request: Request) -> Response:
        """A target file (hash-prefixed name, as consistent snapshots ask for)."""
        return _serve(fleet.static.target(request.path_params["path"]), request, "no-cache")

    router.add_route("/fleet/metadata/{name}", metadata, methods=["GET", "HEAD"])
    router.add_route("/fleet/targets/{path:path}", targets, methods=["GET", "HEAD"])

    @router.post(
        "/v1/fleet/heartbeats",
        response_model=HeartbeatAnswer,
        summary="A terminal reports its state",
    )
    async def heartbeat(hb: Heartbeat, terminal_id: Terminal) -> HeartbeatAnswer:
        """Stores the heartbeat; answers the center's clock and the skew it measured."""
        if hb.terminal_id != terminal_id:
            raise AuthFailure(403, "auth.terminal_mismatch", "the heartbeat names another terminal")
        rec = fleet.record_heartbeat(hb)
        return HeartbeatAnswer(received_at=rec.received_at, skew_s=rec.skew_s)

    @router.get("/v1/fleet/status", summary="Every terminal and the alarms")
    async def status(_operator_id: Operator, silent_after_s: float | None = None) -> dict[str, Any]:
        """Terminals (converged, silent, versions), repository expiries, alarms."""
        result: dict[str, Any] = status_json(fleet.status(silent_after_s))
        return result

    @router.get("/v1/fleet/alarms", summary="What needs an operator")
    async def alarms(_operator_id: Operator) -> dict[str, Any]:
        """Only the alarms."""
        return {"alarms": status_json(fleet.status().alarms)}

    return router
