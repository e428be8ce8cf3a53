"""Staff imports of service hours: good rows become earn entries, bad rows are reported with
their reason and write nothing, and importing again writes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from kiosk.framework.clock import FakeClock
from kiosk.platform.service_errors import InvalidQuery
from kiosk.points.hours_import import import_hours, read_text
from kiosk.points.ledger import Ledger
from kiosk.points.local import LocalPointsService
from kiosk.points.model import Balance, EntryKind
from kiosk.points.report import COLUMNS, redemption_report, write_report
from tests.unit.kiosk.points.conftest import NOW, key

CSV = """member_id,date,hours,activity,row_id
M20220815,2026-11-20,2.5,社区巡逻,XJ-1
M20220815,2026-11-21,0.5,图书整理,
M20240102,2026-11-21,3,敬老院探访,
M99999999,2026-11-21,1,社区巡逻,
M20240102,2026-11-21,abc,社区巡逻,
M20240102,2026-11-21,-2,社区巡逻,
M20240102,2026-11-21,1.234,社区巡逻,
M20240102,21/11/2026,1,社区巡逻,
M20240102,2026-12-01,1,社区巡逻,
M20240102,2026-11-21,3,敬老院探访,
M20240102,2026-11-22,1,,
"""


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    ledger = LocalPointsService.open_demo(tmp_path / "p.sqlite3", clock=FakeClock(NOW)).ledger
    yield ledger
    ledger.close()


def test_rows_are_imported_or_rejected_with_a_reason(ledger: Ledger) -> None:
    report = import_hours(ledger, CSV, staff="小李")
    assert (report.imported, report.points, report.hours_centi) == (3, 5, 600)
    assert [(r.line, r.reason) for r in report.rejected] == [
        (5, "unknown_member"),
        (6, "bad_number"),
        (7, "bad_number"),
        (8, "bad_number"),
        (9, "bad_date"),
        (10, "bad_date"),
        (11, "duplicate_row"),
        (12, "missing_activity"),
    ]
    assert not report.ok
    li = ledger.member_summary("M20220815")
    assert li.balance == Balance(available=2, held=0) and li.hours_centi == 300  # 2.5 + 0.5 h
    earn = ledger.entries("M20220815")[0]
    assert (earn.kind, earn.staff, earn.reason, earn.terminal) == (
        EntryKind.EARN,
        "小李",
        "volunteer",
        "center-cli",
    )
    assert ledger.balance("M20240102").available == 8 + 3


def test_importing_again_writes_nothing(ledger: Ledger) -> None:
    import_hours(ledger, CSV, staff="小李")
    count = len(ledger.entries())
    again = import_hours(ledger, CSV, staff="小王")
    assert again.imported == 0 and again.already_imported == [2, 3, 4]
    assert len(ledger.entries()) == count


def test_a_row_id_reused_with_other_values_is_rejected(ledger: Ledger) -> None:
    import_hours(ledger, CSV, staff="小李")
    changed = "member_id,date,hours,activity,row_id\nM20220815,2026-11-20,9,社区巡逻,XJ-1\n"
    report = import_hours(ledger, changed, staff="小李")
    assert [(r.line, r.reason) for r in report.rejected] == [(2, "row_id_reused")]


def test_a_dry_run_writes_nothing(ledger: Ledger) -> None:
    count = len(ledger.entries())
    report = import_hours(ledger, CSV, staff="小李", dry_run=True)
    assert report.imported == 3 and len(ledger.entries()) == count


def test_a_file_without_the_columns_is_refused(ledger: Ledger) -> None:
    with pytest.raises(InvalidQuery):
        import_hours(ledger, "member,hours\nM20220815,1\n", staff="小李")


def test_excel_files_in_gb18030_or_with_a_bom_are_read(tmp_path: Path) -> None:
    (tmp_path / "gbk.csv").write_bytes(CSV.encode("gb18030"))
    (tmp_path / "bom.csv").write_bytes(CSV.encode("utf-8-sig"))
    assert read_text(tmp_path / "gbk.csv") == CSV == read_text(tmp_path / "bom.csv")


def test_the_daily_report_lists_every_voucher_event(ledger: Ledger, tmp_path: Path) -> None:
    from kiosk.points.model import CartLine

    clock = ledger.clock
    assert isinstance(clock, FakeClock)
    clock.advance(86400)  # 2026-11-24; the demo voucher was issued the day before
    a = ledger.redeem("M20230517", [CartLine(item_id="eggs", quantity=2)], key(), "kiosk-1")
    b = ledger.redeem("M20230517", [CartLine(item_id="towel", quantity=1)], key(), "kiosk-2")
    ledger.fulfil(a.value.code, "小李", key(), "desk")
    ledger.cancel(b.value.code, key(), "desk", staff="小王")
    rows = redemption_report(ledger, date(2026, 11, 24))
    assert [r["event"] for r in rows] == ["issued", "issued", "fulfilled", "cancelled"]
    assert rows[0]["items"] == "鲜鸡蛋 一盒 x2" and rows[0]["points"] == "20"
    assert rows[2]["staff"] == "小李" and rows[3]["terminal"] == "desk"
    assert all(r["member"] == "M2*****17" for r in rows)
    out = tmp_path / "report.csv"
    assert write_report(ledger, date(2026, 11, 24), out) == 4
    text = out.read_bytes().decode("utf-8-sig")
    assert text.splitlines()[0] == ",".join(COLUMNS) and "M20230517" not in text
    assert redemption_report(ledger, date(2026, 11, 23))[0]["event"] == "issued"  # demo
