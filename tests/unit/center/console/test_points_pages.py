"""Vouchers by scan, fulfil and cancel; members masked; stock, hours import, daily report."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest

from center.points.store import open_center_ledger
from center.staff.audit import AuditQuery, open_audit_log
from kiosk.framework.masking import mask_member_id
from kiosk.points.ledger import Ledger
from kiosk.points.model import CartLine, Voucher, VoucherStatus
from tests.unit.center.console.conftest import Served, csrf_of


@pytest.fixture
def ledger(served: Served) -> Iterator[Ledger]:
    """The center's ledger, opened beside the running center (as a kiosk's writes land)."""
    opened = open_center_ledger(served.data_dir)
    yield opened
    opened.close()


def _voucher(ledger: Ledger, item: str = "eggs") -> Voucher:
    """A voucher of a member of its own (per-member daily limits stay out of the way)."""
    member = "T" + uuid.uuid4().hex[:10]
    ledger.add_member(member, "测试会员")
    ledger.adjust(member, 100, uuid.uuid4().hex, staff="tests", reason="test", terminal="tests")
    return ledger.redeem(
        member, [CartLine(item_id=item, quantity=1)], uuid.uuid4().hex, "kiosk-t1"
    ).value


def _audited(served: Served, action: str) -> list[str]:
    log = open_audit_log(served.data_dir)
    try:
        return [e.subject for e in log.search(AuditQuery(action=action))[0]]
    finally:
        log.close()


def test_a_scan_opens_its_voucher_and_anything_else_is_refused(
    served: Served, ledger: Ledger
) -> None:
    v = _voucher(ledger)
    desk = served.client("desk")
    for typed in (v.qr_payload, v.code.lower(), v.code.replace("-", " ")):
        answer = desk.get("/console/vouchers/open", params={"code": typed})
        assert answer.headers["location"] == f"/console/vouchers/{v.code}", typed
    refused = desk.get("/console/vouchers/open", params={"code": "MT1.something"})
    assert refused.status_code == 422 and "这不是取货码" in refused.text
    missing = desk.get("/console/vouchers/ABCD-EFGH")
    assert missing.status_code == 404 and "未找到该兑换券" in missing.text
    page = desk.get(f"/console/vouchers/{v.code}").text
    assert mask_member_id(v.member_id) in page and v.member_id not in page
    assert v.code in _audited(served, "view.voucher")


def test_fulfil_posts_the_points_once_even_when_sent_twice(served: Served, ledger: Ledger) -> None:
    v = _voucher(ledger)
    desk = served.client("desk")
    page = desk.get(f"/console/vouchers/{v.code}").text
    key = re.search(r'name="key" value="([0-9a-f]{32})"', page)
    assert key is not None
    form = {"csrf_token": csrf_of(page), "key": key.group(1)}
    first = desk.post(f"/console/vouchers/{v.code}/fulfil", form)
    again = desk.post(f"/console/vouchers/{v.code}/fulfil", form)  # a double click
    assert first.status_code == again.status_code == 303
    done = ledger.voucher(v.code)
    assert done.status is VoucherStatus.FULFILLED and done.closed_by == "desk"
    posts = [
        e for e in ledger.entries(v.member_id) if e.voucher_code == v.code and e.kind == "post"
    ]
    assert len(posts) == 1
    later = desk.form(f"/console/vouchers/{v.code}", f"/console/vouchers/{v.code}/fulfil")
    assert later.status_code == 409 and "该兑换券已领取" in later.text
    assert v.code in _audited(served, "voucher.fulfil")


def test_without_its_csrf_token_a_fulfil_changes_nothing(served: Served, ledger: Ledger) -> None:
    v = _voucher(ledger)
    answer = served.client("desk").post(f"/console/vouchers/{v.code}/fulfil", {})
    assert answer.status_code == 403
    assert ledger.voucher(v.code).status is VoucherStatus.HELD


def test_cancel_needs_its_box_ticked_and_returns_points_and_stock(
    served: Served, ledger: Ledger
) -> None:
    v = _voucher(ledger, "towel")
    stock = ledger.catalogue().item("towel")
    assert stock is not None
    desk = served.client("desk")
    unconfirmed = desk.form(f"/console/vouchers/{v.code}", f"/console/vouchers/{v.code}/cancel")
    assert unconfirmed.status_code == 422 and ledger.voucher(v.code).is_open
    done = desk.form(
        f"/console/vouchers/{v.code}", f"/console/vouchers/{v.code}/cancel", {"confirm": "yes"}
    )
    assert done.headers["location"].endswith("done=cancelled")
    assert ledger.voucher(v.code).status is VoucherStatus.CANCELLED
    after = ledger.catalogue().item("towel")
    assert after is not None and after.stock == stock.stock + 1


def test_a_member_is_shown_masked_and_the_look_up_audited(served: Served) -> None:
    desk = served.client("desk")
    page = desk.get("/console/members", params={"member_id": "M20230517"})
    assert page.status_code == 200
    assert "王*国" in page.text and "M2*****17" in page.text
    assert "王建国" not in page.text and "M20230517" not in page.text
    assert "M2*****17" in _audited(served, "view.member")
    unknown = desk.get("/console/members", params={"member_id": "M99999999"})
    assert unknown.status_code == 404


def test_restock_import_and_the_daily_report(served: Served, ledger: Ledger) -> None:
    desk = served.client("desk")
    before = ledger.catalogue().item("oil-1l")
    assert before is not None
    assert (
        desk.form(
            "/console/points", "/console/points/restock", {"item_id": "oil-1l", "quantity": "5"}
        ).status_code
        == 303
    )
    after = ledger.catalogue().item("oil-1l")
    assert after is not None and after.stock == before.stock + 5
    bad = desk.form(
        "/console/points", "/console/points/restock", {"item_id": "oil-1l", "quantity": "-2"}
    )
    assert bad.status_code == 422

    csv_text = (
        "member_id,date,hours,activity,row_id\n"
        "M20240102,2026-11-20,2,巡逻,T-1\n"
        "X,2026-11-20,1,x,T-2\n"
    )
    token = csrf_of(desk.get("/console/points").text)
    files = {"file": ("hours.csv", csv_text.encode("utf-8"), "text/csv")}
    checked = desk.post(
        "/console/points/import", {"csrf_token": token, "dry_run": "yes"}, files=files
    )
    assert checked.status_code == 422 and "检查结果" in checked.text
    balance = ledger.balance("M20240102").available
    imported = desk.post("/console/points/import", {"csrf_token": token}, files=files)
    assert imported.status_code == 422 and "导入完成" in imported.text  # one row refused
    assert "会员编号格式不对" in imported.text
    assert ledger.balance("M20240102").available > balance

    v = _voucher(ledger)
    day = v.issued_at.date().isoformat()
    report = desk.get("/console/points/report", params={"day": day})
    assert v.code in report.text and mask_member_id(v.member_id) in report.text
    csv_file = desk.get("/console/points/report.csv", params={"day": day})
    assert csv_file.content.startswith(b"\xef\xbb\xbf")
    assert v.code in csv_file.content.decode("utf-8-sig")
