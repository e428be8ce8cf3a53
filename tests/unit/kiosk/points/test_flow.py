"""The redemption flow walked without Qt: success, every refusal state, backend failures with
unknown outcomes, reprints, the voucher receipt, and wiping personal data."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from devices.receipt.document import PaperProfile, QRCode, Receipt, Text
from devices.receipt.escpos import render_escpos
from kiosk.framework.clock import FakeClock
from kiosk.framework.flow import DONE, FAILSAFE, FailsafeMonitor
from kiosk.framework.i18n import LANGUAGES, has_translation
from kiosk.platform.points_config import PointsConfig
from kiosk.platform.service_errors import ServiceTimeout, ServiceUnreachable
from kiosk.points.errors import LimitReached, OutOfStock
from kiosk.points.flow import (
    CART,
    CATALOGUE,
    CONFIRM,
    ERROR,
    IDENTIFYING,
    ISSUING,
    MEMBER,
    REFUSED,
    SCAN,
    TOKEN_REFUSED,
    VOUCHER,
    PointsFlow,
    voucher_receipt,
)
from kiosk.points.local import LocalPointsService
from kiosk.points.model import Balance, CartLine, EntryKind, Voucher, VoucherStatus
from kiosk.points.tokens import TokenSigner
from tests.support.runners import ManualRunner
from tests.support.uvicorn_server import closed_port
from tests.unit.kiosk.points.conftest import NOW, PointsCenter

SIGNER = TokenSigner.generate()
CONFIG = SIGNER.config()


class Wrapped:
    """A points service whose ``redeem`` does something else first (faults, races)."""

    def __init__(self, inner: LocalPointsService, redeem: Callable[..., Voucher]) -> None:
        self.inner = inner
        self._redeem = redeem
        self.redeem_calls = 0

    def redeem(self, member_id: str, lines: Sequence[CartLine], idempotency_key: str) -> Voucher:
        self.redeem_calls += 1
        return self._redeem(member_id, lines, idempotency_key)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


@pytest.fixture
def service(tmp_path: Path) -> Iterator[LocalPointsService]:
    s = LocalPointsService.open_demo(
        tmp_path / "points.sqlite3", clock=FakeClock(NOW), terminal_id="kiosk-7"
    )
    yield s
    s.close()


def make(
    service: Any, config: PointsConfig = CONFIG, **kwargs: Any
) -> tuple[PointsFlow, FakeClock, list[str]]:
    clock = service.ledger.clock if isinstance(service, LocalPointsService) else FakeClock(NOW)
    assert isinstance(clock, FakeClock)
    flow = PointsFlow(
        clock, FailsafeMonitor(clock), service, config, terminal_id="kiosk-7", **kwargs
    )
    outcomes: list[str] = []
    flow.flow_did_finish.append(lambda _f, outcome: outcomes.append(outcome))
    flow.start()
    return flow, clock, outcomes


def token(flow: PointsFlow, member_id: str, **kwargs: Any) -> str:
    return SIGNER.issue(member_id, now=flow.clock.now().timestamp(), **kwargs)


def texts(receipt: Receipt) -> str:
    return "\n".join(b.text for b in receipt.blocks if isinstance(b, Text))


def test_every_state_has_a_translated_prompt(service: LocalPointsService) -> None:
    flow, _, _ = make(service)
    for state in flow.states.values():
        if state.name == FAILSAFE:
            continue
        assert state.prompt.startswith("points.prompt."), state.name
        assert all(has_translation(state.prompt, lang) for lang in LANGUAGES), state.prompt


def test_a_redemption_end_to_end(service: LocalPointsService) -> None:
    flow, _, outcomes = make(service)
    assert flow.state == SCAN
    flow.send("scan", text=token(flow, "M20230517"))
    assert flow.state == MEMBER
    assert (flow.masked_name, flow.masked_id) == ("王*国", "M2*****17")
    assert flow.balance == Balance(available=120, held=0) and flow.hours == 120
    assert [e.kind for e in flow.recent] == [EntryKind.EARN] and flow.unprinted_vouchers == ()
    flow.send("browse")
    assert flow.state == CATALOGUE and flow.items[0].id == "rice-5kg"
    flow.send("cart")
    assert flow.state == CATALOGUE  # nothing chosen yet
    flow.send("add", item_id="rice-5kg")
    flow.send("add", item_id="eggs", quantity=2)
    flow.send("cart")
    assert flow.state == CART
    assert [(v.item.id, v.quantity, v.points) for v in flow.cart_lines] == [
        ("rice-5kg", 1, 30),
        ("eggs", 2, 20),
    ]
    assert (flow.cart_total, flow.balance_after, flow.cart_fits) == (50, 70, True)
    flow.send("set", item_id="eggs", quantity=1)
    flow.send("confirm")
    assert flow.state == CONFIRM and flow.cart_total == 40
    flow.send("ok")
    assert flow.state == VOUCHER
    voucher = flow.data.voucher
    assert voucher is not None and voucher.points == 40 and not flow.data.reprint
    receipt = flow.data.receipt
    assert receipt is not None
    assert QRCode(voucher.qr_payload) in receipt.blocks
    assert voucher.code in texts(receipt) and "王*国" in texts(receipt)
    assert service.member("M20230517").balance == Balance(available=80, held=40)
    flow.send("printed")
    assert flow.state == DONE and outcomes == ["completed"]
    assert service.voucher(voucher.code).printed
    assert flow.data.member is None and flow.data.voucher is None and flow.data.cart == {}
    assert flow.masked_name == "" and flow.items == ()


@pytest.mark.parametrize(
    ("make_text", "problem"),
    [
        (lambda f: token(f, "M20230517", valid_s=60), "points.token.expired"),
        (lambda f: TokenSigner.generate().issue("M20230517", now=f.epoch()), "points.token.forged"),
        (lambda f: "VC1.ABCDEFGH", "points.token.not_a_card"),
        (lambda f: "https://example.org/x", "points.token.not_a_card"),
        (lambda f: token(f, "M99999999"), "points.token.unknown_member"),
        (lambda f: token(f, "M20250001", kind="card", card_no=1), "points.token.card_revoked"),
    ],
)
def test_codes_that_identify_nobody(
    service: LocalPointsService, make_text: Callable[[PointsFlow], str], problem: str
) -> None:
    flow, clock, outcomes = make(service)
    text = make_text(flow)
    if problem == "points.token.expired":
        clock.advance(61)
    flow.send("scan", text=text)
    assert flow.state == TOKEN_REFUSED and flow.problem == problem
    assert all(has_translation(problem, lang) for lang in LANGUAGES)
    assert flow.data.member is None
    flow.send("again")
    assert flow.state == SCAN and flow.problem is None
    flow.send("scan", text=token(flow, "M20250001", kind="card", card_no=2))
    assert flow.state == MEMBER and flow.masked_name == "刘*"
    flow.send("done")
    assert outcomes == ["completed"]


def test_a_kiosk_without_a_key_says_so(service: LocalPointsService) -> None:
    flow, _, _ = make(service, PointsConfig())
    flow.send("scan", text=token(flow, "M20230517"))
    assert flow.state == TOKEN_REFUSED and flow.problem == "points.token.no_key"


def test_the_cart_stops_what_would_be_refused(service: LocalPointsService) -> None:
    flow, _, _ = make(service)
    flow.send("scan", text=token(flow, "M20240102"))  # 8 points
    flow.send("browse")
    flow.send("add", item_id="eggs")
    assert flow.cart_problem == "points.refused.not_enough_points" and flow.data.cart == {}
    flow.send("add", item_id="umbrella")
    assert flow.cart_problem == "points.refused.out_of_stock"
    flow.send("add", item_id="soap", quantity=2)
    assert flow.cart_problem is None and flow.data.cart == {"soap": 2}
    flow.send("add", item_id="soap")
    assert flow.cart_problem == "points.refused.not_enough_points"
    assert flow.add_problem("caviar") == "points.refused.unknown_item"
    flow.send("cart")
    flow.send("set", item_id="soap", quantity=3)
    assert flow.cart_problem == "points.refused.not_enough_points"
    assert flow.data.cart == {"soap": 2} and flow.balance_after == 2


def test_limits_are_shown_before_asking(service: LocalPointsService) -> None:
    flow, _, _ = make(service)
    flow.send("scan", text=token(flow, "M20230517"))
    flow.send("browse")
    flow.send("add", item_id="rice-5kg")
    flow.send("add", item_id="rice-5kg")
    assert flow.cart_problem == "points.refused.limit_reached" and flow.data.cart == {"rice-5kg": 1}


def test_not_enough_points_after_all_refreshes_and_trims_the_cart(
    service: LocalPointsService,
) -> None:
    flow, _, outcomes = make(service)
    flow.send("scan", text=token(flow, "M20230517"))
    flow.send("browse")
    flow.send("add", item_id="rice-5kg")
    flow.send("add", item_id="oil-1l")
    flow.send("cart")
    flow.send("confirm")
    # meanwhile, at the desk: a correction takes 80 of the 120 points
    service.ledger.adjust("M20230517", -80, "desk-0001", staff="小李", reason="fix", terminal="d")
    entries = len(service.ledger.entries())
    flow.send("ok")
    assert flow.state == REFUSED and flow.problem == "points.refused.not_enough_points"
    assert flow.balance == Balance(available=40, held=0)  # refreshed
    assert len(service.ledger.entries()) == entries  # nothing written
    flow.send("back")
    assert flow.state == CART and flow.data.cart == {"rice-5kg": 1}
    assert flow.data.trimmed == ["oil-1l"] and flow.problem is None
    flow.send("confirm")
    flow.send("ok")
    assert flow.state == VOUCHER
    flow.send("done")
    assert outcomes == ["completed"]


@pytest.mark.parametrize(
    ("error", "problem"),
    [
        (OutOfStock("gone"), "points.refused.out_of_stock"),
        (LimitReached("daily"), "points.refused.limit_reached"),
    ],
)
def test_refusals_from_the_service(
    service: LocalPointsService, error: Exception, problem: str
) -> None:
    def refuse(*_args: Any) -> Voucher:
        raise error

    wrapped = Wrapped(service, refuse)
    flow, _, _ = make(wrapped)
    flow.send("scan", text=token(flow, "M20230517"))
    flow.send("browse")
    flow.send("add", item_id="towel")
    flow.send("cart")
    flow.send("confirm")
    flow.send("ok")
    assert flow.state == REFUSED and flow.problem == problem
    assert service.member("M20230517").balance == Balance(available=120, held=0)
    flow.send("done")
    assert flow.finished == "completed"


def test_an_unreachable_backend(tmp_path: Path) -> None:
    from kiosk.platform.backend_config import ServiceConfig
    from kiosk.platform.http_client import HttpClient
    from kiosk.points.http import HttpPointsService

    config = ServiceConfig(
        backend="http",
        base_url=f"http://127.0.0.1:{closed_port()}",
        token="t" * 40,
        retries=0,
        connect_timeout_s=1.0,
    )
    http = HttpPointsService(HttpClient(config, "kiosk-7"))
    try:
        flow, _, outcomes = make(http)
        flow.send("scan", text=token(flow, "M20230517"))
        assert flow.state == ERROR and isinstance(flow.error, ServiceUnreachable)
        assert flow.error_key == "points.error.unreachable" and flow.can_retry
        assert not flow.outcome_unknown and flow.failed_in == IDENTIFYING
        flow.send("retry")
        assert flow.state == ERROR
        flow.send("done")
        assert outcomes == ["completed"] and flow.data.token is None
    finally:
        http.close()


def test_a_lost_answer_is_retried_with_the_same_key(service: LocalPointsService) -> None:
    keys: list[str] = []

    def commit_then_lose(member_id: str, lines: Sequence[CartLine], k: str) -> Voucher:
        keys.append(k)
        voucher = service.redeem(member_id, lines, k)
        if len(keys) == 1:
            raise ServiceTimeout("the answer was lost")
        return voucher

    wrapped = Wrapped(service, commit_then_lose)
    flow, _, _ = make(wrapped)
    flow.send("scan", text=token(flow, "M20230517"))
    flow.send("browse")
    flow.send("add", item_id="eggs")
    flow.send("cart")
    flow.send("confirm")
    flow.send("ok")
    assert flow.state == ERROR and flow.outcome_unknown
    assert flow.error_key == "points.error.outcome_unknown"
    flow.send("retry")
    assert flow.state == VOUCHER and keys[0] == keys[1]
    holds = [e for e in service.ledger.entries("M20230517") if e.kind is EntryKind.HOLD]
    assert len(holds) == 1 and service.member("M20230517").balance.held == 10


def test_a_voucher_issued_before_the_resident_gave_up_is_listed_next_time(
    service: LocalPointsService,
) -> None:
    def commit_then_lose(member_id: str, lines: Sequence[CartLine], k: str) -> Voucher:
        service.redeem(member_id, lines, k)
        raise ServiceUnreachable("connection reset")

    flow, _, _ = make(Wrapped(service, commit_then_lose))
    flow.send("scan", text=token(flow, "M20230517"))
    flow.send("browse")
    flow.send("add", item_id="towel")
    flow.send("cart")
    flow.send("confirm")
    flow.send("ok")
    flow.send("done")
    again, _, _ = make(service)
    again.send("scan", text=token(again, "M20230517"))
    assert [v.lines[0].item_id for v in again.unprinted_vouchers] == ["towel"]


def test_reprinting_an_unprinted_voucher(service: LocalPointsService) -> None:
    flow, _, _ = make(service)
    flow.send("scan", text=token(flow, "M20210309"))
    assert flow.balance == Balance(available=34, held=11)
    (unprinted,) = flow.unprinted_vouchers
    flow.send("reprint", code="NOPE-NOPE")
    assert flow.state == MEMBER
    flow.send("reprint", code=unprinted.code)
    assert flow.state == VOUCHER and flow.data.reprint
    receipt = flow.data.receipt
    assert receipt is not None and "（补打）" in texts(receipt)
    flow.send("printed")
    assert flow.state == MEMBER and flow.unprinted_vouchers == ()
    assert service.voucher(unprinted.code).printed
    assert flow.data.receipt is None


def test_a_failed_print_keeps_the_voucher_for_a_reprint(service: LocalPointsService) -> None:
    flow, _, outcomes = make(service)
    flow.send("scan", text=token(flow, "M20230517"))
    flow.send("browse")
    flow.send("add", item_id="soap")
    flow.send("cart")
    flow.send("confirm")
    flow.send("ok")
    flow.send("print_failed")
    assert flow.state == VOUCHER and flow.data.print_failed
    assert has_translation("points.voucher.print_failed", "en")
    flow.send("done")
    assert outcomes == ["completed"]
    assert [v.printed for v in service.open_vouchers("M20230517")] == [False]


def test_residents_cancel_where_policy_allows(service: LocalPointsService) -> None:
    config = SIGNER.config(PointsConfig(cancel_policy="resident"))
    service.ledger.config = PointsConfig(cancel_policy="resident")
    flow, _, _ = make(service, config)
    flow.send("scan", text=token(flow, "M20210309"))
    assert flow.residents_may_cancel
    flow.send("cancel_voucher", code=flow.open_vouchers[0].code)
    assert flow.state == MEMBER and flow.open_vouchers == ()
    assert flow.balance == Balance(available=45, held=0)


def test_residents_cannot_cancel_by_default(service: LocalPointsService) -> None:
    flow, _, _ = make(service)
    flow.send("scan", text=token(flow, "M20210309"))
    flow.send("cancel_voucher", code=flow.open_vouchers[0].code)
    assert flow.state == MEMBER and len(flow.open_vouchers) == 1


def test_service_calls_run_off_the_callers_thread(service: LocalPointsService) -> None:
    runner = ManualRunner()
    flow, clock, _ = make(service, runner=runner, job_deadline_s=20)
    flow.send("scan", text=token(flow, "M20230517"))
    assert flow.state == IDENTIFYING and len(runner.jobs) == 1
    runner.run_next()
    assert flow.state == MEMBER
    flow.send("browse")
    flow.send("add", item_id="towel")
    flow.send("cart")
    flow.send("confirm")
    flow.send("ok")
    assert flow.state == ISSUING
    clock.advance(21)
    flow.tick()
    assert flow.state == ERROR and isinstance(flow.error, ServiceTimeout)
    runner.run_next()  # the late answer is ignored: the flow moved on
    assert flow.state == ERROR
    flow.send("retry")
    runner.run_next()
    assert flow.state == VOUCHER
    holds = [e for e in service.ledger.entries("M20230517") if e.kind is EntryKind.HOLD]
    assert len(holds) == 1  # the late first call and the retry share one key


def test_cancel_wipes_everything(service: LocalPointsService) -> None:
    flow, _, outcomes = make(service)
    flow.send("scan", text=token(flow, "M20230517"))
    flow.send("browse")
    flow.send("add", item_id="towel")
    flow.send("cancel")
    assert outcomes == ["cancelled"] and flow.data.cart == {} and flow.data.token is None
    assert flow.balance is None and flow.cart_lines == []


def test_the_flow_against_the_real_center(points_center: PointsCenter) -> None:
    http = points_center.client()
    try:
        flow, _, outcomes = make(http)
        flow.send("scan", text=token(flow, "M20230517"))
        flow.send("browse")
        flow.send("add", item_id="toothpaste")
        flow.send("cart")
        flow.send("confirm")
        flow.send("ok")
        assert flow.state == VOUCHER
        code = flow.data.voucher.code if flow.data.voucher else ""
        flow.send("printed")
        assert outcomes == ["completed"]
        v = points_center.ledger.voucher(code)
        assert v.status is VoucherStatus.HELD and v.printed and v.terminal == "kiosk-test"
    finally:
        http.close()


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_the_voucher_receipt(service: LocalPointsService, language: str) -> None:
    v = service.redeem(
        "M20230517",
        [CartLine(item_id="rice-5kg", quantity=1), CartLine(item_id="eggs", quantity=2)],
        "receipt-test",
    )
    receipt = voucher_receipt(
        v, member_name="王建国", now=NOW, language=language, terminal_id="kiosk-7"
    )
    body = texts(receipt)
    assert v.code in body and "王*国" in body and "M2*****17" in body
    assert "王建国" not in receipt.to_json() and "M20230517" not in receipt.to_json()
    assert QRCode("VC1." + v.code.replace("-", "")) in receipt.blocks
    assert str(v.points) in body and "2026-11-30" in body
    assert not re.search(r"\bpoints\.[a-z_]+\.[a-z_]+", body), body
    assert receipt.title in ("志愿积分兑换券", "Volunteer points voucher")
    assert render_escpos(receipt, PaperProfile.for_width(58))  # lays out on 58 mm paper


@pytest.mark.parametrize(
    ("name", "state", "problem"),
    [
        ("rich", MEMBER, None),
        ("few_points", MEMBER, None),
        ("no_points", MEMBER, None),
        ("unprinted_voucher", MEMBER, None),
        ("current_card", MEMBER, None),
        ("revoked_card", TOKEN_REFUSED, "points.token.card_revoked"),
        ("unknown_member", TOKEN_REFUSED, "points.token.unknown_member"),
        ("expired", TOKEN_REFUSED, "points.token.expired"),
        ("forged", TOKEN_REFUSED, "points.token.forged"),
    ],
)
def test_the_demo_tokens_for_ui_tests_and_the_tour(
    service: LocalPointsService, name: str, state: str, problem: str | None
) -> None:
    from kiosk.points.demo import demo_tokens

    flow, clock, _ = make(service)
    tokens = demo_tokens(SIGNER, clock.now().timestamp())
    flow.send("scan", text=tokens[name])
    assert (flow.state, flow.problem) == (state, problem)
    if name == "unprinted_voucher":
        assert len(flow.unprinted_vouchers) == 1


def test_points_services_are_what_the_quiz_needs(service: LocalPointsService) -> None:
    from kiosk.antifraud.quiz import QuizReward
    from kiosk.framework.earning import EarnStatus, PointsEarner

    earner: PointsEarner = service  # the quiz's protocol, checked by mypy
    k = QuizReward.idempotency_key("M20220815", NOW.date())
    assert earner.earn("M20220815", 1, k, QuizReward().reason).status is EarnStatus.EARNED
    assert earner.earn("M20220815", 1, k, QuizReward().reason).status is (EarnStatus.ALREADY_EARNED)
