"""One suite, both implementations, each built by the factory from ``[backend]``: ``local``
(the embedded intake) and ``http`` (the kiosk's client to the real center on 127.0.0.1).

Both give an RQ tracking code, a status token and the category's promise per request, the
same receipt for a retry with the same key and another for another key, refuse a used key
with another request and a malformed one (not retryable), take a request with no photo and
no contact, answer the status with the right token (masked fields only) and the same "not
found" for a wrong token or an unknown code, show staff's moves as public steps, say when
the promise is broken, take one rating of a finished request (the same again is the same
answer), and keep nothing of the request under the kiosk's data directory.

Then what only the center does: the photo arrives bit-exact and is sealed on its disk; a
photo damaged on the way and a terminal it does not know are refused; a center that cannot
be reached raises a retryable error, so the request goes to the outbox, whose retry later
hands it over under the same key; a lost answer retried makes no second request.
"""

from __future__ import annotations

import base64
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from kiosk.framework.clock import FakeClock
from kiosk.platform.backend_config import ServiceConfig
from kiosk.platform.http_client import HttpClient
from kiosk.platform.requests_config import RequestsConfig
from kiosk.requests.factory import (
    build_requests_outbox,
    build_requests_service,
    local_intake_path,
)
from kiosk.requests.http import HttpRequestService
from kiosk.requests.local import LocalRequestService
from kiosk.requests.model import RequestSubmission, new_tracking_code
from kiosk.requests.service import RequestNotFound, RequestServiceError
from tests.support.uvicorn_server import closed_port
from tests.unit.center.requests.conftest import (
    NOW,
    TERMINAL,
    RequestCenter,
    bare,
    leaked,
    serve_request_center,
    submission,
)

CODE = re.compile(r"^RQ[0-9]{8}-[A-HJ-NP-Z2-9]{6}$")
HOUR = 3600.0


def key() -> str:
    """A fresh idempotency key (the flow's are 32 hex characters)."""
    return uuid.uuid4().hex


@pytest.fixture(scope="module")
def center(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RequestCenter]:
    """The center on 127.0.0.1 with its own encrypted request store (module-wide)."""
    with serve_request_center(tmp_path_factory.mktemp("request-center")) as running:
        yield running


@dataclass
class Backend:
    """One implementation under test, with its clock and the staff's hand on it."""

    name: str
    service: LocalRequestService | HttpRequestService
    data_dir: Path
    now: Callable[[], datetime]
    advance: Callable[[float], None]
    staff: Callable[..., None]

    def request(self, seed: int, **overrides: Any) -> RequestSubmission:
        """A request submitted now (on this back end's clock)."""
        return submission(seed, at=self.now(), **overrides)


@pytest.fixture(params=["local", "http"])
def backend(
    request: pytest.FixtureRequest, center: RequestCenter, tmp_path: Path
) -> Iterator[Backend]:
    """Each implementation in turn, as the factory builds it, over an empty data dir."""
    data_dir = tmp_path / "kiosk-data"
    data_dir.mkdir()
    if request.param == "local":
        clock = FakeClock(NOW)
        config = ServiceConfig(backend="local")
        now: Callable[[], datetime] = lambda: clock.now().astimezone(UTC)  # noqa: E731
        advance = clock.advance
    else:
        config, now, advance = center.config(), center.now, center.clock.advance
    service = build_requests_service(
        config, data_dir=data_dir, terminal_id=TERMINAL, config=RequestsConfig(), now=now
    )
    assert isinstance(service, LocalRequestService | HttpRequestService)
    assert isinstance(service, HttpRequestService) == (request.param == "http")

    def staff(code: str, action: str, text: str = "", department: str = "") -> None:
        if isinstance(service, LocalRequestService):
            service.act(code, action, text=text, department=department)
        else:
            center.store.act(code, action, account="staff-test", text=text, department=department)

    yield Backend(request.param, service, data_dir, now, advance, staff)
    service.close()


