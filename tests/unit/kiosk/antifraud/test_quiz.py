"""Quiz sessions, the daily reward's idempotency, and the quiz flow walked through."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, datetime

import pytest

from kiosk.antifraud.quiz import (
    QuizOver,
    QuizReward,
    QuizSession,
    draw_questions,
)
from kiosk.antifraud.quiz_flow import (
    EXPLANATION,
    INTRO,
    QUESTION,
    REWARD,
    REWARDING,
    SCORE,
    QuizFlow,
)
from kiosk.content.library import load_content
from kiosk.content.model import QuizBank
from kiosk.framework.clock import FakeClock
from kiosk.framework.earning import EarnResult, EarnStatus
from kiosk.framework.flow import DONE, FAILSAFE, FailsafeMonitor
from kiosk.framework.jobs import Mailbox, ThreadRunner
from tests.support.runners import ManualRunner
from tests.unit.kiosk.antifraud.fakes import FakePointsService

BANK: QuizBank = load_content().quiz


def right(flow: QuizFlow) -> int:
    assert flow.question is not None
    return flow.question.answer


def status(flow: QuizFlow) -> EarnStatus | None:
    """The reward's status (a function, so each read is fresh to the type checker)."""
    return flow.reward_result.status if flow.reward_result else None


def wrong(flow: QuizFlow) -> int:
    assert flow.question is not None
    return (flow.question.answer + 1) % len(flow.question.options)


# -- session -----------------------------------------------------------------------------------


def test_same_seed_same_draw_other_seed_other_draw() -> None:
    a = [q.id for q in QuizSession(BANK, 5, seed=7).questions]
    assert a == [q.id for q in QuizSession(BANK, 5, seed=7).questions]
    assert any(a != [q.id for q in QuizSession(BANK, 5, seed=s).questions] for s in range(8, 12))


def test_draw_spreads_over_fraud_types_and_never_repeats() -> None:
    for seed in range(20):
        qs = draw_questions(BANK, 10, random.Random(seed))
        assert len({q.id for q in qs}) == 10
        assert len({q.fraud_type for q in qs}) == 10  # the bank has ten types


def test_draw_is_capped_by_the_bank() -> None:
    assert len(QuizSession(BANK, 500, seed=1).questions) == len(BANK.questions)
    with pytest.raises(ValueError):
        QuizSession(BANK, 0)


def test_answers_and_score() -> None:
    s = QuizSession(BANK, 3, seed=3)
    assert s.number == 1 and not s.finished
    q1 = s.current
    assert q1 is not None
    r1 = s.answer(q1.answer)
    assert r1.correct and r1.correct_index == q1.answer
    q2 = s.current
    assert q2 is not None and q2 != q1
    r2 = s.answer((q2.answer + 1) % len(q2.options))
    assert not r2.correct
    with pytest.raises(ValueError):
        s.answer(9)
    q3 = s.current
    assert q3 is not None
    s.answer(q3.answer)
    assert s.finished and s.score == 2 and s.total == 3 and s.current is None
    with pytest.raises(QuizOver):
        s.answer(0)


# -- reward ------------------------------------------------------------------------------------


def test_idempotency_key_is_per_member_and_day_and_hides_the_member() -> None:
    k = QuizReward.idempotency_key
    day = date(2026, 11, 23)
    assert k("M001", day) == k("M001", day)
    assert k("M001", day) != k("M002", day)
    assert k("M001", day) != k("M001", date(2026, 11, 24))
    assert "M001" not in k("M001", day) and k("M001", day).startswith("quiz-2026-11-23-")


def test_reward_rules() -> None:
    assert QuizReward().enabled and QuizReward().points_per_day == 1
    assert not QuizReward(points_per_day=0).enabled
    assert QuizReward(min_correct=3).earned_by(3) and not QuizReward(min_correct=3).earned_by(2)


# -- flow --------------------------------------------------------------------------------------


def make(
    clock: FakeClock | None = None,
    earner: FakePointsService | None = None,
    **kwargs: object,
) -> QuizFlow:
    clock = clock or FakeClock()
    flow = QuizFlow(
        clock,
        FailsafeMonitor(clock),
        BANK,
        earner=earner,
        seed=1,
        reward=kwargs.pop("reward", QuizReward(points_per_day=2)),
        **kwargs,  # type: ignore[arg-type]
    )
    flow.start()
    return flow


def answer_all(flow: QuizFlow, correct: int) -> None:
    """Answers every question, the first ``correct`` ones right."""
    n = 0
    while flow.state == QUESTION:
        flow.send("answer", choice=right(flow) if n < correct else wrong(flow))
        assert flow.state == EXPLANATION and flow.last_answer is not None
        assert flow.last_answer.correct is (n < correct)
        n += 1
        flow.send("next")


