"""``/v1/requests`` on the wire: terminal authentication, the Idempotency-Key rules (201, then
200 with the replay header), every refusal (status, code and field), the route's own body
cap (a photo fits; the app's 64 KB cap stays on the other routes), the status look-up with
the token in the query or a header (one 404 for an unknown code and a wrong token), the
rating's answers, and the OpenAPI document."""

from __future__ import annotations

import base64
import hashlib
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from center.app import MAX_BODY_BYTES as APP_BODY_CAP
from center.requests.api import MAX_BODY_BYTES, REPLAYED_HEADER, REQUESTS_PATH
from kiosk.requests.http import upload_body
from kiosk.requests.model import MAX_PHOTO_BYTES, RequestSubmission
from tests.unit.center.photo.conftest import make_jpeg
from tests.unit.center.requests.conftest import TERMINAL, RequestCenter, bare, submission


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as s:
        s.trust_env = False
        yield s


def body(request: RequestSubmission, **overrides: Any) -> dict[str, Any]:
    values = upload_body(request)
    values.update(overrides)
    return values


def headers(center: RequestCenter, key: str | None = None) -> dict[str, str]:
    out = {"Authorization": f"Bearer {center.token}", "X-Terminal-Id": TERMINAL}
    if key is not None:
        out["Idempotency-Key"] = key
    return out


def post(
    http: requests.Session,
    center: RequestCenter,
    payload: Any,
    key: str | None = None,
    path: str = REQUESTS_PATH,
) -> requests.Response:
    return http.post(center.url + path, json=payload, headers=headers(center, key), timeout=10)


def new_key() -> str:
    return uuid.uuid4().hex


def refusal(resp: requests.Response) -> tuple[int, str]:
    return resp.status_code, str(resp.json()["error"]["code"])


def test_a_request_is_kept_and_a_replay_is_marked(
    http: requests.Session, request_center: RequestCenter
) -> None:
    request, key = submission(100, at=request_center.now()), new_key()
    first = post(http, request_center, body(request), key)
    assert first.status_code == 201 and REPLAYED_HEADER not in first.headers
    assert first.headers["Cache-Control"] == "no-store"
    answer = first.json()
    assert set(answer) == {
        "code",
        "status_token",
        "status",
        "department",
        "promised_hours",
        "respond_by",
    }
    assert (answer["status"], answer["department"], answer["promised_hours"]) == (
        "received",
        "物业服务中心",
        48,
    )
    again = post(http, request_center, body(request), key)
    assert again.status_code == 200 and again.headers[REPLAYED_HEADER] == "true"
    assert again.json() == answer
    other = post(http, request_center, body(request, description="别的事"), key)
    assert refusal(other) == (422, "idempotency_key_reused")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"description": ""}, "description"),
        ({"description": "长" * 1001}, "description"),
        ({"mobile": "12345678901"}, "mobile"),
        ({"mobile": "", "callback": True}, "callback"),
        ({"building": "A1"}, "building"),
        ({"unit": "0"}, "unit"),
        ({"category": "Lift!"}, "category"),
        ({"photo_sha256": None}, "photo_sha256"),
        ({"photo_jpeg_b64": "not base64!"}, "photo_jpeg_b64"),
        ({"submitted_at": "2026-12-02T09:30:00"}, "submitted_at"),  # no time zone
        ({"extra": 1}, "extra"),
    ],
)
def test_malformed_requests_are_refused_with_their_field(
    http: requests.Session,
    request_center: RequestCenter,
    overrides: dict[str, Any],
    field: str,
) -> None:
    count = request_center.store.count()
    resp = post(http, request_center, body(submission(101), **overrides), new_key())
    assert refusal(resp) == (422, "invalid_query")
    assert resp.json()["error"]["field"] == field
    assert request_center.store.count() == count


def test_keys_are_checked_and_terminals_authenticated(
    http: requests.Session, request_center: RequestCenter
) -> None:
    payload = body(submission(102))
    missing = post(http, request_center, payload)
    assert refusal(missing) == (422, "invalid_query")
    assert missing.json()["error"]["field"] == "idempotency_key"
    assert refusal(post(http, request_center, payload, "short"))[1] == "invalid_query"
    anonymous = http.post(request_center.url + REQUESTS_PATH, json=payload, timeout=10)
    assert refusal(anonymous) == (401, "auth.missing")


