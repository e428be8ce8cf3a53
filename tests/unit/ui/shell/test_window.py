from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from devices.printer.simulated import SimulatedPrinter
from devices.printer.status import PrinterStatus
from kiosk.app import AppContext
from kiosk.framework.clock import FakeClock
from kiosk.framework.flow import Event, Flow, State
from kiosk.framework.session import EndReason
from kiosk.platform.voice import RecordingVoice
from tests.unit.ui.helpers import find, settle, touch
from ui.shell.window import Shell


def clock_of(ctx: AppContext) -> FakeClock:
    assert isinstance(ctx.clock, FakeClock)
    return ctx.clock


def voice_of(ctx: AppContext) -> RecordingVoice:
    assert isinstance(ctx.voice, RecordingVoice)
    return ctx.voice


def test_a_touch_on_attract_starts_a_session_and_presses_nothing(
    qtbot: QtBot, shell: Shell
) -> None:
    assert shell.current.name == "attract" and not shell.ctx.sessions.active
    touch(qtbot, shell.attract)
    assert shell.ctx.sessions.active
    assert shell.current.name == "home"
    assert not shell.help.isVisible()


def test_attract_plays_the_schedule_and_shows_the_time(shell: Shell) -> None:
    clock = clock_of(shell.ctx)
    assert shell.attract.clock_label.text() == "2026-11-23  09:30"
    seen = []
    for _ in range(6):
        item = shell.attract.item
        assert item is not None
        seen.append(item.id)
        clock.advance(item.seconds + 0.1)
        shell.tick()
    assert len(set(seen)) >= 4  # it moves through the playlist
    assert shell.attract.items_shown >= 6


def test_idle_warning_counts_down_and_a_touch_extends(qtbot: QtBot, shell: Shell) -> None:
    clock = clock_of(shell.ctx)
    touch(qtbot, shell.attract)
    timeout = shell.ctx.config.ui.idle_timeout_s["home"]
    clock.advance(timeout - 1)
    shell.tick()
    assert not shell.idle_warning.isVisible()
    clock.advance(1.5)
    shell.tick()
    assert shell.idle_warning.isVisible()
    countdown = find(shell, "idle_countdown")
    assert isinstance(countdown, QLabel) and "30 秒" in countdown.text()
    clock.advance(10)
    shell.tick()
    assert "20 秒" in countdown.text()
    touch(qtbot, shell.idle_warning)  # a touch anywhere
    assert not shell.idle_warning.isVisible() and shell.ctx.sessions.active
    assert shell.current.name == "home"


def test_idle_end_wipes_and_returns_to_attract_in_the_default_language(
    qtbot: QtBot, shell: Shell
) -> None:
    clock = clock_of(shell.ctx)
    touch(qtbot, shell.attract)
    touch(qtbot, find(shell, "language"))
    touch(qtbot, find(shell, "elder"))
    assert shell.language == "en" and shell.elder
    clock.advance(shell.ctx.config.ui.idle_timeout_s["home"] + 0.1)
    shell.tick()
    clock.advance(shell.ctx.config.ui.idle_warning_s + 0.1)
    shell.tick()
    assert not shell.ctx.sessions.active
    assert shell.current.name == "attract"
    assert shell.language == "zh_CN" and not shell.elder


def test_elder_mode_enlarges_text_and_targets_and_speaks(qtbot: QtBot, shell: Shell) -> None:
    touch(qtbot, shell.attract)
    title = shell.home.title
    standard_px = title.font().pixelSize()
    standard_target = find(shell, "help").height()
    touch(qtbot, find(shell, "elder"))
    settle()
    assert title.font().pixelSize() >= 1.3 * standard_px
    assert standard_target >= 80 and find(shell, "help").height() >= 120
    spoken = voice_of(shell.ctx).spoken
    assert spoken and spoken[-1] == ("请点击您要办理的业务", "zh_CN")
    touch(qtbot, find(shell, "replay"))
    assert len(voice_of(shell.ctx).spoken) == len(spoken)  # same list object, grew by one
    assert spoken[-1] == ("请点击您要办理的业务", "zh_CN")


