"""Test doubles for the anti-fraud tests: an in-memory points service."""

from __future__ import annotations

from dataclasses import dataclass, field

from kiosk.framework.earning import EarnResult, EarnStatus


@dataclass
class FakePointsService:
    """An in-memory points ledger that honours idempotency keys, like the real one must.

    ``unreachable_next``: answer UNREACHABLE (nothing credited) that many times.
    ``raise_next``: raise ConnectionError (nothing credited) that many times.
    ``lose_reply_next``: credit, then raise as if the reply was lost, that many times.
    """

    balances: dict[str, int] = field(default_factory=dict)
    keys: dict[str, tuple[str, int]] = field(default_factory=dict)
    calls: list[tuple[str, int, str, str]] = field(default_factory=list)
    unreachable_next: int = 0
    raise_next: int = 0
    lose_reply_next: int = 0

    def earn(self, member_id: str, points: int, idempotency_key: str, reason: str) -> EarnResult:
        self.calls.append((member_id, points, idempotency_key, reason))
        if self.unreachable_next:
            self.unreachable_next -= 1
            return EarnResult(EarnStatus.UNREACHABLE)
        if self.raise_next:
            self.raise_next -= 1
            raise ConnectionError("backend down")
        if idempotency_key in self.keys:
            return EarnResult(EarnStatus.ALREADY_EARNED, balance=self.balances.get(member_id, 0))
        self.keys[idempotency_key] = (member_id, points)
        self.balances[member_id] = self.balances.get(member_id, 0) + points
        if self.lose_reply_next:
            self.lose_reply_next -= 1
            raise TimeoutError("reply lost")
        return EarnResult(EarnStatus.EARNED, points, self.balances[member_id])
