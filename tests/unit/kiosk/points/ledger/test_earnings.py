"""Earnings and corrections: staff adjustments, transport retries of the quiz's reward."""

from __future__ import annotations

import pytest

from kiosk.platform.points_config import QUIZ_REASON
from kiosk.platform.service_errors import InvalidQuery
from kiosk.points.errors import (
    IdempotencyKeyReused,
    NotEnoughPoints,
)
from kiosk.points.model import EntryKind
from tests.unit.kiosk.points.conftest import key
from tests.unit.kiosk.points.ledger.conftest import TOWEL, Home, member, new_ledger


def test_adjustments_name_the_staff_and_never_go_below_zero(home: Home) -> None:
    ledger = new_ledger(home)
    try:
        m = member(ledger, 10)
        with pytest.raises(NotEnoughPoints):
            ledger.adjust(m, -11, key(), staff="小李", reason="correction", terminal="c")
        entry = ledger.adjust(m, -4, key(), staff="小李", reason="correction", terminal="c").value
        assert (entry.kind, entry.available, entry.staff) == (EntryKind.ADJUST, -4, "小李")
        with pytest.raises(InvalidQuery):
            ledger.adjust(m, 5, key(), staff=" ", reason="x", terminal="c")
        assert ledger.balance(m).available == 6
    finally:
        ledger.close()


def test_a_transport_retry_of_an_earning_still_says_earned(home: Home) -> None:
    ledger = new_ledger(home)
    try:
        m = member(ledger, 0)
        k = key()
        first = ledger.earn(m, 1, k, QUIZ_REASON, "k", call_id="call-1")
        retry = ledger.earn(m, 1, k, QUIZ_REASON, "k", call_id="call-1")
        other = ledger.earn(m, 1, k, QUIZ_REASON, "k", call_id="call-2")
        assert (first.status, retry.status, other.status) == (
            "earned",
            "earned",
            "already_earned",
        )
        with pytest.raises(IdempotencyKeyReused):
            ledger.redeem(m, TOWEL, k, "k")
        assert ledger.balance(m).available == 1
    finally:
        ledger.close()