def test_walk_without_a_member_ends_after_the_score() -> None:
    states: list[str] = []
    flow = make(earner=FakePointsService())
    flow.flow_did_change_state.append(lambda _f, _a, b: states.append(b))
    assert flow.state == INTRO and flow.reward_points_offered == 2
    flow.send("start")
    answer_all(flow, correct=3)
    assert flow.state == SCORE and flow.score == 3 and flow.total == 5
    assert not flow.reward_due
    flow.send("next")
    assert flow.finished == "completed"
    assert states == [QUESTION] + [EXPLANATION, QUESTION] * 4 + [EXPLANATION, SCORE, DONE]


def test_member_earns_once_then_already_earned_same_day() -> None:
    clock = FakeClock()
    points = FakePointsService()
    for attempt in range(2):
        flow = make(clock, points)
        flow.send("member", member_id="M001")
        flow.send("start")
        answer_all(flow, correct=5)
        flow.send("next")
        assert flow.state == REWARD
        assert flow.reward_result is not None
        if attempt == 0:
            assert flow.reward_result.status is EarnStatus.EARNED
            assert flow.reward_points_earned == 2
            assert flow.reward_message_key == "antifraud.quiz.reward.earned"
        else:
            assert flow.reward_result.status is EarnStatus.ALREADY_EARNED
            assert flow.reward_points_earned == 0
        flow.send("done")
        assert flow.finished == "completed"
        clock.advance(600)
    assert points.balances == {"M001": 2}
    assert len(points.calls) == 2 and points.calls[0][2] == points.calls[1][2]  # same key


def test_a_second_terminal_cannot_pay_twice() -> None:
    points = FakePointsService()  # one points service, two terminals
    results = []
    for _terminal in range(2):
        flow = make(FakeClock(), points)
        flow.send("start")
        answer_all(flow, correct=1)
        flow.send("member", member_id="M001")  # scanned at the score screen
        flow.send("next")
        assert flow.reward_result is not None
        results.append(flow.reward_result.status)
    assert results == [EarnStatus.EARNED, EarnStatus.ALREADY_EARNED]
    assert points.balances == {"M001": 2}


def test_another_day_pays_again() -> None:
    clock = FakeClock(datetime(2026, 11, 23, 23, 50))
    points = FakePointsService()
    for _ in range(2):
        flow = make(clock, points)
        flow.send("member", member_id="M001")
        flow.send("start")
        answer_all(flow, correct=2)
        flow.send("next")
        assert flow.reward_result is not None
        assert flow.reward_result.status is EarnStatus.EARNED
        clock.advance(20 * 60)  # past midnight
    assert points.balances == {"M001": 4}


def test_again_in_the_same_flow_does_not_ask_twice() -> None:
    points = FakePointsService()
    flow = make(earner=points)
    flow.send("member", member_id="M001")
    flow.send("start")
    answer_all(flow, correct=5)
    flow.send("next")
    assert flow.reward_result is not None
    assert flow.reward_result.status is EarnStatus.EARNED
    flow.send("again")  # another quiz for the same resident
    assert flow.state == QUESTION and flow.session.number == 1 and flow.reward_result is None
    answer_all(flow, correct=0)
    flow.send("again")  # from the score too
    answer_all(flow, correct=5)
    flow.send("next")
    assert flow.reward_result is not None
    assert flow.reward_result.status is EarnStatus.ALREADY_EARNED
    assert len(points.calls) == 1  # the flow knew it was paid: it did not even ask
    assert points.balances == {"M001": 2}


def test_unreachable_then_retry_with_the_same_key() -> None:
    points = FakePointsService(unreachable_next=1)
    flow = make(earner=points)
    flow.send("member", member_id="M001")
    flow.send("start")
    answer_all(flow, correct=4)
    flow.send("next")
    assert flow.reward_result is not None
    assert flow.reward_result.status is EarnStatus.UNREACHABLE
    assert flow.reward_message_key == "antifraud.quiz.reward.unreachable"
    flow.send("retry")
    assert flow.state == REWARD and status(flow) is EarnStatus.EARNED
    flow.send("retry")  # nothing to retry after success
    assert len(points.calls) == 2 and points.calls[0][2] == points.calls[1][2]
    assert points.balances == {"M001": 2}


def test_a_lost_reply_is_unreachable_and_the_retry_never_pays_twice() -> None:
    points = FakePointsService(lose_reply_next=1)
    flow = make(earner=points)
    flow.send("member", member_id="M001")
    flow.send("start")
    answer_all(flow, correct=5)
    flow.send("next")
    assert flow.reward_result is not None
    assert flow.reward_result.status is EarnStatus.UNREACHABLE  # credited, but we never heard
    flow.send("retry")
    assert status(flow) is EarnStatus.ALREADY_EARNED
    assert points.balances == {"M001": 2}
    assert flow.state == REWARD and flow.finished is None  # no failsafe for a network error


