"""Idempotency keys and stored answers: a replay answers the first answer, a reused key
with other parameters is refused, a malformed key never reaches the database."""

from __future__ import annotations

import pytest

from kiosk.platform.service_errors import InvalidQuery
from kiosk.points.errors import IdempotencyKeyReused
from kiosk.points.ledger.idempotency import check_key, fingerprint
from kiosk.points.model import Balance
from tests.unit.kiosk.points.conftest import key
from tests.unit.kiosk.points.ledger.conftest import TOWEL, Home, member, new_ledger


def test_a_fingerprint_ignores_the_order_of_parameters_but_not_the_operation() -> None:
    assert fingerprint("fulfil", {"code": "A", "staff": "s"}) == fingerprint(
        "fulfil", {"staff": "s", "code": "A"}
    )
    assert fingerprint("fulfil", {"code": "A"}) != fingerprint("cancel", {"code": "A"})
    assert fingerprint("fulfil", {"code": "A"}) != fingerprint("fulfil", {"code": "B"})


@pytest.mark.parametrize("bad", ["", "short", "has space in it", "x" * 129, "中文中文中文中文"])
def test_malformed_keys_are_refused(bad: str) -> None:
    with pytest.raises(InvalidQuery) as raised:
        check_key(bad)
    assert raised.value.field == "idempotency_key"


def test_a_replay_answers_the_first_answer_and_writes_nothing(home: Home) -> None:
    ledger = new_ledger(home)
    try:
        m = member(ledger, 20)
        k = key()
        first = ledger.redeem(m, TOWEL, k, "k")
        again = ledger.redeem(m, TOWEL, k, "k")
        assert (first.replayed, again.replayed) == (False, True)
        assert again.value == first.value
        assert ledger.balance(m) == Balance(available=15, held=5)
        with pytest.raises(IdempotencyKeyReused):
            ledger.fulfil(first.value.code, "小李", k, "k")
        with pytest.raises(InvalidQuery):
            ledger.redeem(m, TOWEL, "bad key", "k")
        assert ledger.verify() == []
    finally:
        ledger.close()


def test_another_terminal_replaying_a_key_is_refused_not_answered(home: Home) -> None:
    """A key is the terminal's: a replay from elsewhere never gets the first terminal's
    voucher or member id, and nothing is written."""
    ledger = new_ledger(home)
    try:
        m = member(ledger, 30, "T0001")
        shared = key()
        ledger.redeem(m, TOWEL, shared, "kiosk-a")
        assert ledger.redeem(m, TOWEL, shared, "kiosk-a").replayed  # its own replay
        before = ledger.vouchers()
        with pytest.raises(IdempotencyKeyReused):
            ledger.redeem(m, TOWEL, shared, "kiosk-b")
        assert ledger.vouchers() == before
    finally:
        ledger.close()
