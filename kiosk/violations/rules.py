"""Self-service eligibility of a violation record, the late fee, and the payment hand-off.

Every limit comes from configuration (``config/violation_rules.toml``). Eligibility is
checked rule by rule; each rule passes, fails, or cannot be decided because a value is
unknown (fine, points, handled, or the holder's existing points). The verdict is
"not eligible" if any rule fails, "unknown" if none fails but one cannot be decided, and
"eligible" otherwise; the UI names the rule either way.

The kiosk never takes money (罚缴分离): for a handled, unpaid record with a decision number it
builds the official payment URL from a configured template.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from pathlib import Path
from urllib.parse import quote, urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

from kiosk.platform.project import PROJECT_ROOT
from kiosk.violations.service import Capture, ViolationRecord

DEFAULT_RULES_FILE = PROJECT_ROOT / "config" / "violation_rules.toml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EligibilityRules(_Strict):
    """Limits for self-service handling (summary procedure plus the local terminal rule)."""

    camera_only: bool = True
    max_fine_yuan: int = Field(200, ge=0)
    max_points_per_record: int = Field(6, ge=0, le=12)
    max_total_points: int = Field(11, ge=0, le=12)
    require_unhandled: bool = True


class LateFeeRules(_Strict):
    """加处罚款: a daily percentage of the fine after a grace period, capped at the fine."""

    grace_days: int = Field(15, ge=0, le=365)
    daily_rate_percent: Decimal = Field(Decimal(3), ge=0, le=100)
    cap_at_fine: bool = True


class PaymentRules(_Strict):
    """Where a resident pays: a URL template keyed by ``{decision_number}``."""

    url_template: str = "https://pay.example.invalid/traffic-fine?decision={decision_number}"

    @field_validator("url_template")
    @classmethod
    def _https_with_placeholder(cls, v: str) -> str:
        if "{decision_number}" not in v:
            raise ValueError("needs a {decision_number} placeholder")
        if urlsplit(v).scheme != "https":
            raise ValueError("the payment link must be https")
        return v


class ViolationRules(_Strict):
    """All violation rules of a site."""

    eligibility: EligibilityRules = EligibilityRules()
    late_fee: LateFeeRules = LateFeeRules()
    payment: PaymentRules = PaymentRules()


def load_rules(path: Path = DEFAULT_RULES_FILE) -> ViolationRules:
    """Reads and validates a rules file."""
    with path.open("rb") as f:
        return ViolationRules.model_validate(tomllib.load(f))


class Outcome(StrEnum):
    """One rule's result for one record."""

    PASS = "pass"
    FAIL = "fail"
    UNKNOWN = "unknown"


class Verdict(StrEnum):
    """Whether a record may be handled by self-service."""

    ELIGIBLE = "eligible"
    NOT_ELIGIBLE = "not_eligible"
    UNKNOWN = "unknown"

    @property
    def key(self) -> str:
        """Translation key of the verdict's message (with its next step)."""
        return f"violations.eligibility.{self.value}"


@dataclass(frozen=True)
class RuleCheck:
    """One rule applied to one record.

    Attributes:
        rule: ``camera_only``, ``max_fine``, ``max_points``, ``max_total_points`` or
            ``not_handled``.
        outcome: pass, fail or unknown.
        limit: the configured limit (yuan or points) where the rule has one.
    """

    rule: str
    outcome: Outcome
    limit: int | None = None

    @property
    def key(self) -> str:
        """Translation key, e.g. ``violations.rule.max_fine.fail`` (field ``{limit}``)."""
        return f"violations.rule.{self.rule}.{self.outcome.value}"


@dataclass(frozen=True)
class Eligibility:
    """Every rule's outcome for a record and the verdict they give."""

    checks: tuple[RuleCheck, ...]

    @property
    def verdict(self) -> Verdict:
        """Not eligible if any rule fails; unknown if one cannot be decided; else eligible."""
        outcomes = {c.outcome for c in self.checks}
        if Outcome.FAIL in outcomes:
            return Verdict.NOT_ELIGIBLE
        if Outcome.UNKNOWN in outcomes:
            return Verdict.UNKNOWN
        return Verdict.ELIGIBLE

    @property
    def failed(self) -> tuple[RuleCheck, ...]:
        """The rules that failed."""
        return tuple(c for c in self.checks if c.outcome is Outcome.FAIL)

    @property
    def undecided(self) -> tuple[RuleCheck, ...]:
        """The rules that could not be decided for lack of a value."""
        return tuple(c for c in self.checks if c.outcome is Outcome.UNKNOWN)


def _limit(value: int | None, limit: int) -> Outcome:
    if value is None:
        return Outcome.UNKNOWN
    return Outcome.PASS if value <= limit else Outcome.FAIL


def check_eligibility(
    record: ViolationRecord, rules: ViolationRules, existing_points: int | None
) -> Eligibility:
    """Applies every configured rule to ``record``.

    ``existing_points`` are the holder's points in the current cycle (from a licence
    lookup); None when unknown, which leaves the total-points rule undecided.
    """
    e = rules.eligibility
    checks: list[RuleCheck] = []
    if e.camera_only:
        ok = record.capture is Capture.CAMERA
        checks.append(RuleCheck("camera_only", Outcome.PASS if ok else Outcome.FAIL))
    if e.require_unhandled:
        if record.handled is None:
            outcome = Outcome.UNKNOWN
        else:
            outcome = Outcome.FAIL if record.handled else Outcome.PASS
        checks.append(RuleCheck("not_handled", outcome))
    fine_yuan = None if record.fine_fen is None else -(-record.fine_fen // 100)
    checks.append(RuleCheck("max_fine", _limit(fine_yuan, e.max_fine_yuan), e.max_fine_yuan))
    checks.append(
        RuleCheck(
            "max_points", _limit(record.points, e.max_points_per_record), e.max_points_per_record
        )
    )
    total = (
        None
        if record.points is None or existing_points is None
        else (record.points + existing_points)
    )
    checks.append(
        RuleCheck("max_total_points", _limit(total, e.max_total_points), e.max_total_points)
    )
    return Eligibility(tuple(checks))


def late_fee_fen(fine_fen: int, decided_on: date, today: date, rules: ViolationRules) -> int:
    """The late fee due on ``today`` for a fine decided on ``decided_on``.

    No fee within ``grace_days`` of the decision; then ``daily_rate_percent`` of the fine for
    each further day, rounded to the fen, capped at the fine when configured.
    """
    r = rules.late_fee
    days_late = (today - decided_on).days - r.grace_days
    if days_late <= 0 or fine_fen <= 0:
        return 0
    fee = (Decimal(fine_fen) * r.daily_rate_percent / 100 * days_late).quantize(
        Decimal(1), rounding=ROUND_HALF_UP
    )
    result = int(fee)
    return min(result, fine_fen) if r.cap_at_fine else result


def payable(record: ViolationRecord) -> bool:
    """Handled, known to be unpaid, and carrying a decision number."""
    return record.handled is True and record.paid is False and bool(record.decision_number)


def payment_url(record: ViolationRecord, rules: ViolationRules) -> str | None:
    """The official payment link for a payable record, else None."""
    if not payable(record) or record.decision_number is None:
        return None
    return rules.payment.url_template.format(decision_number=quote(record.decision_number, safe=""))


def format_yuan(fen: int | None) -> str | None:
    """``12345`` -> ``"123.45"``; None stays None (the UI shows "unknown")."""
    if fen is None:
        return None
    return f"{fen // 100}.{fen % 100:02d}"
