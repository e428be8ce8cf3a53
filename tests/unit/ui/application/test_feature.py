"""户籍自助办理 on screen (the embedded ``local`` intake): a 换领 with the simulated card reader
to a printed receipt whose QR shows the status at the attract screen; a 补领 by typed number;
the card's problems; a status code while the tile is off; and nothing personal shown or left
behind after the review. With the real center (unreachable, a returned application):
``test_center.py``.

Faces: Face Research Lab London Set, DeBruine, L. & Jones, B. (2017),
doi:10.6084/m9.figshare.5047666.v5 (CC-BY 4.0), read from ../shared/corpora.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from devices.camera import SimulatedCamera
from devices.health import HealthLevel
from devices.idcard.simulated import DEMO_IDENTITIES, Scenario
from kiosk.app import AppContext, build_context
from kiosk.application.flow import ApplicationFlow, parse_status_payload, status_payload
from kiosk.framework.clock import FakeClock
from kiosk.framework.id_numbers import check_character
from kiosk.platform.voice import RecordingVoice
from tests.unit.center.applications.conftest import submission
from tests.unit.ui.application.walk import (
    JPEG_START,
    leftovers,
    printed,
    reader,
    scan,
    show_face,
    start,
    state,
    take_photo,
    type_into,
    wait_state,
)
from tests.unit.ui.helpers import all_texts, find, text_of, touch
from ui.shell.window import Shell

VALID_TYPED = "11010119800307123" + check_character("11010119800307123")


@pytest.fixture
def ctx(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppContext]:
    data_dir = tmp_path_factory.mktemp("kiosk") / "data"
    context = build_context(data_dir, clock=FakeClock(), voice=RecordingVoice())
    context.devices.start()
    yield context
    context.close()


def test_renewal_with_an_expired_card_to_a_receipt_whose_qr_shows_the_status(
    qtbot: QtBot, shell: Shell
) -> None:
    show_face(qtbot, shell)
    reader(shell).set_scenario(Scenario.EXPIRED)
    who = DEMO_IDENTITIES[Scenario.EXPIRED]
    start(qtbot, shell)
    touch(qtbot, find(shell, "application_renew"))
    wait_state(qtbot, shell, "card")
    details = text_of(shell, "application_card_details")
    assert who.id_number not in details and who.id_number[-4:] in details
    touch(qtbot, find(shell, "application_choose_renew_expired"))
    assert state(shell) == "business"
    touch(qtbot, find(shell, "application_confirm"))
    type_into(qtbot, shell, "contact", "13812345678")
    assert state(shell) == "pickup"
    touch(qtbot, find(shell, "application_window"))
    assert state(shell) == "photo"
    take_photo(qtbot, shell)
    wait_state(qtbot, shell, "review")
    assert shell.current.name == "application"
    review = " ".join(
        text
        for _, text in [
            (None, text_of(shell, f"application_review_{r}")) for r in ("identity", "contact")
        ]
    )
    assert who.id_number not in review and "13812345678" not in review and "138****5678" in review
    touch(qtbot, find(shell, "application_submit"))
    wait_state(qtbot, shell, "fee")
    qr = find(shell, "application_fee_qr")
    assert isinstance(qr, QLabel) and not qr.pixmap().isNull()
    touch(qtbot, find(shell, "application_fee_next"))
    assert state(shell) == "receipt"
    receipt, (payload,) = printed(qtbot, shell)
    code = parse_status_payload(payload)
    assert code is not None and code[0] in receipt
    assert who.id_number not in receipt and who.name not in receipt
    touch(qtbot, find(shell, "application_receipt_done"))
    assert not shell.ctx.sessions.active and shell.current is shell.attract
    on_screen = " ".join(all_texts(shell))
    assert who.id_number not in on_screen and who.name not in on_screen
    for path in shell.ctx.data_dir.rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            assert JPEG_START not in content, f"a photo was left at {path}"
            assert who.id_number.encode() not in content, f"the ID number was left at {path}"

    scan(qtbot, shell, payload)  # at the attract screen, later, at any kiosk
    assert shell.current.name == "application_status"
    wait_state(qtbot, shell, "status")
    shown = text_of(shell, "application_status_status_detail")
    assert code[0] in shown and "已提交" in shown and who.id_number not in shown


def test_replacement_by_typed_number_and_name(qtbot: QtBot, shell: Shell) -> None:
    start(qtbot, shell)
    touch(qtbot, find(shell, "application_replace"))
    assert state(shell) == "id_entry"
    type_into(qtbot, shell, "id_entry", "11010119800307123")
    assert state(shell) == "id_entry"
    assert "18" in text_of(shell, "application_id_entry_problem")
    type_into(qtbot, shell, "id_entry", VALID_TYPED)
    assert state(shell) == "name_entry"
    type_into(qtbot, shell, "name_entry", "阿依古丽·买买提")
    assert state(shell) == "business"
    assert "丢失补领" in " ".join(all_texts(shell))


@pytest.mark.parametrize(
    ("scenario", "words"),
    [
        (Scenario.NO_CARD, "没有检测到"),
        (Scenario.CARD_REMOVED, "移开"),
        (Scenario.UNREADABLE, "无法读取"),
    ],
)
def test_card_problems_say_what_to_do(
    qtbot: QtBot, shell: Shell, scenario: Scenario, words: str
) -> None:
    reader(shell).set_scenario(scenario)
    start(qtbot, shell)
    touch(qtbot, find(shell, "application_renew"))
    wait_state(qtbot, shell, "card_problem")
    assert words in text_of(shell, "application_card_problem_detail")
    reader(shell).set_scenario(Scenario.EXPIRING)
    touch(qtbot, find(shell, "application_retry"))
    wait_state(qtbot, shell, "card")
    assert "90天内到期" in " ".join(all_texts(shell))


def test_a_status_code_is_answered_while_the_application_tile_is_off(
    qtbot: QtBot, shell: Shell
) -> None:
    """Status needs neither camera nor printer: with the camera unplugged (the tile off), a
    receipt's QR scanned at the attract screen still shows the status."""
    service = shell.ctx.backends.application()
    receipt = service.submit(submission(7, terminal_id=shell.ctx.config.terminal.id), "k" * 32)
    camera = shell.ctx.devices.camera
    assert isinstance(camera, SimulatedCamera)
    camera.unplug()
    qtbot.waitUntil(lambda: camera.health.level is HealthLevel.OFFLINE, timeout=60_000)
    qtbot.waitUntil(lambda: not shell.home.availability["application"].enabled, timeout=60_000)
    scan(qtbot, shell, status_payload(receipt.application_no, receipt.status_token))
    assert shell.current.name == "application_status"
    wait_state(qtbot, shell, "status")
    assert "已提交" in text_of(shell, "application_status_status_detail")
    camera.replug()


