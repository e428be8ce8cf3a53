from __future__ import annotations

import base64
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from kiosk.app import AppContext, build_context
from kiosk.framework.clock import FakeClock
from kiosk.maintenance.badges import issue_badge
from kiosk.platform.voice import RecordingVoice
from tests.unit.ui.helpers import find, text_of, touch, touch_at
from ui.shell.window import Shell


def corner_taps(qtbot: QtBot, shell: Shell, n: int = 5) -> None:
    clock = shell.ctx.clock
    assert isinstance(clock, FakeClock)
    for _ in range(n):
        touch_at(qtbot, shell, QPoint(shell.width() - 20, 20))
        clock.advance(0.3)


def type_pin(qtbot: QtBot, shell: Shell, pin: str) -> str:
    for digit in pin:
        touch(qtbot, find(shell, f"pin_{digit}"))
    touch(qtbot, find(shell, "pin_ok"))
    message = find(shell, "pin_message")
    assert isinstance(message, QLabel)
    return message.text()


def test_gesture_then_pin_opens_every_page_and_idle_leaves(qtbot: QtBot, shell: Shell) -> None:
    corner_taps(qtbot, shell, 4)
    assert shell.current.name == "home"  # four taps are not enough (the first woke the kiosk)
    corner_taps(qtbot, shell, 1)
    assert shell.current.name == "pin_pad"
    assert not shell.ctx.sessions.active  # the resident session was ended and wiped
    type_pin(qtbot, shell, "246810")
    assert shell.current.name == "maintenance" and shell.ctx.maintenance.active

    m = shell.maintenance
    shell.tick()
    assert "摄像头：正常" in text_of(shell, "maint_device_status")
    qtbot.waitUntil(
        lambda: m.devices.preview.pixmap() is not None and not m.devices.preview.pixmap().isNull(),
        timeout=60_000,
    )
    touch(qtbot, find(shell, "maint_test_print"))
    assert "测试页已发送" in text_of(shell, "maint_print_result")
    sim = shell.ctx.devices.scanner.source("simulated")
    sim.inject("VC1.K7Q2M9X4")  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: "VC1.K7Q2M9X4" in text_of(shell, "maint_scan_result"), timeout=60_000)

    touch(qtbot, find(shell, "maint_tab_logs"))
    assert "entered" in text_of(shell, "maint_audit_text")
    touch(qtbot, find(shell, "maint_tab_config"))
    assert "devices.printer.backend = 'simulated'  ← defaults" in text_of(
        shell, "maint_config_effective_text"
    )
    assert "246810" not in text_of(shell, "maint_config_effective_text")
    touch(qtbot, find(shell, "override_devices.printer.paper_width_mm_plus"))
    assert shell.ctx.config.devices.printer.paper_width_mm == 80
    assert shell.ctx.config_store.current.origins["devices.printer.paper_width_mm"] == "technician"
    touch(qtbot, find(shell, "maint_tab_counters"))
    assert "sessions: 1" in text_of(shell, "maint_counters")
    touch(qtbot, find(shell, "maint_tab_network"))
    touch(qtbot, find(shell, "maint_network_check"))
    m.network.wait()
    qtbot.waitUntil(lambda: "未配置" in text_of(shell, "maint_network_result"), timeout=60_000)
    touch(qtbot, find(shell, "maint_tab_actions"))
    assert "打印测试" in text_of(shell, "maint_jobs")
    touch(qtbot, find(shell, "maint_reprint"))
    assert len(shell.ctx.devices.printer.recent_jobs(5)) == 2

    clock = shell.ctx.clock
    assert isinstance(clock, FakeClock)
    clock.advance(shell.ctx.config.maintenance.idle_timeout_s + 1)
    shell.tick()
    assert not shell.ctx.maintenance.active and shell.current.name == "attract"
    events = [e["event"] for e in shell.ctx.maintenance.audit.read_recent(50)]
    assert {"gesture", "pin_ok", "entered", "action", "left"} <= set(events)


def test_five_wrong_pins_lock_even_across_a_restart(
    qtbot: QtBot, shell: Shell, ctx: AppContext
) -> None:
    corner_taps(qtbot, shell, 5)
    messages = [type_pin(qtbot, shell, "111111") for _ in range(5)]
    assert messages[0] == "密码错误，还可以再试 4 次"
    assert messages[4].startswith("错误次数过多，已锁定")
    assert type_pin(qtbot, shell, "246810").startswith("错误次数过多")
    assert not shell.ctx.maintenance.active
    touch(qtbot, find(shell, "pin_cancel"))
    assert shell.current.name == "attract"

    # a restarted app (new context and window on the same data directory) is still locked
    shell.shutdown()
    again_ctx = build_context(clock=FakeClock(), voice=RecordingVoice())
    again_ctx.devices.start()
    again = Shell(again_ctx, tick_ms=0)
    qtbot.addWidget(again)
    again.resize(1080, 1920)
    again.show()
    try:
        corner_taps(qtbot, again, 5)
        assert type_pin(qtbot, again, "246810").startswith("错误次数过多")
    finally:
        again.shutdown()
        again_ctx.close()


