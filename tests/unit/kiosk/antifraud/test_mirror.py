"""The magic mirror walked through: safe and unsafe choices, outcomes, the summary."""

from __future__ import annotations

import pytest

from kiosk.antifraud.mirror import INTRO, OUTCOME, STEP, SUMMARY, MirrorFlow
from kiosk.content.library import load_content
from kiosk.content.model import MirrorScenario
from kiosk.framework.clock import FakeClock
from kiosk.framework.flow import DONE, FailsafeMonitor

SCENARIOS = load_content().scenarios


def make(scenario_id: str = "police_call") -> MirrorFlow:
    clock = FakeClock()
    flow = MirrorFlow(clock, FailsafeMonitor(clock), SCENARIOS[scenario_id])
    flow.start()
    return flow


def index_of(flow: MirrorFlow, safe: bool) -> int:
    assert flow.step is not None
    return next(i for i, c in enumerate(flow.step.choices) if c.safe is safe)


def test_all_safe_choices() -> None:
    flow = make()
    states: list[str] = []
    flow.flow_did_change_state.append(lambda _f, _a, b: states.append(b))
    assert flow.state == INTRO
    flow.send("start")
    while flow.state == STEP:
        flow.send("choose", index=index_of(flow, safe=True))
        assert flow.state == OUTCOME and flow.last is not None and flow.last.safe
        assert flow.last.choice.why is None
        flow.send("next")
    assert flow.state == SUMMARY
    assert flow.safe_count == flow.choice_count == 3
    assert states == [STEP, OUTCOME, STEP, OUTCOME, STEP, OUTCOME, SUMMARY]
    signs = [s.zh_CN for s in flow.warning_signs_met]
    assert len(signs) == 4 and len(set(signs)) == 4
    assert any("安全账户" in s for s in signs)
    flow.send("done")
    assert flow.finished == "completed" and flow.state == DONE


def test_an_unsafe_choice_says_what_happens_and_why() -> None:
    flow = make()
    flow.send("start")
    flow.send("choose", index=index_of(flow, safe=False))
    assert flow.state == OUTCOME and flow.last is not None and not flow.last.safe
    assert flow.last.choice.feedback.zh_CN and flow.last.choice.why is not None
    speech = flow.speech("zh_CN")
    assert flow.last.choice.why.zh_CN in speech and "小心" in speech
    assert "Careful" in flow.speech("en")
    flow.send("next")
    assert flow.state == STEP and flow.step_number == 2


def test_an_unsafe_transfer_ends_the_scenario_early() -> None:
    flow = make("refund_call")
    flow.send("start")
    flow.send("choose", index=index_of(flow, safe=True))
    flow.send("next")
    flow.send("choose", index=index_of(flow, safe=False))
    flow.send("next")
    assert flow.step is not None and flow.step.id == "borrow_to_verify"
    flow.send("choose", index=index_of(flow, safe=False))
    flow.send("next")
    assert flow.state == SUMMARY and flow.safe_count == 1 and flow.choice_count == 3


def test_invalid_choices_are_ignored() -> None:
    flow = make()
    flow.send("start")
    for bad in (None, -1, 9, "0", False):
        flow.send("choose", index=bad)
        assert flow.state == STEP
    flow.send("next")  # not an event of this state
    assert flow.state == STEP and flow.made == []


def test_again_starts_over_and_cancel_ends() -> None:
    flow = make("part_time_job")
    flow.send("start")
    while flow.state == STEP:
        flow.send("choose", index=0)
        flow.send("next")
    assert flow.state == SUMMARY
    flow.send("again")
    assert flow.state == INTRO and flow.made == [] and flow.step_number == 0
    flow.send("start")
    assert flow.step is not None and flow.step.id == "easy_money"
    flow.send("home")
    assert flow.finished == "cancelled"


def test_speech_follows_the_screen() -> None:
    flow = make()
    s = SCENARIOS["police_call"]
    assert s.intro.zh_CN in flow.speech("zh_CN") and s.intro.en in flow.speech("en")
    flow.send("start")
    assert s.steps[0].says.en in flow.speech("en")
    assert all(c.text.zh_CN in flow.speech("zh_CN") for c in s.steps[0].choices)
    while flow.state != SUMMARY:
        flow.send("choose", index=0) if flow.state == STEP else flow.send("next")
    assert "不听、不信、不转账" in flow.speech("zh_CN")
    assert all(sign.en in flow.speech("en") for sign in flow.warning_signs_met)


def all_paths(scenario: MirrorScenario) -> list[list[int]]:
    """Every sequence of choice indexes from the first step to the end."""
    paths: list[list[int]] = []

    def walk(step_id: str, prefix: list[int]) -> None:
        step = scenario.step(step_id)
        for i, choice in enumerate(step.choices):
            target = scenario.next_step_id(step_id, choice)
            if target == "end":
                paths.append([*prefix, i])
            else:
                walk(target, [*prefix, i])

    walk(scenario.steps[0].id, [])
    return paths


@pytest.mark.parametrize("scenario_id", sorted(SCENARIOS))
def test_every_path_of_every_scenario_reaches_the_summary(scenario_id: str) -> None:
    paths = all_paths(SCENARIOS[scenario_id])
    assert len(paths) >= 4
    for path in paths:
        flow = make(scenario_id)
        flow.send("start")
        for index in path:
            assert flow.state == STEP
            flow.send("choose", index=index)
            assert flow.state == OUTCOME
            assert flow.speech("zh_CN") and flow.speech("en")
            flow.send("next")
        assert flow.state == SUMMARY, (scenario_id, path)
        assert flow.warning_signs_met and flow.choice_count == len(path)
