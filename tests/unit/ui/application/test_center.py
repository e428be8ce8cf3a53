"""户籍自助办理 on screen with the real center (uvicorn on 127.0.0.1, its encrypted store) and
a loopback proxy standing for the network between them.

- The center unreachable: the application waits sealed in the outbox, the fee screen, the
  screen and the printed receipt say it will be sent when the network is back, and the
  outbox's later retry (the feature's worker, once a minute) hands it over exactly once,
  with the photo bit-exact, leaving nothing on the kiosk, even when the center's answer to
  a delivery is lost and the next pass sends it again.
- A returned application: staff return it with a reason at the center; its receipt's QR,
  scanned at the attract screen, shows 已退回, the reason and what to do, with the
  applicant masked.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import pytest
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from devices.idcard.simulated import DEMO_IDENTITIES, Scenario
from kiosk.app import AppContext, build_context
from kiosk.application.flow import parse_status_payload
from kiosk.framework.clock import FakeClock
from kiosk.framework.masking import mask_id_number
from kiosk.platform.voice import RecordingVoice
from tests.support.flaky_proxy import FlakyProxy
from tests.support.uvicorn_server import closed_port
from tests.unit.center.applications.conftest import (
    TERMINAL,
    ApplicationCenter,
    serve_application_center,
)
from tests.unit.ui.application.walk import (
    feature,
    leftovers,
    printed,
    renew_to_review,
    scan,
    state,
    wait_state,
)
from tests.unit.ui.helpers import all_texts, find, text_of, touch
from ui.application.feature import OUTBOX_RETRY_S
from ui.shell.window import Shell

WHO = DEMO_IDENTITIES[Scenario.EXPIRED]
RETRY_LOG = "ui.application.feature"


@pytest.fixture(scope="module")
def center(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApplicationCenter]:
    """The center with its own application store (module-wide)."""
    with serve_application_center(tmp_path_factory.mktemp("application-center")) as running:
        yield running


def center_port(center: ApplicationCenter) -> int:
    port = urlsplit(center.url).port
    assert port is not None
    return port


class Network(FlakyProxy):
    """The kiosk's way to the center: a proxy that loses what ``fates`` says, in turn (for
    each request: its own fate, then its response's; None passes, "drop" loses it), and
    nothing once they are used. Pointing it at a closed port cuts the center off
    (connections reset); pointing it back restores it."""

    def __init__(self, upstream_port: int) -> None:
        super().__init__(upstream_port, fail_rate=0.0)
        self.fates: list[str | None] = []

    def _draw(self) -> str | None:
        return self.fates.pop(0) if self.fates else None


@pytest.fixture
def network(center: ApplicationCenter) -> Iterator[Network]:
    proxy = Network(center_port(center))
    proxy.start()
    try:
        yield proxy
    finally:
        proxy.stop()


@pytest.fixture
def ctx(
    tmp_path_factory: pytest.TempPathFactory, center: ApplicationCenter, network: Network
) -> Iterator[AppContext]:
    """The kiosk with the ``http`` back end, through ``network``, as the center's terminal."""
    data_dir = tmp_path_factory.mktemp("kiosk") / "data"
    settings = {
        "terminal": {"id": TERMINAL},
        "backend": {
            "backend": "http",
            "base_url": network.url,
            "token": center.token,
            "retries": 0,
            "backoff_s": 0.01,
            "connect_timeout_s": 2.0,
            "read_timeout_s": 5.0,
        },
    }
    context = build_context(data_dir, settings=settings, clock=FakeClock(), voice=RecordingVoice())
    context.devices.start()
    yield context
    context.close()


def photos_taken(shell: Shell) -> list[bytes]:
    """The JPEGs the photo steps hand to the application, as they are handed."""
    application = feature(shell)
    take = application.take_photo
    assert take is not None
    taken: list[bytes] = []

    def taking(preset: str, done: Callable[[bytes | None], None]) -> None:
        def back(jpeg: bytes | None) -> None:
            if jpeg:
                taken.append(jpeg)
            done(jpeg)

        take(preset, back)

    application.take_photo = taking
    return taken


def retry_passes(caplog: pytest.LogCaptureFixture, sent: int) -> int:
    """How many outbox retry passes reported ``sent`` applications."""
    return sum(
        1
        for r in caplog.records
        if r.name == RETRY_LOG and r.getMessage() == f"application outbox: {sent} sent"
    )


