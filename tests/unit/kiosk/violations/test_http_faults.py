"""The kiosk's HTTP client against servers that fail: every failure is a typed error, and
nothing hangs (explicit timeouts; each test is bounded by pytest-timeout as well).

The servers are real: uvicorn on 127.0.0.1 with small ASGI apps that answer badly, a socket
that accepts and never answers, and a port nobody listens on.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from kiosk.platform.backend_config import ServiceConfig
from kiosk.platform.http_client import HttpClient
from kiosk.platform.service_errors import (
    InvalidQuery,
    MalformedResponse,
    NotMatched,
    ServiceAuthError,
    ServiceRejected,
    ServiceServerError,
    ServiceTimeout,
    ServiceUnreachable,
)
from kiosk.violations.http import HttpViolationService
from kiosk.violations.service import VehicleQuery
from tests.support.uvicorn_server import SilentServer, UvicornThread, closed_port

pytestmark = pytest.mark.timeout(30)

QUERY = VehicleQuery(plate_type="02", plate="苏E8D2K7", secret="4G15B08327")


class FixedAnswer:
    """An ASGI app that answers every request with one status and body, and counts them."""

    def __init__(self, status: int, body: bytes, content_type: bytes = b"application/json"):
        self.status, self.body, self.content_type = status, body, content_type
        self.hits = 0
        self.idempotency_keys: list[str] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        self.hits += 1
        headers = dict(scope["headers"])
        if b"idempotency-key" in headers:
            self.idempotency_keys.append(headers[b"idempotency-key"].decode())
        while (await receive()).get("more_body"):
            pass
        await send(
            {
                "type": "http.response.start",
                "status": self.status,
                "headers": [(b"content-type", self.content_type)],
            }
        )
        await send({"type": "http.response.body", "body": self.body})


def client_for(url: str, **overrides: Any) -> HttpViolationService:
    values: dict[str, Any] = {
        "backend": "http",
        "base_url": url,
        "token": "t" * 40,
        "connect_timeout_s": 1.0,
        "read_timeout_s": 0.5,
        "retries": 2,
        "backoff_s": 0.01,
    }
    values.update(overrides)
    return HttpViolationService(HttpClient(ServiceConfig(**values), "kiosk-test"))


def serve(
    status: int, body: bytes | dict[str, Any], content_type: bytes = b"application/json"
) -> tuple[FixedAnswer, UvicornThread]:
    raw = json.dumps(body).encode() if isinstance(body, dict) else body
    app = FixedAnswer(status, raw, content_type)
    return app, UvicornThread(app, name="uvicorn-fault")


@pytest.mark.parametrize("retries", [0, 2])
def test_a_server_that_never_answers_is_a_timeout(retries: int) -> None:
    with SilentServer() as silent:
        service = client_for(silent.url, retries=retries)
        try:
            with pytest.raises(ServiceTimeout):
                service.lookup_vehicle(QUERY)
        finally:
            service.close()
        assert silent.accepted == (1 if retries == 0 else 2)  # a timeout is tried once more


def test_connection_refused_is_unreachable() -> None:
    service = client_for(f"http://127.0.0.1:{closed_port()}")
    try:
        with pytest.raises(ServiceUnreachable):
            service.lookup_vehicle(QUERY)
        with pytest.raises(ServiceUnreachable):
            service.ping()
    finally:
        service.close()


def test_http_500_is_a_server_error_with_its_code_and_is_not_retried() -> None:
    app, server = serve(500, {"error": {"code": "internal", "message": "boom"}})
    with server:
        service = client_for(server.url)
        try:
            with pytest.raises(ServiceServerError) as e:
                service.lookup_vehicle(QUERY)
        finally:
            service.close()
    assert (e.value.status, e.value.error_code) == (500, "internal")
    assert app.hits == 1


def test_503_is_retried_for_a_lookup_with_the_same_idempotency_key() -> None:
    app, server = serve(503, b"busy", b"text/plain")
    with server:
        service = client_for(server.url, retries=2)
        try:
            with pytest.raises(ServiceServerError) as e:
                service.lookup_vehicle(QUERY)
        finally:
            service.close()
    assert e.value.status == 503
    assert app.hits == 3  # the first try and two retries
    assert len(set(app.idempotency_keys)) == 1 and len(app.idempotency_keys) == 3


def test_a_post_without_idempotency_key_is_never_retried() -> None:
    app, server = serve(503, b"busy", b"text/plain")
    with server:
        client = HttpClient(
            ServiceConfig(backend="http", base_url=server.url, token="t" * 40, backoff_s=0.01),
            "kiosk-test",
        )
        try:
            with pytest.raises(ServiceServerError):
                client.request("POST", "/anything", json_body={})
            assert app.hits == 1
            with pytest.raises(ServiceServerError):
                client.request("GET", "/anything")  # idempotent: retried
            assert app.hits == 1 + 3
        finally:
            client.close()


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"", b"<html>oops</html>"],
)
def test_a_body_that_is_not_json_is_malformed(body: bytes) -> None:
    _app, server = serve(200, body)
    with server:
        service = client_for(server.url)
        try:
            with pytest.raises(MalformedResponse):
                service.lookup_vehicle(QUERY)
        finally:
            service.close()


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "result"},
        {"kind": "surprise", "records": []},
        {"kind": "result", "records": [{"id": 1}], "fetched_at": "2026-11-23T09:30:00"},
        {"kind": "pending", "retry_after_s": -5, "fetched_at": "2026-11-23T09:30:00"},
    ],
)
def test_json_of_the_wrong_shape_is_malformed(body: dict[str, Any]) -> None:
    _app, server = serve(200, body)
    with server:
        service = client_for(server.url)
        try:
            with pytest.raises(MalformedResponse):
                service.lookup_vehicle(QUERY)
        finally:
            service.close()


@pytest.mark.parametrize(
    ("status", "body", "error", "code"),
    [
        (401, {"error": {"code": "auth.invalid_token"}}, ServiceAuthError, "auth.invalid_token"),
        (
            403,
            {"error": {"code": "auth.terminal_mismatch"}},
            ServiceAuthError,
            "auth.terminal_mismatch",
        ),
        (404, {"error": {"code": "not_matched"}}, NotMatched, "not_matched"),
        (
            422,
            {"error": {"code": "invalid_query", "field": "plate"}},
            InvalidQuery,
            "invalid_query",
        ),
        (409, {"error": {"code": "conflict"}}, ServiceRejected, "conflict"),
        (400, b"no json here", ServiceRejected, "rejected"),
    ],
)
def test_4xx_carry_the_servers_error_code(
    status: int, body: Any, error: type[ServiceRejected], code: str
) -> None:
    _app, server = serve(status, body)
    with server:
        service = client_for(server.url)
        try:
            with pytest.raises(error) as e:
                service.lookup_vehicle(QUERY)
        finally:
            service.close()
    assert type(e.value) is error
    assert e.value.status == status and e.value.error_code == code
    if isinstance(e.value, InvalidQuery):
        assert e.value.field == "plate"
