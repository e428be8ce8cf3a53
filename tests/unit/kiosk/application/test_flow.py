"""The resident-ID application flow walked without Qt: the card and typed paths, the rules,
review and edit, hand-over (center, outbox, refusal), the receipt, and wiping."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import pytest

from devices.receipt.document import QRCode, Text
from kiosk.application.card import CardReadError, IdCard
from kiosk.application.flow import (
    ADDRESS,
    BUSINESS,
    CARD,
    CARD_PROBLEM,
    CONTACT,
    COUNTER,
    FEE,
    GUIDE,
    ID_ENTRY,
    NAME_ENTRY,
    PHOTO,
    PICKUP,
    READ_CARD,
    RECEIPT,
    REFUSED,
    REVIEW,
    ApplicationFlow,
    parse_status_payload,
    status_payload,
)
from kiosk.application.model import ApplicationStatus, ApplicationSubmission, SubmitReceipt
from kiosk.application.service import ApplicationServiceError
from kiosk.framework.clock import FakeClock
from kiosk.framework.flow import FailsafeMonitor
from kiosk.framework.i18n import LANGUAGES, has_translation
from kiosk.framework.id_numbers import check_character
from kiosk.platform.application_config import ApplicationConfig
from tests.support.runners import ManualRunner

NOW = datetime(2026, 12, 2, 9, 30, tzinfo=UTC)
JPEG = b"\xff\xd8\xff\xe0fake-jpeg-for-the-flow\xff\xd9"


def id_number(body17: str) -> str:
    """A valid 18-character number from its first 17 digits."""
    return body17 + check_character(body17)


ADULT = id_number("11010119800307123")
MINOR = id_number("11010120150307123")


def card(valid_until: str, number: str = ADULT, address: str = "北京市东城区景山前街4号") -> IdCard:
    return IdCard(
        name="张三丰",
        sex="男",
        nation="汉",
        birth_date=date(1980, 3, 7),
        address=address,
        id_number=number,
        issuer="北京市公安局东城分局",
        valid_from=date(2006, 12, 1),
        valid_until=None if valid_until == "长期" else date.fromisoformat(valid_until),
    )


@dataclass
class Reader:
    """Answers each read with the next outcome (a card or an error)."""

    outcomes: list[IdCard | CardReadError]
    reads: int = 0

    def read_card(self, timeout_s: float) -> IdCard:
        self.reads += 1
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, CardReadError):
            raise outcome
        return outcome


@dataclass
class Service:
    error: ApplicationServiceError | None = None
    submitted: list[tuple[ApplicationSubmission, str]] = field(default_factory=list)

    def submit(self, app: ApplicationSubmission, idempotency_key: str) -> SubmitReceipt:
        self.submitted.append((app, idempotency_key))
        if self.error is not None:
            raise self.error
        return SubmitReceipt("SQ20261202-K7Q2M9", "tok_" + "a" * 22, "submitted")

    def status(self, application_no: str, status_token: str) -> ApplicationStatus:
        raise NotImplementedError

    def close(self) -> None:
        pass


@dataclass
class Outbox:
    put_calls: list[tuple[ApplicationSubmission, str]] = field(default_factory=list)

    def put(self, application: ApplicationSubmission, idempotency_key: str) -> str:
        self.put_calls.append((application, idempotency_key))
        return "0a1b2c3d"


def make_flow(
    outcomes: list[IdCard | CardReadError] | None = None,
    *,
    service: Service | None = None,
    config: ApplicationConfig | None = None,
) -> tuple[ApplicationFlow, Reader, Service, Outbox, ManualRunner]:
    clock = FakeClock(NOW)
    runner = ManualRunner()
    reader = Reader(list(outcomes or []))
    service = service or Service()
    outbox = Outbox()
    flow = ApplicationFlow(
        clock,
        FailsafeMonitor(clock),
        settings=config or ApplicationConfig(),
        reader=reader,
        service=service,
        outbox=outbox,
        terminal_id="kiosk-test",
        runner=runner,
    )
    flow.start()
    return flow, reader, service, outbox, runner


def read(flow: ApplicationFlow, runner: ManualRunner) -> None:
    flow.send("renew")
    assert flow.state == READ_CARD
    runner.run_all()


def to_review(flow: ApplicationFlow) -> None:
    flow.send("confirm")
    assert flow.state == CONTACT
    flow.send("submit", text="138 1234 5678")
    assert flow.state == PICKUP
    flow.send("window")
    assert flow.state == PHOTO
    flow.send("photo_taken", jpeg=JPEG)
    assert flow.state == REVIEW


def test_expired_card_renews_and_hands_over_to_the_center() -> None:
    flow, _reader, service, outbox, runner = make_flow([card("2026-11-30")])
    assert flow.state == GUIDE
    read(flow, runner)
    assert flow.state == CARD
    assert flow.data.validity == "expired"
    assert flow.renewals() == ("renew_expired",)
    flow.send("choose", business="renew_expired")
    assert flow.state == BUSINESS
    assert flow.business is not None and flow.business.fee_yuan == "20.00"
    to_review(flow)
    flow.send("submit")
    runner.run_all()
    assert flow.state == FEE
    ((sent, key),) = service.submitted
    assert sent.business == "renew_expired" and sent.id_number == ADULT
    assert sent.mobile == "13812345678" and sent.photo_jpeg == JPEG
    assert sent.card_address.startswith("北京市") and sent.submitted_at.tzinfo is not None
    assert len(key) == 32 and not outbox.put_calls
    # handed over: only masked text is left
    assert flow.data.id_number == "" and flow.data.name == "" and flow.data.photo_jpeg == b""
    assert flow.data.id_masked == "110***********" + ADULT[-4:]
    assert flow.data.name_masked == "张**"
    assert flow.payment_link().startswith("https://") and "SQ20261202-K7Q2M9" in flow.payment_link()
    flow.send("next")
    assert flow.state == RECEIPT
    receipt = flow.receipt()
    texts = " ".join(b.text for b in receipt.blocks if isinstance(b, Text))
    qrs = [b.data for b in receipt.blocks if isinstance(b, QRCode)]
    assert "SQ20261202-K7Q2M9" in texts and ADULT not in texts and "张三丰" not in texts
    assert qrs == [status_payload("SQ20261202-K7Q2M9", "tok_" + "a" * 22)]
    assert parse_status_payload(qrs[0]) == ("SQ20261202-K7Q2M9", "tok_" + "a" * 22)
    flow.send("done")
    assert flow.finished == "completed"


def test_expiring_card_offers_the_expiring_renewal_only() -> None:
    flow, *_, runner = make_flow([card("2027-01-15")])
    read(flow, runner)
    assert flow.data.validity == "expiring"
    flow.send("choose", business="renew_expired")  # not what the card allows
    assert flow.state == CARD
    flow.send("choose", business="renew_expiring")
    assert flow.state == BUSINESS


def test_valid_card_asks_why_and_long_term_cards_never_expire() -> None:
    flow, *_, runner = make_flow([card("长期")])
    read(flow, runner)
    assert flow.data.validity == "valid"
    assert flow.renewals() == ("renew_damaged", "renew_changed")
    assert flow.data.business == ""


@pytest.mark.parametrize("reason", ["no_card", "unreadable", "pulled", "offline"])
def test_card_problems_say_what_to_do(reason: str) -> None:
    flow, reader, *_, runner = make_flow([CardReadError(reason), card("2026-11-30")])
    read(flow, runner)
    assert flow.state == CARD_PROBLEM and flow.data.card_problem == reason
    for language in LANGUAGES:
        assert flow.speech(language)  # a translated sentence for each reason
    flow.send("retry")
    runner.run_all()
    assert flow.state == CARD and reader.reads == 2


def test_a_reader_that_never_answers_ends_as_offline() -> None:
    flow, _, _, _, runner = make_flow([card("2026-11-30")])
    flow.send("renew")
    assert flow.state == READ_CARD
    flow.clock.advance(21.0)  # type: ignore[attr-defined]
    flow.tick()
    assert flow.state == CARD_PROBLEM and flow.data.card_problem == "offline"
    runner.run_all()  # the late answer is dropped
    assert flow.state == CARD_PROBLEM


def test_unreadable_card_can_be_renewed_as_damaged_by_typed_number() -> None:
    flow, *_, runner = make_flow([CardReadError("unreadable")])
    read(flow, runner)
    flow.send("typed")
    assert flow.state == ID_ENTRY and flow.data.business == "renew_damaged"


def test_replace_lost_by_typed_number_and_name() -> None:
    flow, _, service, _, runner = make_flow()
    flow.send("replace")
    assert flow.state == ID_ENTRY
    flow.send("submit", text=ADULT[:-1] + ("0" if ADULT[-1] != "0" else "1"))
    assert flow.state == ID_ENTRY and flow.data.problem == "idnum.wrong_check_character"
    flow.send("submit", text=ADULT.lower())
    assert flow.state == NAME_ENTRY and flow.data.problem == ""
    flow.send("submit", text="")
    assert flow.state == NAME_ENTRY and flow.data.problem
    flow.send("submit", text="阿依古丽·买买提")
    assert flow.state == BUSINESS and flow.data.business == "replace_lost"
    assert flow.business is not None and flow.business.fee_yuan == "40.00"
    to_review(flow)
    flow.send("submit")
    runner.run_all()
    ((sent, _),) = service.submitted
    assert sent.name == "阿依古丽·买买提" and sent.card_address == "" and sent.sex == ""


def test_minors_and_residents_from_elsewhere_go_to_the_counter() -> None:
    flow, *_, runner = make_flow([card("2026-11-30", number=MINOR)])
    read(flow, runner)
    assert flow.state == COUNTER and flow.data.counter_reason == "application.counter.minor"
    config = ApplicationConfig(card_address_prefixes=["天津市"])
    flow, *_, runner = make_flow([card("2026-11-30")], config=config)
    read(flow, runner)
    assert flow.state == COUNTER and flow.data.counter_reason == "application.counter.elsewhere"


def test_mobile_numbers_are_checked() -> None:
    flow, *_, runner = make_flow([card("2026-11-30")])
    read(flow, runner)
    flow.send("choose", business="renew_expired")
    flow.send("confirm")
    for bad in ("1381234567", "12812345678", "138123456789", "abc"):
        flow.send("submit", text=bad)
        assert flow.state == CONTACT and flow.data.problem == "application.problem.mobile"


def test_post_needs_an_address_and_review_edits_come_back() -> None:
    flow, _, service, _, runner = make_flow([card("2026-11-30")])
    read(flow, runner)
    flow.send("choose", business="renew_expired")
    to_review(flow)
    flow.send("edit", step=PICKUP)
    assert flow.state == PICKUP
    flow.send("post")
    assert flow.state == ADDRESS
    flow.send("submit", text="北京")
    assert flow.state == ADDRESS and flow.data.problem == "application.problem.address_short"
    flow.send("submit", text="北京市东城区景山前街4号院2号楼301")
    assert flow.state == REVIEW  # came from review: back there, the photo is kept
    flow.send("edit", step=CONTACT)
    flow.send("submit", text="13900001111")
    assert flow.state == REVIEW and flow.data.mobile == "13900001111"
    flow.send("submit")
    runner.run_all()
    ((sent, _),) = service.submitted
    assert sent.pickup == "post" and sent.post_address.endswith("301")
    assert (
        flow.data.address_masked.startswith("北京市东城区")
        and "301" not in flow.data.address_masked
    )


def test_center_unreachable_queues_in_the_outbox_and_the_receipt_says_so() -> None:
    service = Service(error=ApplicationServiceError("down", retryable=True, code="unreachable"))
    flow, _, _, outbox, runner = make_flow([card("2026-11-30")], service=service)
    read(flow, runner)
    flow.send("choose", business="renew_expired")
    to_review(flow)
    flow.send("submit")
    runner.run_all()
    assert flow.state == FEE and flow.data.queued_id == "0a1b2c3d"
    ((queued, key),) = outbox.put_calls
    assert queued.photo_jpeg == JPEG and key == service.submitted[0][1]
    assert flow.payment_link() == ""  # no number yet: pay at the window
    spoken = flow.current.speech(flow, "zh_CN")
    assert "网络恢复后自动提交" in spoken and "申请已提交" not in spoken
    flow.send("next")
    assert "网络恢复后申请会自动提交" in flow.current.speech(flow, "zh_CN")
    texts = " ".join(b.text for b in flow.receipt().blocks if isinstance(b, Text))
    assert "Q-0A1B2C3D" in texts and ADULT not in texts
    assert "加密暂存" in texts and "24小时内" in texts  # the outbox's lifetime, configured


def test_a_refusal_is_shown_and_a_changed_application_gets_a_new_key() -> None:
    service = Service(error=ApplicationServiceError("no", retryable=False, code="invalid_query"))
    flow, _, _, outbox, runner = make_flow([card("2026-11-30")], service=service)
    read(flow, runner)
    flow.send("choose", business="renew_expired")
    to_review(flow)
    flow.send("submit")
    runner.run_all()
    assert flow.state == REFUSED and flow.data.refusal == "invalid_query" and not outbox.put_calls
    flow.send("back")
    assert flow.state == REVIEW
    service.error = None
    flow.send("submit")  # the same application: the same key
    runner.run_all()
    assert service.submitted[0][1] == service.submitted[1][1]
    assert flow.state == FEE


def test_nothing_personal_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    flow, _, _, _, runner = make_flow([card("2026-11-30")])
    read(flow, runner)
    flow.send("choose", business="renew_expired")
    to_review(flow)
    flow.send("submit")
    runner.run_all()
    flow.send("next")
    flow.send("done")
    logged = caplog.text
    assert ADULT not in logged and "张三丰" not in logged and "13812345678" not in logged
    assert "景山前街" not in logged


def test_cancel_wipes_everything() -> None:
    flow, *_, runner = make_flow([card("2026-11-30")])
    read(flow, runner)
    flow.send("choose", business="renew_expired")
    to_review(flow)
    flow.send("cancel")
    assert flow.finished == "cancelled"
    assert flow.data.card is None and flow.data.photo_jpeg == b"" and flow.data.mobile == ""


def test_every_prompt_is_translated() -> None:
    flow, *_ = make_flow()
    for state in flow.states.values():
        if state.prompt:
            for language in LANGUAGES:
                assert has_translation(state.prompt, language), state.prompt
