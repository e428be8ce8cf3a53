"""One suite, both implementations, each built by the factory from ``[backend]``: ``local``
(the embedded intake) and ``http`` (the kiosk's client to the real center on 127.0.0.1).

Both give an SQ number and a status token per application, the same receipt for a retry
with the same key, another for another key, refuse a used key with another application and
a malformed one (not retryable), answer the status with the right token (masked fields
only) and the same "not found" for a wrong token or an unknown number, show staff's moves
(a returned application with its reason), and keep nothing of the application under the
kiosk's data directory.

Then what only the center does: the photo arrives bit-exact and is sealed on its disk; a
photo damaged on the way and a terminal it does not know are refused; and a center that
cannot be reached raises a retryable error, so the application goes to the outbox, whose
retry later hands it over under the same key, after which the kiosk holds nothing.
"""

from __future__ import annotations

import base64
import contextlib
import re
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from kiosk.application.factory import (
    build_application_outbox,
    build_application_service,
    local_intake_path,
)
from kiosk.application.http import HttpApplicationService
from kiosk.application.local import LocalApplicationService
from kiosk.application.service import ApplicationNotFound, ApplicationServiceError
from kiosk.framework.masking import mask_id_number, mask_name
from kiosk.platform.application_config import ApplicationConfig
from kiosk.platform.backend_config import ServiceConfig
from kiosk.platform.http_client import HttpClient
from tests.support.uvicorn_server import (
    UvicornThread,
    closed_port,
    free_socket,
    make_tls_material,
)
from tests.unit.center.applications.conftest import (
    TERMINAL,
    ApplicationCenter,
    by_post,
    leaked,
    serve_application_center,
    submission,
)

NUMBER = re.compile(r"^SQ20261202-[A-HJ-NP-Z2-9]{6}$")


def key() -> str:
    """A fresh idempotency key (the flow's are 32 hex characters)."""
    return uuid.uuid4().hex


@pytest.fixture(scope="module")
def center(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApplicationCenter]:
    """The center on 127.0.0.1 with its own encrypted application store (module-wide)."""
    with serve_application_center(tmp_path_factory.mktemp("application-center")) as running:
        yield running


@dataclass
class Backend:
    """One implementation under test, with the staff's hand on it."""

    name: str
    service: LocalApplicationService | HttpApplicationService
    data_dir: Path
    staff: Callable[..., None]


@pytest.fixture(params=["local", "http"])
def backend(
    request: pytest.FixtureRequest, center: ApplicationCenter, tmp_path: Path
) -> Iterator[Backend]:
    """Each implementation in turn, as the factory builds it, over an empty data dir."""
    data_dir = tmp_path / "kiosk-data"
    data_dir.mkdir()
    config = ServiceConfig(backend="local") if request.param == "local" else center.config()
    service = build_application_service(config, data_dir=data_dir, terminal_id=TERMINAL)
    assert isinstance(service, LocalApplicationService | HttpApplicationService)
    assert isinstance(service, HttpApplicationService) == (request.param == "http")

    def staff(number: str, *actions: str, reason: str = "", place: str = "") -> None:
        if isinstance(service, LocalApplicationService):
            service.advance(number, actions[-1], reason=reason, pickup_place=place)
            return
        steps = {"accepted": "accept", "returned": "return", "in_production": "produce"}
        steps |= {"ready": "ready", "collected": "collected"}
        for status in actions:
            center.store.act(
                number, steps[status], account="staff-test", reason=reason, place=place
            )

    yield Backend(request.param, service, data_dir, staff)
    service.close()


def test_an_application_gets_a_number_and_a_status_token(backend: Backend) -> None:
    receipt = backend.service.submit(submission(1), key())
    assert NUMBER.match(receipt.application_no), receipt.application_no
    assert re.fullmatch(r"[A-Za-z0-9_-]{22,}", receipt.status_token)
    assert (receipt.status, receipt.queued) == ("submitted", False)


def test_a_retry_with_the_same_key_gets_the_same_receipt(backend: Backend) -> None:
    app, k = submission(2), key()
    first = backend.service.submit(app, k)
    assert backend.service.submit(app, k) == first  # a retry after a lost answer
    assert backend.service.submit(app, k) == first


def test_another_key_makes_another_application(backend: Backend) -> None:
    app = submission(3)
    numbers = {backend.service.submit(app, key()).application_no for _ in range(3)}
    assert len(numbers) == 3


