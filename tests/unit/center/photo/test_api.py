"""``POST /v1/photos`` on the wire: terminal authentication, the Idempotency-Key rules and
replay header, and every refusal (status and code) of an upload the center does not keep."""

from __future__ import annotations

import base64
import hashlib
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from center.photo.api import MAX_BODY_BYTES, PHOTOS_PATH, REPLAYED_HEADER
from center.photo.checks import MAX_JPEG_BYTES
from tests.unit.center.photo.conftest import NOW, TERMINAL, PhotoCenter, make_jpeg


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as s:
        s.trust_env = False
        yield s


def body(jpeg: bytes, **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "jpeg_b64": base64.b64encode(jpeg).decode("ascii"),
        "sha256": hashlib.sha256(jpeg).hexdigest(),
        "preset_id": "resident-id",
        "taken_at": NOW.isoformat(),
    }
    values.update(overrides)
    return values


def post(
    http: requests.Session,
    center: PhotoCenter,
    payload: Any,
    key: str | None = None,
    *,
    auth: bool = True,
) -> requests.Response:
    headers = {"Authorization": f"Bearer {center.token}", "X-Terminal-Id": TERMINAL} if auth else {}
    if key is not None:
        headers["Idempotency-Key"] = key
    return http.post(center.url + PHOTOS_PATH, json=payload, headers=headers, timeout=10)


def new_key() -> str:
    return uuid.uuid4().hex


def refusal(resp: requests.Response) -> tuple[int, str]:
    return resp.status_code, str(resp.json()["error"]["code"])


def test_a_photo_is_kept_and_a_replay_is_marked(
    http: requests.Session, photo_center: PhotoCenter
) -> None:
    jpeg, key = make_jpeg(100), new_key()
    first = post(http, photo_center, body(jpeg), key)
    assert first.status_code == 200 and REPLAYED_HEADER not in first.headers
    assert first.headers["Cache-Control"] == "no-store"
    reference = first.json()["reference"]
    assert photo_center.store.get(reference) == jpeg
    record = photo_center.store.record(reference)
    assert record is not None and (record.terminal, record.idempotency_key) == (TERMINAL, key)
    count = photo_center.store.count()
    again = post(http, photo_center, body(jpeg), key)
    assert again.json() == {"reference": reference} and again.headers[REPLAYED_HEADER] == "true"
    other = post(http, photo_center, body(make_jpeg(101)), key)
    assert refusal(other) == (422, "idempotency_key_reused")
    assert photo_center.store.count() == count


def test_terminals_must_authenticate(http: requests.Session, photo_center: PhotoCenter) -> None:
    count = photo_center.store.count()
    assert refusal(post(http, photo_center, body(make_jpeg(102)), new_key(), auth=False)) == (
        401,
        "auth.missing",
    )
    resp = http.post(
        photo_center.url + PHOTOS_PATH,
        json=body(make_jpeg(102)),
        headers={
            "Authorization": "Bearer " + "x" * 43,
            "X-Terminal-Id": TERMINAL,
            "Idempotency-Key": new_key(),
        },
        timeout=10,
    )
    assert refusal(resp) == (401, "auth.invalid_token")
    assert photo_center.store.count() == count


def test_uploads_need_an_idempotency_key(http: requests.Session, photo_center: PhotoCenter) -> None:
    for key in (None, "short", "has a space in it"):
        resp = post(http, photo_center, body(make_jpeg(103)), key)
        assert refusal(resp) == (422, "invalid_query")
        assert resp.json()["error"]["field"] == "idempotency_key"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"jpeg_b64": "not base64!"}, "jpeg_b64"),
        ({"jpeg_b64": "/9j/4A"}, "jpeg_b64"),  # unpadded
        ({"preset_id": "../etc"}, "preset_id"),
        ({"preset_id": "Resident ID"}, "preset_id"),
        ({"sha256": "ABC"}, "sha256"),
        ({"taken_at": "yesterday"}, "taken_at"),
        ({"terminal_id": "kiosk-99"}, "terminal_id"),  # the terminal is whoever authenticated
    ],
)
def test_malformed_uploads_are_refused(
    http: requests.Session, photo_center: PhotoCenter, overrides: dict[str, Any], field: str
) -> None:
    resp = post(http, photo_center, body(make_jpeg(104), **overrides), new_key())
    assert refusal(resp) == (422, "invalid_query") and resp.json()["error"]["field"] == field


def test_a_damaged_upload_is_refused(http: requests.Session, photo_center: PhotoCenter) -> None:
    jpeg = make_jpeg(105)
    resp = post(
        http, photo_center, body(jpeg, sha256=hashlib.sha256(b"other").hexdigest()), new_key()
    )
    assert refusal(resp) == (422, "photo_checksum_mismatch")


@pytest.mark.parametrize(
    "data",
    [
        b"GIF89a" + b"\0" * 64,
        b"",
        make_jpeg(106)[:-600],  # truncated
        b"\xff\xd8\xff\xe0" + b"\0" * 500,  # a JPEG's first bytes and nothing else
    ],
    ids=["gif", "empty", "truncated", "header-only"],
)
def test_what_is_not_a_jpeg_is_refused(
    http: requests.Session, photo_center: PhotoCenter, data: bytes
) -> None:
    count = photo_center.store.count()
    assert refusal(post(http, photo_center, body(data), new_key())) == (422, "not_a_jpeg")
    assert photo_center.store.count() == count


def test_photos_are_bounded_in_size(http: requests.Session, photo_center: PhotoCenter) -> None:
    count = photo_center.store.count()
    too_large = b"\xff\xd8\xff\xe0" + b"\0" * MAX_JPEG_BYTES
    assert refusal(post(http, photo_center, body(too_large), new_key())) == (413, "photo_too_large")
    far_too_large = b"\xff\xd8\xff\xe0" + b"\0" * (2 * MAX_BODY_BYTES)
    resp = post(http, photo_center, body(far_too_large), new_key())
    assert resp.status_code == 413  # cut off while the body was read, before parsing
    assert photo_center.store.count() == count
