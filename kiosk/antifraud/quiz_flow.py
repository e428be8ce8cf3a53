"""The anti-fraud quiz as a plain state machine (no Qt), on :mod:`kiosk.framework.flow`.

States and the events each accepts (every state also takes ``cancel`` / ``home``, which end
the flow as ``cancelled``; ``member(member_id=...)`` identifies the resident's points account
in ``intro``, ``question``, ``explanation`` and ``score``)::

    intro        start                       offers the reward if ``reward_points_offered``
    question     answer(choice=i)            an invalid index is ignored
    explanation  next                        ``last_answer`` says right or wrong, and why
    score        next | again | done         next: the reward if ``reward_due``, else done
    rewarding    (none)                      earning; moves on when the answer comes or
                                             after ``reward_deadline_s`` (then unreachable)
    reward       retry | again | done | next retry only when unreachable (same key)
    done         (finishes the flow as ``completed``)

The points request runs through the flow's ``Runner`` (:class:`Busy`), off the UI's thread;
an answer that comes after the deadline is dropped (the key keeps a retry safe). The reward
is paid at most once per member and day: the idempotency key is
:meth:`QuizReward.idempotency_key` and the flow never asks twice once the service has answered
earned or already earned.

The member id is personal: it is forgotten when the flow finishes.
"""

from __future__ import annotations

import logging
import random
from typing import Any, TypeGuard, cast

from kiosk.antifraud.quiz import (
    DEFAULT_QUESTIONS,
    AnswerResult,
    QuizReward,
    QuizSession,
)
from kiosk.antifraud.rehearsal import INTRO, Rehearsal
from kiosk.content.model import QuizBank, QuizQuestion
from kiosk.content.speech import join_sentences
from kiosk.framework.clock import Clock
from kiosk.framework.earning import EarnResult, EarnStatus, PointsEarner
from kiosk.framework.flow import DONE, Busy, Event, FailsafeMonitor, Flow, Step, on
from kiosk.framework.i18n import tr
from kiosk.framework.jobs import Job, Runner

log = logging.getLogger(__name__)

QUESTION = "question"
EXPLANATION = "explanation"
SCORE = "score"
#: the usage counter of quizzes finished (to the score), sent in the heartbeat
QUIZ_COMPLETED = "quiz.completed"
REWARDING = "rewarding"
REWARD = "reward"
STATE_NAMES = (INTRO, QUESTION, EXPLANATION, SCORE, REWARDING, REWARD, DONE)
OPTION_LETTERS = "ABCD"


