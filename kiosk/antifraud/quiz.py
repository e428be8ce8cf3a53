"""The anti-fraud quiz without a screen: drawing questions, answering, scoring, the reward.

A :class:`QuizSession` draws ``count`` questions from the bank (spread over as many fraud
types as it can, in an order fixed by an injectable seed) and takes one answer per question.

The reward is a daily allowance of volunteer points (:class:`QuizReward`). Its idempotency
key is derived from (member id, local date, ``quiz``), so a retry, a second quiz the same
day, or a second terminal can never pay twice: the points service keeps the key and answers
"already earned". The service itself is another issue; the quiz only needs the small
:class:`PointsEarner` protocol.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from kiosk.content.model import QuizBank, QuizQuestion

DEFAULT_QUESTIONS = 5


class QuizReward(BaseModel):
    """The quiz's daily reward.

    Attributes:
        points_per_day: points for finishing the quiz, once per member per day (0 = off).
            Default 1: an hour of volunteering earns 1 point, so a few minutes' quiz earns
            no more.
        min_correct: correct answers needed to earn them (0 = finishing is enough).
        reason: the ledger's reason code.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    points_per_day: int = Field(1, ge=0, le=1000)
    min_correct: int = Field(0, ge=0, le=50)
    reason: str = "antifraud_quiz"

    @property
    def enabled(self) -> bool:
        """Whether the quiz pays anything."""
        return self.points_per_day > 0

    def earned_by(self, score: int) -> bool:
        """Whether a score is enough for the reward."""
        return self.enabled and score >= self.min_correct

    @staticmethod
    def idempotency_key(member_id: str, day: date) -> str:
        """``quiz-<date>-<hash>``: the same for a member all day, on every terminal.

        The member id is hashed so the key can be logged and stored without it.
        """
        digest = hashlib.sha256(f"{member_id}\n{day.isoformat()}\nquiz".encode()).hexdigest()
        return f"quiz-{day.isoformat()}-{digest[:32]}"


def draw_questions(bank: QuizBank, count: int, rng: random.Random) -> tuple[QuizQuestion, ...]:
    """``count`` questions (fewer if the bank is smaller), one per fraud type while possible.

    The order is random by ``rng``; the same seed gives the same draw.
    """
    if count < 1:
        raise ValueError("a quiz needs at least one question")
    pool = list(bank.questions)
    rng.shuffle(pool)
    picked: list[QuizQuestion] = []
    seen_types: set[str] = set()
    for q in pool:  # first pass: one question per fraud type
        if len(picked) < count and q.fraud_type not in seen_types:
            picked.append(q)
            seen_types.add(q.fraud_type)
    for q in pool:  # then fill up from the rest
        if len(picked) < count and q not in picked:
            picked.append(q)
    return tuple(picked)


@dataclass(frozen=True)
class AnswerResult:
    """One answered question.

    Attributes:
        question: the question.
        chosen: the option index the resident chose.
        correct: whether it was the right one.
    """

    question: QuizQuestion
    chosen: int
    correct: bool

    @property
    def correct_index(self) -> int:
        """The right option's index."""
        return self.question.answer


class QuizOver(RuntimeError):
    """An answer came after the last question."""


class QuizSession:
    """One run of the quiz: questions one at a time, an answer each, a score at the end.

    Attributes:
        questions: the drawn questions, in order.
        answers: the answers given so far.
    """

    def __init__(
        self,
        bank: QuizBank,
        count: int = DEFAULT_QUESTIONS,
        seed: int | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.questions = draw_questions(bank, count, rng or random.Random(seed))
        self.answers: list[AnswerResult] = []

    @property
    def total(self) -> int:
        """How many questions this quiz has."""
        return len(self.questions)

    @property
    def number(self) -> int:
        """The current question's number, from 1 (``total + 1`` when finished)."""
        return len(self.answers) + 1

    @property
    def current(self) -> QuizQuestion | None:
        """The question to answer now, or None when finished."""
        return None if self.finished else self.questions[len(self.answers)]

    @property
    def finished(self) -> bool:
        """Whether every question was answered."""
        return len(self.answers) >= len(self.questions)

    @property
    def score(self) -> int:
        """Correct answers so far."""
        return sum(a.correct for a in self.answers)

    def answer(self, choice: int) -> AnswerResult:
        """Answers the current question with option ``choice``."""
        question = self.current
        if question is None:
            raise QuizOver("the quiz is finished")
        if not 0 <= choice < len(question.options):
            raise ValueError(f"option {choice} does not exist")
        result = AnswerResult(question, choice, choice == question.answer)
        self.answers.append(result)
        return result