def test_nothing_personal_shows_unmasked_in_logs_receipt_or_screens_after_the_review(
    qtbot: QtBot, shell: Shell, caplog: pytest.LogCaptureFixture
) -> None:
    """A 换领 by post: the ID number, name, card address, postal address and mobile never
    appear in clear in any log line of the visit, on the printed receipt, or on any screen
    from the review on (review, fee, receipt, the status screen); the data dir keeps none."""
    caplog.set_level(logging.DEBUG)
    show_face(qtbot, shell)
    reader(shell).set_scenario(Scenario.EXPIRED)
    who = DEMO_IDENTITIES[Scenario.EXPIRED]
    post_address = "天津市和平区南京路100号3单元501室"
    start(qtbot, shell)
    touch(qtbot, find(shell, "application_renew"))
    wait_state(qtbot, shell, "card")
    flow = shell.features["application"].flow
    assert isinstance(flow, ApplicationFlow) and flow.data.card is not None
    card_address = flow.data.card.address
    touch(qtbot, find(shell, "application_choose_renew_expired"))
    touch(qtbot, find(shell, "application_confirm"))
    type_into(qtbot, shell, "contact", "13812345678")
    touch(qtbot, find(shell, "application_post"))
    assert state(shell) == "address"
    type_into(qtbot, shell, "address", post_address)
    assert state(shell) == "photo"
    take_photo(qtbot, shell)
    wait_state(qtbot, shell, "review")
    secrets = (who.id_number, who.name, card_address, post_address, "13812345678")
    screens = {"review": " ".join(all_texts(shell))}
    assert "138****5678" in screens["review"]
    touch(qtbot, find(shell, "application_submit"))
    wait_state(qtbot, shell, "fee")
    screens["fee"] = " ".join(all_texts(shell))
    touch(qtbot, find(shell, "application_fee_next"))
    screens["receipt"] = " ".join(all_texts(shell))
    text, codes = printed(qtbot, shell)
    touch(qtbot, find(shell, "application_receipt_done"))
    scan(qtbot, shell, codes[0])
    wait_state(qtbot, shell, "status")
    screens["status"] = " ".join(all_texts(shell))
    logs = "\n".join(r.getMessage() for r in caplog.records)
    places = {**screens, "printed receipt": text.replace("\n", ""), "logs": logs}
    shown = [(where, s) for where, body in places.items() for s in secrets if s in body]
    assert shown == [], "\n".join(f"{w}: {s}" for w, s in shown)
    assert "制证后邮寄至天津市" in text.replace("\n", "").replace(" ", "")  # masked, not gone
    assert leftovers(shell, *(s.encode() for s in secrets)) == []