def test_a_request_gets_a_code_a_token_and_its_promise(backend: Backend) -> None:
    request = backend.request(1)
    receipt = backend.service.submit(request, key())
    assert CODE.match(receipt.code), receipt.code
    assert receipt.code[2:10] == f"{request.submitted_at.astimezone():%Y%m%d}"
    assert re.fullmatch(r"[A-Za-z0-9_-]{22,}", receipt.status_token)
    assert (receipt.promised_hours, receipt.department, receipt.queued) == (
        48,
        "物业服务中心",
        False,
    )
    safety = backend.service.submit(backend.request(2, category="safety"), key())
    assert (safety.promised_hours, safety.department) == (4, "社区网格员")


def test_a_category_this_end_does_not_know_goes_to_the_catch_all(backend: Backend) -> None:
    receipt = backend.service.submit(backend.request(3, category="lift"), key())
    assert (receipt.promised_hours, receipt.department) == (72, "社区居委会")
    status = backend.service.status(receipt.code, receipt.status_token)
    assert status.category == "lift"  # as the resident chose it


def test_a_retry_with_the_same_key_gets_the_same_receipt(backend: Backend) -> None:
    request, k = backend.request(4), key()
    first = backend.service.submit(request, k)
    assert backend.service.submit(request, k) == first  # a retry after a lost answer
    assert backend.service.submit(replace(request), k) == first


def test_another_key_makes_another_request(backend: Backend) -> None:
    request = backend.request(5)
    codes = {backend.service.submit(request, key()).code for _ in range(3)}
    assert len(codes) == 3


@pytest.mark.parametrize(
    "change",
    [
        {"description": "5号楼门口的路灯坏了"},
        {"mobile": "13900000000"},
        {"callback": False},
        {"photo_jpeg": submission(99).photo_jpeg},
        {"photo_jpeg": None},
        {"building": "17"},
        {"category": "safety"},
    ],
    ids=["description", "mobile", "callback", "photo", "no-photo", "building", "category"],
)
def test_the_same_key_with_other_content_is_refused(
    backend: Backend, change: dict[str, Any]
) -> None:
    request, k = backend.request(6), key()
    first = backend.service.submit(request, k)
    with pytest.raises(RequestServiceError) as refused:
        backend.service.submit(replace(request, **change), k)
    assert not refused.value.retryable
    assert refused.value.code == "idempotency_key_reused"
    assert backend.service.submit(request, k) == first  # the first one still stands


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"description": "   "}, "invalid_query"),
        ({"description": "长" * 1001}, "invalid_query"),
        ({"description": "灯坏了\x07"}, "invalid_query"),
        ({"mobile": "1381234567"}, "invalid_query"),
        ({"mobile": "", "callback": True}, "invalid_query"),  # a call back needs a number
        ({"building": "0"}, "invalid_query"),
        ({"compound_id": "阳光花园"}, "invalid_query"),
        ({"photo_jpeg": b"GIF89a" + bytes(64)}, "not_a_jpeg"),
    ],
    ids=[
        "blank",
        "too-long",
        "control",
        "mobile",
        "callback-without-mobile",
        "building",
        "compound",
        "not-a-jpeg",
    ],
)
def test_a_malformed_request_is_refused(
    backend: Backend, change: dict[str, Any], code: str
) -> None:
    with pytest.raises(RequestServiceError) as refused:
        backend.service.submit(backend.request(7, **change), key())
    assert not refused.value.retryable and refused.value.code == code


def test_a_request_without_photo_or_contact_is_taken(backend: Backend) -> None:
    receipt = backend.service.submit(bare(backend.request(8)), key())
    status = backend.service.status(receipt.code, receipt.status_token)
    assert (status.status, status.mobile_masked, status.callback) == ("received", "", False)


def test_the_status_needs_the_right_token_and_is_masked(backend: Backend) -> None:
    request = backend.request(9)
    receipt = backend.service.submit(request, key())
    status = backend.service.status(receipt.code, receipt.status_token)
    assert (status.code, status.status, status.category, status.department) == (
        receipt.code,
        "received",
        "repairs",
        "物业服务中心",
    )
    assert (status.result, status.overdue, status.satisfied, status.callback) == (
        "",
        False,
        None,
        True,
    )
    assert status.mobile_masked == "139****0009"
    assert [(s.status, s.text) for s in status.steps] == [("received", "")]
    submitted = datetime.fromisoformat(status.submitted_at)
    assert submitted == request.submitted_at
    assert datetime.fromisoformat(status.respond_by) - submitted == timedelta(hours=48)
    shown = repr(status) + repr(request)
    assert request.mobile not in shown and request.description not in shown
    wrong = receipt.status_token[:-1] + ("A" if receipt.status_token[-1] != "A" else "B")
    for code, token in (
        (receipt.code, wrong),
        (new_tracking_code(request.submitted_at), receipt.status_token),
        (receipt.code, ""),
        ("not-a-code", receipt.status_token),
    ):
        with pytest.raises(RequestNotFound) as missing:
            backend.service.status(code, token)
        assert not missing.value.retryable and missing.value.code == "request_not_found"


