"""The SQLite ledger itself: durability settings, migrations, the database's own guards,
policies that the contract suite runs with their defaults, expiry, and concurrent writers."""

from __future__ import annotations

import sqlite3
import threading
from datetime import date, datetime
from pathlib import Path

import pytest

from kiosk.framework.clock import FakeClock
from kiosk.platform.service_errors import InvalidQuery, StoreError
from kiosk.points.catalogue import CatalogueSpec, CatalogueSpecItem, load_catalogue_spec
from kiosk.points.config import QUIZ_REASON, ItemLimits, PointsConfig
from kiosk.points.errors import (
    CancelNotAllowed,
    IdempotencyKeyReused,
    NotEnoughPoints,
    UnknownItem,
)
from kiosk.points.ledger import SCHEMA_VERSION, Ledger, expiry_date
from kiosk.points.local import LocalPointsService
from kiosk.points.model import Balance, CartLine, EntryKind, VoucherStatus
from tests.unit.kiosk.points.conftest import NOW, key

TOWEL = [CartLine(item_id="towel", quantity=1)]


def new_ledger(tmp_path: Path, config: PointsConfig | None = None, *, demo: bool = True) -> Ledger:
    """A ledger with the packaged catalogue, and the demo members unless ``demo`` is False."""
    if demo:
        return LocalPointsService.open_demo(
            tmp_path / "points.sqlite3", config=config, clock=FakeClock(NOW)
        ).ledger
    ledger = Ledger(tmp_path / "points.sqlite3", config, FakeClock(NOW))
    ledger.sync_catalogue(load_catalogue_spec())
    return ledger


def member(ledger: Ledger, points: int, member_id: str = "T0001") -> str:
    ledger.add_member(member_id, "测试")
    if points:
        ledger.credit(member_id, points, key(), reason="volunteer", terminal="t", staff="s")
    return member_id


def test_durability_settings_and_schema(tmp_path: Path) -> None:
    ledger = new_ledger(tmp_path)
    try:
        c = sqlite3.connect(ledger.path)
        assert c.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        c.close()
        conn = ledger._conn()
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert ledger.schema_version == SCHEMA_VERSION
    finally:
        ledger.close()


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    new_ledger(tmp_path).close()
    c = sqlite3.connect(tmp_path / "points.sqlite3")
    c.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    c.close()
    with pytest.raises(StoreError):
        Ledger(tmp_path / "points.sqlite3")


def test_entries_are_append_only_and_never_negative_in_the_database(tmp_path: Path) -> None:
    ledger = new_ledger(tmp_path)
    try:
        m = member(ledger, 10)
        c = sqlite3.connect(ledger.path, isolation_level=None)
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            c.execute("UPDATE entries SET available = 1000")
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            c.execute("DELETE FROM entries")
        with pytest.raises(sqlite3.IntegrityError, match="negative balance"):
            c.execute(
                "INSERT INTO entries (idem_key, kind, member_id, available, held, reason,"
                " terminal, staff, at) VALUES ('x', 'adjust', ?, -11, 0, 'r', 't', 's', 'now')",
                (m,),
            )
        with pytest.raises(sqlite3.IntegrityError):
            c.execute("UPDATE items SET stock = -1 WHERE id = 'towel'")
        with pytest.raises(sqlite3.IntegrityError):  # a hold must move points to held
            c.execute(
                "INSERT INTO entries (idem_key, kind, member_id, available, held, reason,"
                " terminal, at) VALUES ('y', 'earn', ?, 5, 5, 'r', 't', 'now')",
                (m,),
            )
        c.close()
        assert ledger.balance(m) == Balance(available=10, held=0)
    finally:
        ledger.close()


def test_residents_may_cancel_their_own_vouchers_where_policy_allows(tmp_path: Path) -> None:
    ledger = new_ledger(tmp_path, PointsConfig(cancel_policy="resident"))
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


def test_adjustments_name_the_staff_and_never_go_below_zero(tmp_path: Path) -> None:
    ledger = new_ledger(tmp_path)
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


