"""One suite, both implementations: ``local`` (the SQLite ledger in this process) and ``http``
(the kiosk's HTTP client to the real center on 127.0.0.1) give the same answers and the same
typed errors, and the ledger behind each shows the same effects.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from kiosk.framework.earning import EarnStatus
from kiosk.platform.points_config import QUIZ_REASON
from kiosk.platform.service_errors import InvalidQuery
from kiosk.points.errors import (
    CancelNotAllowed,
    CardRevoked,
    IdempotencyKeyReused,
    LimitReached,
    NotEnoughPoints,
    OutOfStock,
    UnknownItem,
    UnknownMember,
    VoucherAlreadyFulfilled,
    VoucherClosed,
    VoucherNotFound,
)
from kiosk.points.model import Balance, CancelledBy, CartLine, EntryKind, VoucherStatus
from tests.unit.kiosk.points.conftest import Backend, key

CODE = re.compile(r"^[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}$")


def line(item_id: str, quantity: int = 1) -> CartLine:
    return CartLine(item_id=item_id, quantity=quantity)


def test_member_summary(backend: Backend) -> None:
    member_id = backend.member(40, name="王建国", hours=40)
    m = backend.service.member(member_id)
    assert m.member_id == member_id and m.name == "王建国" and m.masked_name == "王*国"
    assert m.balance == Balance(available=40, held=0) and m.hours_centi == 4000
    assert [e.kind for e in m.recent] == [EntryKind.EARN] and m.open_vouchers == ()
    assert member_id not in repr(m) and "王建国" not in repr(m)


def test_unknown_members_are_refused_everywhere(backend: Backend) -> None:
    with pytest.raises(UnknownMember):
        backend.service.member("M99999999")
    with pytest.raises(UnknownMember):
        backend.service.catalogue("M99999999")
    with pytest.raises(UnknownMember):
        backend.service.open_vouchers("M99999999")
    with pytest.raises(UnknownMember):
        backend.service.redeem("M99999999", [line("towel")], key())


def test_a_replaced_card_is_refused(backend: Backend) -> None:
    member_id = backend.member(10)
    assert backend.service.member(member_id, card_no=1).balance.available == 10
    assert backend.ledger.new_card(member_id) == 2
    with pytest.raises(CardRevoked):
        backend.service.member(member_id, card_no=1)
    assert backend.service.member(member_id, card_no=2).member_id == member_id


def test_catalogue_with_stock_limits_and_allowances(backend: Backend) -> None:
    member_id = backend.member(100)
    items = backend.service.catalogue(member_id).items
    assert [i.id for i in items][:3] == ["rice-5kg", "oil-1l", "eggs"]
    rice = items[0]
    assert (rice.points, rice.per_day, rice.per_month) == (30, 1, 2)
    assert (rice.left_today, rice.left_this_month) == (1, 2)
    assert rice.picture == "points_media/rice-5kg.png" and rice.name("en") == "Rice, 5 kg"
    eggs = next(i for i in items if i.id == "eggs")
    assert (eggs.per_day, eggs.per_month) == (2, 6)  # the configuration's default
    umbrella = next(i for i in items if i.id == "umbrella")
    assert umbrella.stock == 0 and umbrella.may_take == 0
    anonymous = backend.service.catalogue().items[0]
    assert anonymous.left_today is None and anonymous.stock == rice.stock


def test_redeeming_holds_points_and_reserves_stock(backend: Backend) -> None:
    member_id = backend.member(50)
    towels, eggs = backend.stock("towel"), backend.stock("eggs")
    v = backend.service.redeem(member_id, [line("towel", 2), line("eggs")], key())
    assert CODE.match(v.code) and v.qr_payload == "VC1." + v.code.replace("-", "")
    assert v.status is VoucherStatus.HELD and v.points == 20 and v.member_id == member_id
    assert {(x.item_id, x.quantity, x.unit_points) for x in v.lines} == {
        ("towel", 2, 5),
        ("eggs", 1, 10),
    }
    assert v.issued_at == backend.clock.now().replace(microsecond=0)
    assert v.expires_at > v.issued_at + timedelta(days=7) and not v.printed
    m = backend.service.member(member_id)
    assert m.balance == Balance(available=30, held=20)
    assert m.recent[0].kind is EntryKind.HOLD and m.recent[0].voucher_code == v.code
    assert [x.code for x in m.open_vouchers] == [v.code]
    assert (backend.stock("towel"), backend.stock("eggs")) == (towels - 2, eggs - 1)
    assert backend.ledger.verify() == []


def test_a_replay_returns_the_first_voucher_and_charges_once(backend: Backend) -> None:
    member_id = backend.member(50)
    k = key()
    first = backend.service.redeem(member_id, [line("towel")], k)
    stock = backend.stock("towel")
    again = backend.service.redeem(member_id, [line("towel")], k)
    assert again == first
    assert backend.service.member(member_id).balance == Balance(available=45, held=5)
    assert backend.stock("towel") == stock
    holds = [e for e in backend.ledger.entries(member_id) if e.kind is EntryKind.HOLD]
    assert len(holds) == 1


def test_the_same_key_for_another_request_is_refused(backend: Backend) -> None:
    member_id = backend.member(50)
    k = key()
    backend.service.redeem(member_id, [line("towel")], k)
    with pytest.raises(IdempotencyKeyReused):
        backend.service.redeem(member_id, [line("towel", 2)], k)
    with pytest.raises(IdempotencyKeyReused):
        backend.service.mark_printed(backend.service.open_vouchers(member_id)[0].code, k)
    assert backend.service.member(member_id).balance == Balance(available=45, held=5)


def test_not_enough_points_writes_nothing(backend: Backend) -> None:
    member_id = backend.member(8)
    stock = backend.stock("eggs")
    with pytest.raises(NotEnoughPoints):
        backend.service.redeem(member_id, [line("eggs")], key())
    assert backend.service.member(member_id).balance == Balance(available=8, held=0)
    assert backend.stock("eggs") == stock
    assert [e.kind for e in backend.ledger.entries(member_id)] == [EntryKind.EARN]


def test_out_of_stock_writes_nothing(backend: Backend) -> None:
    member_id = backend.member(100)
    with pytest.raises(OutOfStock):
        backend.service.redeem(member_id, [line("towel"), line("umbrella")], key())
    assert backend.service.member(member_id).balance.available == 100


def test_daily_limit(backend: Backend) -> None:
    member_id = backend.member(100)
    backend.service.redeem(member_id, [line("rice-5kg")], key())
    with pytest.raises(LimitReached):
        backend.service.redeem(member_id, [line("rice-5kg")], key())
    assert backend.service.catalogue(member_id).items[0].left_today == 0
    assert backend.service.member(member_id).balance == Balance(available=70, held=30)


def test_monthly_limit_and_cancelled_vouchers_do_not_count(backend: Backend) -> None:
    member_id = backend.member(100)
    cancelled = backend.service.redeem(member_id, [line("soap", 4)], key())
    backend.service.cancel(cancelled.code, key(), CancelledBy(staff="小李"))
    backend.service.redeem(member_id, [line("soap", 4)], key())  # 4 a day: cancelled freed it
    with pytest.raises(LimitReached):
        backend.service.redeem(member_id, [line("soap")], key())
    backend.clock.advance(86400)
    backend.service.redeem(member_id, [line("soap", 4)], key())
    backend.clock.advance(86400)
    soap = backend.service.catalogue(member_id).item("soap")
    assert soap is not None and (soap.left_today, soap.left_this_month) == (4, 2)
    if backend.clock.now().month == (backend.clock.now() - timedelta(days=2)).month:
        with pytest.raises(LimitReached):
            backend.service.redeem(member_id, [line("soap", 3)], key())
        backend.service.redeem(member_id, [line("soap", 2)], key())


def test_unknown_item_and_malformed_requests(backend: Backend) -> None:
    member_id = backend.member(100)
    with pytest.raises(UnknownItem):
        backend.service.redeem(member_id, [line("caviar")], key())
    with pytest.raises(InvalidQuery):
        backend.service.redeem(member_id, [], key())
    with pytest.raises(InvalidQuery):
        backend.service.redeem(member_id, [line("towel", 21)], key())
    with pytest.raises(InvalidQuery):
        backend.service.member("bad id!")
    assert backend.service.member(member_id).balance.available == 100


def test_fulfilment_posts_the_held_points(backend: Backend) -> None:
    member_id = backend.member(50, hours=50)
    v = backend.service.redeem(member_id, [line("eggs")], key())
    k = key()
    done = backend.service.fulfil(v.code, "小李", k)
    assert done.status is VoucherStatus.FULFILLED and done.closed_by == "小李"
    assert backend.service.fulfil(v.code, "小李", k) == done  # a replay
    with pytest.raises(VoucherAlreadyFulfilled):
        backend.service.fulfil(v.code, "小王", key())
    with pytest.raises(VoucherAlreadyFulfilled):
        backend.service.cancel(v.code, key(), CancelledBy(staff="小王"))
    m = backend.service.member(member_id)
    assert m.balance == Balance(available=40, held=0)
    assert m.hours_centi == 5000  # spending points never reduces hours
    post = m.recent[0]
    assert (post.kind, post.staff, post.terminal) == (EntryKind.POST, "小李", "kiosk-test")
    assert backend.service.voucher(v.code).status is VoucherStatus.FULFILLED
    assert backend.service.open_vouchers(member_id) == []


def test_unknown_vouchers(backend: Backend) -> None:
    with pytest.raises(VoucherNotFound):
        backend.service.fulfil("ABCD-EFGH", "小李", key())
    with pytest.raises(VoucherNotFound):
        backend.service.voucher("ABCD-EFGH")
    with pytest.raises(VoucherNotFound):
        backend.service.mark_printed("ABCD-EFGH", key())
    with pytest.raises(VoucherNotFound):
        backend.service.cancel("ABCD-EFGH", key(), CancelledBy(staff="小李"))


def test_cancellation_returns_points_and_stock(backend: Backend) -> None:
    member_id = backend.member(50)
    stock = backend.stock("towel")
    v = backend.service.redeem(member_id, [line("towel", 2)], key())
    done = backend.service.cancel(v.code, key(), CancelledBy(staff="小李"))
    assert done.status is VoucherStatus.CANCELLED and done.closed_by == "小李"
    assert backend.service.member(member_id).balance == Balance(available=50, held=0)
    assert backend.stock("towel") == stock
    with pytest.raises(VoucherClosed):
        backend.service.cancel(v.code, key(), CancelledBy(staff="小李"))
    with pytest.raises(VoucherClosed):
        backend.service.fulfil(v.code, "小李", key())
    void = backend.ledger.entries(member_id)[-1]
    assert (void.kind, void.available, void.held, void.staff) == (EntryKind.VOID, 10, -10, "小李")


def test_residents_may_not_cancel_by_default(backend: Backend) -> None:
    member_id = backend.member(50)
    v = backend.service.redeem(member_id, [line("towel")], key())
    with pytest.raises(CancelNotAllowed):
        backend.service.cancel(v.code, key(), CancelledBy(member_id=member_id))
    assert backend.service.voucher(v.code).status is VoucherStatus.HELD


def test_unprinted_vouchers_and_reprint(backend: Backend) -> None:
    member_id = backend.member(50)
    first = backend.service.redeem(member_id, [line("towel")], key())
    backend.clock.advance(60)
    second = backend.service.redeem(member_id, [line("soap")], key())
    m = backend.service.member(member_id)
    assert [v.code for v in m.unprinted_vouchers] == [second.code, first.code]
    printed = backend.service.mark_printed(second.code, key())
    assert printed.printed
    assert [v.code for v in backend.service.member(member_id).unprinted_vouchers] == [first.code]
    assert [v.code for v in backend.service.open_vouchers(member_id)] == [second.code, first.code]


def test_unclaimed_vouchers_expire_and_return_everything(backend: Backend) -> None:
    member_id = backend.member(50)
    v = backend.service.redeem(member_id, [line("eggs")], key())
    held = sum(  # every open voucher so far expires with this one
        x.quantity
        for o in backend.ledger.vouchers()
        if o.status is VoucherStatus.HELD
        for x in o.lines
        if x.item_id == "eggs"
    )
    stock = backend.stock("eggs") + held
    backend.clock.advance(8 * 86400 + 3600)
    assert backend.service.open_vouchers(member_id) == []
    with pytest.raises(VoucherClosed):
        backend.service.fulfil(v.code, "小李", key())
    assert backend.service.voucher(v.code).status is VoucherStatus.EXPIRED
    assert backend.service.member(member_id).balance == Balance(available=50, held=0)
    assert backend.stock("eggs") == stock
    assert backend.ledger.verify() == []


def test_the_quiz_earns_once_a_day(backend: Backend) -> None:
    member_id = backend.member(0)
    k = key()
    first = backend.service.earn(member_id, 1, k, QUIZ_REASON)
    assert (first.status, first.points, first.balance) == (EarnStatus.EARNED, 1, 1)
    assert backend.service.earn(member_id, 1, k, QUIZ_REASON).status is EarnStatus.ALREADY_EARNED
    other_key = backend.service.earn(member_id, 1, key(), QUIZ_REASON)
    assert other_key.status is EarnStatus.ALREADY_EARNED and other_key.points == 0
    backend.clock.advance(86400)
    assert backend.service.earn(member_id, 1, key(), QUIZ_REASON).status is EarnStatus.EARNED
    assert backend.service.member(member_id).balance.available == 2


@pytest.mark.parametrize(
    ("member", "points", "reason"),
    [("unknown", 1, QUIZ_REASON), ("known", 2, QUIZ_REASON), ("known", 1, "volunteer")],
)
def test_kiosks_cannot_credit_anything_else(
    backend: Backend, member: str, points: int, reason: str
) -> None:
    member_id = backend.member(0) if member == "known" else "M99999999"
    result = backend.service.earn(member_id, points, key(), reason)
    assert result.status is EarnStatus.REJECTED and result.points == 0
    if member == "known":
        assert backend.service.member(member_id).balance.available == 0


def test_every_entry_is_traceable_to_its_terminal(backend: Backend) -> None:
    member_id = backend.member(50)
    v = backend.service.redeem(member_id, [line("towel")], key())
    backend.service.fulfil(v.code, "小李", key())
    entries = backend.ledger.entries(member_id)
    assert {e.terminal for e in entries[1:]} == {"kiosk-test"}
    assert entries[-1].staff == "小李"


def test_ping(backend: Backend) -> None:
    backend.service.ping()