def test_the_status_follows_the_staff_step_by_step(backend: Backend) -> None:
    done = backend.service.submit(backend.request(10), key())
    closed = backend.service.submit(backend.request(11, category="neighbours"), key())
    backend.staff(done.code, "assign", department="物业维修班")
    status = backend.service.status(done.code, done.status_token)
    assert (status.status, status.department) == ("assigned", "物业维修班")
    backend.staff(done.code, "update", text="维修人员已到场，等待配件")
    backend.staff(done.code, "done", text="已更换电梯控制板，运行正常")
    status = backend.service.status(done.code, done.status_token)
    assert (status.status, status.result) == ("done", "已更换电梯控制板，运行正常")
    assert [(s.status, s.text) for s in status.steps] == [
        ("received", ""),
        ("assigned", "物业维修班"),
        ("in_progress", "维修人员已到场，等待配件"),
        ("done", "已更换电梯控制板，运行正常"),
    ]
    backend.staff(closed.code, "close", text="已由双方协商解决，无需处理")
    status = backend.service.status(closed.code, closed.status_token)
    assert (status.status, status.result) == ("closed", "已由双方协商解决，无需处理")
    assert status.department == "人民调解委员会"


def test_a_request_without_an_answer_past_its_promise_is_overdue(backend: Backend) -> None:
    receipt = backend.service.submit(backend.request(12, category="safety"), key())
    backend.advance(3.9 * HOUR)
    assert not backend.service.status(receipt.code, receipt.status_token).overdue
    backend.advance(0.2 * HOUR)
    assert backend.service.status(receipt.code, receipt.status_token).overdue
    backend.staff(receipt.code, "assign", department="社区网格员")
    assert not backend.service.status(receipt.code, receipt.status_token).overdue


def test_a_finished_request_takes_one_rating(backend: Backend) -> None:
    receipt = backend.service.submit(backend.request(13), key())
    code, token = receipt.code, receipt.status_token
    with pytest.raises(RequestServiceError) as refused:
        backend.service.rate(code, token, True)
    assert (refused.value.code, refused.value.retryable) == ("not_rateable", False)
    backend.staff(code, "done", text="已修好")
    rated = backend.service.rate(code, token, True)
    assert (rated.status, rated.satisfied) == ("done", True)
    assert backend.service.rate(code, token, True) == rated  # a retry: the same answer
    with pytest.raises(RequestServiceError) as refused:
        backend.service.rate(code, token, False)
    assert (refused.value.code, refused.value.retryable) == ("already_rated", False)
    assert backend.service.status(code, token).satisfied is True
    with pytest.raises(RequestNotFound):
        backend.service.rate(code, token[:-1] + ("A" if token[-1] != "A" else "B"), True)


def test_the_kiosk_keeps_nothing_of_a_submitted_request(backend: Backend) -> None:
    request = backend.request(14)
    backend.service.submit(request, key())
    assert leaked(backend.data_dir, request) == []
    files = sorted(p.relative_to(backend.data_dir) for p in backend.data_dir.rglob("*"))
    if backend.name == "http":
        assert files == []  # nothing at all
    else:  # the embedded intake: codes, masked fields and a photo hash only
        intake = local_intake_path(backend.data_dir).relative_to(backend.data_dir)
        assert {f for f in files if f.suffix} <= {
            intake,
            intake.with_name(intake.name + "-wal"),
            intake.with_name(intake.name + "-shm"),
        }


# What only the center does.


