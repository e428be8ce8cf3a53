"""The center's points endpoints on the wire: authentication, Idempotency-Key rules, replay
header, statuses and error codes (never 401/403 for a refusal), no member ids in URLs."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from center.points.api import REPLAYED_HEADER
from tests.unit.kiosk.points.conftest import TERMINAL, PointsCenter, serve_points_center

REDEEM = "/v1/points/redemptions"
BODY = {"member_id": "M20230517", "lines": [{"item_id": "towel", "quantity": 1}]}


@pytest.fixture(scope="module")
def center(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PointsCenter]:
    with serve_points_center(tmp_path_factory.mktemp("center-points")) as running:
        yield running


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as s:
        s.trust_env = False
        yield s


def post(
    http: requests.Session, center: PointsCenter, path: str, body: Any, key: str | None = None
) -> requests.Response:
    headers = {"Authorization": f"Bearer {center.token}", "X-Terminal-Id": TERMINAL}
    if key is not None:
        headers["Idempotency-Key"] = key
    return http.post(center.url + path, json=body, headers=headers, timeout=5)


def code_of(resp: requests.Response) -> str:
    return str(resp.json()["error"]["code"])


def test_writes_need_an_idempotency_key(http: requests.Session, center: PointsCenter) -> None:
    resp = post(http, center, REDEEM, BODY)
    assert resp.status_code == 422 and code_of(resp) == "invalid_query"
    assert resp.json()["error"]["field"] == "idempotency_key"
    resp = post(http, center, REDEEM, BODY, key="short")
    assert resp.status_code == 422
    assert center.ledger.balance("M20230517").held == 0


def test_a_replay_is_marked_and_changes_nothing(
    http: requests.Session, center: PointsCenter
) -> None:
    key = uuid.uuid4().hex
    first = post(http, center, REDEEM, BODY, key)
    assert first.status_code == 200 and REPLAYED_HEADER not in first.headers
    assert first.headers["Cache-Control"] == "no-store"
    again = post(http, center, REDEEM, BODY, key)
    assert again.json() == first.json() and again.headers[REPLAYED_HEADER] == "true"
    other = post(http, center, REDEEM, {**BODY, "lines": [{"item_id": "soap", "quantity": 1}]}, key)
    assert (other.status_code, code_of(other)) == (422, "idempotency_key_reused")
    assert center.ledger.balance("M20230517").held == 5
    entry = center.ledger.entries("M20230517")[-1]
    assert entry.terminal == TERMINAL


def test_terminals_must_authenticate(http: requests.Session, center: PointsCenter) -> None:
    resp = http.post(center.url + REDEEM, json=BODY, headers={"Idempotency-Key": "k" * 16})
    assert (resp.status_code, code_of(resp)) == (401, "auth.missing")
    resp = http.post(
        center.url + "/v1/points/member-lookups",
        json={"member_id": "M20230517"},
        headers={"Authorization": "Bearer " + "x" * 43, "X-Terminal-Id": TERMINAL},
    )
    assert (resp.status_code, code_of(resp)) == (401, "auth.invalid_token")
    assert "王建国" not in resp.text


@pytest.mark.parametrize(
    ("path", "body", "status", "code"),
    [
        ("/v1/points/member-lookups", {"member_id": "M99999999"}, 404, "unknown_member"),
        (
            "/v1/points/member-lookups",
            {"member_id": "M20250001", "card_no": 1},
            409,
            "card_revoked",
        ),
        (REDEEM, {**BODY, "member_id": "M20220815"}, 409, "not_enough_points"),
        (
            REDEEM,
            {**BODY, "lines": [{"item_id": "umbrella", "quantity": 1}]},
            409,
            "out_of_stock",
        ),
        (
            REDEEM,
            {**BODY, "lines": [{"item_id": "caviar", "quantity": 1}]},
            404,
            "unknown_item",
        ),
        (REDEEM, {**BODY, "lines": []}, 422, "invalid_query"),
        (REDEEM, {**BODY, "extra": 1}, 422, "invalid_query"),
        (
            "/v1/points/fulfilments",
            {"code": "ABCD-EFGH", "staff": "小李"},
            404,
            "voucher_not_found",
        ),
        (
            "/v1/points/cancellations",
            {"code": "ABCD-EFGH", "member_id": "M20230517"},
            409,
            "cancel_not_allowed",
        ),
        (
            "/v1/points/earnings",
            {"member_id": "M20230517", "points": 50, "reason": "volunteer"},
            409,
            "earn_not_allowed",
        ),
    ],
)
def test_refusals_have_a_status_and_a_code(
    http: requests.Session,
    center: PointsCenter,
    path: str,
    body: dict[str, Any],
    status: int,
    code: str,
) -> None:
    resp = post(http, center, path, body, key=uuid.uuid4().hex)
    assert (resp.status_code, code_of(resp)) == (status, code)
    assert resp.status_code not in (401, 403)


def test_the_points_api_is_documented(http: requests.Session, center: PointsCenter) -> None:
    paths = http.get(center.url + "/openapi.json", timeout=5).json()["paths"]
    points = {p for p in paths if p.startswith("/v1/points/")}
    assert points == {
        "/v1/points/member-lookups",
        "/v1/points/catalogue-lookups",
        "/v1/points/redemptions",
        "/v1/points/voucher-lookups",
        "/v1/points/open-voucher-lookups",
        "/v1/points/voucher-prints",
        "/v1/points/fulfilments",
        "/v1/points/cancellations",
        "/v1/points/earnings",
    }
    assert all(set(paths[p]) == {"post"} for p in points)  # nothing personal in a URL
