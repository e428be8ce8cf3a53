"""A real shell on simulated devices with a fake clock and a recording voice."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QTimer
from pytestqt.qtbot import QtBot

from kiosk.app import AppContext, build_context
from kiosk.framework.clock import FakeClock
from kiosk.platform.voice import RecordingVoice
from ui.shell.window import Shell


@pytest.fixture
def ctx() -> Iterator[AppContext]:
    context = build_context(clock=FakeClock(), voice=RecordingVoice())
    context.devices.start()
    yield context
    context.close()


@pytest.fixture
def shell(qtbot: QtBot, ctx: AppContext) -> Iterator[Shell]:
    window = Shell(ctx, tick_ms=0)
    qtbot.addWidget(window)
    window.resize(1080, 1920)
    window.show()
    qtbot.waitExposed(window)
    yield window
    window.shutdown()
    running = [t.objectName() or repr(t) for t in window.findChildren(QTimer) if t.isActive()]
    assert not running, f"timers left running: {running}"
