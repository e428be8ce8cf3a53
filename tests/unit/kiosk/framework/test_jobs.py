"""The one background-job API: ``Flow.run``, ``Busy`` states, runners and the mailbox."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from kiosk.framework.clock import FakeClock
from kiosk.framework.flow import DONE, FAILSAFE, Busy, Event, FailsafeMonitor, Flow, Step
from kiosk.framework.jobs import InlineRunner, Job, Mailbox, Runner, ThreadRunner
from tests.support.runners import ManualRunner


@dataclass
class Notes:
    """Personal data of the test flow."""

    asked: str = ""
    answer: str = ""
    errors: list[str] = field(default_factory=list)

    def wipe(self) -> None:
        self.asked, self.answer, self.errors = "", "", []


class Ask(Step["Lookup"]):
    name = "ask"
    prompt = "test.ask"

    def handle(self, flow: Lookup, event: Event) -> None:
        if event.name == "submit":
            flow.data.asked = str(event.data["text"])
            flow.go("busy")


class Waiting(Busy["Lookup"]):
    name = "busy"
    prompt = "test.busy"

    def job(self, flow: Lookup) -> Job[str]:
        asked, service = flow.data.asked, flow.service
        return lambda: service(asked)

    def arrived(self, flow: Lookup, value: Any) -> str | None:
        flow.data.answer = str(value)
        return "shown"

    def failed(self, flow: Lookup, error: BaseException) -> str | None:
        if isinstance(error, LookupError):
            flow.data.errors.append(type(error).__name__)
            return "ask"
        raise error

    def deadline_s(self, flow: Lookup) -> float:
        return 10.0

    def timed_out(self, flow: Lookup) -> str | None:
        flow.data.errors.append("timeout")
        return "ask"

    def handle(self, flow: Lookup, event: Event) -> None:
        if event.name == "back":
            flow.go("ask")


class Shown(Step["Lookup"]):
    name = "shown"
    prompt = "test.shown"

    def handle(self, flow: Lookup, event: Event) -> None:
        if event.name == "ok":
            flow.go(DONE)


class Lookup(Flow[Notes]):
    name = "lookup"
    initial = "ask"

    def __init__(
        self,
        clock: FakeClock,
        service: Callable[[str], str],
        runner: Runner | None = None,
        mailbox: Mailbox | None = None,
    ) -> None:
        super().__init__(
            clock,
            FailsafeMonitor(clock),
            [Ask(), Waiting(), Shown()],
            Notes(),
            runner=runner,
            mailbox=mailbox,
        )
        self.service = service


def upper(text: str) -> str:
    return text.upper()


def make(**kw: Any) -> tuple[Lookup, FakeClock, list[str]]:
    clock = FakeClock()
    flow = Lookup(clock, kw.pop("service", upper), **kw)
    outcomes: list[str] = []
    flow.flow_did_finish.append(lambda _f, o: outcomes.append(o))
    flow.start()
    return flow, clock, outcomes


def test_an_inline_answer_moves_the_flow_on_before_send_returns() -> None:
    flow, _, outcomes = make(runner=InlineRunner())
    flow.send("submit", text="abc")
    assert flow.state == "shown" and flow.data.answer == "ABC"
    flow.send("ok")
    assert outcomes == ["completed"]
    assert flow.data.asked == "" and flow.data.answer == ""  # wiped when it finished


def test_a_later_answer_on_the_owners_thread_moves_the_flow_on_at_once() -> None:
    runner = ManualRunner()
    flow, _, _ = make(runner=runner)
    flow.send("submit", text="abc")
    assert flow.state == "busy" and flow.jobs_waiting
    runner.run_next()
    assert flow.state == "shown" and not flow.jobs_waiting


def test_a_failure_takes_the_failure_path() -> None:
    def missing(_text: str) -> str:
        raise KeyError("no such record")

    flow, _, _ = make(service=missing)
    flow.send("submit", text="abc")
    assert flow.state == "ask" and flow.data.errors == ["KeyError"]


def test_a_defect_in_the_job_goes_to_the_failsafe() -> None:
    def broken(_text: str) -> str:
        raise ZeroDivisionError

    flow, _, _ = make(service=broken)
    flow.send("submit", text="abc")
    assert flow.state == FAILSAFE and flow.last_error == "ZeroDivisionError"


def test_an_answer_after_the_resident_went_back_is_dropped() -> None:
    runner = ManualRunner()
    flow, _, _ = make(runner=runner)
    flow.send("submit", text="abc")
    flow.send("back")
    assert flow.state == "ask"
    runner.run_next()
    assert flow.state == "ask" and flow.data.answer == ""


def test_an_answer_to_an_earlier_visit_of_the_same_state_is_dropped() -> None:
    runner = ManualRunner()
    flow, _, _ = make(runner=runner)
    flow.send("submit", text="first")
    flow.send("back")
    flow.send("submit", text="second")
    runner.run_next()  # the first visit's answer
    assert flow.state == "busy" and flow.data.answer == ""
    runner.run_next()
    assert flow.state == "shown" and flow.data.answer == "SECOND"


def test_an_answer_after_cancel_is_dropped_and_the_data_is_gone() -> None:
    runner = ManualRunner()
    flow, _, outcomes = make(runner=runner)
    flow.send("submit", text="abc")
    flow.send("cancel")
    assert outcomes == ["cancelled"] and flow.data.asked == ""
    runner.run_next()
    assert flow.data.answer == "" and flow.finished == "cancelled"


def test_no_answer_by_the_deadline_times_out_by_the_clock() -> None:
    runner = ManualRunner()
    flow, clock, _ = make(runner=runner)
    flow.send("submit", text="abc")
    clock.advance(9.9)
    flow.tick()
    assert flow.state == "busy"
    clock.advance(0.1)
    flow.tick()
    assert flow.state == "ask" and flow.data.errors == ["timeout"]
    runner.run_next()  # too late
    assert flow.state == "ask" and flow.data.answer == ""


@pytest.mark.parametrize("event", ["cancel", "home"])
def test_every_step_ends_the_flow_on_cancel_and_home(event: str) -> None:
    flow, _, outcomes = make()
    flow.send(event)
    assert outcomes == ["cancelled"]


def test_the_framework_adds_the_done_state_with_the_flows_prompt() -> None:
    flow, _, _ = make()
    assert flow.states[DONE].prompt == "lookup.prompt.done"


def test_a_worker_threads_answer_waits_in_the_mailbox_for_the_owner() -> None:
    """Answers reach the owning thread through a queue it drains: no thread identities."""
    mailbox = Mailbox()
    posted = threading.Event()
    handled_on: list[str] = []

    def deliver(fn: Callable[[], None]) -> None:
        mailbox.post(fn)
        posted.set()

    def service(text: str) -> str:
        return text.upper()

    worker = ThreadRunner(deliver, name="test-worker")
    try:
        flow, _, _ = make(runner=worker, mailbox=mailbox, service=service)
        flow.flow_did_change_state.append(
            lambda _f, _a, _b: handled_on.append(threading.current_thread().name)
        )
        flow.send("submit", text="abc")
        assert posted.wait(60)
        assert flow.state == "busy"  # the worker only posted the answer
        flow.tick()
        assert flow.state == "shown" and flow.data.answer == "ABC"
        assert set(handled_on) == {threading.current_thread().name}
    finally:
        worker.stop()


def test_the_mailbox_runs_what_was_posted_once_in_order() -> None:
    box = Mailbox()
    seen: list[int] = []
    for i in range(3):
        box.post(lambda i=i: seen.append(i))  # type: ignore[misc]
    assert box.drain() == 3 and box.drain() == 0
    assert seen == [0, 1, 2]


def test_a_late_answer_to_an_abandoned_job_leaves_the_new_jobs_deadline() -> None:
    """Back, then the same question again: the first job's answer comes late and is dropped;
    the second job must still time out by the flow's clock."""
    runner = ManualRunner()
    flow, clock, _ = make(runner=runner)
    flow.send("submit", text="first")
    flow.send("back")
    flow.send("submit", text="second")
    runner.run_next()  # the abandoned job answers: dropped
    assert flow.state == "busy" and flow.jobs_waiting
    clock.advance(10.0)
    flow.tick()
    assert flow.state == "ask" and flow.data.errors == ["timeout"]


def test_a_failing_finish_listener_still_leaves_nothing_personal() -> None:
    flow, _, _ = make(runner=ManualRunner())
    flow.send("submit", text="110101199003071234")

    def broken(_flow: Flow[Notes], _outcome: str) -> None:
        raise RuntimeError("a screen failed to clear")

    flow.flow_did_finish.insert(0, broken)
    flow.send("cancel")  # the listener's error is the failsafe's to count
    assert flow.finished == "cancelled" and flow.data.asked == ""
    assert flow.monitor.total == 1
