"""``/v1/applications`` on the wire: terminal authentication, the Idempotency-Key rules
(201, then 200 with the replay header), every refusal (status, code and field), the route's
own body cap (a photo fits; the app's 64 KB cap stays elsewhere), the status look-up with the
token in the query or a header (one 404 for an unknown number and a wrong token), and the
OpenAPI document."""

from __future__ import annotations

import base64
import hashlib
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from center.app import MAX_BODY_BYTES as APP_BODY_CAP
from center.applications.api import APPLICATIONS_PATH, MAX_BODY_BYTES, REPLAYED_HEADER
from kiosk.application.model import MAX_PHOTO_BYTES, ApplicationSubmission
from tests.unit.center.applications.conftest import (
    TERMINAL,
    ApplicationCenter,
    by_post,
    submission,
)
from tests.unit.center.photo.conftest import make_jpeg


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as s:
        s.trust_env = False
        yield s


def body(app: ApplicationSubmission, **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        **app.fields(),
        "photo_jpeg_b64": base64.b64encode(app.photo_jpeg).decode("ascii"),
        "photo_sha256": hashlib.sha256(app.photo_jpeg).hexdigest(),
    }
    values.update(overrides)
    return values


def headers(center: ApplicationCenter, key: str | None = None) -> dict[str, str]:
    out = {"Authorization": f"Bearer {center.token}", "X-Terminal-Id": TERMINAL}
    if key is not None:
        out["Idempotency-Key"] = key
    return out


def post(
    http: requests.Session, center: ApplicationCenter, payload: Any, key: str | None = None
) -> requests.Response:
    return http.post(
        center.url + APPLICATIONS_PATH, json=payload, headers=headers(center, key), timeout=10
    )


def new_key() -> str:
    return uuid.uuid4().hex


def refusal(resp: requests.Response) -> tuple[int, str]:
    return resp.status_code, str(resp.json()["error"]["code"])


def test_an_application_is_kept_and_a_replay_is_marked(
    http: requests.Session, application_center: ApplicationCenter
) -> None:
    app, key = submission(100), new_key()
    first = post(http, application_center, body(app), key)
    assert first.status_code == 201 and REPLAYED_HEADER not in first.headers
    assert first.headers["Cache-Control"] == "no-store"
    answer = first.json()
    assert set(answer) == {"application_no", "status_token", "status"}
    assert answer["status"] == "submitted" and len(answer["status_token"]) >= 22
    number = answer["application_no"]
    assert application_center.store.photo(number, account="test") == app.photo_jpeg
    count = application_center.store.count()
    again = post(http, application_center, body(app), key)
    assert again.status_code == 200 and again.headers[REPLAYED_HEADER] == "true"
    assert again.json() == answer
    other = post(http, application_center, body(submission(101)), key)
    assert refusal(other) == (422, "idempotency_key_reused")
    assert application_center.store.count() == count


def test_terminals_must_authenticate(
    http: requests.Session, application_center: ApplicationCenter
) -> None:
    count = application_center.store.count()
    resp = http.post(
        application_center.url + APPLICATIONS_PATH,
        json=body(submission(102)),
        headers={"Idempotency-Key": new_key()},
        timeout=10,
    )
    assert refusal(resp) == (401, "auth.missing")
    wrong = headers(application_center, new_key()) | {"Authorization": "Bearer " + "x" * 43}
    resp = http.post(
        application_center.url + APPLICATIONS_PATH,
        json=body(submission(102)),
        headers=wrong,
        timeout=10,
    )
    assert refusal(resp) == (401, "auth.invalid_token")
    resp = http.get(
        application_center.url + APPLICATIONS_PATH + "/SQ20261202-AAAAAA?token=" + "a" * 22,
        timeout=10,
    )
    assert refusal(resp) == (401, "auth.missing")
    assert application_center.store.count() == count


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"id_number": "110101198003070010"}, "id_number"),  # wrong check character
        ({"mobile": "12812345678"}, "mobile"),
        ({"business": "first_application"}, "business"),
        ({"pickup": "post", "post_address": ""}, "post_address"),
        ({"pickup": "drone"}, "pickup"),
        ({"birth_date": "1980-02-30"}, "birth_date"),
        ({"card_valid_until": "someday"}, "card_valid_until"),
        ({"fee_yuan": "20"}, "fee_yuan"),
        ({"sex": "X"}, "sex"),
        ({"name": ""}, "name"),
        ({"photo_jpeg_b64": "not base64!"}, "photo_jpeg_b64"),
        ({"photo_sha256": "abc"}, "photo_sha256"),
        ({"extra": "field"}, "extra"),
    ],
)
def test_what_does_not_fit_is_refused_with_its_field(
    http: requests.Session,
    application_center: ApplicationCenter,
    change: dict[str, str],
    field: str,
) -> None:
    count = application_center.store.count()
    resp = post(http, application_center, body(submission(103)) | change, new_key())
    assert refusal(resp) == (422, "invalid_query")
    assert resp.json()["error"]["field"] == field
    assert application_center.store.count() == count


