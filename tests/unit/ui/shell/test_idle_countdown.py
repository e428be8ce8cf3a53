"""The quiet idle countdown: the shell's tick shows it in a flow screen's header in the last
seconds before the idle warning, and a touch takes it away (fake clock, no waiting)."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from kiosk.framework.clock import FakeClock
from tests.unit.ui.helpers import settle, touch
from ui.framework.flow_screen import FlowScreen
from ui.shell.window import IDLE_COUNTDOWN_S, Shell


def start_points(qtbot: QtBot, shell: Shell) -> FlowScreen:
    touch(qtbot, shell.attract)  # wakes the kiosk: a session and the home screen
    shell.features["points"].start()
    settle()
    screen = shell.current
    assert isinstance(screen, FlowScreen) and screen.name == "points"
    return screen


def idle_timeout(shell: Shell) -> float:
    return shell.ctx.config.ui.timeout_for(shell.current.name)


def test_the_countdown_appears_near_the_warning_with_the_right_seconds(
    qtbot: QtBot, shell: Shell
) -> None:
    screen = start_points(qtbot, shell)
    clock = shell.ctx.clock
    assert isinstance(clock, FakeClock)
    timeout = idle_timeout(shell)
    assert timeout > IDLE_COUNTDOWN_S + 5  # there is a quiet stretch before the countdown

    clock.advance(timeout - IDLE_COUNTDOWN_S - 2)  # 17 s before the warning: not yet
    shell.tick()
    assert not screen.countdown.isVisible()

    clock.advance(2.5)  # 14.5 s left: shown, rounded up
    shell.tick()
    assert screen.countdown.isVisible()
    assert screen.countdown.seconds == 15
    assert screen.countdown.text() == "15 秒无操作将提醒您"

    clock.advance(10)  # 4.5 s left
    shell.tick()
    assert screen.countdown.text() == "5 秒无操作将提醒您"

    shell.set_language("en")
    assert screen.countdown.text() == "Reminder in 5 s if idle"


def test_a_touch_takes_the_countdown_away(qtbot: QtBot, shell: Shell) -> None:
    screen = start_points(qtbot, shell)
    clock = shell.ctx.clock
    assert isinstance(clock, FakeClock)
    clock.advance(idle_timeout(shell) - 5)
    shell.tick()
    assert screen.countdown.isVisible()

    touch(qtbot, screen.heading)  # any touch counts as activity
    assert not screen.countdown.isVisible()
    shell.tick()
    assert not screen.countdown.isVisible()
    assert shell.ctx.sessions.active


def test_the_warning_replaces_the_countdown_and_leaving_the_screen_hides_it(
    qtbot: QtBot, shell: Shell
) -> None:
    screen = start_points(qtbot, shell)
    clock = shell.ctx.clock
    assert isinstance(clock, FakeClock)
    clock.advance(idle_timeout(shell) - 3)
    shell.tick()
    assert screen.countdown.isVisible()

    clock.advance(3)  # the warning's own countdown takes over
    shell.tick()
    assert shell.idle_warning.isVisible()
    assert not screen.countdown.isVisible()

    touch(qtbot, shell.idle_warning)  # keep going
    clock.advance(idle_timeout(shell) - 3)
    shell.tick()
    assert screen.countdown.isVisible()
    shell.show_screen("home")  # the screen left behind keeps no stale countdown
    shell.tick()
    assert not screen.countdown.isVisible()
    assert screen.countdown.seconds is None


def test_the_antifraud_screen_shows_the_countdown_too(qtbot: QtBot, shell: Shell) -> None:
    touch(qtbot, shell.attract)
    shell.features["antifraud"].start()
    settle()
    screen = shell.current
    assert screen.name == "antifraud"
    clock = shell.ctx.clock
    assert isinstance(clock, FakeClock)
    clock.advance(idle_timeout(shell) - 8)
    shell.tick()
    countdown = screen.countdown  # type: ignore[attr-defined]
    assert countdown.isVisible() and countdown.text() == "8 秒无操作将提醒您"