def test_voice_is_off_in_standard_mode_by_default(qtbot: QtBot, shell: Shell) -> None:
    touch(qtbot, shell.attract)
    assert voice_of(shell.ctx).spoken == []


def test_tile_shows_the_device_reason_when_a_needed_device_is_down(
    qtbot: QtBot, shell: Shell
) -> None:
    shell.ctx.built_services.add("points")
    shell.refresh_availability()
    tile = shell.home.tiles["points"]
    assert tile.isEnabled()
    connector = shell.ctx.devices.printer.connector
    assert isinstance(connector, SimulatedPrinter)
    connector.set_status(PrinterStatus.PAPER_OUT)
    shell.ctx.devices.printer.status()  # what the periodic status poll does
    qtbot.waitUntil(lambda: not tile.isEnabled(), timeout=60_000)
    assert tile.subtitle.text() == "暂停服务 · 打印机缺纸"
    # a service not built says so, whatever the devices do
    shell.ctx.built_services.discard("antifraud")
    shell.refresh_availability()
    assert shell.home.tiles["antifraud"].subtitle.text() == "暂停服务 · 即将开通"


class Boom(State):
    name = "start"

    def do(self, flow: Flow[Any], event: Event) -> None:
        raise RuntimeError("provider said no")


class BoomFlow(Flow[Any]):
    name = "boom"
    initial = "start"


def test_a_failing_flow_shows_the_apology_and_returns_home_wiped(
    qtbot: QtBot, shell: Shell
) -> None:
    touch(qtbot, shell.attract)
    first_session = shell.ctx.sessions.session
    flow = BoomFlow(shell.ctx.clock, shell.ctx.failsafes, [Boom()])
    shell.attach_flow(flow)
    flow.start()
    flow.send("go")
    assert shell.current.name == "failsafe"
    hint = find(shell, "failsafe_staff_hint")
    assert isinstance(hint, QLabel) and "工作人员" in hint.text()
    touch(qtbot, find(shell, "failsafe_home"))
    assert shell.current.name == "home"
    assert shell.ctx.sessions.active and shell.ctx.sessions.session is not first_session
    assert shell.ctx.failsafes.total == 1


def test_scans_start_a_session_and_bad_scans_get_a_message(qtbot: QtBot, shell: Shell) -> None:
    sim = shell.ctx.devices.scanner.source("simulated")
    assert sim is not None
    sim.inject("https://example.cn/unknown")  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: shell.ctx.sessions.active, timeout=60_000)
    assert shell.current.name == "home"
    assert shell.toast.isVisible() and "不能在这里使用" in shell.toast.text.text()
    sim.inject(b"\xff\xfe\x80\x81")  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: "无法识别" in shell.toast.text.text(), timeout=60_000)
    clock_of(shell.ctx).advance(6)
    shell.tick()
    assert not shell.toast.isVisible()


def test_a_restart_waits_for_the_end_of_the_session(qtbot: QtBot, shell: Shell) -> None:
    codes: list[int] = []
    shell.exit_requested.connect(codes.append)
    touch(qtbot, shell.attract)
    shell.restart_between_sessions("devices.printer changed")
    assert codes == []  # a resident is using the kiosk
    shell.end_session(EndReason.COMPLETED)
    qtbot.waitUntil(lambda: codes == [75], timeout=60_000)


def test_a_deferred_shell_shows_attract_first_and_builds_the_rest_on_the_first_touch(
    qtbot: QtBot, ctx: AppContext
) -> None:
    """The running kiosk paints its attract screen before the features exist (start-up);
    the first touch builds them and opens home, as in an eager shell."""
    window = Shell(ctx, tick_ms=0, defer_features=True)
    qtbot.addWidget(window)
    window.resize(1080, 1920)
    window.show()
    qtbot.waitExposed(window)
    try:
        assert window.current is window.attract and not window.features_built
        assert window.features == {}
        touch(qtbot, window.attract)
        assert window.features_built and set(window.features) >= {
            "application",
            "id_photo",
            "violations",
            "antifraud",
            "points",
        }
        assert window.current is window.home and ctx.sessions.active
        built = dict(window.features)
        window.build_features()  # a second call changes nothing
        assert window.features == built
    finally:
        window.shutdown()
