"""The demo set: deterministic, valid plates, and every state a screen must show."""

from __future__ import annotations

import hashlib
from collections import Counter

from kiosk.platform.backend_config import DEFAULT_SEED
from kiosk.violations.demo_data import DemoData, generate_demo
from kiosk.violations.plates import PLATE_TYPES, validate_plate
from kiosk.violations.regions import SecretKind, load_regions
from kiosk.violations.rules import Verdict, check_eligibility, load_rules
from kiosk.violations.service import Capture, ViolationRecord


def digest(data: DemoData) -> str:
    h = hashlib.sha256()
    for v in data.vehicles:
        h.update(repr((v.plate_type, v.plate, v.engine_number, v.vin, v.owner)).encode())
        for r in v.records:
            h.update(repr(r).encode())
    return h.hexdigest()


def test_same_seed_same_data_other_seed_other_data() -> None:
    build = generate_demo.__wrapped__
    assert digest(build(DEFAULT_SEED, 200)) == digest(build(DEFAULT_SEED, 200))
    assert digest(build(DEFAULT_SEED, 200)) != digest(build(DEFAULT_SEED + 1, 200))


def test_size_and_record_counts() -> None:
    data = generate_demo()
    assert len(data.vehicles) >= 1000
    counts = Counter(len(v.records) for v in data.vehicles)
    assert min(counts) == 0 and max(counts) == 15
    assert len({(v.plate_type, v.plate) for v in data.vehicles}) == len(data.vehicles)


def test_every_plate_is_valid_for_its_type_and_every_type_occurs() -> None:
    data = generate_demo()
    bad = [v.plate for v in data.vehicles if not validate_plate(v.plate, v.plate_type).ok]
    assert not bad
    assert {v.plate_type for v in data.vehicles} == set(PLATE_TYPES)
    suffixes = {v.plate[-1] for v in data.vehicles}
    assert {"挂", "学", "港", "澳"} <= suffixes


def test_every_region_secret_kind_and_pending_occurs() -> None:
    data = generate_demo()
    regions = load_regions()
    kinds = Counter(regions.for_plate(v.plate).secret for v in data.vehicles)
    assert set(kinds) == set(SecretKind)
    assert sum(v.provider_pending for v in data.vehicles) >= 3


def test_every_record_state_occurs() -> None:
    data = generate_demo()
    rules = load_rules()
    records = [r for v in data.vehicles for r in v.records]
    seen: Counter[object] = Counter()
    for r in records:
        seen[("handled", r.handled)] += 1
        seen[("paid", r.paid)] += 1
        seen[("capture", r.capture)] += 1
        seen[("fine_unknown", r.fine_fen is None)] += 1
        seen[("points_unknown", r.points is None)] += 1
        if r.handled and r.paid is False:
            assert r.decision_number and r.decided_on
            seen["handled_unpaid_with_decision"] += 1
        if r.handled is False:
            assert r.decision_number is None
        record = ViolationRecord(
            id=r.id,
            plate_type="02",
            plate="苏E8D2K7",
            occurred_at=r.occurred_at,
            place=r.place,
            behaviour_code=r.behaviour_code,
            behaviour_text=r.behaviour_text,
            fine_fen=r.fine_fen,
            late_fee_fen=0,
            points=r.points,
            handled=r.handled,
            paid=r.paid,
            authority=r.authority,
            decision_number=r.decision_number,
            decided_on=r.decided_on,
            capture=r.capture,
        )
        seen[("verdict", check_eligibility(record, rules, existing_points=0).verdict)] += 1
    for key in [
        ("handled", True),
        ("handled", False),
        ("handled", None),
        ("paid", True),
        ("paid", False),
        ("paid", None),
        ("capture", Capture.CAMERA),
        ("capture", Capture.ON_SITE),
        ("fine_unknown", True),
        ("points_unknown", True),
        "handled_unpaid_with_decision",
        ("verdict", Verdict.ELIGIBLE),
        ("verdict", Verdict.NOT_ELIGIBLE),
        ("verdict", Verdict.UNKNOWN),
    ]:
        assert seen[key] > 0, key


WELL_KNOWN = [
    "苏E8D2K7",
    "苏E5N8P2",
    "粤B4H7N2",
    "沪AD73519",
    "京A35728D",
    "浙A8K23挂",
    "川A6Q21学",
    "粤Z3C45港",
]


def test_well_known_plates_are_first_and_as_documented() -> None:
    data = generate_demo()
    assert [v.plate for v in data.vehicles[: len(WELL_KNOWN)]] == WELL_KNOWN
    assert len(data.vehicles[0].records) == 12
    assert not data.vehicles[1].records
    assert data.vehicles[2].provider_pending
