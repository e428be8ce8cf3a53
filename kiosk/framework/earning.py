"""Earning volunteer points: the interface a feature that pays points (the anti-fraud quiz)
uses, and the points feature implements. Neither feature imports the other; the composition
root hands one to the other."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class EarnStatus(StrEnum):
    """How a request to earn points ended."""

    EARNED = "earned"  # credited now
    ALREADY_EARNED = "already_earned"  # this idempotency key was used before: nothing added
    UNREACHABLE = "unreachable"  # no answer from the points service: unknown, retry is safe
    REJECTED = "rejected"  # the service refused (unknown member, suspended card, ...)


@dataclass(frozen=True)
class EarnResult:
    """The points service's answer.

    Attributes:
        status: earned, already earned, unreachable or rejected.
        points: points credited by this request (0 unless earned).
        balance: the member's balance afterwards, when the service says.
        detail: for logs (no personal data).
    """

    status: EarnStatus
    points: int = 0
    balance: int | None = None
    detail: str = ""


class PointsEarner(Protocol):
    """Credits volunteer points; the points service (local or http) implements it.

    ``earn`` must be idempotent by ``idempotency_key``: a second call with the same key adds
    nothing and answers ``ALREADY_EARNED``. It may raise on a network failure; callers treat
    that as ``UNREACHABLE``.
    """

    def earn(self, member_id: str, points: int, idempotency_key: str, reason: str) -> EarnResult:
        """Credits ``points`` to ``member_id`` once per ``idempotency_key``."""
        ...


class MemberCards(Protocol):
    """Recognises a scanned points card (a member token); the points feature implements it,
    a feature that only needs to know who scanned (the quiz) uses it."""

    def member_id(self, text: str) -> str:
        """The member of a genuine, current card token, or "" for anything else."""
        ...