def test_the_photo_arrives_bit_exact_and_sealed(center: RequestCenter) -> None:
    request = submission(20, at=center.now())
    service = center.client()
    receipt = service.submit(request, key())
    service.close()
    assert center.store.photo(receipt.code, account="test") == request.photo_jpeg
    detail = center.store.show(receipt.code, unmasked=True, account="test")
    assert (detail.description, detail.mobile) == (request.description, request.mobile)
    assert (detail.terminal, detail.photo_size, detail.building) == (
        TERMINAL,
        len(request.photo_jpeg or b""),
        request.building,
    )
    assert leaked(center.data_dir, request) == []  # no file of the center holds it in clear


class CorruptingClient(HttpClient):
    """Flips one bit of the photo on its way to the center (after the kiosk hashed it)."""

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        body = dict(kwargs.pop("json_body"))
        jpeg = bytearray(base64.b64decode(body["photo_jpeg_b64"]))
        jpeg[len(jpeg) // 2] ^= 0x01
        body["photo_jpeg_b64"] = base64.b64encode(bytes(jpeg)).decode("ascii")
        return super().request(method, path, json_body=body, **kwargs)


def test_a_photo_damaged_on_the_way_is_refused(center: RequestCenter) -> None:
    count = center.store.count()
    service = HttpRequestService(CorruptingClient(center.config(), TERMINAL))
    with pytest.raises(RequestServiceError) as refused:
        service.submit(submission(21, at=center.now()), key())
    service.close()
    assert refused.value.code == "photo_checksum_mismatch"
    assert not refused.value.retryable and center.store.count() == count


def test_a_terminal_the_center_does_not_know_is_refused(center: RequestCenter) -> None:
    service = center.client(token="x" * 43)
    with pytest.raises(RequestServiceError) as refused:
        service.submit(submission(22, at=center.now()), key())
    assert refused.value.code == "auth.invalid_token" and not refused.value.retryable
    with pytest.raises(RequestServiceError) as refused:
        service.status("RQ20261202-AAAAAA", "A" * 22)
    assert not isinstance(refused.value, RequestNotFound)
    service.close()


@pytest.mark.parametrize("with_photo", [True, False], ids=["photo", "no-photo"])
def test_an_unreachable_center_leaves_the_request_to_the_outbox(
    center: RequestCenter, tmp_path: Path, with_photo: bool
) -> None:
    request, k = submission(23, at=center.now()), key()
    if not with_photo:
        request = bare(request)
    data_dir = tmp_path / "kiosk-data"
    down = center.client(base_url=f"http://127.0.0.1:{closed_port()}", retries=1)
    with pytest.raises(RequestServiceError) as failed:
        down.submit(request, k)
    assert failed.value.retryable and failed.value.code == "unreachable"
    with pytest.raises(RequestServiceError) as failed:
        down.status("RQ20261202-AAAAAA", "A" * 22)
    assert failed.value.retryable and not isinstance(failed.value, RequestNotFound)
    outbox = build_requests_outbox(RequestsConfig(), data_dir=data_dir)  # as the flow
    outbox_id = outbox.put(request, k)
    assert leaked(data_dir, request) == []  # sealed while it waits
    assert outbox.retry(down).failed == [outbox_id] and outbox.pending() == [outbox_id]
    down.close()

    up = center.client()
    sent = outbox.retry(up).sent
    assert list(sent) == [outbox_id] and outbox.pending() == []
    code = sent[outbox_id].code
    assert center.store.photo(code, account="test") == request.photo_jpeg
    assert up.submit(request, k) == sent[outbox_id]  # one request at the center, not two
    assert center.store.codes_by_key()[(TERMINAL, k)] == [code]
    up.close()
    # the kiosk keeps nothing of it: an empty outbox folder and the outbox's key
    left = sorted(str(p.relative_to(data_dir)) for p in data_dir.rglob("*") if p.is_file())
    assert left == ["keys/request_outbox.key"]
    assert leaked(data_dir, request) == []


def test_a_lost_answer_is_retried_under_the_same_key(center: RequestCenter) -> None:
    """The center took it but the kiosk never heard: the retry gets the same receipt."""
    request, k = submission(24, at=center.now()), key()
    first_kiosk, second_kiosk = center.client(), center.client()
    first = first_kiosk.submit(request, k)
    count = center.store.count()
    again = second_kiosk.submit(replace(request), k)  # a new connection, the same request
    first_kiosk.close()
    second_kiosk.close()
    assert again == first and center.store.count() == count
