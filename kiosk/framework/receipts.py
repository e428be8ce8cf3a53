"""One receipt frame for every service, and the receipts that belong to no resident flow.

Every service's receipt has the same frame, so a resident (and the counter clerk who reads
it) finds things in the same place whatever printed it: the center's name large, the
service's title, the service's own lines, then who printed it and when, a feed and the cut.
Personal data is masked by the service before it reaches a line.

Printing follows one protocol too (:class:`kiosk.framework.flow.State` ``prints``): when a
flow enters a printing state the UI prints ``flow.receipt()``, and the flow hears
``printed`` or, with the printer offline, ``print_failed``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from devices.receipt.document import Align, Block, Cut, Feed, QRCode, Receipt, Rule, Text
from kiosk.framework.i18n import tr


def service_receipt(
    title_key: str,
    body: Iterable[Block],
    *,
    language: str,
    now: datetime,
    terminal_id: str,
    banner: Iterable[Block] = (),
) -> Receipt:
    """A service's receipt in the common frame.

    ``title_key`` names the service (also the job's title in the maintenance list, so it
    holds nothing personal); ``banner`` goes under the title (a "reprint" mark); ``body`` is
    the service's own blocks, starting after the first rule.
    """
    title = tr(title_key, language)
    receipt = Receipt(title).add(
        Text(tr("receipt.heading", language), size=2, bold=True, align=Align.CENTER),
        Text(title, bold=True, align=Align.CENTER),
        *banner,
        Rule(),
        *body,
        Text(tr("receipt.printed_at", language, at=f"{now:%Y-%m-%d %H:%M}")),
        Text(tr("receipt.terminal", language, terminal=terminal_id)),
        Feed(1),
        Cut(),
    )
    return receipt


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
