"""The photo result names the other backgrounds a format allows when the clothing blends into
the chosen one (``PhotoResult.suggested_backgrounds``). The resident-ID format allows only
white, so inside the application the list is always empty: the hint shows in the photo
service's own result for a format with a choice (社保卡: white, blue, red).

Faces: Face Research Lab London Set, DeBruine, L. & Jones, B. (2017),
doi:10.6084/m9.figshare.5047666.v5 (CC-BY 4.0), read from ../shared/corpora. Every portrait
wears a white T-shirt: on white it blends where the photo shows it (021_03 does).
"""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from devices.camera import SimulatedCamera
from devices.health import HealthLevel
from kiosk.framework.clock import FakeClock
from tests.conftest import corpus
from tests.unit.ui.helpers import find, text_of, touch
from ui.shell.window import Shell


def photo_state(shell: Shell) -> str:
    flow = shell.features["id_photo"].flow
    return "" if flow is None else str(flow.state)


def result_for(qtbot: QtBot, shell: Shell, face: str, preset: str) -> str:
    """The photo service with ``face`` before the camera and ``preset``: the result's notes."""
    clock = shell.ctx.clock
    assert isinstance(clock, FakeClock)
    camera = shell.ctx.devices.camera
    assert isinstance(camera, SimulatedCamera)
    camera.set_source(str(corpus("faces", "frontal") / face))
    qtbot.waitUntil(lambda: camera.health.level is HealthLevel.READY, timeout=60_000)
    touch(qtbot, shell.attract)
    qtbot.waitUntil(lambda: shell.home.tiles["id_photo"].isEnabled(), timeout=60_000)
    touch(qtbot, shell.home.tiles["id_photo"])
    touch(qtbot, find(shell, "idphoto_agree"))
    touch(qtbot, find(shell, f"idphoto_preset_{preset}"))
    assert photo_state(shell) == "live"

    def captured() -> bool:
        clock.advance(0.4)
        return photo_state(shell) != "live"

    qtbot.waitUntil(captured, timeout=60_000)
    qtbot.waitUntil(lambda: photo_state(shell) == "result", timeout=60_000)
    return text_of(shell, "idphoto_warnings")


def test_clothing_that_blends_names_the_other_backgrounds(qtbot: QtBot, shell: Shell) -> None:
    notes = result_for(qtbot, shell, "021_03.jpg", "social-security")
    assert "上衣颜色和背景太接近" in notes  # the warning
    assert "此规格也可用蓝色背景、红色背景" in notes and "人工窗口" in notes  # the hint


def test_a_format_with_one_background_offers_none(qtbot: QtBot, shell: Shell) -> None:
    notes = result_for(qtbot, shell, "021_03.jpg", "resident-id")
    assert "上衣颜色和背景太接近" in notes and "此规格也可用" not in notes
