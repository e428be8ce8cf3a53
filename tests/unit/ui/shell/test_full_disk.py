"""A full disk at start (a real full tmpfs): the kiosk comes up in safe mode, shows 暂停服务
and lets a technician in with the PIN (held in memory while the disk takes nothing)."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from kiosk.app import build_context
from kiosk.framework.clock import FakeClock
from kiosk.platform.disk_space import disk_problem
from kiosk.platform.voice import RecordingVoice
from tests.unit.kiosk.platform.test_disk_space import full_disk  # noqa: F401  (fixture)
from tests.unit.ui.maintenance.test_screen import corner_taps, text_of, type_pin
from ui.shell.window import Shell


def test_a_full_disk_shows_service_paused_and_lets_a_technician_in(
    qtbot: QtBot,
    full_disk: Path,  # noqa: F811
) -> None:
    ctx = build_context(full_disk, clock=FakeClock(), voice=RecordingVoice())
    ctx.safe_mode = disk_problem(ctx.data_dir) is not None  # as ui.shell.app decides
    shell = Shell(ctx, tick_ms=0, defer_features=True)  # as ui.shell.app starts it
    qtbot.addWidget(shell)
    shell.resize(1080, 1920)
    shell.show()
    qtbot.waitExposed(shell)
    try:
        # in safe mode a feature that cannot be built on a full disk (the application
        # outbox cannot write its key) is left out; the rest is wired as usual
        shell.build_features()
        assert "application" not in shell.features and "points" in shell.features
        ctx.devices.start()
        assert ctx.safe_mode
        assert shell.current.name == "safe_mode"
        assert text_of(shell, "safe_title") == "暂停服务"
        corner_taps(qtbot, shell, 5)
        assert shell.current.name == "pin_pad"
        message = type_pin(qtbot, shell, "246810")
        assert shell.current.name == "maintenance" and ctx.maintenance.active, message
    finally:
        shell.shutdown()
        ctx.close()


def test_a_disk_that_fills_while_running_pauses_service_between_sessions(
    qtbot: QtBot, tmp_path: Path
) -> None:
    from kiosk.platform.disk_space import MIN_FREE_BYTES, DiskWatch
    from tests.unit.ui.helpers import settle, touch

    clock = FakeClock()
    ctx = build_context(tmp_path / "data", clock=clock, voice=RecordingVoice())
    shell = Shell(ctx, tick_ms=0)
    qtbot.addWidget(shell)
    shell.resize(1080, 1920)
    shell.show()
    qtbot.waitExposed(shell)
    free = [100 * MIN_FREE_BYTES]
    shell.disk_watch = DiskWatch(ctx.data_dir, every_s=60, free_bytes=lambda _p: free[0])
    try:
        shell.tick()
        assert shell.current.name == "attract"
        touch(qtbot, shell.attract)  # a resident's session
        assert ctx.sessions.active and shell.current.name == "home"
        free[0] = MIN_FREE_BYTES // 2
        clock.advance(61)
        shell.tick()
        assert ctx.safe_mode
        assert shell.current.name == "home"  # the resident is not thrown out
        shell.back_to_start()  # the session ends
        settle()
        assert shell.current.name == "safe_mode"
        assert text_of(shell, "safe_title") == "暂停服务"
        free[0] = 100 * MIN_FREE_BYTES  # a technician made room
        clock.advance(61)
        shell.tick()
        assert not ctx.safe_mode and shell.current.name == "attract"
    finally:
        shell.shutdown()
        ctx.close()
