"""户籍自助办理 on screen: a 换领 with the simulated card reader to a printed receipt whose QR
shows the status at the attract screen; a 补领 by typed number; the card's problems; the
center unreachable; a returned application; and nothing personal left behind.

Faces: Face Research Lab London Set, DeBruine, L. & Jones, B. (2017),
doi:10.6084/m9.figshare.5047666.v5 (CC-BY 4.0), read from ../shared/corpora.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from devices.camera import SimulatedCamera
from devices.health import HealthLevel
from devices.idcard.simulated import DEMO_IDENTITIES, Scenario, SimulatedIdCardReader
from devices.receipt.escpos_text import escpos_to_text, qr_payloads
from kiosk.app import AppContext, build_context
from kiosk.application.flow import parse_status_payload
from kiosk.framework.clock import FakeClock
from kiosk.framework.id_numbers import check_character
from kiosk.platform.voice import RecordingVoice
from tests.conftest import corpus
from tests.unit.ui.helpers import all_texts, find, touch
from ui.framework.text_entry.entry import TextEntry
from ui.shell.window import Shell

JPEG_START = b"\xff\xd8\xff"
VALID_TYPED = "11010119800307123" + check_character("11010119800307123")


@pytest.fixture
def ctx(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppContext]:
    data_dir = tmp_path_factory.mktemp("kiosk") / "data"
    context = build_context(data_dir, clock=FakeClock(), voice=RecordingVoice())
    context.devices.start()
    yield context
    context.close()


def reader(shell: Shell) -> SimulatedIdCardReader:
    device = shell.ctx.devices.idcard
    assert isinstance(device, SimulatedIdCardReader)
    return device


def state(shell: Shell) -> str:
    flow = shell.features["application"].flow
    return "" if flow is None else str(flow.state)


def text_of(shell: Shell, name: str) -> str:
    widget = find(shell, name)
    assert isinstance(widget, QLabel)
    return widget.text()


def start(qtbot: QtBot, shell: Shell) -> None:
    shell.features["application"].card_wait_s = 0.0  # look once: no real waiting in tests
    touch(qtbot, shell.attract)
    qtbot.waitUntil(lambda: shell.home.tiles["application"].isEnabled(), timeout=60_000)
    touch(qtbot, shell.home.tiles["application"])
    assert state(shell) == "guide"


def wait_state(qtbot: QtBot, shell: Shell, *states: str) -> None:
    def there() -> bool:
        shell.tick()
        return state(shell) in states

    qtbot.waitUntil(there, timeout=60_000)


def type_into(qtbot: QtBot, shell: Shell, step: str, text: str) -> None:
    """Types on the entry's digit pad where it has one (as a resident would), else into its
    field, then touches 确定."""
    entry = find(shell, f"application_{step}_entry")
    assert isinstance(entry, TextEntry)
    entry.field.clear()  # what an earlier try left (the resident deletes it)
    if entry.keys is not None and entry.keys.isVisible():
        for key in text:
            touch(qtbot, entry.keys.buttons[key])
    else:
        entry.field.setText(text)
    assert entry.field.text() == text
    touch(qtbot, entry.ok)


def take_photo(qtbot: QtBot, shell: Shell) -> None:
    """The ID-photo steps inside the application: consent, the camera, confirm."""
    clock = shell.ctx.clock
    assert isinstance(clock, FakeClock)
    photo = shell.features["id_photo"]
    assert shell.current.name == "id_photo" and photo.flow is not None
    assert photo.flow.state == "consent"
    touch(qtbot, find(shell, "idphoto_agree"))
    assert photo.flow.state == "live"  # the preset is fixed: no choice screen

    def captured() -> bool:
        clock.advance(0.4)
        return photo.flow is not None and photo.flow.state != "live"

    qtbot.waitUntil(captured, timeout=60_000)
    qtbot.waitUntil(lambda: photo.flow is None or photo.flow.state == "result", timeout=60_000)
    touch(qtbot, find(shell, "idphoto_confirm"))


def show_face(qtbot: QtBot, shell: Shell) -> None:
    camera = shell.ctx.devices.camera
    assert isinstance(camera, SimulatedCamera)
    camera.set_source(str(corpus("faces", "frontal") / "002_03.jpg"))
    qtbot.waitUntil(lambda: camera.health.level is HealthLevel.READY, timeout=60_000)


def scan(qtbot: QtBot, shell: Shell, text: str) -> None:
    source = shell.ctx.devices.scanner.source("simulated")
    assert source is not None
    source.inject(text)  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: shell.current.name != "attract", timeout=60_000)


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
    printer = shell.ctx.devices.printer
    job = printer.recent_jobs(1)[0]
    assert printer.wait(job.id, 60) == "done"
    data = printer.store.get(job.id).escpos  # type: ignore[union-attr]
    printed = escpos_to_text(data)
    (payload,) = qr_payloads(data)
    code = parse_status_payload(payload)
    assert code is not None and code[0] in printed
    assert who.id_number not in printed and who.name not in printed
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
