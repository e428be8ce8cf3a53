"""Points on screen: scan a card, choose goods, a printed voucher; refusals; quiz points."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from devices.receipt.escpos_text import escpos_to_text, qr_payloads
from kiosk.app import AppContext, build_context
from kiosk.framework.clock import FakeClock
from kiosk.platform.voice import RecordingVoice
from kiosk.points.demo import demo_tokens
from kiosk.points.model import CartLine
from kiosk.points.tokens import TokenSigner
from tests.unit.ui.helpers import find, settle, touch
from tests.unit.ui.maintenance.test_screen import corner_taps, type_pin
from ui.shell.window import Shell


@pytest.fixture
def signer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> TokenSigner:
    signer = TokenSigner.generate()
    site = tmp_path / "site.toml"
    site.write_text(f'[points]\ntoken_public_key = "{signer.public_key_b64}"\n', encoding="utf-8")
    monkeypatch.setenv("KIOSK_SITE_CONFIG", str(site))
    return signer


@pytest.fixture
def points_shell(qtbot: QtBot, signer: TokenSigner) -> Iterator[tuple[Shell, dict[str, str]]]:
    ctx: AppContext = build_context(clock=FakeClock(), voice=RecordingVoice())
    ctx.devices.start()
    shell = Shell(ctx, tick_ms=0)
    qtbot.addWidget(shell)
    shell.resize(1080, 1920)
    shell.show()
    tokens = demo_tokens(signer, ctx.clock.now().timestamp())
    yield shell, tokens
    shell.shutdown()
    ctx.close()


def scan(qtbot: QtBot, shell: Shell, text: str) -> None:
    source = shell.ctx.devices.scanner.source("simulated")
    assert source is not None
    source.inject(text)  # type: ignore[attr-defined]
    settle()


def state(shell: Shell) -> str:
    flow = shell.features["points"].flow
    return "" if flow is None else str(flow.state)


def text(shell: Shell, name: str) -> str:
    w = find(shell, name)
    assert isinstance(w, QLabel)
    return w.text()


def test_scan_choose_confirm_and_a_printed_voucher(
    qtbot: QtBot, points_shell: tuple[Shell, dict[str, str]]
) -> None:
    shell, tokens = points_shell
    scan(qtbot, shell, tokens["rich"])  # at the attract screen: straight to the member
    qtbot.waitUntil(lambda: state(shell) == "member", timeout=60_000)
    assert text(shell, "points_member_who").startswith("王")
    assert "M20230517" not in text(shell, "points_member_who")  # masked
    assert text(shell, "points_member_balance") == "可用积分 120"
    touch(qtbot, find(shell, "points_browse"))
    assert state(shell) == "catalogue"
    flow = shell.features["points"].flow
    item = next(i for i in flow.items if flow.add_problem(i.id) is None)
    touch(qtbot, find(shell, f"points_item_{item.id}"))
    touch(qtbot, find(shell, "points_to_cart"))
    assert text(shell, "points_cart_total") == f"合计 {item.points} 积分"
    touch(qtbot, find(shell, "points_cart_confirm"))
    touch(qtbot, find(shell, "points_confirm_ok"))
    qtbot.waitUntil(lambda: state(shell) == "voucher", timeout=60_000)
    code = flow.data.voucher.code
    assert text(shell, "points_pickup_code") == f"取货码 {code}"
    job = shell.ctx.devices.printer.recent_jobs(1)[0]
    assert shell.ctx.devices.printer.wait(job.id, 60) == "done"
    data = shell.ctx.devices.printer.store.get(job.id).escpos  # type: ignore[union-attr]
    assert qr_payloads(data) == [f"VC1.{code.replace('-', '')}"]  # the dash is for reading
    assert "M20230517" not in escpos_to_text(data)
    balance = shell.ctx.backends.points().member("M20230517").balance
    assert (balance.available, balance.held) == (120 - item.points, item.points)
    touch(qtbot, find(shell, "points_voucher_done"))
    assert state(shell) == "" and shell.current is shell.home
    # reported printed (off the GUI thread): not offered for reprint next time
    qtbot.waitUntil(lambda: shell.ctx.backends.points().voucher(code).printed, timeout=60_000)


def test_expired_and_forged_cards_are_refused(
    qtbot: QtBot, points_shell: tuple[Shell, dict[str, str]]
) -> None:
    shell, tokens = points_shell
    touch(qtbot, shell.attract)
    touch(qtbot, shell.home.tiles["points"])
    assert state(shell) == "scan"
    scan(qtbot, shell, tokens["expired"])
    assert state(shell) == "token_refused"
    assert "过期" in text(shell, "points_token_refused_message")
    scan(qtbot, shell, tokens["forged"])
    assert state(shell) == "token_refused"
    assert text(shell, "points_token_refused_message") != ""


def test_quiz_points_are_paid_once_a_day(
    qtbot: QtBot, points_shell: tuple[Shell, dict[str, str]]
) -> None:
    shell, tokens = points_shell
    ledger = shell.ctx.backends.points()
    before = ledger.member("M20230517").balance.available
    results: list[str] = []
    for _ in range(2):  # the same member finishes the quiz twice in a day
        if not shell.ctx.sessions.active:
            touch(qtbot, shell.attract)
        if shell.current is not shell.home:
            shell.show_screen("home")
        touch(qtbot, shell.home.tiles["antifraud"])
        touch(qtbot, find(shell, "antifraud_open_quiz"))
        shell.ctx.clock.advance(2.1)  # type: ignore[attr-defined]  # past the fold window
        scan(qtbot, shell, tokens["rich"])
        assert "已识别" in text(shell, "quiz_detail")
        touch(qtbot, find(shell, "quiz_action_0"))
        flow = shell.features["antifraud"].flow
        for _n in range(flow.total):
            touch(qtbot, find(shell, "quiz_action_0"))  # any answer
            touch(qtbot, find(shell, "quiz_action_0"))  # next
        assert flow.state == "score"
        touch(qtbot, find(shell, "quiz_action_0"))  # 领取积分
        qtbot.waitUntil(lambda f=flow: f.state == "reward", timeout=60_000)
        results.append(flow.reward_result.status)
        touch(qtbot, find(shell, "quiz_action_0"))  # done
    after = ledger.member("M20230517").balance.available
    assert after - before == shell.ctx.config.points.quiz_points_per_day
    assert results == ["earned", "already_earned"]


def choose_and_reach_confirm(qtbot: QtBot, shell: Shell, token: str, item_id: str) -> None:
    scan(qtbot, shell, token)
    qtbot.waitUntil(lambda: state(shell) == "member", timeout=60_000)
    touch(qtbot, find(shell, "points_browse"))
    touch(qtbot, find(shell, f"points_item_{item_id}"))
    touch(qtbot, find(shell, "points_to_cart"))
    touch(qtbot, find(shell, "points_cart_confirm"))
    assert state(shell) == "confirm"


def confirm_and_read_refusal(qtbot: QtBot, shell: Shell) -> str:
    touch(qtbot, find(shell, "points_confirm_ok"))
    qtbot.waitUntil(lambda: state(shell) == "refused", timeout=60_000)
    return text(shell, "points_refused_message")


def another_terminal(shell: Shell) -> Any:
    """The ledger as another kiosk sees it (the same database)."""
    return shell.ctx.backends.points()


def test_each_refusal_has_its_screen_and_holds_nothing(
    qtbot: QtBot, points_shell: tuple[Shell, dict[str, str]]
) -> None:
    shell, tokens = points_shell
    other = another_terminal(shell)

    # not enough points: 陈晓梅 has 8; while she confirms a towel (5), 4 are spent elsewhere
    choose_and_reach_confirm(qtbot, shell, tokens["few_points"], "towel")
    other.redeem("M20240102", [CartLine(item_id="toothpaste", quantity=1)], "elsewhere-kiosk-1")
    held_before = other.member("M20240102").balance
    assert confirm_and_read_refusal(qtbot, shell) == "可用积分不足，请减少物品数量后再试"
    assert other.member("M20240102").balance == held_before  # nothing half-done
    touch(qtbot, find(shell, "points_refused_done"))

    # out of stock: the last eggs go to someone else meanwhile
    shell.ctx.clock.advance(2.1)  # type: ignore[attr-defined]  # past the fold window
    choose_and_reach_confirm(qtbot, shell, tokens["rich"], "eggs")
    with other.ledger.transaction() as c:
        c.execute("UPDATE items SET stock = 0 WHERE id = 'eggs'")
    assert confirm_and_read_refusal(qtbot, shell) == "所选物品库存不足，请减少数量或选择其他物品"
    touch(qtbot, find(shell, "points_refused_done"))

    # limit reached: the day's one bag of rice was taken at another kiosk
    shell.ctx.clock.advance(2.1)  # type: ignore[attr-defined]
    choose_and_reach_confirm(qtbot, shell, tokens["rich"], "rice-5kg")
    other.redeem("M20230517", [CartLine(item_id="rice-5kg", quantity=1)], "elsewhere-kiosk-2")
    assert confirm_and_read_refusal(qtbot, shell) == (
        "已达到该物品每人每日或每月的兑换上限，请选择其他物品"
    )


def test_staff_fulfil_and_cancel_vouchers_by_scanning_in_maintenance(
    qtbot: QtBot, points_shell: tuple[Shell, dict[str, str]]
) -> None:
    shell, _tokens = points_shell
    service = another_terminal(shell)
    first = service.redeem(
        "M20230517", [CartLine(item_id="soap", quantity=1)], "staff-test-voucher-1"
    )
    second = service.redeem(
        "M20230517", [CartLine(item_id="towel", quantity=1)], "staff-test-voucher-2"
    )
    before = service.member("M20230517").balance
    corner_taps(qtbot, shell, 5)
    type_pin(qtbot, shell, "246810")
    touch(qtbot, find(shell, "maint_tab_logs"))  # away from the devices page's scan test
    scan(qtbot, shell, f"VC1.{first.code.replace('-', '')}")
    qtbot.waitUntil(lambda: first.code in text(shell, "maint_voucher_details"), timeout=60_000)
    touch(qtbot, find(shell, "maint_voucher_fulfil"))
    qtbot.waitUntil(lambda: "已核销" in text(shell, "maint_voucher_result"), timeout=60_000)
    assert str(service.voucher(first.code).status) == "fulfilled"
    scan(qtbot, shell, f"VC1.{second.code.replace('-', '')}")
    qtbot.waitUntil(lambda: second.code in text(shell, "maint_voucher_details"), timeout=60_000)
    touch(qtbot, find(shell, "maint_voucher_cancel"))
    qtbot.waitUntil(lambda: "已作废" in text(shell, "maint_voucher_result"), timeout=60_000)
    after = service.member("M20230517").balance
    assert after.held == before.held - first.points - second.points
    assert after.available == before.available + second.points  # the cancelled one came back
    posts = [e for e in service.ledger.entries("M20230517") if e.kind == "post"]
    assert posts and posts[-1].staff == "gesture"  # who entered maintenance


def test_backend_unreachable_refuses_and_holds_nothing(
    qtbot: QtBot, signer: TokenSigner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site-http.toml"
    site.write_text(
        f'[points]\ntoken_public_key = "{signer.public_key_b64}"\n'
        '[backend]\nbackend = "http"\nbase_url = "http://127.0.0.1:9"\ntoken = "t"\n'
        "connect_timeout_s = 1\nretries = 0\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("KIOSK_SITE_CONFIG", str(site))
    ctx = build_context(clock=FakeClock(), voice=RecordingVoice())
    ctx.devices.start()
    shell = Shell(ctx, tick_ms=0)
    qtbot.addWidget(shell)
    shell.resize(1080, 1920)
    shell.show()
    try:
        tokens = demo_tokens(signer, ctx.clock.now().timestamp())
        scan(qtbot, shell, tokens["rich"])
        qtbot.waitUntil(lambda: state(shell) == "error", timeout=60_000)
        assert text(shell, "points_error_message") == "无法连接积分服务，请稍后再试或联系工作人员"
        touch(qtbot, find(shell, "points_error_done"))
        assert state(shell) == ""
        assert shell.ctx.devices.printer.recent_jobs(1) == []  # no voucher, no receipt
    finally:
        shell.shutdown()
        ctx.close()
