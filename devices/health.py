"""The health shape every device publishes: a level, a reason code and a detail.

Modelled on the Odoo IoT box's `{status, message, reason}`: the reason is a stable code that
the application translates for people; the detail is for technicians and logs.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from devices.listeners import Listeners


class HealthLevel(StrEnum):
    """How usable a device is right now."""

    READY = "ready"
    DEGRADED = "degraded"
    OFFLINE = "offline"


@dataclass(frozen=True)
class Health:
    """A device's health at one moment.

    Attributes:
        level: ready, degraded or offline.
        reason: a stable code such as ``printer.paper_out``; translated for people by the app.
        detail: free text for technicians (never shown to residents, never personal data).
        at: ``time.monotonic()`` when this state began.
    """

    level: HealthLevel
    reason: str = "ok"
    detail: str = ""
    at: float = field(default_factory=time.monotonic)

    def same_as(self, other: Health) -> bool:
        """Whether two states are the same apart from when they began."""
        return (self.level, self.reason, self.detail) == (other.level, other.reason, other.detail)


HealthListener = Callable[[str, Health], None]


class HealthPublisher:
    """Keeps a device's current health and tells listeners when it changes.

    Listeners are called on the thread that changed the state (a device thread); a Qt
    bridge turns that into a queued signal.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self._health = Health(HealthLevel.OFFLINE, "device.not_started")
        self._health_listeners: Listeners[HealthListener] = Listeners()
        self._health_lock = threading.Lock()

    @property
    def health(self) -> Health:
        """The current health."""
        return self._health

    def subscribe_health(self, listener: HealthListener) -> Callable[[], None]:
        """Calls ``listener(name, health)`` on every change; returns an unsubscribe function."""
        return self._health_listeners.add(listener)

    def _set_health(self, level: HealthLevel, reason: str = "ok", detail: str = "") -> None:
        new = Health(level, reason, detail)
        with self._health_lock:
            if new.same_as(self._health):
                return
            self._health = new
            listeners = self._health_listeners.snapshot()
        for listener in listeners:
            listener(self.name, new)
