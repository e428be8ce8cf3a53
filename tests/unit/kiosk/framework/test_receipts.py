"""One receipt frame: every service's receipt starts and ends the same way."""

from __future__ import annotations

from datetime import datetime

import pytest

from devices.receipt.document import Cut, Feed, Receipt, Rule, Text
from kiosk.framework.receipts import service_receipt

NOW = datetime(2026, 12, 2, 9, 30)


def frame_of(receipt: Receipt) -> tuple[list[str], list[object]]:
    texts = [b.text for b in receipt.blocks[:2] if isinstance(b, Text)]
    return texts, receipt.blocks[-4:]


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_the_frame_wraps_the_services_lines(language: str) -> None:
    body = [Text("line one"), Text("line two")]
    r = service_receipt(
        "points.receipt.title", body, language=language, now=NOW, terminal_id="gl-01"
    )
    heading, tail = frame_of(r)
    assert heading[0] in ("融治理中心", "Governance Center")
    assert r.title == heading[1]  # the job list shows the service, nothing personal
    assert isinstance(r.blocks[2], Rule) and r.blocks[3:5] == body
    printed, terminal, feed, cut = tail
    assert isinstance(printed, Text) and "2026-12-02 09:30" in printed.text
    assert isinstance(terminal, Text) and "gl-01" in terminal.text
    assert isinstance(feed, Feed) and isinstance(cut, Cut)


def test_a_services_receipt_comes_in_the_frame() -> None:
    from kiosk.violations.flow import violations_receipt

    r = violations_receipt(
        [],
        plate="苏E8D2K7",
        plate_type="02",
        licence_number=None,
        licence_points=None,
        fetched_at=NOW,
        now=NOW,
        terminal_id="gl-01",
    )
    heading, (_printed, terminal, feed, cut) = frame_of(r)
    assert heading == ["融治理中心", r.title]
    assert isinstance(terminal, Text) and "gl-01" in terminal.text
    assert isinstance(feed, Feed) and isinstance(cut, Cut)
    assert all("苏E8D2K7" not in b.text for b in r.blocks if isinstance(b, Text))  # masked