def test_the_idempotency_key_is_required_and_checked(
    http: requests.Session, application_center: ApplicationCenter
) -> None:
    for key in (None, "short", "spaces in the key"):
        resp = post(http, application_center, body(submission(104)), key)
        assert refusal(resp) == (422, "invalid_query")
        assert resp.json()["error"]["field"] == "idempotency_key"


def test_a_damaged_or_foreign_photo_is_refused(
    http: requests.Session, application_center: ApplicationCenter
) -> None:
    app = submission(105)
    damaged = bytearray(app.photo_jpeg)
    damaged[len(damaged) // 2] ^= 1
    resp = post(
        http,
        application_center,
        body(app, photo_jpeg_b64=base64.b64encode(bytes(damaged)).decode("ascii")),
        new_key(),
    )
    assert refusal(resp) == (422, "photo_checksum_mismatch")
    gif = b"GIF89a" + b"\0" * 64
    resp = post(
        http,
        application_center,
        body(
            app,
            photo_jpeg_b64=base64.b64encode(gif).decode("ascii"),
            photo_sha256=hashlib.sha256(gif).hexdigest(),
        ),
        new_key(),
    )
    assert refusal(resp) == (422, "not_a_jpeg")


def test_this_route_takes_a_photo_larger_than_the_app_cap_and_no_more(
    http: requests.Session, application_center: ApplicationCenter
) -> None:
    big = make_jpeg(106, size=(260, 320))  # noise: well over 64 KB as base64
    assert len(base64.b64encode(big)) > APP_BODY_CAP and len(big) <= MAX_PHOTO_BYTES
    app = submission(106, photo_jpeg=big)
    resp = post(http, application_center, body(app), new_key())
    assert resp.status_code == 201
    number = resp.json()["application_no"]
    assert application_center.store.photo(number, account="test") == big

    too_big = b"\xff\xd8\xff\xe0" + bytes(MAX_PHOTO_BYTES)  # within the body cap as base64
    assert len(base64.b64encode(too_big)) < MAX_BODY_BYTES
    resp = post(
        http,
        application_center,
        body(
            app,
            photo_jpeg_b64=base64.b64encode(too_big).decode("ascii"),
            photo_sha256=hashlib.sha256(too_big).hexdigest(),
        ),
        new_key(),
    )
    assert refusal(resp) == (413, "photo_too_large")
    huge = "A" * (MAX_BODY_BYTES + 1024)  # cut off before it is parsed
    resp = post(http, application_center, body(app, photo_jpeg_b64=huge), new_key())
    assert resp.status_code == 413


def test_the_status_is_masked_and_one_404_hides_which_part_was_wrong(
    http: requests.Session, application_center: ApplicationCenter
) -> None:
    app = by_post(submission(107))
    answer = post(http, application_center, body(app), new_key()).json()
    number, token = answer["application_no"], answer["status_token"]
    url = application_center.url + APPLICATIONS_PATH
    by_query = http.get(
        f"{url}/{number}?token={token}", headers=headers(application_center), timeout=10
    )
    by_header = http.get(
        f"{url}/{number}",
        headers=headers(application_center) | {"X-Status-Token": token},
        timeout=10,
    )
    assert by_query.status_code == 200 and by_query.json() == by_header.json()
    status = by_query.json()
    assert status["application_no"] == number and status["status"] == "submitted"
    assert status["pickup"] == "post" and status["pickup_place"] == ""
    text = by_query.text
    for secret in (app.id_number, app.name, app.mobile, app.post_address, app.card_address):
        assert secret not in text
    assert by_query.headers["Cache-Control"] == "no-store"

    wrong = http.get(
        f"{url}/{number}?token={'A' * 22}", headers=headers(application_center), timeout=10
    )
    unknown = http.get(
        f"{url}/SQ20261202-AAAAAA?token={token}", headers=headers(application_center), timeout=10
    )
    missing = http.get(f"{url}/{number}", headers=headers(application_center), timeout=10)
    assert (
        refusal(wrong)
        == refusal(unknown)
        == refusal(missing)
        == (
            404,
            "application_not_found",
        )
    )
    assert wrong.json() == unknown.json()


def test_the_openapi_document_describes_both_routes(
    http: requests.Session, application_center: ApplicationCenter
) -> None:
    doc = http.get(application_center.url + "/openapi.json", timeout=10).json()
    post_op = doc["paths"][APPLICATIONS_PATH]["post"]
    get_op = doc["paths"][APPLICATIONS_PATH + "/{application_no}"]["get"]
    for op in (post_op, get_op):
        assert op["tags"] == ["applications"]
        assert {"HTTPBearer", "TerminalId"} <= {k for s in op["security"] for k in s}
    assert "201" in post_op["responses"] and "200" in post_op["responses"]
    assert "Idempotency-Key" in {p["name"] for p in post_op["parameters"]}
    schema = doc["components"]["schemas"]["ApplicationUpload"]
    assert {"photo_jpeg_b64", "photo_sha256", "id_number", "mobile"} <= set(schema["properties"])
