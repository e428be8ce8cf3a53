"""Per-route body caps below the app's 64 KB (violations, points, heartbeats), answered 413
with the JSON error body before the body is read; strict types on the points bodies."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from center.app import (
    HEARTBEAT_BODY_BYTES,
    MAX_BODY_BYTES,
    POINTS_BODY_BYTES,
    VIOLATIONS_BODY_BYTES,
    create_app,
)
from center.auth import TerminalRegistry
from center.fleet import FleetService
from kiosk.violations.local import LocalViolationService
from tests.support.uvicorn_server import UvicornThread
from tests.unit.kiosk.points.conftest import TERMINAL, PointsCenter, serve_points_center


@pytest.fixture(scope="module")
def center(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """The center with violations, points and the fleet; (url, terminal token)."""
    folder = tmp_path_factory.mktemp("caps")
    service = LocalViolationService.open_demo(folder / "violations.sqlite3")
    registry = TerminalRegistry(folder / "terminals.json")
    token = registry.add(TERMINAL)
    fleet = FleetService(folder / "fleet", terminals=registry)
    try:
        with UvicornThread(create_app(service, registry, None, fleet), name="uvicorn-caps") as s:
            yield s.url, token
    finally:
        fleet.close()


def head_only(url: str, path: str, length: int, token: str | None = None) -> tuple[str, bytes]:
    """Sends only the request head announcing ``length`` bytes and no body; returns the
    status line and the body of the answer (a server that waited for the body would never
    answer, and the read would time out)."""
    parts = urlsplit(url)
    headers = {"Content-Type": "application/json", "Content-Length": str(length)}
    if token is not None:
        headers |= {"Authorization": f"Bearer {token}", "X-Terminal-Id": TERMINAL}
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as s:
        head = f"POST {path} HTTP/1.1\r\nHost: {parts.hostname}\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
        s.sendall(head.encode("ascii"))
        answer = b""
        while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
            chunk = s.recv(4096)
            if not chunk:
                break
            answer += chunk
    status, _, rest = answer.partition(b"\r\n")
    return status.decode("latin-1"), rest.partition(b"\r\n\r\n")[2]


@pytest.mark.parametrize(
    ("path", "limit"),
    [
        ("/v1/violations/vehicle-lookups", VIOLATIONS_BODY_BYTES),
        ("/v1/fleet/heartbeats", HEARTBEAT_BODY_BYTES),
        ("/v1/health", MAX_BODY_BYTES),
    ],
)
@pytest.mark.parametrize("authenticated", [False, True])
def test_a_body_over_the_route_cap_is_refused_unread(
    center: tuple[str, str], path: str, limit: int, authenticated: bool
) -> None:
    url, token = center
    assert limit <= MAX_BODY_BYTES

    status, body = head_only(url, path, limit + 1, token if authenticated else None)

    assert status.startswith("HTTP/1.1 413"), status
    error = json.loads(body)["error"]
    assert error["code"] == "body_too_large"
    assert error["limit_bytes"] == limit
    assert str(limit) in error["message"]


def test_a_heartbeat_under_the_default_but_over_its_cap_is_refused(
    center: tuple[str, str],
) -> None:
    url, token = center
    hb: dict[str, Any] = {"terminal_id": TERMINAL, "padding": "x" * (HEARTBEAT_BODY_BYTES + 10)}
    assert len(json.dumps(hb)) < MAX_BODY_BYTES
    resp = requests.post(
        url + "/v1/fleet/heartbeats",
        json=hb,
        headers={"Authorization": f"Bearer {token}", "X-Terminal-Id": TERMINAL},
        timeout=30,
    )
    assert resp.status_code == 413
    assert resp.json()["error"]["code"] == "body_too_large"


@pytest.fixture(scope="module")
def points(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PointsCenter]:
    with serve_points_center(tmp_path_factory.mktemp("points-caps")) as running:
        yield running


def test_a_points_body_over_its_cap_is_refused_unread(points: PointsCenter) -> None:
    status, body = head_only(points.url, "/v1/points/redemptions", POINTS_BODY_BYTES + 1)
    assert status.startswith("HTTP/1.1 413"), status
    assert json.loads(body)["error"]["limit_bytes"] == POINTS_BODY_BYTES


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/points/redemptions", {"lines": [{"item_id": "soap", "quantity": "1"}]}),
        ("/v1/points/redemptions", {"lines": [{"item_id": "soap", "quantity": True}]}),
        ("/v1/points/redemptions", {"lines": [{"item_id": "soap", "quantity": 1.0}]}),
        ("/v1/points/member-lookups", {"card_no": "1"}),
        ("/v1/points/earnings", {"points": "5", "reason": "quiz"}),
        ("/v1/points/earnings", {"points": 5, "reason": 7}),
    ],
)
def test_points_bodies_take_no_coerced_values(
    points: PointsCenter, path: str, body: dict[str, Any]
) -> None:
    payload = {"member_id": "M20230517", **body}
    resp = requests.post(
        points.url + path,
        json=payload,
        headers={
            "Authorization": f"Bearer {points.token}",
            "X-Terminal-Id": TERMINAL,
            "Idempotency-Key": "strict-types-" + "k" * 8,
        },
        timeout=30,
    )
    assert resp.status_code == 422, resp.text
    assert resp.json()["error"]["code"] == "invalid_query"
    assert points.ledger.balance("M20230517").held == 0


def test_the_caps_do_not_refuse_ordinary_bodies(points: PointsCenter, tmp_path: Path) -> None:
    resp = requests.post(
        points.url + "/v1/points/member-lookups",
        json={"member_id": "M20230517", "card_no": 1},
        headers={"Authorization": f"Bearer {points.token}", "X-Terminal-Id": TERMINAL},
        timeout=30,
    )
    assert resp.status_code == 200, resp.text
