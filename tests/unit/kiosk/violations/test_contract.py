"""One suite, both implementations: the same inputs give the same results and the same errors.

``local`` is the embedded SQLite service; ``http`` goes through the kiosk's HTTP client to
the real center on 127.0.0.1 (uvicorn), which serves the same data.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest

from kiosk.framework.clock import FakeClock
from kiosk.platform.service_errors import InvalidQuery, NotMatched
from kiosk.violations.demo_data import generate_demo
from kiosk.violations.local import LocalViolationService
from kiosk.violations.local_store import ViolationStore
from kiosk.violations.regions import SecretKind, load_regions
from kiosk.violations.service import (
    Capture,
    LicenceQuery,
    LookupResult,
    StillFetching,
    VehicleQuery,
    ViolationService,
)
from tests.support.uvicorn_server import RunningCenter
from tests.unit.kiosk.violations.conftest import NOW

MANY = VehicleQuery(plate_type="02", plate="苏E8D2K7", secret="4G15B08327")


def result(outcome: LookupResult | StillFetching) -> LookupResult:
    assert isinstance(outcome, LookupResult), outcome
    return outcome


def test_well_known_vehicle_has_its_records_newest_first(violations: ViolationService) -> None:
    r = result(violations.lookup_vehicle(MANY))
    assert len(r.records) == 12
    times = [x.occurred_at for x in r.records]
    assert times == sorted(times, reverse=True)
    assert r.fetched_at == NOW and r.licence_points is None
    first = r.records[0]
    assert (first.behaviour_code, first.fine_fen, first.points) == ("1625", 20000, 6)
    assert (first.handled, first.paid, first.capture) == (False, False, Capture.CAMERA)
    assert first.plate == "苏E8D2K7" and first.plate_type == "02"
    unpaid = next(x for x in r.records if x.decision_number == "3205061000012345")
    assert (unpaid.handled, unpaid.paid, unpaid.capture) == (True, False, Capture.ON_SITE)
    assert unpaid.decided_on == date(2026, 9, 12)
    assert unpaid.late_fee_fen == unpaid.fine_fen == 10000  # 72 days: capped at the fine
    recent = next(x for x in r.records if x.decision_number == "3201021000071234")
    assert recent.late_fee_fen == 0  # decided 13 days ago: within the grace period
    assert any(x.points is None for x in r.records)
    assert any(x.fine_fen is None and x.late_fee_fen is None for x in r.records)
    assert any(x.handled is None and x.paid is None for x in r.records)


def test_input_is_normalised_the_same_way(violations: ViolationService) -> None:
    q = VehicleQuery(plate_type="02", plate=" 苏e·8d2-k7 ", secret="4g15 b08327")
    assert result(violations.lookup_vehicle(q)).records[0].id == "WK00-00"


def test_vehicle_without_records(violations: ViolationService) -> None:
    q = VehicleQuery(plate_type="02", plate="苏E5N8P2", secret="JL478QEE5N8P2")
    assert result(violations.lookup_vehicle(q)).records == ()


def test_still_fetching_is_its_own_answer(violations: ViolationService) -> None:
    outcome = violations.lookup_vehicle(VehicleQuery(plate_type="02", plate="粤B4H7N2"))
    assert isinstance(outcome, StillFetching)
    assert outcome.retry_after_s == 30 and outcome.fetched_at == NOW


@pytest.mark.parametrize(
    ("plate_type", "plate", "secret"),
    [
        ("52", "沪AD73519", "073519"),  # vin_last6
        ("51", "京A35728D", "K35728"),  # engine_last6
        ("15", "浙A8K23挂", "李秀英"),  # owner_name
        ("16", "川A6Q21学", "016021"),  # default region: vin_last6
        ("26", "粤Z3C45港", ""),  # none
    ],
)
def test_every_kind_of_secret(
    violations: ViolationService, plate_type: str, plate: str, secret: str
) -> None:
    r = result(
        violations.lookup_vehicle(VehicleQuery(plate_type=plate_type, plate=plate, secret=secret))
    )
    assert r.records and all(x.plate == plate for x in r.records)


@pytest.mark.parametrize(
    "query",
    [
        VehicleQuery(plate_type="02", plate="苏E8D2K7", secret="4G15B08328"),  # wrong secret
        VehicleQuery(plate_type="02", plate="苏E9Z9Z9", secret="4G15B08327"),  # unknown plate
        VehicleQuery(plate_type="01", plate="苏E8D2K7", secret="4G15B08327"),  # wrong type
        VehicleQuery(plate_type="15", plate="浙A8K23挂", secret="李秀"),  # wrong owner name
    ],
)
def test_not_matched_is_one_answer(violations: ViolationService, query: VehicleQuery) -> None:
    with pytest.raises(NotMatched) as e:
        violations.lookup_vehicle(query)
    assert e.value.status == 404 and e.value.error_code == "not_matched"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        (VehicleQuery(plate_type="99", plate="苏E8D2K7", secret="x"), "plate_type"),
        (VehicleQuery(plate_type="02", plate="苏E8D2KO", secret="4G15B08327"), "plate"),
        (VehicleQuery(plate_type="02", plate="XE8D2K7", secret="4G15B08327"), "plate"),
        (VehicleQuery(plate_type="02", plate="苏E8D2K7", secret=""), "secret"),
        (VehicleQuery(plate_type="52", plate="沪AD73519", secret="73519"), "secret"),
    ],
)
def test_invalid_queries_name_the_field(
    violations: ViolationService, query: VehicleQuery, field: str
) -> None:
    with pytest.raises(InvalidQuery) as e:
        violations.lookup_vehicle(query)
    assert e.value.field == field and e.value.status == 422


def test_licence_lookup_gives_the_holders_records_and_points(
    violations: ViolationService,
) -> None:
    r = result(
        violations.lookup_licence(
            LicenceQuery(licence_number="11010519491231002x", file_number="3201 0012 3456")
        )
    )
    assert r.licence_points == 3
    assert {x.plate for x in r.records} == {"苏E8D2K7", "京A35728D"}
    assert len(r.records) == 13
    assert [x.occurred_at for x in r.records] == sorted(
        (x.occurred_at for x in r.records), reverse=True
    )


def test_licence_of_a_pending_vehicle_is_pending(violations: ViolationService) -> None:
    q = LicenceQuery(licence_number="440305198807150031", file_number="440300654321")
    assert isinstance(violations.lookup_licence(q), StillFetching)


@pytest.mark.parametrize(
    ("query", "error", "field"),
    [
        (
            LicenceQuery(licence_number="11010519491231002X", file_number="320100123457"),
            NotMatched,
            "",
        ),
        (
            LicenceQuery(licence_number="110105194912310021", file_number="320100123456"),
            InvalidQuery,
            "licence_number",
        ),
        (
            LicenceQuery(licence_number="11010519491231002X", file_number="32010012345"),
            InvalidQuery,
            "file_number",
        ),
        (
            LicenceQuery(licence_number="110101199003070011", file_number="320100123456"),
            NotMatched,
            "",
        ),
    ],
)
def test_licence_errors(
    violations: ViolationService, query: LicenceQuery, error: type[Exception], field: str
) -> None:
    with pytest.raises(error) as e:
        violations.lookup_licence(query)
    if field:
        assert isinstance(e.value, InvalidQuery) and e.value.field == field


def test_both_implementations_agree_on_a_sample_of_the_demo_fleet(
    violations: ViolationService, center: RunningCenter
) -> None:
    regions = load_regions()
    data = generate_demo()
    reference = LocalViolationService(
        ViolationStore(center.service.store.path), clock=FakeClock(NOW)
    )
    try:
        for vehicle in data.vehicles[::97]:
            q = VehicleQuery(
                plate_type=vehicle.plate_type,
                plate=vehicle.plate,
                secret=data.secret_for(vehicle, regions),
            )
            assert violations.lookup_vehicle(q) == reference.lookup_vehicle(q)
    finally:
        reference.close()


def test_records_change_between_lookups_and_nothing_is_cached(
    violations: ViolationService, center: RunningCenter
) -> None:
    store = center.service.store
    before = result(violations.lookup_vehicle(MANY))
    target = before.records[0]
    assert target.handled is False
    try:
        store.update_record(
            target.id,
            handled=True,
            paid=False,
            decision_number="3205069999999999",
            decided_on=date(2026, 11, 1),
        )
        after = result(violations.lookup_vehicle(MANY))
        changed = next(x for x in after.records if x.id == target.id)
        assert (changed.handled, changed.paid) == (True, False)
        assert changed.decision_number == "3205069999999999"
        assert changed.late_fee_fen == 20000 * 3 // 100 * 7  # 22 days: 7 days late
    finally:
        store.update_record(target.id, handled=False, paid=False)
        with store.transaction() as c:
            c.execute(
                "UPDATE violations SET decision_number = NULL, decided_on = NULL WHERE id = ?",
                (target.id,),
            )
    assert result(violations.lookup_vehicle(MANY)) == before


def test_each_region_has_one_secret_kind() -> None:
    regions = load_regions()
    kinds = {r.secret for r in regions.regions}
    assert kinds == set(SecretKind)
    assert regions.for_plate("苏E8D2K7").secret is SecretKind.ENGINE_FULL
    assert regions.for_plate("鲁A12345").id == regions.default


def test_ping(violations: ViolationService) -> None:
    violations.ping()


def test_fetched_at_is_the_service_clock(center: RunningCenter) -> None:
    later = FakeClock(datetime(2026, 12, 20, 8, 0))
    local = LocalViolationService(ViolationStore(center.service.store.path), clock=later)
    try:
        r = result(local.lookup_vehicle(MANY))
        assert r.fetched_at == datetime(2026, 12, 20, 8, 0)
        recent = next(x for x in r.records if x.decision_number == "3201021000071234")
        assert recent.late_fee_fen == 15000  # 40 days after the decision: 25 days at 3%
    finally:
        local.close()
