"""Receipts the kiosk prints that belong to no resident flow."""

from __future__ import annotations

from datetime import datetime

from devices.receipt.document import Align, Cut, Feed, QRCode, Receipt, Rule, Text

FULL_WIDTH_PUNCTUATION = "，。！？：；（）【】《》“”、"


def technician_test_receipt(terminal_id: str, config_version: str, now: datetime) -> Receipt:
    """The technician's test page: Chinese heading, full-width punctuation, a QR and its text.

    The QR payload is printed as text beneath it so a technician can compare them by eye and
    a test can compare them by decoder.
    """
    # Short enough to print on one 58 mm line (32 columns) under the code.
    payload = f"KT-{now:%y%m%d%H%M%S}"
    return Receipt("打印测试").add(
        Text("融治理中心", size=2, bold=True, align=Align.CENTER),
        Text("自助终端 · 打印机测试页", bold=True, align=Align.CENTER),
        Rule(),
        Text(FULL_WIDTH_PUNCTUATION),
        Text(f"终端 Terminal: {terminal_id}"),
        Text(f"配置 Config: {config_version}"),
        Text(f"时间 Time: {now:%Y-%m-%d %H:%M:%S}"),
        Rule(),
        QRCode(payload),
        Text(payload, align=Align.CENTER),
        Feed(1),
        Cut(),
    )