def test_a_points_service_that_never_answers_times_out() -> None:
    runner = ManualRunner()
    clock = FakeClock()
    points = FakePointsService()
    flow = make(clock, points, runner=runner)
    flow.send("member", member_id="M001")
    flow.send("start")
    answer_all(flow, correct=5)
    flow.send("next")
    assert flow.state == REWARDING and len(runner.jobs) == 1
    clock.advance(14.9)
    flow.tick()
    assert flow.state == REWARDING
    clock.advance(0.1)
    flow.tick()
    assert flow.state == REWARD and flow.reward_result is not None
    assert flow.reward_result.status is EarnStatus.UNREACHABLE
    runner.run_next()  # the late answer is dropped by the flow; the service keeps the key
    assert flow.reward_result.status is EarnStatus.UNREACHABLE and flow.state == REWARD
    flow.send("retry")
    runner.run_next()  # arrives on the flow's thread: moves on at once
    assert flow.state == REWARD and status(flow) is EarnStatus.ALREADY_EARNED
    assert points.balances == {"M001": 2}


def test_an_answer_from_a_worker_thread_waits_in_the_flows_queue_for_the_next_tick() -> None:
    import threading

    mailbox = Mailbox()
    answered = threading.Event()

    def deliver(fn: Callable[[], None]) -> None:
        mailbox.post(fn)
        answered.set()

    worker = ThreadRunner(deliver, name="earn-test")
    try:
        flow = make(earner=FakePointsService(), runner=worker)
        flow.mailbox = mailbox
        flow.send("member", member_id="M001")
        flow.send("start")
        answer_all(flow, correct=5)
        flow.send("next")
        assert answered.wait(60)
        assert flow.state == REWARDING
        flow.tick()
        assert flow.state == REWARD and flow.reward_result is not None
        assert flow.reward_result.status is EarnStatus.EARNED
    finally:
        worker.stop()


def test_not_enough_correct_answers_earn_nothing() -> None:
    points = FakePointsService()
    flow = make(earner=points, reward=QuizReward(points_per_day=3, min_correct=4))
    flow.send("member", member_id="M001")
    flow.send("start")
    answer_all(flow, correct=3)
    assert not flow.reward_earnable and not flow.reward_due
    flow.send("next")
    assert flow.finished == "completed" and points.calls == []


def test_no_points_service_means_no_offer() -> None:
    flow = make()
    assert flow.reward_points_offered == 0
    flow.send("member", member_id="M001")
    flow.send("start")
    answer_all(flow, correct=5)
    assert not flow.reward_due
    flow.send("next")
    assert flow.finished == "completed"


def test_invalid_answers_are_ignored() -> None:
    flow = make()
    flow.send("start")
    for bad in (None, -1, 4, "1", 1.0, True):
        flow.send("answer", choice=bad)
        assert flow.state == QUESTION
    assert flow.session.answers == []


def test_cancel_and_wipe() -> None:
    flow = make(earner=FakePointsService())
    flow.send("member", member_id="M001")
    assert flow.member_identified
    flow.send("start")
    flow.send("cancel")
    assert flow.finished == "cancelled" and not flow.member_identified


def test_speech_in_both_languages() -> None:
    flow = make(earner=FakePointsService())
    zh, en = flow.speech("zh_CN"), flow.speech("en")
    assert "5" in zh and "积分" in zh and "points" in en
    flow.send("start")
    q = flow.question
    assert q is not None
    assert q.question.zh_CN in flow.speech("zh_CN") and q.question.en in flow.speech("en")
    assert all(o.en in flow.speech("en") for o in q.options)
    flow.send("answer", choice=wrong(flow))
    assert q.explanation.zh_CN in flow.speech("zh_CN")
    assert "The right answer is" in flow.speech("en")
    for _ in range(10):
        if flow.state == SCORE:
            break
        flow.send("next")
        if flow.state == QUESTION:
            flow.send("answer", choice=right(flow))
    assert flow.state == SCORE
    assert "4 of 5" in flow.speech("en")
    assert not any(s.startswith("antifraud.") for s in (flow.speech("zh_CN"), flow.speech("en")))


def test_a_failing_earner_never_crashes_the_flow() -> None:
    points = FakePointsService(raise_next=1)
    flow = make(earner=points)
    flow.send("member", member_id="M001")
    flow.send("start")
    answer_all(flow, correct=5)
    flow.send("next")
    assert flow.state == REWARD and flow.state != FAILSAFE
    assert flow.reward_result == EarnResult(EarnStatus.UNREACHABLE, detail="ConnectionError")
