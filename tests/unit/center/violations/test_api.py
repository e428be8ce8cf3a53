"""The center's HTTP API through real HTTP: authentication per terminal, error shapes,
headers, and the OpenAPI document.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.support.uvicorn_server import RunningCenter

LOOKUP = "/v1/violations/vehicle-lookups"
BODY = {"plate_type": "02", "plate": "苏E8D2K7", "secret": "4G15B08327"}


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


def auth(token: str, terminal: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "X-Terminal-Id": terminal}


def error_code(resp: requests.Response) -> str:
    code: str = resp.json()["error"]["code"]
    return code


def post(
    http: requests.Session, center: RunningCenter, body: Any, **headers: str
) -> requests.Response:
    return http.post(center.url + LOOKUP, json=body, headers=headers, timeout=5)


def test_health_needs_no_authentication(http: requests.Session, center: RunningCenter) -> None:
    resp = http.get(center.url + "/v1/health", timeout=5)
    assert resp.status_code == 200 and resp.json()["status"] == "ok"


def test_an_authenticated_lookup(http: requests.Session, center: RunningCenter) -> None:
    resp = post(http, center, BODY, **auth(center.token, center.terminal_id))
    assert resp.status_code == 200
    data = resp.json()
    assert data["kind"] == "result" and len(data["records"]) == 12
    assert resp.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    ("headers", "status", "code"),
    [
        ({}, 401, "auth.missing"),
        ({"X-Terminal-Id": "kiosk-test"}, 401, "auth.missing"),
        ({"Authorization": "Bearer " + "x" * 43}, 401, "auth.missing"),
        (
            {"Authorization": "Basic a2lvc2s6cHc=", "X-Terminal-Id": "kiosk-test"},
            401,
            "auth.missing",
        ),
        (
            {"Authorization": "Bearer " + "x" * 43, "X-Terminal-Id": "kiosk-test"},
            401,
            "auth.invalid_token",
        ),
    ],
)
def test_unauthenticated_requests_are_refused(
    http: requests.Session,
    center: RunningCenter,
    headers: dict[str, str],
    status: int,
    code: str,
) -> None:
    resp = post(http, center, BODY, **headers)
    assert (resp.status_code, error_code(resp)) == (status, code)
    assert "records" not in resp.text


def test_a_token_used_by_another_terminal_is_forbidden(
    http: requests.Session, center: RunningCenter
) -> None:
    other_token = center.registry.add("kiosk-other")
    try:
        resp = post(http, center, BODY, **auth(other_token, center.terminal_id))
        assert (resp.status_code, error_code(resp)) == (403, "auth.terminal_mismatch")
        resp = post(http, center, BODY, **auth(center.token, "kiosk-other"))
        assert (resp.status_code, error_code(resp)) == (403, "auth.terminal_mismatch")
        resp = post(http, center, BODY, **auth(other_token, "kiosk-other"))
        assert resp.status_code == 200
    finally:
        center.registry.remove("kiosk-other")
    resp = post(http, center, BODY, **auth(other_token, "kiosk-other"))
    assert (resp.status_code, error_code(resp)) == (401, "auth.invalid_token")


def test_a_disabled_terminal_is_forbidden(http: requests.Session, center: RunningCenter) -> None:
    token = center.registry.add("kiosk-off")
    center.registry.set_enabled("kiosk-off", False)
    try:
        resp = post(http, center, BODY, **auth(token, "kiosk-off"))
        assert (resp.status_code, error_code(resp)) == (403, "auth.terminal_disabled")
    finally:
        center.registry.remove("kiosk-off")


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        ({"plate_type": "02"}, 422, "invalid_query", "plate"),
        ({**BODY, "extra": 1}, 422, "invalid_query", "extra"),
        ({**BODY, "plate": "苏E8D2KO"}, 422, "invalid_query", "plate"),
        ({**BODY, "secret": "4G15B08328"}, 404, "not_matched", None),
    ],
)
def test_errors_have_a_code_and_name_the_field(
    http: requests.Session,
    center: RunningCenter,
    body: dict[str, Any],
    status: int,
    code: str,
    field: str | None,
) -> None:
    resp = post(http, center, body, **auth(center.token, center.terminal_id))
    assert resp.status_code == status
    error = resp.json()["error"]
    assert error["code"] == code and error.get("field") == field
    assert "4G15B08328" not in resp.text and "苏E8D2K" not in resp.text


def test_a_body_that_is_not_json_is_an_invalid_query(
    http: requests.Session, center: RunningCenter
) -> None:
    resp = http.post(
        center.url + LOOKUP,
        data=b"{nope",
        headers={**auth(center.token, center.terminal_id), "Content-Type": "application/json"},
        timeout=5,
    )
    assert (resp.status_code, error_code(resp)) == (422, "invalid_query")


def test_unknown_paths_answer_json(http: requests.Session, center: RunningCenter) -> None:
    resp = http.get(center.url + "/v1/nothing", timeout=5)
    assert (resp.status_code, error_code(resp)) == (404, "not_found")


def test_tokens_are_stored_only_as_hashes(center: RunningCenter) -> None:
    assert center.registry.path is not None
    stored = center.registry.path.read_text(encoding="utf-8")
    assert center.token not in stored
    entry = json.loads(stored)["terminals"][center.terminal_id]
    assert len(entry["token_sha256"]) == 64


def test_the_openapi_document_describes_lookups_auth_and_errors(
    http: requests.Session, center: RunningCenter
) -> None:
    doc = http.get(center.url + "/openapi.json", timeout=5).json()
    paths = doc["paths"]
    assert {"/v1/health", LOOKUP, "/v1/violations/licence-lookups"} <= set(paths)
    post_op = paths[LOOKUP]["post"]
    assert {"401", "403", "404", "422"} <= set(post_op["responses"])
    schemes = doc["components"]["securitySchemes"]
    assert {s["type"] for s in schemes.values()} == {"http", "apiKey"}
    assert any(s.get("name") == "X-Terminal-Id" for s in schemes.values())
    names = set(doc["components"]["schemas"])
    assert {
        "VehicleQuery",
        "LicenceQuery",
        "LookupResult",
        "StillFetching",
        "ViolationRecord",
    } <= names
    assert "security" in post_op and "security" not in paths["/v1/health"]["get"]
