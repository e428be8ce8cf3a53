"""A resident's hands for the 户籍自助办理 walks: touch the tile, place a card, type on the
pad, sit for the photo, submit, take the receipt, scan its QR at the attract screen.

Faces: Face Research Lab London Set, DeBruine, L. & Jones, B. (2017),
doi:10.6084/m9.figshare.5047666.v5 (CC-BY 4.0), read from ../shared/corpora.
"""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from devices.camera import SimulatedCamera
from devices.health import HealthLevel
from devices.idcard.simulated import Scenario, SimulatedIdCardReader
from devices.receipt.escpos_text import escpos_to_text, qr_payloads
from kiosk.framework.clock import FakeClock
from tests.conftest import corpus
from tests.unit.ui.helpers import find, touch
from ui.application.feature import ApplicationFeature
from ui.framework.text_entry.entry import TextEntry
from ui.shell.window import Shell

JPEG_START = b"\xff\xd8\xff"


def reader(shell: Shell) -> SimulatedIdCardReader:
    device = shell.ctx.devices.idcard
    assert isinstance(device, SimulatedIdCardReader)
    return device


def feature(shell: Shell) -> ApplicationFeature:
    found = shell.features["application"]
    assert isinstance(found, ApplicationFeature)
    return found


def state(shell: Shell) -> str:
    flow = shell.features["application"].flow
    return "" if flow is None else str(flow.state)


def start(qtbot: QtBot, shell: Shell) -> None:
    feature(shell).card_wait_s = 0.0  # look once: no real waiting in tests
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


def renew_to_review(qtbot: QtBot, shell: Shell, scenario: Scenario = Scenario.EXPIRED) -> None:
    """A 换领 with the simulated card (``scenario``'s identity), window pickup, the photo:
    up to the review screen."""
    show_face(qtbot, shell)
    reader(shell).set_scenario(scenario)
    start(qtbot, shell)
    touch(qtbot, find(shell, "application_renew"))
    wait_state(qtbot, shell, "card")
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


def printed(qtbot: QtBot, shell: Shell) -> tuple[str, tuple[str, ...]]:
    """The last receipt printed, once printed: its text and its QR payloads."""
    printer = shell.ctx.devices.printer
    job = printer.recent_jobs(1)[0]
    assert printer.wait(job.id, 60) == "done"
    stored = printer.store.get(job.id)
    assert stored is not None
    return escpos_to_text(stored.escpos), tuple(qr_payloads(stored.escpos))


def leftovers(shell: Shell, *needles: bytes) -> list[str]:
    """Files under the data dir holding a photo or any of ``needles`` in clear."""
    return [
        str(path)
        for path in shell.ctx.data_dir.rglob("*")
        if path.is_file() and any(n in path.read_bytes() for n in (JPEG_START, *needles))
    ]