def test_a_transport_retry_of_an_earning_still_says_earned(tmp_path: Path) -> None:
    ledger = new_ledger(tmp_path)
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


def test_demo_seeding_and_catalogue_sync_are_idempotent(tmp_path: Path) -> None:
    new_ledger(tmp_path).close()
    ledger = new_ledger(tmp_path)  # opened again: nothing seeded twice
    try:
        members = {m[0]: m for m in ledger.members()}
        assert members["M20230517"][3] == Balance(available=120, held=0)
        assert members["M20210309"][3] == Balance(available=34, held=11)
        assert members["M20250001"][2] == 2
        assert len(ledger.entries()) == 5  # four credits and one demo voucher
        towels = ledger.catalogue().item("towel")
        assert towels is not None and towels.stock == 49
        spec = load_catalogue_spec()
        cheaper = [i.model_copy(update={"points": 4}) if i.id == "towel" else i for i in spec.item]
        ledger.sync_catalogue(CatalogueSpec(item=tuple(x for x in cheaper if x.id != "soap")))
        towels = ledger.catalogue().item("towel")
        assert towels is not None and (towels.points, towels.stock) == (4, 49)  # stock kept
        assert ledger.catalogue().item("soap") is None  # withdrawn
        with pytest.raises(UnknownItem):
            ledger.redeem("M20230517", [CartLine(item_id="soap", quantity=1)], key(), "k")
        assert ledger.verify() == []
    finally:
        ledger.close()


def test_configured_limits_win_over_the_catalogue(tmp_path: Path) -> None:
    config = PointsConfig(limits={"rice-5kg": ItemLimits(per_day=3, per_month=None)})
    ledger = new_ledger(tmp_path, config)
    try:
        rice = ledger.catalogue("M20230517").item("rice-5kg")
        assert rice is not None and (rice.per_day, rice.per_month, rice.left_today) == (3, None, 3)
        ledger.redeem("M20230517", [CartLine(item_id="rice-5kg", quantity=3)], key(), "k")
    finally:
        ledger.close()


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


def test_points_expire_oldest_first_and_a_second_run_writes_nothing(tmp_path: Path) -> None:
    ledger = new_ledger(tmp_path, PointsConfig(expiry="end_of_year"), demo=False)
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


def test_spent_points_do_not_expire(tmp_path: Path) -> None:
    ledger = new_ledger(tmp_path, PointsConfig(expiry="after_years", expiry_years=1), demo=False)
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


def test_concurrent_redemptions_never_overdraw(tmp_path: Path) -> None:
    ledger = new_ledger(tmp_path, PointsConfig(default_limits=ItemLimits()))
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


def test_catalogue_files_are_validated() -> None:
    with pytest.raises(ValueError):
        CatalogueSpec(
            item=(
                CatalogueSpecItem(id="a", name_zh="甲", name_en="A", points=1, stock=1),
                CatalogueSpecItem(id="a", name_zh="乙", name_en="B", points=1, stock=1),
            )
        )
    spec = load_catalogue_spec()
    from kiosk.points.catalogue import picture_path

    for item in spec.item:
        path = picture_path(item.picture)
        assert path is not None and path.is_file() and path.stat().st_size < 30_000
    assert picture_path("../../etc/passwd") is None


def test_vouchers_keep_the_time_they_were_issued(tmp_path: Path) -> None:
    ledger = new_ledger(tmp_path, PointsConfig(voucher_valid_days=0))
    try:
        v = ledger.redeem("M20230517", TOWEL, key(), "k").value
        assert v.issued_at == datetime(2026, 11, 23, 9, 30)
        assert v.expires_at == datetime(2026, 11, 24, 0, 0)  # the end of the day of issue
    finally:
        ledger.close()


def test_an_expired_voucher_frees_its_points_and_stock_before_anything_else_is_written(
    tmp_path: Path,
) -> None:
    ledger = new_ledger(tmp_path, PointsConfig(voucher_valid_days=1))
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