def test_an_unreachable_center_leaves_it_sealed_and_a_later_retry_delivers_it_once(
    qtbot: QtBot,
    shell: Shell,
    center: ApplicationCenter,
    network: Network,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger=RETRY_LOG)
    clock = shell.ctx.clock
    assert isinstance(clock, FakeClock)
    before = center.store.numbers_by_key()
    taken = photos_taken(shell)
    network.upstream_port = closed_port()  # the center cannot be reached
    renew_to_review(qtbot, shell)
    touch(qtbot, find(shell, "application_submit"))
    wait_state(qtbot, shell, "fee")
    outbox = feature(shell).outbox
    assert len(outbox.pending()) == 1 and len(taken) == 1
    # the fee screen: no payment code for an application the center does not have yet
    fee_screen = " ".join(all_texts(shell))
    assert "网络恢复后自动提交" in fee_screen and "申请已提交" not in fee_screen
    assert not find(shell, "application_fee_qr").isVisible()
    assert "加密" in text_of(shell, "application_fee_note")
    assert "网络恢复后自动提交" in shell.current.prompt_text()  # what the voice reads
    # the first retry pass (straight away) still finds the network down: it keeps waiting
    qtbot.waitUntil(lambda: retry_passes(caplog, 0) == 1, timeout=60_000)
    assert len(outbox.pending()) == 1 and center.store.numbers_by_key() == before

    touch(qtbot, find(shell, "application_fee_next"))
    assert state(shell) == "receipt"
    text, codes = printed(qtbot, shell)
    text = text.replace("\n", "")  # the printer wraps long lines
    assert "网络中断，申请已加密暂存，恢复后自动提交" in text and "Q-" in text
    assert codes == ()  # no status code: the center has given no number yet
    assert WHO.id_number not in text and WHO.name not in text
    assert mask_id_number(WHO.id_number) in text
    on_screen = " ".join(all_texts(shell))
    assert "网络恢复后申请会自动提交" in on_screen
    assert "网络恢复后申请会自动提交" in shell.current.prompt_text()
    detail = text_of(shell, "application_receipt_detail")
    assert "暂存编号：Q-" in detail and "24小时" in detail
    touch(qtbot, find(shell, "application_receipt_done"))
    assert not shell.ctx.sessions.active and shell.current is shell.attract
    # it waits sealed: one entry, and no file on the kiosk holds the photo or the person
    assert len(list(outbox.folder.glob("*.application"))) == 1
    personal = (WHO.id_number.encode(), WHO.name.encode(), b"13812345678")
    assert leftovers(shell, *personal) == []

    # the network is back, but the center's answer to the next pass is lost on the way:
    # the center has the application, the kiosk does not know it and keeps it
    network.fates = [None, "drop"]
    network.upstream_port = center_port(center)
    clock.advance(OUTBOX_RETRY_S)  # one pass falls due (none runs meanwhile)

    def pass_ended(sent: int, count: int) -> Callable[[], bool]:
        def ended() -> bool:
            shell.tick()
            return retry_passes(caplog, sent) == count

        return ended

    qtbot.waitUntil(pass_ended(0, 2), timeout=60_000)
    assert len(outbox.pending()) == 1 and len(center.store.numbers_by_key()) == len(before) + 1
    # a minute later the next pass hands it over again, under the same key: the same one
    clock.advance(OUTBOX_RETRY_S)
    qtbot.waitUntil(pass_ended(1, 1), timeout=60_000)
    assert outbox.pending() == []
    after = center.store.numbers_by_key()
    new = {k: v for k, v in after.items() if k not in before}
    assert len(new) == 1, new
    ((_, numbers),) = new.items()
    assert len(numbers) == 1  # one application at the center, not two
    assert center.store.photo(numbers[0], account="staff-test") == taken[0]  # bit-exact
    # later passes find nothing to send; the kiosk holds nothing of it any more
    passes = len([r for r in caplog.records if r.name == RETRY_LOG])
    for _ in range(3):
        clock.advance(OUTBOX_RETRY_S)
        shell.tick()
    assert len([r for r in caplog.records if r.name == RETRY_LOG]) == passes
    assert center.store.numbers_by_key() == after
    assert list(outbox.folder.glob("*.application")) == []
    assert leftovers(shell, *personal) == []


def test_a_returned_application_shows_its_reason_and_the_next_step(
    qtbot: QtBot, shell: Shell, center: ApplicationCenter
) -> None:
    renew_to_review(qtbot, shell)
    touch(qtbot, find(shell, "application_submit"))
    wait_state(qtbot, shell, "fee")
    qr = find(shell, "application_fee_qr")
    assert isinstance(qr, QLabel) and qr.isVisible() and not qr.pixmap().isNull()
    touch(qtbot, find(shell, "application_fee_next"))
    _, codes = printed(qtbot, shell)
    (payload,) = codes
    code = parse_status_payload(payload)
    assert code is not None
    number = code[0]
    touch(qtbot, find(shell, "application_receipt_done"))
    assert shell.current is shell.attract

    reason = "照片中衣领颜色与背景相近，请换深色上衣重新拍照"
    center.store.return_(number, reason=reason, account="staff-test")  # at the counter
    scan(qtbot, shell, payload)  # later, at the attract screen of any kiosk
    assert shell.current.name == "application_status"
    wait_state(qtbot, shell, "status")
    shown = text_of(shell, "application_status_status_detail")
    assert number in shown and "已退回" in shown and reason in shown
    assert "重新申请" in shown and "户籍窗口" in shown  # what to do next
    assert mask_id_number(WHO.id_number) in shown
    assert WHO.id_number not in shown and WHO.name not in shown
    on_screen = " ".join(all_texts(shell))
    assert WHO.id_number not in on_screen and WHO.name not in on_screen
    touch(qtbot, find(shell, "application_status_done"))
    assert shell.current.name in ("attract", "home")
