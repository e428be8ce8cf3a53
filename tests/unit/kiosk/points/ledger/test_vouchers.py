"""Vouchers: resident cancellation, concurrent redemptions, issue and expiry times."""

from __future__ import annotations

import threading
from datetime import datetime

import pytest

from kiosk.framework.clock import FakeClock
from kiosk.platform.points_config import ItemLimits, PointsConfig
from kiosk.points.errors import (
    CancelNotAllowed,
    NotEnoughPoints,
)
from kiosk.points.model import Balance, CartLine, VoucherStatus
from tests.unit.kiosk.points.conftest import key
from tests.unit.kiosk.points.ledger.conftest import TOWEL, Home, member, new_ledger


def test_residents_may_cancel_their_own_vouchers_where_policy_allows(home: Home) -> None:
    ledger = new_ledger(home, PointsConfig(cancel_policy="resident"))
    try:
        a, b = member(ledger, 20, "T0001"), member(ledger, 20, "T0002")
        v = ledger.redeem(a, TOWEL, key(), "k").value
        with pytest.raises(CancelNotAllowed):
            ledger.cancel(v.code, key(), "k", member_id=b)
        done = ledger.cancel(v.code, key(), "k", member_id=a).value
        assert done.status is VoucherStatus.CANCELLED and done.closed_by == "resident"
        assert ledger.balance(a) == Balance(available=20, held=0)
    finally:
        ledger.close()


def test_concurrent_redemptions_never_overdraw(home: Home) -> None:
    ledger = new_ledger(home, PointsConfig(default_limits=ItemLimits()))
    try:
        m = member(ledger, 23)  # four towels' worth, and 3 left over
        outcomes: list[str] = []
        lock = threading.Lock()
        start = threading.Barrier(8)

        def redeem() -> None:
            start.wait()
            try:
                ledger.redeem(m, TOWEL, key(), "k")
                result = "ok"
            except NotEnoughPoints:
                result = "refused"
            with lock:
                outcomes.append(result)

        threads = [threading.Thread(target=redeem, name=f"redeem-{i}") for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        assert sorted(outcomes) == ["ok"] * 4 + ["refused"] * 4
        assert ledger.balance(m) == Balance(available=3, held=20)
        assert ledger.verify() == []
    finally:
        ledger.close()


def test_vouchers_keep_the_time_they_were_issued(home: Home) -> None:
    ledger = new_ledger(home, PointsConfig(voucher_valid_days=0))
    try:
        v = ledger.redeem("M20230517", TOWEL, key(), "k").value
        assert v.issued_at == datetime(2026, 11, 23, 9, 30)
        assert v.expires_at == datetime(2026, 11, 24, 0, 0)  # the end of the day of issue
    finally:
        ledger.close()


def test_an_expired_voucher_frees_its_points_and_stock_before_anything_else_is_written(
    home: Home,
) -> None:
    ledger = new_ledger(home, PointsConfig(voucher_valid_days=1))
    clock = ledger.clock
    assert isinstance(clock, FakeClock)
    try:
        item = next(i for i in ledger.catalogue().items if i.stock and i.points <= 30)
        before = ledger.balance("M20230517")
        stock = item.stock
        ledger.redeem("M20230517", [CartLine(item_id=item.id, quantity=1)], "expiry-test-1", "t")
        clock.advance(2 * 24 * 3600)
        # reads alone must show the voucher gone: points available again, stock back
        assert ledger.balance("M20230517") == before
        assert ledger.member_summary("M20230517").balance == before
        assert ledger.catalogue().item(item.id).stock == stock  # type: ignore[union-attr]
    finally:
        ledger.close()
