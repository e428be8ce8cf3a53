"""The ID photo flow on screen with the simulated camera playing a corpus portrait.

Faces: Face Research Lab London Set, DeBruine, L. & Jones, B. (2017),
doi:10.6084/m9.figshare.5047666.v5 (CC-BY 4.0), read from ../shared/corpora.
"""

from __future__ import annotations

from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from devices.camera import SimulatedCamera
from devices.health import HealthLevel
from devices.receipt.escpos_text import escpos_to_text, qr_payloads
from kiosk.framework.clock import FakeClock
from kiosk.framework.session import EndReason
from tests.conftest import corpus
from tests.unit.ui.helpers import all_texts, find, touch
from ui.shell.window import Shell

JPEG_START = b"\xff\xd8\xff"


def flow_state(shell: Shell) -> str:
    flow = shell.features["id_photo"].flow
    return "" if flow is None else str(flow.state)


def show_face(shell: Shell, qtbot: QtBot, name: str = "002_03.jpg") -> None:
    camera = shell.ctx.devices.camera
    assert isinstance(camera, SimulatedCamera)
    camera.set_source(str(corpus("faces", "frontal") / name))
    qtbot.waitUntil(lambda: camera.health.level is HealthLevel.READY, timeout=60_000)


def to_live(qtbot: QtBot, shell: Shell) -> None:
    touch(qtbot, shell.attract)
    qtbot.waitUntil(lambda: shell.home.tiles["id_photo"].isEnabled(), timeout=60_000)
    touch(qtbot, shell.home.tiles["id_photo"])
    assert flow_state(shell) == "consent"
    touch(qtbot, find(shell, "idphoto_agree"))
    touch(qtbot, find(shell, "idphoto_preset_resident-id"))
    assert flow_state(shell) == "live"


def test_whole_flow_to_a_printed_receipt_and_no_photo_left(qtbot: QtBot, shell: Shell) -> None:
    clock = shell.ctx.clock
    assert isinstance(clock, FakeClock)
    show_face(shell, qtbot)
    to_live(qtbot, shell)

    # live guidance runs on its own thread; the countdown runs on the (fake) clock
    def captured() -> bool:
        clock.advance(0.4)
        return flow_state(shell) != "live"

    qtbot.waitUntil(captured, timeout=60_000)
    qtbot.waitUntil(lambda: flow_state(shell) == "result", timeout=60_000)
    photo = find(shell, "idphoto_photo")
    assert isinstance(photo, QLabel)
    pixmap = photo.pixmap()
    assert abs(pixmap.width() / pixmap.height() - 358 / 441) < 0.01  # its real aspect ratio
    checks = find(shell, "idphoto_checks")
    assert isinstance(checks, QLabel) and "✓ 脸部大小" in checks.text() and "✗" not in checks.text()

    touch(qtbot, find(shell, "idphoto_confirm"))
    qtbot.waitUntil(lambda: flow_state(shell) == "done", timeout=60_000)
    reference = find(shell, "idphoto_reference")
    assert isinstance(reference, QLabel) and reference.text().startswith("ZP")
    code = reference.text()
    job = shell.ctx.devices.printer.recent_jobs(1)[0]
    assert shell.ctx.devices.printer.wait(job.id, 60) == "done"
    data = shell.ctx.devices.printer.store.get(job.id).escpos  # type: ignore[union-attr]
    assert code in escpos_to_text(data) and qr_payloads(data) == [code]

    touch(qtbot, find(shell, "idphoto_finish"))
    assert not shell.ctx.sessions.active and shell.current is shell.attract
    assert code not in " ".join(all_texts(shell))
    for path in shell.ctx.data_dir.rglob("*"):
        if path.is_file():
            assert JPEG_START not in path.read_bytes(), f"a JPEG was left at {path}"


def test_camera_unplugged_mid_flow_gives_a_way_home(qtbot: QtBot, shell: Shell) -> None:
    show_face(shell, qtbot)
    to_live(qtbot, shell)
    camera = shell.ctx.devices.camera
    assert isinstance(camera, SimulatedCamera)
    camera.unplug()
    qtbot.waitUntil(lambda: camera.health.level is HealthLevel.OFFLINE, timeout=60_000)
    shell.tick()
    assert flow_state(shell) == "camera_lost"
    message = find(shell, "idphoto_camera_lost_message")
    assert isinstance(message, QLabel) and "工作人员" in message.text()
    touch(qtbot, find(shell, "idphoto_camera_lost_home"))
    assert shell.current is shell.home
    camera.replug()


def test_nobody_in_front_for_30_s_shows_help_and_the_staff_hint(qtbot: QtBot, shell: Shell) -> None:
    clock = shell.ctx.clock
    assert isinstance(clock, FakeClock)
    to_live(qtbot, shell)  # the simulated camera shows synthetic frames: nobody there
    help_label = find(shell, "idphoto_nobody_help")
    assert isinstance(help_label, QLabel)
    clock.advance(29)
    shell.tick()
    assert help_label.text() == "" and not help_label.isVisible()  # its room is the picture's
    clock.advance(2)
    shell.tick()
    assert "没有看到人" in help_label.text() and "工作人员" in help_label.text()
    assert help_label.isVisible()


def test_no_consent_offers_the_staffed_counter(qtbot: QtBot, shell: Shell) -> None:
    touch(qtbot, shell.attract)
    touch(qtbot, shell.home.tiles["id_photo"])
    touch(qtbot, find(shell, "idphoto_disagree"))
    assert flow_state(shell) == "staffed"
    touch(qtbot, find(shell, "idphoto_staffed_home"))
    assert shell.current is shell.home


def test_a_child_needs_the_guardian(qtbot: QtBot, shell: Shell) -> None:
    touch(qtbot, shell.attract)
    touch(qtbot, shell.home.tiles["id_photo"])
    touch(qtbot, find(shell, "idphoto_child"))
    touch(qtbot, find(shell, "idphoto_agree"))
    assert flow_state(shell) == "consent"
    warning = find(shell, "idphoto_consent_warning")
    assert isinstance(warning, QLabel) and "监护人" in warning.text()
    touch(qtbot, find(shell, "idphoto_guardian"))
    touch(qtbot, find(shell, "idphoto_agree"))
    assert flow_state(shell) == "preset"


def test_an_idle_end_on_the_live_page_stops_the_camera_guidance(qtbot: QtBot, shell: Shell) -> None:
    """Nobody may be photographed in front of the attract screen: the session's end ends the
    flow, which stops the guidance thread and the preview."""
    to_live(qtbot, shell)
    feature = shell.features["id_photo"]
    assert feature.worker is not None  # type: ignore[attr-defined]
    shell.end_session(EndReason.IDLE)
    assert feature.flow is None and feature.worker is None  # type: ignore[attr-defined]
    assert shell.current is shell.attract