@pytest.mark.parametrize(
    "change",
    [
        {"mobile": "13900000000"},
        {"pickup": "post", "post_address": "天津市和平区南京路1号"},
        {"photo_jpeg": submission(99).photo_jpeg},
        {"business": "renew_damaged", "fee_yuan": "40.00"},
    ],
    ids=["mobile", "pickup", "photo", "business"],
)
def test_the_same_key_with_other_content_is_refused(
    backend: Backend, change: dict[str, Any]
) -> None:
    app, k = submission(4), key()
    first = backend.service.submit(app, k)
    with pytest.raises(ApplicationServiceError) as refused:
        backend.service.submit(replace(app, **change), k)
    assert not refused.value.retryable
    assert refused.value.code == "idempotency_key_reused"
    assert backend.service.submit(app, k) == first  # the first one still stands


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"id_number": "110101198003070010"}, "invalid_query"),  # fails MOD 11-2
        ({"mobile": "1381234567"}, "invalid_query"),
        ({"pickup": "post"}, "invalid_query"),  # post without an address
        ({"photo_jpeg": b"GIF89a" + bytes(64)}, "not_a_jpeg"),
    ],
    ids=["id-check", "mobile", "post-address", "not-a-jpeg"],
)
def test_a_malformed_application_is_refused(
    backend: Backend, change: dict[str, Any], code: str
) -> None:
    with pytest.raises(ApplicationServiceError) as refused:
        backend.service.submit(submission(5, **change), key())
    assert not refused.value.retryable and refused.value.code == code


def test_the_status_needs_the_right_token_and_is_masked(backend: Backend) -> None:
    app = by_post(submission(6))
    receipt = backend.service.submit(app, key())
    status = backend.service.status(receipt.application_no, receipt.status_token)
    assert (status.application_no, status.status, status.reason) == (
        receipt.application_no,
        "submitted",
        "",
    )
    assert (status.business, status.pickup, status.pickup_place) == (
        "renew_expired",
        "post",
        "",
    )
    assert status.name_masked == mask_name(app.name)
    assert status.id_masked == mask_id_number(app.id_number)
    shown = repr(status)
    for secret in (app.id_number, app.name, app.mobile, app.post_address, app.card_address):
        assert secret not in shown
    assert status.updated_at.startswith("20")
    wrong = receipt.status_token[:-1] + ("A" if receipt.status_token[-1] != "A" else "B")
    for number, token in (
        (receipt.application_no, wrong),
        ("SQ20261202-AAAAAA", receipt.status_token),
        (receipt.application_no, ""),
        ("not-a-number", receipt.status_token),
    ):
        with pytest.raises(ApplicationNotFound) as missing:
            backend.service.status(number, token)
        assert not missing.value.retryable


def test_the_status_follows_the_staff_and_shows_a_return_reason(backend: Backend) -> None:
    ready, returned = submission(7), submission(8)
    r1 = backend.service.submit(ready, key())
    r2 = backend.service.submit(returned, key())
    backend.staff(r1.application_no, "accepted", "in_production", "ready", place="3号窗口")
    status = backend.service.status(r1.application_no, r1.status_token)
    assert (status.status, status.pickup_place) == ("ready", "3号窗口")
    backend.staff(r2.application_no, "returned", reason="照片背景不合格，请重新拍照")
    status = backend.service.status(r2.application_no, r2.status_token)
    assert (status.status, status.reason) == ("returned", "照片背景不合格，请重新拍照")


def test_the_kiosk_keeps_nothing_of_a_submitted_application(backend: Backend) -> None:
    app = by_post(submission(9))
    backend.service.submit(app, key())
    assert leaked(backend.data_dir, app) == []
    files = sorted(p.relative_to(backend.data_dir) for p in backend.data_dir.rglob("*"))
    if backend.name == "http":
        assert files == []  # nothing at all
    else:  # the embedded intake: numbers, masked fields and a photo hash only
        intake = local_intake_path(backend.data_dir).relative_to(backend.data_dir)
        assert {f for f in files if f.suffix} <= {
            intake,
            intake.with_name(intake.name + "-wal"),
            intake.with_name(intake.name + "-shm"),
        }


# What only the center does.


def test_the_photo_arrives_bit_exact_and_sealed(center: ApplicationCenter) -> None:
    app = by_post(submission(20))
    service = center.client()
    receipt = service.submit(app, key())
    service.close()
    assert center.store.photo(receipt.application_no, account="test") == app.photo_jpeg
    detail = center.store.show(receipt.application_no, unmasked=True, account="test")
    assert detail.personal["id_number"] == app.id_number
    assert detail.personal["post_address"] == app.post_address
    assert (detail.terminal, detail.fee_yuan, detail.photo_size) == (
        TERMINAL,
        "20.00",
        len(app.photo_jpeg),
    )
    assert leaked(center.data_dir, app) == []  # no file of the center holds it in clear


