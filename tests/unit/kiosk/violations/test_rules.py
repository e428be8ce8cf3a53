"""Self-service eligibility, the late fee and the payment hand-off, all from configuration."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from kiosk.violations.rules import (
    Outcome,
    Verdict,
    ViolationRules,
    check_eligibility,
    format_yuan,
    late_fee_fen,
    load_rules,
    payment_url,
)
from kiosk.violations.service import Capture, ViolationRecord

RULES = load_rules()


def record(**changes: Any) -> ViolationRecord:
    values: dict[str, Any] = {
        "id": "R1",
        "plate_type": "02",
        "plate": "苏E8D2K7",
        "occurred_at": datetime(2026, 11, 2, 8, 14),
        "place": "干将路人民路口",
        "behaviour_code": "1625",
        "behaviour_text": "驾驶机动车违反道路交通信号灯通行的",
        "fine_fen": 20000,
        "late_fee_fen": 0,
        "points": 6,
        "handled": False,
        "paid": False,
        "authority": "江苏省公安厅交通警察总队",
        "capture": Capture.CAMERA,
    }
    values.update(changes)
    return ViolationRecord(**values)


def failed(r: ViolationRecord, existing: int | None = 0) -> set[str]:
    return {c.rule for c in check_eligibility(r, RULES, existing).failed}


def test_the_configured_file_holds_the_documented_limits() -> None:
    e = RULES.eligibility
    assert (e.camera_only, e.max_fine_yuan, e.max_points_per_record, e.max_total_points) == (
        True,
        200,
        6,
        11,
    )
    assert (RULES.late_fee.grace_days, RULES.late_fee.daily_rate_percent) == (15, Decimal(3))


def test_a_camera_record_within_every_limit_is_eligible() -> None:
    result = check_eligibility(record(), RULES, existing_points=5)
    assert result.verdict is Verdict.ELIGIBLE and not result.failed and not result.undecided


@pytest.mark.parametrize(
    ("changes", "existing", "rule"),
    [
        ({"capture": Capture.ON_SITE}, 0, "camera_only"),
        ({"fine_fen": 20001}, 0, "max_fine"),
        ({"points": 9}, 0, "max_points"),
        ({"points": 6}, 6, "max_total_points"),
        ({"handled": True, "decision_number": "1"}, 0, "not_handled"),
    ],
)
def test_each_rule_fails_on_its_own(changes: dict[str, Any], existing: int, rule: str) -> None:
    r = record(**changes)
    assert failed(r, existing) == {rule}
    assert check_eligibility(r, RULES, existing).verdict is Verdict.NOT_ELIGIBLE


@pytest.mark.parametrize(
    ("changes", "existing", "rules"),
    [
        ({"fine_fen": None}, 0, {"max_fine"}),
        ({"points": None}, 0, {"max_points", "max_total_points"}),
        ({"handled": None}, 0, {"not_handled"}),
        ({}, None, {"max_total_points"}),
    ],
)
def test_unknown_values_leave_rules_undecided_and_say_which(
    changes: dict[str, Any], existing: int | None, rules: set[str]
) -> None:
    result = check_eligibility(record(**changes), RULES, existing)
    assert result.verdict is Verdict.UNKNOWN
    assert {c.rule for c in result.undecided} == rules
    assert all(c.key.endswith(".unknown") for c in result.undecided)


def test_a_failure_wins_over_an_unknown() -> None:
    result = check_eligibility(record(capture=Capture.ON_SITE), RULES, None)
    assert result.verdict is Verdict.NOT_ELIGIBLE and result.undecided


def test_rules_come_from_configuration(tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    path.write_text(
        "[eligibility]\ncamera_only = false\nmax_fine_yuan = 50\n"
        "[late_fee]\ngrace_days = 0\ndaily_rate_percent = 10\ncap_at_fine = false\n",
        encoding="utf-8",
    )
    rules = load_rules(path)
    r = record(capture=Capture.ON_SITE)
    checks = {c.rule: c.outcome for c in check_eligibility(r, rules, 0).checks}
    assert "camera_only" not in checks and checks["max_fine"] is Outcome.FAIL
    assert late_fee_fen(10000, date(2026, 1, 1), date(2026, 1, 21), rules) == 20000  # uncapped


def test_late_fee_starts_after_15_days_at_3_percent_and_is_capped() -> None:
    decided = date(2026, 9, 1)

    def fee(days: int, fine: int = 20000) -> int:
        return late_fee_fen(fine, decided, decided + timedelta(days=days), RULES)

    assert fee(0) == fee(15) == 0
    assert fee(16) == 600  # 3% of 200 元
    assert fee(20) == 3000
    assert fee(48) == 19800
    assert fee(49) == fee(400) == 20000  # never more than the fine
    assert fee(16, fine=5050) == 152  # 151.5 fen rounds half up


@given(
    fine=st.integers(0, 500_000),
    days=st.integers(-30, 2000),
)
def test_late_fee_is_never_negative_nor_above_the_fine(fine: int, days: int) -> None:
    decided = date(2026, 1, 1)
    fee = late_fee_fen(fine, decided, decided + timedelta(days=days), RULES)
    assert 0 <= fee <= fine
    if days <= 15:
        assert fee == 0


def test_payment_link_only_for_handled_unpaid_records_with_a_decision_number() -> None:
    payable = record(handled=True, paid=False, decision_number="3205061000012345")
    url = payment_url(payable, RULES)
    assert url == "https://pay.example.invalid/traffic-fine?decision=3205061000012345"
    assert payment_url(record(), RULES) is None
    assert payment_url(record(handled=True, paid=True, decision_number="1"), RULES) is None
    assert payment_url(record(handled=True, paid=None, decision_number="1"), RULES) is None
    assert payment_url(record(handled=True, paid=False), RULES) is None
    odd = record(handled=True, paid=False, decision_number="32/05 06&x")
    assert payment_url(odd, RULES) == (
        "https://pay.example.invalid/traffic-fine?decision=32%2F05%2006%26x"
    )


@pytest.mark.parametrize(
    "template", ["http://pay.example/?d={decision_number}", "https://pay.example/fixed"]
)
def test_payment_template_must_be_https_and_keyed(template: str) -> None:
    with pytest.raises(ValidationError):
        ViolationRules.model_validate({"payment": {"url_template": template}})


def test_format_yuan() -> None:
    assert format_yuan(20000) == "200.00"
    assert format_yuan(5) == "0.05"
    assert format_yuan(None) is None
