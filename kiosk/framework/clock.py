"""Injectable time, so flows and sessions are tested without sleeping."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Protocol


class Clock(Protocol):
    """Monotonic seconds for timeouts, wall time for what people read."""

    def monotonic(self) -> float:
        """Seconds from an arbitrary start; never goes back."""
        ...

    def now(self) -> datetime:
        """Local wall-clock time."""
        ...


class SystemClock:
    """The real clock."""

    def monotonic(self) -> float:
        return time.monotonic()

    def now(self) -> datetime:
        return datetime.now()


class FakeClock:
    """A clock that moves only when told to (tests, the tour, benchmarks)."""

    def __init__(self, start: datetime | None = None) -> None:
        self._mono = 1000.0
        self._start_wall = start or datetime(2026, 11, 23, 9, 30)
        self._start_mono = self._mono

    def monotonic(self) -> float:
        return self._mono

    def now(self) -> datetime:
        from datetime import timedelta

        return self._start_wall + timedelta(seconds=self._mono - self._start_mono)

    def advance(self, seconds: float) -> None:
        """Moves time forward."""
        if seconds < 0:
            raise ValueError("time does not go back")
        self._mono += seconds
