"""Flows as plain state machines (no Qt), in the manner of pibooth's states.

A ``State`` has ``enter``, ``do`` (handle one event), ``validate`` (name the next state, or
stay) and ``exit``. A ``Flow`` owns its states and an injectable clock, and routes any
unhandled exception to its failsafe state, which apologises, shows the staff-help hint, and
finishes the flow so the shell returns home. Failures are counted: three within five minutes
make the terminal's health ``degraded``.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from devices.health import HealthLevel, HealthPublisher
from kiosk.framework.clock import Clock

log = logging.getLogger(__name__)

FAILSAFE = "failsafe"
DONE = "done"


@dataclass(frozen=True)
class Event:
    """Something that happened: a touch on a named control, a scan, a finished job."""

    name: str
    data: dict[str, Any] = field(default_factory=dict)


class State:
    """One state of a flow. Override what the state needs; the defaults do nothing.

    ``prompt`` is the translation key of the short spoken prompt for this state's screen.
    """

    name: str = ""
    prompt: str = ""

    def enter(self, flow: Flow) -> None:
        """Runs once when the flow arrives here."""

    def do(self, flow: Flow, event: Event) -> None:
        """Handles one event."""

    def validate(self, flow: Flow) -> str | None:
        """The next state's name, or None to stay. Called after enter, every event and tick."""
        return None

    def exit(self, flow: Flow) -> None:
        """Runs once when the flow leaves."""


class FailsafeState(State):
    """Apologises and offers the way home; the shell shows the staff-help hint."""

    name = FAILSAFE
    prompt = "failsafe.prompt"

    def do(self, flow: Flow, event: Event) -> None:
        if event.name in ("home", "ok"):
            flow.finish("failsafe")


class FailsafeMonitor(HealthPublisher):
    """Counts failsafes; ``limit`` within ``window_s`` makes the terminal degraded.

    The terminal recovers to ready once the window holds fewer than ``limit`` failures.
    """

    def __init__(self, clock: Clock, limit: int = 3, window_s: float = 300.0) -> None:
        super().__init__("terminal")
        self.clock, self.limit, self.window_s = clock, limit, window_s
        self.total = 0
        self._recent: deque[float] = deque()
        self._set_health(HealthLevel.READY)

    def record(self, flow_name: str, error: BaseException) -> None:
        """Counts one failure (already logged by the flow)."""
        now = self.clock.monotonic()
        self.total += 1
        self._recent.append(now)
        self.refresh()
        log.info(
            "failsafe count %d (in window: %d) after %s", self.total, len(self._recent), flow_name
        )

    def refresh(self) -> None:
        """Forgets failures older than the window and updates health."""
        now = self.clock.monotonic()
        while self._recent and now - self._recent[0] > self.window_s:
            self._recent.popleft()
        if len(self._recent) >= self.limit:
            self._set_health(
                HealthLevel.DEGRADED,
                "terminal.failsafe_repeated",
                f"{len(self._recent)} failsafes in {self.window_s:.0f} s",
            )
        else:
            self._set_health(HealthLevel.READY)


StateListener = Callable[["Flow", str, str], None]
FinishListener = Callable[["Flow", str], None]


class Flow:
    """A state machine for one service.

    Hooks:
        flow_did_change_state(flow, old, new)   before the new state's ``enter``
        flow_did_enter_state(flow, old, new)    after it (what ``enter`` prepared is there)
        flow_did_finish(flow, outcome)   outcome: completed, cancelled, failsafe
    """

    name = "flow"
    initial = ""

    def __init__(self, clock: Clock, monitor: FailsafeMonitor, states: list[State]) -> None:
        self.clock = clock
        self.monitor = monitor
        self.states: dict[str, State] = {s.name: s for s in [*states, FailsafeState()]}
        if self.initial not in self.states:
            raise ValueError(f"{self.name}: initial state {self.initial!r} is not a state")
        self.state = ""
        self.entered_at = 0.0
        self.finished: str | None = None
        self.last_error: str | None = None
        self.flow_did_change_state: list[StateListener] = []
        self.flow_did_enter_state: list[StateListener] = []
        self.flow_did_finish: list[FinishListener] = []
        self._requested: str | None = None

    def go(self, state: str) -> None:
        """Asks for a transition from inside ``enter`` or ``do``; it is taken right after.

        An alternative to ``validate`` for states whose next state depends on the event.
        """
        self._requested = state

    @property
    def current(self) -> State:
        """The state object the flow is in."""
        return self.states[self.state]

    def start(self) -> None:
        """Enters the initial state."""
        self.finished = None
        self._go(self.initial)
        self._follow()

    def send(self, name: str, **data: Any) -> None:
        """Delivers an event to the current state, then follows any transition."""
        if self.finished is not None or not self.state:
            return
        event = Event(name, data)
        self._guarded(lambda: self.current.do(self, event))
        self._follow()

    def tick(self) -> None:
        """Lets time-driven states move on (countdowns, timeouts)."""
        if self.finished is None and self.state:
            self._follow()

    def time_in_state(self) -> float:
        """Seconds since the current state was entered."""
        return self.clock.monotonic() - self.entered_at

    def finish(self, outcome: str) -> None:
        """Ends the flow; the shell returns home."""
        if self.finished is not None:
            return
        self._guarded(lambda: self.current.exit(self), fail=False)
        self.finished = outcome
        for listener in list(self.flow_did_finish):
            listener(self, outcome)

    def _follow(self) -> None:
        for _ in range(32):  # a cycle of validations is a defect; don't spin forever
            if self.finished is not None:
                return
            if self._requested is not None:
                target, self._requested = self._requested, None
                self._go(target)
                continue
            target = self._guarded(lambda: self.current.validate(self))
            if not target or target == self.state:
                return
            self._go(target)

    def _go(self, target: str) -> None:
        if target not in self.states:
            self._fail(KeyError(f"{self.name}: no state {target!r}"))
            return
        old = self.state
        if old and old != FAILSAFE:
            self._guarded(lambda: self.current.exit(self), fail=False)
        self.state = target
        self.entered_at = self.clock.monotonic()
        for listener in list(self.flow_did_change_state):
            listener(self, old, target)
        self._guarded(lambda: self.current.enter(self))
        if self.state == target and self.finished is None:
            for listener in list(self.flow_did_enter_state):
                listener(self, old, target)

    def _guarded(self, action: Callable[[], Any], fail: bool = True) -> Any:
        try:
            return action()
        except Exception as e:
            if fail:
                self._fail(e)
            else:
                log.exception("%s: error leaving state %s", self.name, self.state)
            return _FAILED

    def _fail(self, error: BaseException) -> None:
        # Logged through the masking filter: the message may carry what the resident typed.
        log.error("%s: failsafe in state %s: %r", self.name, self.state, error, exc_info=error)
        self.last_error = type(error).__name__
        self._requested = None
        self.monitor.record(self.name, error)
        if self.state == FAILSAFE:  # failing inside the failsafe: give up and go home
            self.finish("failsafe")
            return
        old = self.state
        self.state = FAILSAFE
        self.entered_at = self.clock.monotonic()
        for listener in list(self.flow_did_change_state):
            listener(self, old, FAILSAFE)


_FAILED = object()