def test_the_photo_is_checked_and_capped(
    http: requests.Session, request_center: RequestCenter
) -> None:
    request = submission(103)
    jpeg = request.photo_jpeg or b""
    damaged = body(request, photo_sha256=hashlib.sha256(jpeg + b"x").hexdigest())
    assert refusal(post(http, request_center, damaged, new_key())) == (
        422,
        "photo_checksum_mismatch",
    )
    gif = b"GIF89a" + bytes(100)
    not_jpeg = body(
        request,
        photo_jpeg_b64=base64.b64encode(gif).decode(),
        photo_sha256=hashlib.sha256(gif).hexdigest(),
    )
    assert refusal(post(http, request_center, not_jpeg, new_key())) == (422, "not_a_jpeg")
    big = jpeg + bytes(MAX_PHOTO_BYTES + 1 - len(jpeg))  # within the body cap, over the photo's
    too_large = body(
        request,
        photo_jpeg_b64=base64.b64encode(big).decode(),
        photo_sha256=hashlib.sha256(big).hexdigest(),
    )
    assert len(str(too_large)) < MAX_BODY_BYTES
    assert refusal(post(http, request_center, too_large, new_key())) == (413, "photo_too_large")
    huge = body(request, photo_jpeg_b64="A" * (MAX_BODY_BYTES + 1))
    resp = post(http, request_center, huge, new_key())
    assert resp.status_code == 413  # cut off before it is read


def test_a_large_photo_fits_where_other_routes_keep_the_app_cap(
    http: requests.Session, request_center: RequestCenter
) -> None:
    photo = make_jpeg(104, size=(640, 480))
    assert 2 * APP_BODY_CAP < len(base64.b64encode(photo)) < MAX_BODY_BYTES
    request = submission(104, photo_jpeg=photo, at=request_center.now())
    resp = post(http, request_center, body(request), new_key())
    assert resp.status_code == 201
    code = resp.json()["code"]
    assert request_center.store.photo(code, account="test") == photo
    padded = {"token": "A" * 22, "satisfied": True, "pad": "x" * (APP_BODY_CAP + 1)}
    rating = post(http, request_center, padded, path=f"{REQUESTS_PATH}/{code}/rating")
    assert rating.status_code == 413


def test_the_status_answers_with_the_token_in_the_query_or_a_header(
    http: requests.Session, request_center: RequestCenter
) -> None:
    created = post(http, request_center, body(bare(submission(105))), new_key()).json()
    code, token = created["code"], created["status_token"]
    url = f"{request_center.url}{REQUESTS_PATH}/{code}"
    by_query = http.get(url, params={"token": token}, headers=headers(request_center), timeout=10)
    by_header = http.get(url, headers={**headers(request_center), "X-Status-Token": token})
    assert by_query.status_code == by_header.status_code == 200
    assert by_query.json() == by_header.json()
    answer = by_query.json()
    assert (answer["code"], answer["status"], answer["mobile_masked"]) == (code, "received", "")
    assert answer["steps"] == [{"at": answer["steps"][0]["at"], "status": "received", "text": ""}]
    wrong = http.get(url, params={"token": "A" * 22}, headers=headers(request_center))
    unknown = http.get(
        f"{request_center.url}{REQUESTS_PATH}/RQ20261202-AAAAAA",
        params={"token": token},
        headers=headers(request_center),
    )
    none = http.get(url, headers=headers(request_center))
    assert refusal(wrong) == refusal(unknown) == refusal(none) == (404, "request_not_found")
    assert wrong.json() == unknown.json()


def test_the_rating_answers(http: requests.Session, request_center: RequestCenter) -> None:
    created = post(http, request_center, body(submission(106)), new_key()).json()
    code, token = created["code"], created["status_token"]
    path = f"{REQUESTS_PATH}/{code}/rating"
    early = post(http, request_center, {"token": token, "satisfied": True}, path=path)
    assert refusal(early) == (409, "not_rateable")
    request_center.store.resolve(code, result="已修复", account="staff-test")
    first = post(http, request_center, {"token": token, "satisfied": True}, new_key(), path)
    assert first.status_code == 200 and first.json()["satisfied"] is True
    again = post(http, request_center, {"token": token, "satisfied": True}, path=path)
    assert again.json() == first.json()
    other = post(http, request_center, {"token": token, "satisfied": False}, path=path)
    assert refusal(other) == (409, "already_rated")
    wrong = post(http, request_center, {"token": "A" * 22, "satisfied": True}, path=path)
    assert refusal(wrong) == (404, "request_not_found")
    bad_key = post(http, request_center, {"token": token, "satisfied": True}, "bad key", path)
    assert refusal(bad_key) == (422, "invalid_query")


def test_the_openapi_document_names_the_routes(
    http: requests.Session, request_center: RequestCenter
) -> None:
    doc = http.get(f"{request_center.url}/openapi.json", timeout=10).json()
    assert {REQUESTS_PATH, f"{REQUESTS_PATH}/{{code}}", f"{REQUESTS_PATH}/{{code}}/rating"} <= set(
        doc["paths"]
    )
    assert "RequestUpload" in doc["components"]["schemas"]
