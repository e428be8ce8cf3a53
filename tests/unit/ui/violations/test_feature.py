"""The violation lookup walked on screen with the demo data (config/demo/README.md)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QLabel, QPushButton
from pytestqt.qtbot import QtBot

from devices.receipt.escpos_text import escpos_to_text
from kiosk.app import build_context
from kiosk.framework.clock import FakeClock
from kiosk.platform.voice import RecordingVoice
from tests.unit.ui.helpers import all_texts, find, settle, touch
from ui.shell.window import Shell

PLATE, SECRET = "苏E8D2K7", "4G15B08327"


def press(qtbot: QtBot, shell: Shell, keys: str) -> None:
    for key in keys:
        touch(qtbot, find(shell, f"key_{key}"))


def open_lookup(qtbot: QtBot, shell: Shell) -> None:
    touch(qtbot, shell.attract)
    touch(qtbot, shell.home.tiles["violations"])
    touch(qtbot, find(shell, "viol_mode_vehicle"))
    touch(qtbot, find(shell, "viol_type_02"))


def state(shell: Shell) -> str:
    flow = shell.features["violations"].flow  # type: ignore[attr-defined]
    return "" if flow is None else str(flow.state)


def open_record(qtbot: QtBot, shell: Shell, index: int) -> None:
    card = find(shell, f"viol_record_{index}")
    page = shell.features["violations"].screen.pages["results"]  # type: ignore[attr-defined]
    page.area.ensureWidgetVisible(card)  # as a resident scrolls to it
    settle()
    touch(qtbot, card)


def label_text(shell: Shell, name: str) -> str:
    widget = find(shell, name)
    assert isinstance(widget, QLabel)
    return widget.text()


def test_lookup_to_printed_summary(qtbot: QtBot, shell: Shell) -> None:
    assert shell.home.tiles["violations"].isEnabled()
    open_lookup(qtbot, shell)
    assert state(shell) == "plate_entry"
    press(qtbot, shell, PLATE)
    assert label_text(shell, "viol_plate_entry_field") == PLATE
    touch(qtbot, find(shell, "viol_plate_entry_next"))
    assert state(shell) == "secret"
    press(qtbot, shell, SECRET)
    touch(qtbot, find(shell, "viol_secret_next"))
    qtbot.waitUntil(lambda: state(shell) == "results", timeout=60_000)

    summary = label_text(shell, "viol_results_summary")
    assert summary.startswith("苏E8***7") and "共12条记录" in summary
    assert PLATE not in " ".join(all_texts(shell))  # masked on screen after entry
    flow = shell.features["violations"].flow  # type: ignore[attr-defined]
    views = flow.data.views
    dates = [v.record.occurred_at for v in views]
    assert dates == sorted(dates, reverse=True)  # newest first

    ineligible = next(i for i, v in enumerate(views) if v.eligibility.failed)
    open_record(qtbot, shell, ineligible)
    assert state(shell) == "record_detail"
    assert "不能自助处理" in label_text(shell, "viol_detail_verdict")
    assert "窗口" in label_text(shell, "viol_detail_rules")
    touch(qtbot, find(shell, "viol_detail_back"))

    payable = next(i for i, v in enumerate(views) if v.payment_url)
    open_record(qtbot, shell, payable)
    qr = find(shell, "viol_pay_qr")
    assert isinstance(qr, QLabel) and not qr.pixmap().isNull() and qr.isVisible()
    assert "3205061000012345" in label_text(shell, "viol_detail_fields")
    touch(qtbot, find(shell, "viol_detail_back"))

    touch(qtbot, find(shell, "viol_results_print"))
    job = shell.ctx.devices.printer.recent_jobs(1)[0]
    assert shell.ctx.devices.printer.wait(job.id, 60) == "done"
    text = escpos_to_text(shell.ctx.devices.printer.store.get(job.id).escpos)  # type: ignore[union-attr]
    assert "苏E8***7" in text and PLATE not in text and SECRET not in text
    qtbot.waitUntil(lambda: shell.current is shell.home, timeout=60_000)


def test_a_plate_that_cannot_exist_is_refused_before_any_lookup(qtbot: QtBot, shell: Shell) -> None:
    open_lookup(qtbot, shell)
    press(qtbot, shell, "苏E8D2K")  # one character short
    touch(qtbot, find(shell, "viol_plate_entry_next"))
    assert state(shell) == "plate_entry"
    assert label_text(shell, "viol_plate_entry_problem") != ""
    assert shell.features["violations"].flow.data.outcome is None  # type: ignore[attr-defined]


def test_an_o_typed_for_a_zero_is_asked_about_not_changed(qtbot: QtBot, shell: Shell) -> None:
    open_lookup(qtbot, shell)
    # the plate keyboard has no O key (plates have none): an engine-style keyboard would;
    # here the resident's O arrives through the field as typed text
    page = shell.features["violations"].screen.pages["plate_entry"]  # type: ignore[attr-defined]
    page.text = "苏E8O2K7"
    touch(qtbot, find(shell, "viol_plate_entry_next"))
    assert state(shell) == "plate_confirm"
    question = label_text(shell, "viol_question")
    assert "第4位" in question and "O" in question and "0" in question
    yes = find(shell, "viol_answer_yes")
    assert isinstance(yes, QPushButton) and "0" in yes.text()


def test_home_button_cancels_and_wipes(qtbot: QtBot, shell: Shell) -> None:
    open_lookup(qtbot, shell)
    press(qtbot, shell, PLATE)
    touch(qtbot, find(shell, "viol_home"))
    assert shell.current is shell.home
    assert PLATE not in " ".join(all_texts(shell))


def test_an_unreachable_center_gives_a_message_and_a_way_back(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site.toml"
    site.write_text(
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
        open_lookup(qtbot, shell)
        press(qtbot, shell, PLATE)
        touch(qtbot, find(shell, "viol_plate_entry_next"))
        press(qtbot, shell, SECRET)
        touch(qtbot, find(shell, "viol_secret_next"))
        assert state(shell) in ("looking_up", "error")  # the tap returned: nothing blocked
        qtbot.waitUntil(lambda: state(shell) == "error", timeout=60_000)
        message = label_text(shell, "viol_error_message")
        assert message == "无法连接查询服务，请稍后再试或联系工作人员"
        assert find(shell, "viol_error_back").isVisible()
        touch(qtbot, find(shell, "viol_error_back"))
        assert state(shell) in ("secret", "plate_entry", "choose_mode")
    finally:
        shell.shutdown()
        ctx.close()


def test_a_printer_gone_offline_is_said_and_nothing_is_queued(qtbot: QtBot, shell: Shell) -> None:
    """The one printing protocol: offline at print time, the resident reads that it did not
    print (and keeps the way home), and no job waits to come out later for someone else."""
    from devices.health import HealthLevel
    from devices.printer.simulated import SimulatedPrinter
    from devices.printer.status import PrinterStatus

    open_lookup(qtbot, shell)
    press(qtbot, shell, PLATE)
    touch(qtbot, find(shell, "viol_plate_entry_next"))
    press(qtbot, shell, SECRET)
    touch(qtbot, find(shell, "viol_secret_next"))
    qtbot.waitUntil(lambda: state(shell) == "results", timeout=60_000)
    printer = shell.ctx.devices.printer
    connector = printer.connector
    assert isinstance(connector, SimulatedPrinter)
    jobs_before = len(printer.recent_jobs(100))
    connector.set_status(PrinterStatus.OFFLINE)
    qtbot.waitUntil(lambda: printer.health.level is HealthLevel.OFFLINE, timeout=60_000)

    touch(qtbot, find(shell, "viol_results_print"))
    assert state(shell) == "receipt"
    assert "回执未能打印" in " ".join(all_texts(shell))
    assert len(printer.recent_jobs(100)) == jobs_before
    touch(qtbot, find(shell, "viol_receipt_done"))
    assert shell.current is shell.home