class CorruptingClient(HttpClient):
    """Flips one bit of the photo on its way to the center (after the kiosk hashed it)."""

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        body = dict(kwargs.pop("json_body"))
        jpeg = bytearray(base64.b64decode(body["photo_jpeg_b64"]))
        jpeg[len(jpeg) // 2] ^= 0x01
        body["photo_jpeg_b64"] = base64.b64encode(bytes(jpeg)).decode("ascii")
        return super().request(method, path, json_body=body, **kwargs)


def test_a_photo_damaged_on_the_way_is_refused(center: ApplicationCenter) -> None:
    count = center.store.count()
    service = HttpApplicationService(CorruptingClient(center.config(), TERMINAL))
    with pytest.raises(ApplicationServiceError) as refused:
        service.submit(submission(21), key())
    service.close()
    assert refused.value.code == "photo_checksum_mismatch"
    assert not refused.value.retryable and center.store.count() == count


def test_a_terminal_the_center_does_not_know_is_refused(center: ApplicationCenter) -> None:
    service = center.client(token="x" * 43)
    with pytest.raises(ApplicationServiceError) as refused:
        service.submit(submission(22), key())
    assert refused.value.code == "auth.invalid_token" and not refused.value.retryable
    with pytest.raises(ApplicationServiceError) as refused:
        service.status("SQ20261202-AAAAAA", "A" * 22)
    assert not isinstance(refused.value, ApplicationNotFound)
    service.close()


def test_an_unreachable_center_leaves_the_application_to_the_outbox(
    center: ApplicationCenter, tmp_path: Path
) -> None:
    app, k = by_post(submission(23)), key()
    data_dir = tmp_path / "kiosk-data"
    down = center.client(base_url=f"http://127.0.0.1:{closed_port()}", retries=1)
    with pytest.raises(ApplicationServiceError) as failed:
        down.submit(app, k)
    assert failed.value.retryable and failed.value.code == "unreachable"
    with pytest.raises(ApplicationServiceError) as failed:
        down.status("SQ20261202-AAAAAA", "A" * 22)
    assert failed.value.retryable and not isinstance(failed.value, ApplicationNotFound)
    outbox = build_application_outbox(ApplicationConfig(), data_dir=data_dir)  # as the flow
    outbox_id = outbox.put(app, k)
    assert leaked(data_dir, app) == []  # sealed while it waits
    assert outbox.retry(down).failed == [outbox_id] and outbox.pending() == [outbox_id]
    down.close()

    up = center.client()
    sent = outbox.retry(up).sent
    assert list(sent) == [outbox_id] and outbox.pending() == []
    number = sent[outbox_id].application_no
    assert center.store.photo(number, account="test") == app.photo_jpeg
    assert up.submit(app, k) == sent[outbox_id]  # one application at the center, not two
    assert center.store.numbers_by_key()[(TERMINAL, k)] == [number]
    up.close()
    # the kiosk keeps nothing of it: an empty outbox folder and the outbox's key
    left = sorted(str(p.relative_to(data_dir)) for p in data_dir.rglob("*") if p.is_file())
    assert left == ["keys/application_outbox.key"]
    assert leaked(data_dir, app) == []


def test_a_lost_answer_is_retried_under_the_same_key(center: ApplicationCenter) -> None:
    """The center took it but the kiosk never heard: the retry gets the same receipt."""
    app, k = submission(24), key()
    first_kiosk, second_kiosk = center.client(), center.client()
    first = first_kiosk.submit(app, k)
    count = center.store.count()
    again = second_kiosk.submit(replace(app), k)  # a new connection, the same application
    first_kiosk.close()
    second_kiosk.close()
    assert again == first and center.store.count() == count


class HangUpServer:
    """Reads each connection's TLS ClientHello, then closes it cleanly (FIN): a connection
    lost in the middle of the handshake (what a flaky network or a restarting center does).
    The hello is read first so the close is a FIN, never a reset for unread data."""

    def __init__(self) -> None:
        self._sock = free_socket()
        self._sock.listen(16)
        self._sock.settimeout(0.05)
        self.port: int = self._sock.getsockname()[1]
        self.accepted = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="hang-up-server", daemon=True)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepted += 1
            with conn:
                conn.settimeout(5.0)
                with contextlib.suppress(OSError):
                    conn.recv(16384)
                    conn.shutdown(socket.SHUT_RDWR)

    def __enter__(self) -> HangUpServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5.0)
        self._sock.close()


def test_a_handshake_cut_short_is_retried_then_queued_not_refused(
    center: ApplicationCenter, tmp_path: Path
) -> None:
    tls = make_tls_material(tmp_path / "tls")
    with HangUpServer() as server:
        service = center.client(
            base_url=f"https://127.0.0.1:{server.port}", ca_file=str(tls.ca_cert), retries=2
        )
        with pytest.raises(ApplicationServiceError) as failed:
            service.submit(submission(30), key())
        service.close()
    assert failed.value.retryable and failed.value.code == "unreachable"  # to the outbox
    assert server.accepted == 3  # the first try and the client's two retries


def test_a_certificate_from_another_ca_is_refused_not_retried(
    center: ApplicationCenter, tmp_path: Path
) -> None:
    ours, theirs = make_tls_material(tmp_path / "ours"), make_tls_material(tmp_path / "theirs")
    from fastapi import FastAPI

    with UvicornThread(
        FastAPI(), ssl_certfile=theirs.server_cert, ssl_keyfile=theirs.server_key
    ) as impostor:
        service = center.client(base_url=impostor.url, ca_file=str(ours.ca_cert))
        with pytest.raises(ApplicationServiceError) as refused:
            service.submit(submission(31), key())
        service.close()
    assert not refused.value.retryable and refused.value.code == "tls"