@pytest.fixture
def badge_key(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Ed25519PrivateKey:
    key = Ed25519PrivateKey.generate()
    public = base64.b64encode(
        key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    ).decode()
    site = tmp_path / "site.toml"
    site.write_text(f'[maintenance]\nbadge_public_key = "{public}"\n', encoding="utf-8")
    monkeypatch.setenv("KIOSK_SITE_CONFIG", str(site))
    return key


def test_badges_through_the_scanner(qtbot: QtBot, badge_key: Ed25519PrivateKey) -> None:
    ctx = build_context(clock=FakeClock(), voice=RecordingVoice())
    ctx.devices.start()
    shell = Shell(ctx, tick_ms=0)
    qtbot.addWidget(shell)
    shell.resize(1080, 1920)
    shell.show()
    try:
        sim = ctx.devices.scanner.source("simulated")
        assert sim is not None
        forged = issue_badge(Ed25519PrivateKey.generate(), "T0042", "王师傅")
        sim.inject(forged)  # type: ignore[attr-defined]
        qtbot.waitUntil(lambda: shell.toast.isVisible(), timeout=60_000)
        assert shell.toast.text.text() == "工牌无效（签名不符）" and shell.current.name == "attract"
        old = issue_badge(badge_key, "T0042", "王师傅", valid_s=60, now=1_000_000)
        sim.inject(old)  # type: ignore[attr-defined]
        qtbot.waitUntil(lambda: shell.toast.text.text() == "工牌已过期", timeout=60_000)
        good = issue_badge(badge_key, "T0042", "王师傅")
        sim.inject(good)  # type: ignore[attr-defined]
        qtbot.waitUntil(lambda: shell.current.name == "pin_pad", timeout=60_000)
        assert "王师傅" in text_of(shell, "pin_message")
        type_pin(qtbot, shell, "246810")
        assert shell.ctx.maintenance.who == "badge:T0*42"
        touch(qtbot, find(shell, "maint_exit"))
        assert shell.current.name == "attract"
    finally:
        shell.shutdown()
        ctx.close()


def test_safe_mode_pauses_service_but_keeps_maintenance(qtbot: QtBot, ctx: AppContext) -> None:
    ctx.safe_mode = True
    shell = Shell(ctx, tick_ms=0)
    qtbot.addWidget(shell)
    shell.resize(1080, 1920)
    shell.show()
    try:
        assert shell.current.name == "safe_mode"
        touch(qtbot, shell.safe_mode)
        assert shell.current.name == "safe_mode" and not ctx.sessions.active
        assert text_of(shell, "safe_title") == "暂停服务"
        corner_taps(qtbot, shell, 5)
        type_pin(qtbot, shell, "246810")
        touch(qtbot, find(shell, "maint_tab_actions"))
        touch(qtbot, find(shell, "maint_clear_safe_mode"))
        touch(qtbot, find(shell, "maint_exit"))
        assert shell.current.name == "attract" and not ctx.safe_mode
    finally:
        shell.shutdown()


def test_exit_to_desktop_only_from_maintenance(qtbot: QtBot, shell: Shell) -> None:
    codes: list[int] = []
    shell.exit_requested.connect(codes.append)
    corner_taps(qtbot, shell, 5)
    type_pin(qtbot, shell, "246810")
    touch(qtbot, find(shell, "maint_tab_actions"))
    touch(qtbot, find(shell, "maint_desktop"))
    assert codes == [64]


def test_a_site_that_sets_only_the_default_idle_timeout_runs_and_can_be_tuned(
    qtbot: QtBot, tmp_path: Path
) -> None:
    """``idle_timeout_s = { default = 90.0 }`` is valid: the kiosk starts, the home screen
    uses the default, and the technician's idle setting reads and steps from it."""
    ctx = build_context(
        tmp_path / "data",
        settings={"ui": {"idle_timeout_s": {"default": 90.0}}},
        clock=FakeClock(),
        voice=RecordingVoice(),
    )
    ctx.devices.start()
    shell = Shell(ctx, tick_ms=0)
    qtbot.addWidget(shell)
    shell.resize(1080, 1920)
    shell.show()
    try:
        assert ctx.config.ui.timeout_for("home") == 90.0
        corner_taps(qtbot, shell)
        type_pin(qtbot, shell, "246810")
        shell.maintenance.show_page("config")
        assert text_of(shell, "override_ui.idle_timeout_s.home") == "90.0"
        touch(qtbot, find(shell, "override_ui.idle_timeout_s.home_plus"))
        assert ctx.config.ui.idle_timeout_s == {"default": 90.0, "home": 120.0}
    finally:
        shell.shutdown()
        ctx.close()