def _is_index(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


class _Step(Step["QuizFlow"]):
    """A quiz state: some accept the resident's points card (``member``) at any time."""

    accepts_member = False

    def do(self, flow: Flow[Any], event: Event) -> None:
        if event.name == "member" and self.accepts_member:
            cast(QuizFlow, flow).identify(str(event.data.get("member_id", "")))
        else:
            super().do(flow, event)


class Intro(_Step):
    """What the quiz is; offers the reward (scan your points card to earn N points)."""

    name = INTRO
    prompt = "antifraud.quiz.intro.prompt"
    moves = on(start=QUESTION)
    accepts_member = True

    def say(self, flow: QuizFlow, language: str) -> str:
        parts = [tr(self.prompt, language, count=flow.session.total)]
        if flow.reward_points_offered and not flow.member_identified:
            points = flow.reward_points_offered
            parts.append(tr("antifraud.quiz.intro.scan_to_earn", language, points=points))
        return join_sentences(parts, language)


class Question(_Step):
    """One question (``flow.question``) with its options; ``answer(choice=i)``."""

    name = QUESTION
    prompt = "antifraud.quiz.question.prompt"
    accepts_member = True

    def handle(self, flow: QuizFlow, event: Event) -> None:
        if event.name != "answer":
            return
        choice = event.data.get("choice")
        question = flow.question
        if question is None:
            flow.go(SCORE)
        elif _is_index(choice) and 0 <= choice < len(question.options):
            flow.last_answer = flow.session.answer(choice)
            flow.go(EXPLANATION)
        else:
            log.info("quiz: ignored answer %r", choice)

    def say(self, flow: QuizFlow, language: str) -> str:
        q = flow.question
        if q is None:
            return ""
        number = tr(
            "antifraud.quiz.question.number", language, number=flow.session.number, total=flow.total
        )
        options = [f"{OPTION_LETTERS[i]}, {o.get(language)}" for i, o in enumerate(q.options)]
        return join_sentences([number, q.question.get(language), *options], language)


class Explanation(_Step):
    """Right or wrong (``flow.last_answer``), the right answer and the explanation."""

    name = EXPLANATION
    prompt = "antifraud.quiz.explanation.prompt"
    accepts_member = True

    def handle(self, flow: QuizFlow, event: Event) -> None:
        if event.name == "next":
            flow.go(SCORE if flow.session.finished else QUESTION)

    def say(self, flow: QuizFlow, language: str) -> str:
        a = flow.last_answer
        if a is None:
            return ""
        if a.correct:
            verdict = tr("antifraud.quiz.correct", language)
        else:
            letter = OPTION_LETTERS[a.correct_index]
            verdict = tr("antifraud.quiz.incorrect", language, answer=letter)
        return join_sentences([verdict, a.question.explanation.get(language)], language)


class Score(_Step):
    """The score (``flow.score`` of ``flow.total``); the reward if ``flow.reward_due``."""

    name = SCORE
    prompt = "antifraud.quiz.score.prompt"
    moves = on(done=DONE)
    accepts_member = True

    def handle(self, flow: QuizFlow, event: Event) -> None:
        if event.name == "next":
            flow.go(REWARDING if flow.reward_due else DONE)
        elif event.name == "again":
            flow.new_quiz()
            flow.go(QUESTION)

    def say(self, flow: QuizFlow, language: str) -> str:
        parts = [tr("antifraud.quiz.score.text", language, score=flow.score, total=flow.total)]
        if flow.reward_points_offered and not flow.member_identified and flow.reward_earnable:
            points = flow.reward_points_offered
            parts.append(tr("antifraud.quiz.score.scan_to_earn", language, points=points))
        return join_sentences(parts, language)


class Rewarding(Busy["QuizFlow"], _Step):
    """Asking the points service; ends in ``reward`` on its answer or at the deadline."""

    name = REWARDING
    prompt = "antifraud.quiz.reward.pending"

    def job(self, flow: QuizFlow) -> Job[EarnResult]:
        return flow._earn_job()

    def arrived(self, flow: QuizFlow, value: Any) -> str | None:
        return flow._earned(value)

    def deadline_s(self, flow: QuizFlow) -> float:
        return flow.reward_deadline_s

    def timed_out(self, flow: QuizFlow) -> str | None:
        # a late answer is dropped; the idempotency key keeps a retry safe
        return flow._earned(EarnResult(EarnStatus.UNREACHABLE, detail="deadline"))


class Reward(_Step):
    """The reward's outcome (``flow.reward_result``): earned, already earned today, or the
    service unreachable (``retry`` is safe: same key) or refusing. ``again`` starts another
    quiz; its reward is not asked for again once the service said paid."""

    name = REWARD
    prompt = "antifraud.quiz.reward.prompt"
    moves = on(done=DONE, next=DONE)

    def handle(self, flow: QuizFlow, event: Event) -> None:
        result = flow.reward_result
        if event.name == "retry" and result is not None:
            if result.status is EarnStatus.UNREACHABLE:
                flow.go(REWARDING)
        elif event.name == "again":
            flow.new_quiz()
            flow.go(QUESTION)

    def say(self, flow: QuizFlow, language: str) -> str:
        return tr(flow.reward_message_key, language, points=flow.reward_points_earned)


class QuizFlow(Rehearsal):
    """The quiz flow. See the module docstring for states and events.

    Attributes:
        session: the current quiz (questions, answers, score).
        last_answer: the answer just given (in ``explanation``).
        reward: the reward rules.
        reward_result: the points service's answer (in ``reward``), or None.
    """

    name = "antifraud_quiz"

    def __init__(
        self,
        clock: Clock,
        monitor: FailsafeMonitor,
        bank: QuizBank,
        *,
        earner: PointsEarner | None = None,
        reward: QuizReward | None = None,
        questions: int = DEFAULT_QUESTIONS,
        seed: int | None = None,
        runner: Runner | None = None,
        reward_deadline_s: float = 15.0,
        language: str = "zh_CN",
    ) -> None:
        super().__init__(
            clock,
            monitor,
            [Intro(), Question(), Explanation(), Score(), Rewarding(), Reward()],
            runner=runner,
        )
        self.bank = bank
        self.earner = earner
        self.reward = reward or QuizReward()
        self.questions_per_quiz = questions
        self._rng = random.Random(seed)
        self.reward_deadline_s = reward_deadline_s
        self.language = language
        self.session = QuizSession(bank, questions, rng=self._rng)
        self.last_answer: AnswerResult | None = None
        self.reward_result: EarnResult | None = None
        self._member_id: str | None = None
        self._paid_keys: set[str] = set()  # keys the service confirmed (earned or already)

    # -- what screens read -------------------------------------------------------------

    @property
    def question(self) -> QuizQuestion | None:
        """The question to answer now."""
        return self.session.current

    @property
    def total(self) -> int:
        """Questions in this quiz."""
        return self.session.total

    @property
    def score(self) -> int:
        """Correct answers so far."""
        return self.session.score

    @property
    def member_identified(self) -> bool:
        """Whether a points account was scanned."""
        return self._member_id is not None

    @property
    def reward_points_offered(self) -> int:
        """Points the quiz pays (0 when there is no reward or no points service)."""
        return self.reward.points_per_day if self.earner and self.reward.enabled else 0

    @property
    def reward_earnable(self) -> bool:
        """Whether the score so far is enough for the reward (at the end: final)."""
        return self.reward.earned_by(self.session.score)

    @property
    def reward_due(self) -> bool:
        """Whether ``next`` from the score goes to the reward."""
        return bool(
            self.reward_points_offered
            and self.member_identified
            and self.session.finished
            and self.reward_earnable
        )

    @property
    def reward_points_earned(self) -> int:
        """Points credited by this quiz (0 unless the service answered earned)."""
        r = self.reward_result
        if r is None or r.status is not EarnStatus.EARNED:
            return 0
        return r.points or self.reward.points_per_day

    @property
    def reward_message_key(self) -> str:
        """Translation key of the reward's outcome."""
        status = self.reward_result.status if self.reward_result else EarnStatus.UNREACHABLE
        return f"antifraud.quiz.reward.{status.value}"

    # -- what screens and states call ----------------------------------------------------

    def identify(self, member_id: str) -> None:
        """Remembers the resident's points account (from a scanned, verified points code)."""
        member_id = member_id.strip()
        if member_id:
            self._member_id = member_id

    def new_quiz(self) -> None:
        """Draws a new set of questions (``again``); the member stays identified."""
        self.session = QuizSession(self.bank, self.questions_per_quiz, rng=self._rng)
        self.last_answer = None
        self.reward_result = None

    def wipe(self) -> None:
        """Forgets the member id and the answers."""
        super().wipe()
        self._member_id = None
        self.reward_result = None
        self.last_answer = None

    # -- earning -------------------------------------------------------------------------

    def _earn_job(self) -> Job[EarnResult]:
        member = self._member_id
        points = self.reward.points_per_day
        key = QuizReward.idempotency_key(member or "", self.clock.now().date())
        earner, reason = self.earner, self.reward.reason
        if member is None or earner is None:
            return lambda: EarnResult(EarnStatus.REJECTED, detail="no member")
        if key in self._paid_keys:  # this flow already heard "paid" for today: don't ask again
            return lambda: EarnResult(EarnStatus.ALREADY_EARNED)

        def job() -> EarnResult:
            try:
                return earner.earn(member, points, key, reason)
            except Exception as e:  # a network failure: unknown, and a retry is safe
                log.warning("quiz reward: points service failed: %s", type(e).__name__)
                return EarnResult(EarnStatus.UNREACHABLE, detail=type(e).__name__)

        return job

    def _earned(self, answer: EarnResult) -> str:
        if answer.status in (EarnStatus.EARNED, EarnStatus.ALREADY_EARNED):
            self._paid_keys.add(
                QuizReward.idempotency_key(self._member_id or "", self.clock.now().date())
            )
        log.info("quiz reward: %s", answer.status.value)
        self.reward_result = answer
        return REWARD
