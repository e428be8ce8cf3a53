"""Expiry: expiry dates by policy, points expiring oldest first, spent points."""

from __future__ import annotations

from datetime import date

import pytest

from kiosk.framework.clock import FakeClock
from kiosk.platform.points_config import PointsConfig
from kiosk.points.ledger import expiry_date
from kiosk.points.model import Balance, CartLine, EntryKind
from tests.unit.kiosk.points.conftest import key
from tests.unit.kiosk.points.ledger.conftest import TOWEL, Home, member, new_ledger


@pytest.mark.parametrize(
    ("policy", "earned", "expired_from"),
    [
        ("end_of_year", date(2026, 11, 23), date(2027, 1, 1)),
        ("after_years", date(2026, 11, 23), date(2029, 11, 23)),
        ("after_years", date(2024, 2, 29), date(2027, 3, 1)),
        ("never", date(2026, 11, 23), None),
    ],
)
def test_expiry_dates(policy: str, earned: date, expired_from: date | None) -> None:
    config = PointsConfig.model_validate({"expiry": policy, "expiry_years": 3})
    assert expiry_date(earned, config) == expired_from


def test_points_expire_oldest_first_and_a_second_run_writes_nothing(home: Home) -> None:
    ledger = new_ledger(home, PointsConfig(expiry="end_of_year"), demo=False)
    try:
        clock = ledger.clock
        assert isinstance(clock, FakeClock)
        m = member(ledger, 30)  # earned 2026-11-23
        ledger.redeem(m, TOWEL, key(), "k")  # 5 spent (held) from the oldest points
        clock.advance(50 * 86400)  # 2027-01-12: the voucher expired, 2026's points too
        ledger.credit(m, 7, key(), reason="volunteer", terminal="t", staff="s")  # 2027 points
        report = ledger.run_expiry()
        assert len(report.vouchers) == 1 and report.points == {m: 30}
        assert ledger.balance(m) == Balance(available=7, held=0)
        again = ledger.run_expiry()
        assert again.points == {} and again.vouchers == ()
        kinds = [e.kind for e in ledger.entries(m)]
        # the 2027 credit came before the run that voided the voucher and expired 2026's points
        assert kinds == [
            EntryKind.EARN,
            EntryKind.HOLD,
            EntryKind.EARN,
            EntryKind.VOID,
            EntryKind.EXPIRE,
        ]
        assert ledger.verify() == []
    finally:
        ledger.close()


def test_spent_points_do_not_expire(home: Home) -> None:
    ledger = new_ledger(home, PointsConfig(expiry="after_years", expiry_years=1), demo=False)
    try:
        clock = ledger.clock
        assert isinstance(clock, FakeClock)
        m = member(ledger, 20)
        v = ledger.redeem(m, [CartLine(item_id="eggs", quantity=1)], key(), "k").value
        ledger.fulfil(v.code, "小李", key(), "k")
        clock.advance(400 * 86400)
        assert ledger.run_expiry().points == {m: 10}
        assert ledger.balance(m) == Balance(available=0, held=0)
        assert ledger.member_summary(m).hours_centi == 0
    finally:
        ledger.close()
