"""The printed summary: masked plate and licence, payment QR codes, both languages."""

from __future__ import annotations

import re

import pytest

from devices.receipt.document import PaperProfile, QRCode, Receipt, Text
from devices.receipt.escpos import render_escpos
from kiosk.framework.clock import FakeClock
from kiosk.framework.flow import FailsafeMonitor
from kiosk.violations.flow import RECEIPT, ViolationsFlow
from kiosk.violations.local import LocalViolationService
from tests.unit.kiosk.violations.conftest import NOW


def receipt_for(service: LocalViolationService, language: str, licence: bool = False) -> Receipt:
    clock = FakeClock(NOW)
    flow = ViolationsFlow(clock, FailsafeMonitor(clock), service, terminal_id="kiosk-7")
    flow.language = language
    flow.start()
    if licence:
        flow.send("licence")
        flow.send("submit", licence_number="11010519491231002X", file_number="320100123456")
    else:
        flow.send("vehicle")
        flow.send("choose", code="02")
        flow.send("submit", text="苏E8D2K7")
        flow.send("submit", text="4G15B08327")
    flow.send("print")
    assert flow.state == RECEIPT and flow.data.receipt is not None
    return flow.data.receipt


def texts(receipt: Receipt) -> str:
    return "\n".join(b.text for b in receipt.blocks if isinstance(b, Text))


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_plate_is_masked_and_every_string_translated(
    local_service: LocalViolationService, language: str
) -> None:
    receipt = receipt_for(local_service, language)
    body = texts(receipt)
    assert "苏E8***7" in body and "苏E8D2K7" not in body and "4G15B08327" not in body
    assert "苏E8D2K7" not in receipt.to_json()
    assert not re.search(r"\b(violations|plate|idnum)\.[a-z_]+", body), body
    assert receipt.title in ("交通违法查询结果", "Traffic violation lookup")
    assert "3205061000012345" in body  # the decision number the resident pays with
    qr = [b.data for b in receipt.blocks if isinstance(b, QRCode)]
    assert qr == [
        "https://pay.example.invalid/traffic-fine?decision=3205061000012345",
        "https://pay.example.invalid/traffic-fine?decision=3201021000071234",
    ]
    assert render_escpos(receipt, PaperProfile.for_width(58))  # the printer path takes it


def test_licence_receipt_masks_the_number_and_each_vehicle(
    local_service: LocalViolationService,
) -> None:
    body = texts(receipt_for(local_service, "zh_CN", licence=True))
    assert "110***********002X" in body and "11010519491231002X" not in body
    assert "本周期累计记分：3分" in body
    assert "车辆：京A3****D" in body and "京A35728D" not in body


def test_chinese_receipt_reads_as_expected(local_service: LocalViolationService) -> None:
    body = texts(receipt_for(local_service, "zh_CN"))
    assert "号牌：苏E8***7（小型汽车）" in body
    assert "共12条，未处理5条" in body
    assert "罚款：200.00元  记分：6分" in body
    assert "滞纳金：100.00元" in body
    assert "本终端不收取任何费用。" in body
