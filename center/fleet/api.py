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
import dataclasses
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from center.auth import AuthFailure, TerminalRegistry
from center.fleet.service import MISSING_ROOT, FleetService, StaticFile
from kiosk.fleet.heartbeat import Heartbeat, HeartbeatAnswer

_bearer = HTTPBearer(auto_error=False, description="A terminal's or an operator's token")
_terminal = APIKeyHeader(name="X-Terminal-Id", auto_error=False, description="Terminal id")
_operator = APIKeyHeader(name="X-Operator-Id", auto_error=False, description="Operator name")
NO_STORE = {"Cache-Control": "no-store"}


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


def _status_json(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {k: _status_json(v) for k, v in dataclasses.asdict(value).items()}
    if isinstance(value, dict):
        return {k: _status_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_status_json(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def fleet_router(fleet: FleetService, registry: TerminalRegistry) -> APIRouter:
    """The fleet's routes over ``fleet``, admitting the terminals in ``registry``."""
    router = APIRouter()

    async def terminal(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
        terminal_id: Annotated[str | None, Depends(_terminal)],
    ) -> str:
        token = credentials.credentials if credentials is not None else None
        return registry.authenticate(terminal_id, token)

    async def operator(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
        operator_id: Annotated[str | None, Depends(_operator)],
    ) -> str:
        token = credentials.credentials if credentials is not None else None
        if not operator_id or not token:
            raise AuthFailure(401, "auth.missing", "needs Authorization: Bearer and X-Operator-Id")
        return fleet.operators.authenticate(operator_id, token)

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
        tags=["fleet"],
        summary="A terminal reports its state",
    )
    async def heartbeat(
        hb: Heartbeat, response: Response, terminal_id: Annotated[str, Depends(terminal)]
    ) -> HeartbeatAnswer:
        """Stores the heartbeat; answers the center's clock and the skew it measured."""
        if hb.terminal_id != terminal_id:
            raise AuthFailure(403, "auth.terminal_mismatch", "the heartbeat names another terminal")
        rec = fleet.record_heartbeat(hb)
        response.headers.update(NO_STORE)
        return HeartbeatAnswer(received_at=rec.received_at, skew_s=rec.skew_s)

    @router.get("/v1/fleet/status", tags=["fleet"], summary="Every terminal and the alarms")
    async def status(
        response: Response,
        _operator_id: Annotated[str, Depends(operator)],
        silent_after_s: float | None = None,
    ) -> dict[str, Any]:
        """Terminals (converged, silent, versions), repository expiries, alarms."""
        response.headers.update(NO_STORE)
        result: dict[str, Any] = _status_json(fleet.status(silent_after_s))
        return result

    @router.get("/v1/fleet/alarms", tags=["fleet"], summary="What needs an operator")
    async def alarms(
        response: Response, _operator_id: Annotated[str, Depends(operator)]
    ) -> dict[str, Any]:
        """Only the alarms."""
        response.headers.update(NO_STORE)
        return {"alarms": _status_json(fleet.status().alarms)}

    return router
