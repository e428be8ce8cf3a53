"""The violation lookup flow walked without Qt: states, events, the off-thread lookup, errors,
and wiping personal data.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

import pytest

from kiosk.framework.clock import FakeClock
from kiosk.framework.flow import FAILSAFE, FailsafeMonitor
from kiosk.framework.i18n import LANGUAGES, has_translation
from kiosk.framework.jobs import Mailbox, ThreadRunner
from kiosk.platform.backend_config import ServiceConfig
from kiosk.platform.http_client import HttpClient
from kiosk.platform.service_errors import (
    InvalidQuery,
    MalformedResponse,
    NotMatched,
    ServiceError,
    ServiceServerError,
    ServiceTimeout,
    ServiceUnreachable,
)
from kiosk.violations.flow import (
    CHOOSE_MODE,
    ERROR,
    LICENCE_ENTRY,
    LOOKING_UP,
    PENDING,
    PLATE_CONFIRM,
    PLATE_ENTRY,
    PLATE_TYPE,
    RECEIPT,
    RECORD_DETAIL,
    RESULTS,
    SECRET,
    ViolationsFlow,
)
from kiosk.violations.http import HttpViolationService
from kiosk.violations.local import LocalViolationService
from kiosk.violations.regions import SecretKind
from kiosk.violations.rules import Verdict
from kiosk.violations.service import LicenceQuery, LookupResult, StillFetching, VehicleQuery
from tests.support.runners import ManualRunner
from tests.support.uvicorn_server import closed_port
from tests.unit.kiosk.violations.conftest import NOW


class Failing:
    """A ViolationService that raises the given error (for the error paths)."""

    def __init__(self, error: Exception) -> None:
        self.error = error
        self.calls = 0

    def lookup_vehicle(self, query: VehicleQuery) -> LookupResult | StillFetching:
        self.calls += 1
        raise self.error

    def lookup_licence(self, query: LicenceQuery) -> LookupResult | StillFetching:
        self.calls += 1
        raise self.error

    def ping(self) -> None:
        raise self.error

    def close(self) -> None:
        pass


def make(service: Any, **kwargs: Any) -> tuple[ViolationsFlow, FakeClock, list[str]]:
    clock = FakeClock(NOW)
    flow = ViolationsFlow(
        clock, FailsafeMonitor(clock), service, terminal_id="kiosk-test", **kwargs
    )
    outcomes: list[str] = []
    flow.flow_did_finish.append(lambda _f, outcome: outcomes.append(outcome))
    flow.start()
    return flow, clock, outcomes


def to_secret(flow: ViolationsFlow, plate: str = "苏e8d2k7", code: str = "02") -> None:
    flow.send("vehicle")
    flow.send("choose", code=code)
    flow.send("submit", text=plate)


def test_every_state_has_a_translated_prompt(local_service: LocalViolationService) -> None:
    flow, _, _ = make(local_service)
    for state in flow.states.values():
        if state.name == FAILSAFE:
            continue
        assert state.prompt.startswith("violations.prompt."), state.name
        assert all(has_translation(state.prompt, lang) for lang in LANGUAGES), state.prompt


def test_vehicle_lookup_end_to_end(local_service: LocalViolationService) -> None:
    flow, _, outcomes = make(local_service)
    assert flow.state == CHOOSE_MODE
    flow.send("vehicle")
    assert flow.state == PLATE_TYPE and [t.code for t in flow.plate_types][:2] == ["02", "52"]
    flow.send("choose", code="02")
    assert flow.state == PLATE_ENTRY
    flow.send("submit", text="苏e·8d2k7")
    assert flow.state == SECRET and flow.secret_kind is SecretKind.ENGINE_FULL
    assert flow.masked_subject == "苏E8***7"
    flow.send("submit", text="4G1")
    assert flow.state == SECRET and flow.secret_problem == "violations.secret.invalid_engine_full"
    flow.send("submit", text="4g15b08327")
    assert flow.state == RESULTS
    views = flow.data.views
    assert len(views) == 12 and flow.licence_points is None
    assert views[0].masked_plate == "苏E8***7"
    # vehicle lookups do not know the holder's points: the total rule is undecided
    assert views[0].eligibility.verdict is Verdict.UNKNOWN
    assert {c.rule for c in views[0].eligibility.undecided} == {"max_total_points"}
    payable = [v for v in views if v.payment_url]
    assert [v.record.decision_number for v in payable] == ["3205061000012345", "3201021000071234"]
    flow.send("open", index=views.index(payable[0]))
    assert flow.state == RECORD_DETAIL
    detail = flow.selected_view
    assert detail is not None and detail.status_key == "violations.status.unpaid"
    assert detail.eligibility.verdict is Verdict.NOT_ELIGIBLE  # on-site and handled
    flow.send("print")
    assert flow.state == RECEIPT and flow.data.receipt is not None
    flow.send("back")
    assert flow.state == RECORD_DETAIL
    flow.send("back")
    assert flow.state == RESULTS and flow.selected_view is None
    flow.send("print")
    assert flow.state == RECEIPT
    flow.send("printed")
    assert outcomes == ["completed"]
    assert flow.data.plate == "" and flow.data.views == [] and flow.data.receipt is None


def test_licence_lookup_knows_the_points_and_finds_an_eligible_record(
    local_service: LocalViolationService,
) -> None:
    flow, _, _ = make(local_service)
    flow.send("licence")
    assert flow.state == LICENCE_ENTRY
    flow.send("submit", licence_number="110105194912310021", file_number="320100123456")
    assert flow.state == LICENCE_ENTRY
    assert flow.licence_problem == "idnum.wrong_check_character"
    flow.send("submit", licence_number="11010519491231002x", file_number="3201001234")
    assert flow.licence_problem == "violations.licence.invalid_file_number"
    flow.send("submit", licence_number="11010519491231002x", file_number="320100123456")
    assert flow.state == RESULTS and flow.licence_points == 3
    assert flow.masked_subject == "110***********002X"
    first = flow.data.views[0]
    assert first.record.behaviour_code == "1625" and first.eligibility.verdict is Verdict.ELIGIBLE
    assert {v.masked_plate for v in flow.data.views} == {"苏E8***7", "京A3****D"}


def test_an_o_typed_for_a_zero_is_asked_about_and_only_changed_on_yes(
    local_service: LocalViolationService,
) -> None:
    flow, _, _ = make(local_service)
    to_secret(flow, plate="沪AD7351O", code="52")
    assert flow.state == PLATE_CONFIRM
    q = flow.question
    assert q is not None and (q.index, q.typed, q.suggestion) == (7, "O", "0")
    assert flow.data.plate_text == "沪AD7351O" and flow.data.plate == ""
    flow.send("answer", char="X")  # neither: ignored
    assert flow.state == PLATE_CONFIRM
    flow.send("answer", char="O")  # the resident insists on O
    assert flow.state == PLATE_ENTRY and flow.plate_problem == "plate.letter_i_or_o"
    flow.send("submit", text="沪AD7351O")
    flow.send("answer", char="0")
    assert flow.state == SECRET and flow.data.plate == "沪AD73510"


def test_invalid_plates_stay_on_entry_with_the_reason(local_service: LocalViolationService) -> None:
    flow, _, _ = make(local_service)
    to_secret(flow, plate="X12345")
    assert flow.state == PLATE_ENTRY and flow.plate_problem == "plate.invalid_province"
    flow.send("submit", text="苏E8D2K")
    assert flow.plate_problem == "plate.wrong_length"
    flow.send("back")
    assert flow.state == PLATE_TYPE


def test_a_region_without_secret_goes_straight_to_the_lookup_and_pending_waits(
    local_service: LocalViolationService,
) -> None:
    flow, clock, _ = make(local_service)
    to_secret(flow, plate="粤B4H7N2")
    assert flow.state == PENDING and flow.retry_in_s() == 30
    flow.send("retry")
    assert flow.state == PENDING  # too early: ignored
    clock.advance(30)
    flow.send("retry")
    assert flow.state == PENDING and flow.time_in_state() == 0  # asked again, still fetching
    flow.send("again")
    assert flow.state == CHOOSE_MODE and flow.data.plate == ""


def test_the_lookup_never_runs_on_the_callers_thread_unless_asked(
    local_service: LocalViolationService,
) -> None:
    runner = ManualRunner()
    flow, _, _ = make(local_service, runner=runner)
    to_secret(flow)
    flow.send("submit", text="4G15B08327")
    assert flow.state == LOOKING_UP and len(runner.jobs) == 1  # send returned at once
    runner.run_next()  # the UI's worker finished; on_done arrives on the flow's thread
    assert flow.state == RESULTS and len(flow.data.views) == 12


def test_an_answer_from_a_worker_thread_is_taken_up_on_the_next_tick(
    local_service: LocalViolationService,
) -> None:
    changed_on: list[str] = []
    mailbox = Mailbox()
    answered = threading.Event()

    def deliver(fn: Callable[[], None]) -> None:  # to the flow's queue, and tell the test
        mailbox.post(fn)
        answered.set()

    worker = ThreadRunner(deliver, name="lookup-worker")
    try:
        flow, _, _ = make(local_service, runner=worker, mailbox=mailbox)
        flow.flow_did_change_state.append(
            lambda _f, _a, _b: changed_on.append(threading.current_thread().name)
        )
        to_secret(flow)
        flow.send("submit", text="4G15B08327")
        assert answered.wait(60)
        assert flow.state == LOOKING_UP  # the worker only posted the answer to the flow's queue
        flow.tick()
        assert flow.state == RESULTS
        assert set(changed_on) == {threading.current_thread().name}
    finally:
        worker.stop()


def test_a_late_answer_after_cancel_is_dropped(local_service: LocalViolationService) -> None:
    runner = ManualRunner()
    flow, _, outcomes = make(local_service, runner=runner)
    to_secret(flow)
    flow.send("submit", text="4G15B08327")
    flow.send("cancel")
    assert outcomes == ["cancelled"] and flow.data.secret == ""
    runner.run_next()
    assert flow.data.views == [] and flow.state == LOOKING_UP and flow.finished == "cancelled"


def test_back_during_the_lookup_abandons_it(local_service: LocalViolationService) -> None:
    runner = ManualRunner()
    flow, _, _ = make(local_service, runner=runner)
    to_secret(flow)
    flow.send("submit", text="4G15B08327")
    flow.send("back")
    assert flow.state == SECRET
    runner.run_next()
    assert flow.state == SECRET and flow.data.views == []


def test_a_lookup_that_never_reports_back_times_out_by_the_clock(
    local_service: LocalViolationService,
) -> None:
    runner = ManualRunner()
    flow, clock, _ = make(local_service, runner=runner, lookup_deadline_s=20)
    to_secret(flow)
    flow.send("submit", text="4G15B08327")
    clock.advance(19.9)
    flow.tick()
    assert flow.state == LOOKING_UP
    clock.advance(0.1)
    flow.tick()
    assert flow.state == ERROR and isinstance(flow.error, ServiceTimeout) and flow.can_retry
    runner.run_next()  # the old answer arrives too late
    assert flow.state == ERROR
    flow.send("retry")
    assert flow.state == LOOKING_UP and len(runner.jobs) == 1
    runner.run_next()
    assert flow.state == RESULTS


@pytest.mark.parametrize(
    ("error", "back_to", "retry"),
    [
        (NotMatched("x"), SECRET, False),
        (InvalidQuery("x", field="plate"), PLATE_ENTRY, False),
        (InvalidQuery("x", field="secret"), SECRET, False),
        (ServiceTimeout("x"), CHOOSE_MODE, True),
        (ServiceUnreachable("x"), CHOOSE_MODE, True),
        (ServiceServerError(status=503), CHOOSE_MODE, True),
        (MalformedResponse("x"), CHOOSE_MODE, True),
    ],
)
def test_each_error_has_a_message_with_a_next_step_and_a_way_back(
    error: ServiceError, back_to: str, retry: bool
) -> None:
    service = Failing(error)
    flow, _, _ = make(service)
    to_secret(flow)
    flow.send("submit", text="4G15B08327")
    assert flow.state == ERROR and flow.error is error and flow.can_retry is retry
    assert all(has_translation(error.message_key, lang) for lang in LANGUAGES)
    flow.send("retry")
    assert service.calls == (2 if retry else 1)
    if retry:
        assert flow.state == ERROR
    flow.send("back")
    assert flow.state == back_to and flow.error is None


def test_a_defect_in_the_service_goes_to_the_failsafe() -> None:
    flow, _, outcomes = make(Failing(KeyError("bug")))
    to_secret(flow)
    flow.send("submit", text="4G15B08327")
    assert flow.state == FAILSAFE and flow.last_error == "KeyError"
    flow.send("home")
    assert outcomes == ["failsafe"] and flow.data.plate == ""


def test_a_real_unreachable_center_ends_in_the_error_state() -> None:
    config = ServiceConfig(
        backend="http", base_url=f"http://127.0.0.1:{closed_port()}", token="t" * 40, retries=0
    )
    service = HttpViolationService(HttpClient(config, "kiosk-test"))
    try:
        flow, _, _ = make(service)
        to_secret(flow)
        flow.send("submit", text="4G15B08327")
        assert flow.state == ERROR and isinstance(flow.error, ServiceUnreachable)
        assert flow.error.message_key == "violations.error.unreachable"
    finally:
        service.close()


def test_nothing_personal_reaches_the_log(
    local_service: LocalViolationService, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    flow, _, _ = make(local_service)
    to_secret(flow)
    flow.send("submit", text="4G15B08320")  # wrong secret: not matched
    assert flow.state == ERROR
    flow.send("back")
    flow.send("submit", text="4G15B08327")
    flow.send("print")
    flow.send("done")
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "苏E8D2K7" not in text and "4G15B0832" not in text


def test_wipe_forgets_everything(local_service: LocalViolationService) -> None:
    flow, _, _ = make(local_service)
    to_secret(flow)
    flow.send("submit", text="4G15B08327")
    assert flow.data.views
    flow.wipe()
    d = flow.data
    assert (d.plate, d.plate_text, d.secret, d.views, d.outcome, d.receipt) == (
        "",
        "",
        "",
        [],
        None,
        None,
    )
    assert d.mode is None and d.plate_type == ""
