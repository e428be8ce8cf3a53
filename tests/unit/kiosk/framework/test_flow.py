from __future__ import annotations

from pathlib import Path
from typing import Any

from devices.health import HealthLevel
from kiosk.framework.clock import FakeClock
from kiosk.framework.flow import FAILSAFE, Event, FailsafeMonitor, Flow, State
from kiosk.platform.log_setup import setup_logging


class Ask(State):
    name = "ask"

    def do(self, flow: Flow[Any], event: Event) -> None:
        if event.name == "answer":
            flow.answer = event.data["value"]  # type: ignore[attr-defined]
        if event.name == "boom":
            raise RuntimeError("lookup failed for 110101199003071234")

    def validate(self, flow: Flow[Any]) -> str | None:
        return "wait" if getattr(flow, "answer", None) else None


class Wait(State):
    name = "wait"

    def validate(self, flow: Flow[Any]) -> str | None:
        return "end" if flow.time_in_state() >= 3 else None


class End(State):
    name = "end"

    def enter(self, flow: Flow[Any]) -> None:
        flow.finish("completed")


class Demo(Flow[Any]):
    name = "demo"
    initial = "ask"


def make(clock: FakeClock) -> tuple[Demo, FailsafeMonitor, list[tuple[str, str]], list[str]]:
    monitor = FailsafeMonitor(clock)
    flow = Demo(clock, monitor, [Ask(), Wait(), End()])
    changes: list[tuple[str, str]] = []
    outcomes: list[str] = []
    flow.flow_did_change_state.append(lambda f, a, b: changes.append((a, b)))
    flow.flow_did_finish.append(lambda f, o: outcomes.append(o))
    return flow, monitor, changes, outcomes


def test_walks_states_on_events_and_time() -> None:
    clock = FakeClock()
    flow, _, changes, outcomes = make(clock)
    flow.start()
    flow.send("answer", value="yes")
    assert flow.state == "wait"
    clock.advance(2.9)
    flow.tick()
    assert flow.state == "wait"
    clock.advance(0.1)
    flow.tick()
    assert changes == [("", "ask"), ("ask", "wait"), ("wait", "end")]
    assert outcomes == ["completed"]


def test_error_goes_to_failsafe_is_counted_and_returns_home(tmp_path: Path) -> None:
    clock = FakeClock()
    flow, monitor, changes, outcomes = make(clock)
    flow.start()
    setup_logging(tmp_path)
    try:
        flow.send("boom")
    finally:
        setup_logging(None)
    log_text = (tmp_path / "kiosk.log").read_text(encoding="utf-8")
    assert "failsafe in state ask" in log_text
    assert "110***********1234" in log_text and "110101199003071234" not in log_text
    assert flow.state == FAILSAFE and changes[-1] == ("ask", FAILSAFE)
    assert flow.last_error == "RuntimeError"
    assert monitor.total == 1
    flow.send("home")
    assert outcomes == ["failsafe"]


def test_three_failsafes_in_five_minutes_degrade_the_terminal() -> None:
    clock = FakeClock()
    monitor = FailsafeMonitor(clock)
    for i in range(3):
        flow = Demo(clock, monitor, [Ask(), Wait(), End()])
        flow.start()
        flow.send("boom")
        assert monitor.health.level is (HealthLevel.DEGRADED if i == 2 else HealthLevel.READY)
        clock.advance(100)
    assert monitor.health.reason == "terminal.failsafe_repeated"
    clock.advance(200)  # the first two fall out of the window
    monitor.refresh()
    assert monitor.health.level is HealthLevel.READY


def test_spread_out_failsafes_do_not_degrade() -> None:
    clock = FakeClock()
    monitor = FailsafeMonitor(clock)
    for _ in range(3):
        monitor.record("demo", RuntimeError())
        clock.advance(151)
    assert monitor.health.level is HealthLevel.READY
