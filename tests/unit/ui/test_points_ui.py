"""Points on screen: scan a card, choose goods, a printed voucher; refusals; quiz points."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from devices.receipt.escpos_text import escpos_to_text, qr_payloads
from kiosk.app_context import AppContext, build_context
from kiosk.clock import FakeClock
from kiosk.points.demo import demo_tokens
from kiosk.points.tokens import TokenSigner
from kiosk.voice import RecordingVoice
from tests.unit.ui.helpers import find, touch
from ui.shell import Shell


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
    qtbot.wait(50)


def state(shell: Shell) -> str:
    flow = shell.controllers["points"].flow
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
    qtbot.waitUntil(lambda: state(shell) == "member", timeout=10_000)
    assert text(shell, "points_member_who").startswith("王")
    assert "M20230517" not in text(shell, "points_member_who")  # masked
    assert text(shell, "points_member_balance") == "可用积分 120"
    touch(qtbot, find(shell, "points_browse"))
    assert state(shell) == "catalogue"
    flow = shell.controllers["points"].flow
    item = next(i for i in flow.items if flow.add_problem(i.id) is None)
    touch(qtbot, find(shell, f"points_item_{item.id}"))
    touch(qtbot, find(shell, "points_to_cart"))
    assert text(shell, "points_cart_total") == f"合计 {item.points} 积分"
    touch(qtbot, find(shell, "points_cart_confirm"))
    touch(qtbot, find(shell, "points_confirm_ok"))
    qtbot.waitUntil(lambda: state(shell) == "voucher", timeout=10_000)
    code = flow.data.voucher.code
    assert text(shell, "points_pickup_code") == f"取货码 {code}"
    job = shell.ctx.devices.printer.recent_jobs(1)[0]
    assert shell.ctx.devices.printer.wait(job.id, 10) == "done"
    data = shell.ctx.devices.printer.store.get(job.id).escpos  # type: ignore[union-attr]
    assert qr_payloads(data) == [f"VC1.{code.replace('-', '')}"]  # the dash is for reading
    assert "M20230517" not in escpos_to_text(data)
    balance = shell.controllers["points"].service().member("M20230517").balance
    assert (balance.available, balance.held) == (120 - item.points, item.points)
    touch(qtbot, find(shell, "points_voucher_done"))
    assert state(shell) == "" and shell.current is shell.home
    voucher = shell.controllers["points"].service().voucher(code)
    assert voucher.printed  # reported printed: not offered for reprint next time


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
    ledger = shell.controllers["points"].service()
    before = ledger.member("M20230517").balance.available
    results: list[str] = []
    for _ in range(2):  # the same member finishes the quiz twice in a day
        if not shell.ctx.sessions.active:
            touch(qtbot, shell.attract)
        if shell.current is not shell.home:
            shell.show_screen("home")
        touch(qtbot, shell.home.tiles["antifraud"])
        touch(qtbot, find(shell, "antifraud_open_quiz"))
        qtbot.wait(2100)  # the scanner folds the same code read twice within 2 s
        scan(qtbot, shell, tokens["rich"])
        assert "已识别" in text(shell, "quiz_detail")
        touch(qtbot, find(shell, "quiz_action_0"))
        flow = shell.controllers["antifraud"].flow
        for _n in range(flow.total):
            touch(qtbot, find(shell, "quiz_action_0"))  # any answer
            touch(qtbot, find(shell, "quiz_action_0"))  # next
        assert flow.state == "score"
        touch(qtbot, find(shell, "quiz_action_0"))  # 领取积分
        qtbot.waitUntil(lambda f=flow: f.state == "reward", timeout=5000)
        results.append(flow.reward_result.status)
        touch(qtbot, find(shell, "quiz_action_0"))  # done
    after = ledger.member("M20230517").balance.available
    assert after - before == shell.ctx.config.points.quiz_points_per_day
    assert results == ["earned", "already_earned"]
