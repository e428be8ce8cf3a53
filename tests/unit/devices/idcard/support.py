"""What the ID-card tests share: a health log that waits for a state."""

from __future__ import annotations

import threading

from devices.health import Health, HealthLevel

WAIT = 10.0  # generous upper bound; things normally happen in milliseconds


class HealthLog:
    """Collects a device's health changes and waits for one."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self.seen: list[Health] = []

    def __call__(self, _name: str, health: Health) -> None:
        with self._cond:
            self.seen.append(health)
            self._cond.notify_all()

    def mark(self) -> int:
        """A place in the log: ``wait_for(..., since=mark)`` only looks at what came after."""
        with self._cond:
            return len(self.seen)

    def wait_for(self, reason: str, level: HealthLevel | None = None, *, since: int = 0) -> Health:
        def match() -> Health | None:
            for h in reversed(self.seen[since:]):
                if h.reason == reason and (level is None or h.level == level):
                    return h
            return None

        with self._cond:
            found = self._cond.wait_for(match, WAIT)
        assert found is not None, f"health never became {reason}; saw {self.seen}"
        return found
