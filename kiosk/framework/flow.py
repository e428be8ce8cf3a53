"""Flows as plain state machines (no Qt), in the manner of pibooth's states.

A ``State`` has ``enter``, ``do`` (handle one event), ``validate`` (name the next state, or
stay) and ``exit``. A ``Flow`` owns its states, its personal ``data`` and an injectable clock.
A feature's flow only declares its states and their events; the framework gives it:

- ``cancel`` and ``home`` in every ``Step``, which end the flow as ``cancelled``;
- ``go(state)``, the transition taken right after the current event;
- a ``done`` state that finishes the flow as ``completed`` (prompt: ``done_prompt``);
- a failsafe: any unhandled exception goes to the failsafe state, which apologises, shows
  the staff-help hint, and finishes the flow so the shell returns home. Failures are counted:
  three within five minutes make the terminal's health ``degraded``;
- background work with ``run(job, success, failure)``: the job runs on the flow's
  ``Runner``; its answer is handled on the flow's thread, as an event would be, and only if
  the flow is still in the state entry that started it (an answer to a question the resident
  has walked away from is dropped);
- ``wipe()``: forgets ``data`` and drops any job's answer; it runs when the flow finishes.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, cast

from devices.health import HealthLevel, HealthPublisher
from kiosk.framework.clock import Clock
from kiosk.framework.i18n import tr
from kiosk.framework.jobs import InlineRunner, Job, Mailbox, Runner

if TYPE_CHECKING:
    from devices.receipt.document import Receipt

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
    prints: ClassVar[bool] = False
    """Entering this state prints ``flow.receipt()``; the flow then hears ``receipt_queued``
    (stored in the print queue before a byte is sent) or ``print_failed`` (printer offline:
    nothing was queued, ``flow.print_failed`` is set for the screen)."""

    def enter(self, flow: Flow[Any]) -> None:
        """Runs once when the flow arrives here."""

    def do(self, flow: Flow[Any], event: Event) -> None:
        """Handles one event."""

    def validate(self, flow: Flow[Any]) -> str | None:
        """The next state's name, or None to stay. Called after enter, every event and tick."""
        return None

    def exit(self, flow: Flow[Any]) -> None:
        """Runs once when the flow leaves."""

    def speech(self, flow: Flow[Any], language: str) -> str:
        """What the voice says on this state's screen: its prompt."""
        return tr(self.prompt, language) if self.prompt else ""


def on(**targets: str) -> Mapping[str, str]:
    """A step's ``moves``, read-only: ``moves = on(back=PLATE_TYPE, done=DONE)``."""
    return MappingProxyType(targets)


class Step[F: "Flow[Any]"](State):
    """A state of a feature's flow: ``cancel`` and ``home`` end the flow as cancelled; an
    event named in ``moves`` goes to its state; the state's other events go to ``handle``,
    typed with the feature's flow class.

    Attributes:
        moves: events that do nothing but move on, as ``{"back": "plate_type"}``.
    """

    moves: ClassVar[Mapping[str, str]] = MappingProxyType({})

    def enter(self, flow: Flow[Any]) -> None:
        self.arrive(cast(F, flow))

    def exit(self, flow: Flow[Any]) -> None:
        self.leave(cast(F, flow))

    def arrive(self, flow: F) -> None:
        """Runs once when the flow arrives here (``enter``, typed with the feature's flow)."""

    def leave(self, flow: F) -> None:
        """Runs once when the flow leaves (``exit``, typed with the feature's flow)."""

    def do(self, flow: Flow[Any], event: Event) -> None:
        if event.name in ("cancel", "home"):
            flow.finish("cancelled")
            return
        target = self.moves.get(event.name)
        if target is not None:
            flow.go(target)
            return
        self.handle(cast(F, flow), event)

    def handle(self, flow: F, event: Event) -> None:
        """Handles this state's own events."""

    def speech(self, flow: Flow[Any], language: str) -> str:
        return self.say(cast(F, flow), language)

    def say(self, flow: F, language: str) -> str:
        """What the voice says on this state's screen: the prompt, unless the state has
        content to read out (a question, a scenario)."""
        return super().speech(flow, language)


class Busy[F: "Flow[Any]"](Step[F]):
    """A state that runs one job from ``enter`` and waits for its answer.

    A subclass gives ``job`` (the work, built on the flow's thread from the flow's data),
    ``arrived`` and ``failed`` (each names the next state, or None to stay) and
    ``deadline_s``; past the deadline the job is abandoned and ``timed_out`` names the next
    state. Leaving the state (``back``, ``cancel``) drops the job's answer.
    """

    def job(self, flow: F) -> Job[Any]:
        """The work to run."""
        raise NotImplementedError

    def arrived(self, flow: F, value: Any) -> str | None:
        """The next state after a successful answer."""
        raise NotImplementedError

    def failed(self, flow: F, error: BaseException) -> str | None:
        """The next state after a failed job (re-raise a defect: the failsafe takes it)."""
        raise error

    def deadline_s(self, flow: F) -> float:
        """How long to wait for the answer."""
        return 30.0

    def timed_out(self, flow: F) -> str | None:
        """The next state when no answer came in time."""
        return self.failed(flow, TimeoutError(f"{self.name}: no answer in time"))

    def enter(self, flow: Flow[Any]) -> None:
        f = cast(F, flow)

        def go(target: str | None) -> None:
            if target:
                flow.go(target)

        flow.run(
            self.job(f),
            lambda value: go(self.arrived(f, value)),
            lambda error: go(self.failed(f, error)),
        )

    def validate(self, flow: Flow[Any]) -> str | None:
        f = cast(F, flow)
        if flow.jobs_waiting and flow.time_in_state() >= self.deadline_s(f):
            flow.abandon_jobs()
            return self.timed_out(f)
        return None


class HandOver[F: "Flow[Any]"](Busy[F]):
    """Hands the flow's submission to the center under its idempotency key; a center that
    cannot be reached (or does not answer in time) leaves it sealed in the flow's outbox.

    The flow gives ``submission()``, ``key_for(submission)``, ``service`` (with
    ``submit(submission, key)``), ``queue(error)`` (seals it, names the next state) and
    ``handed_over()`` (forgets what is personal). A subclass names ``error_type`` (the
    service's error, with ``retryable`` and ``code``), ``refused`` (the state for a refusal)
    and ``received`` (records the receipt, names the next state)."""

    error_type: ClassVar[type[Exception]] = Exception
    refused: ClassVar[str] = ""
    deadline: ClassVar[float] = 20.0

    def job(self, flow: F) -> Job[Any]:
        f: Any = flow
        submission = f.submission()
        key = f.key_for(submission)
        service = f.service
        f.data.extra["submission"] = submission
        return lambda: service.submit(submission, key)

    def received(self, flow: F, receipt: Any) -> str:
        """Records the center's receipt; the next state."""
        raise NotImplementedError

    def arrived(self, flow: F, value: Any) -> str | None:
        target = self.received(flow, value)
        cast(Any, flow).handed_over()
        return target

    def failed(self, flow: F, error: BaseException) -> str | None:
        if not isinstance(error, self.error_type):
            raise error
        if not getattr(error, "retryable", False):
            cast(Any, flow).data.refusal = getattr(error, "code", "") or "refused"
            log.warning("%s refused by the center: %s", type(flow).__name__, error)
            return self.refused
        target: str = cast(Any, flow).queue(error)
        return target

    def deadline_s(self, flow: F) -> float:
        return self.deadline

    def timed_out(self, flow: F) -> str | None:
        target: str = cast(Any, flow).queue(TimeoutError("no answer from the center in time"))
        return target


class DoneState(State):
    """Ends the flow as completed."""

    name = DONE

    def __init__(self, prompt: str) -> None:
        self.prompt = prompt

    def enter(self, flow: Flow[Any]) -> None:
        flow.finish("completed")


class FailsafeState(State):
    """Apologises and offers the way home; the shell shows the staff-help hint."""

    name = FAILSAFE
    prompt = "failsafe.prompt"

    def do(self, flow: Flow[Any], event: Event) -> None:
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


class FlowData(Protocol):
    """What a flow holds about the resident; ``wipe`` forgets all of it."""

    def wipe(self) -> None:
        """Forgets everything."""
        ...


class NoData:
    """For flows that hold nothing personal."""

    def wipe(self) -> None:
        """Nothing to forget."""


StateListener = Callable[["Flow[Any]", str, str], None]
FinishListener = Callable[["Flow[Any]", str], None]


class Flow[D: FlowData]:
    """A state machine for one service, holding its personal data in ``data``.

    Hooks:
        flow_did_change_state(flow, old, new)   before the new state's ``enter``
        flow_did_enter_state(flow, old, new)    after it (what ``enter`` prepared is there)
        flow_did_finish(flow, outcome)   outcome: completed, cancelled, failsafe

    Attributes:
        data: everything personal; ``wipe`` forgets it, and the flow wipes itself when it
            finishes (print a receipt before the event that finishes the flow).
        runner: where ``run`` sends background work; answers come back on the flow's
            thread (see :mod:`kiosk.framework.jobs`).
        mailbox: a queue of answers the flow drains on every ``tick`` and event, for
            runners that deliver from a worker thread (``ThreadRunner(flow.mailbox.post)``).
        language: the resident's language, for :meth:`speech` and receipts.
    """

    name = "flow"
    initial = ""
    done_prompt = ""

    def __init__(
        self,
        clock: Clock,
        monitor: FailsafeMonitor,
        states: list[State],
        data: D | None = None,
        *,
        runner: Runner | None = None,
        mailbox: Mailbox | None = None,
    ) -> None:
        self.clock = clock
        self.monitor = monitor
        self.language = "zh_CN"  # the resident's; a feature's flow sets it when it starts
        self.print_failed = False  # the last printing state's receipt did not print
        self.data: D = cast(D, data if data is not None else NoData())
        self.runner: Runner = runner or InlineRunner()
        self.mailbox = mailbox or Mailbox()
        every = list(states)
        if not any(s.name == DONE for s in every):
            every.append(DoneState(self.done_prompt or f"{self.name}.prompt.done"))
        self.states: dict[str, State] = {s.name: s for s in [*every, FailsafeState()]}
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
        self._entry = 0  # counts state entries: a job's answer belongs to one entry
        self._jobs_waiting = 0
        self._in_step = False

    # -- background work ------------------------------------------------------------------
    def run[T](
        self,
        job: Job[T],
        success: Callable[[T], None],
        failure: Callable[[BaseException], None],
    ) -> None:
        """Runs ``job`` on the runner; then ``success(value)`` or ``failure(error)`` on the
        flow's thread, followed by any transition they ask for, while the flow is still in
        the state entry that started the job. Exceptions in them go to the failsafe."""
        entry = self._entry
        self._jobs_waiting += 1

        def answer(handler: Callable[[], None]) -> None:
            if entry != self._entry or self.finished is not None or not self.state:
                return  # the resident left the state, or the flow ended: drop it
            # only an answer of this entry counts down: a late answer to an abandoned job
            # must not switch off the deadline of the job the state waits for now
            self._jobs_waiting = max(0, self._jobs_waiting - 1)
            self._guarded(handler)
            if not self._in_step:
                self._follow()

        def on_success(value: T) -> None:
            answer(lambda: success(value))

        def on_failure(error: BaseException) -> None:
            answer(lambda: failure(error))

        was, self._in_step = self._in_step, True
        try:
            self.runner.submit(job, on_success, on_failure)
        finally:
            self._in_step = was

    @property
    def jobs_waiting(self) -> bool:
        """Whether a job started in this state entry has not answered yet."""
        return self._jobs_waiting > 0

    def abandon_jobs(self) -> None:
        """Drops the answers of every job started so far."""
        self._entry += 1
        self._jobs_waiting = 0

    def wipe(self) -> None:
        """Forgets everything personal and drops any job's answer."""
        self.data.wipe()
        self.abandon_jobs()

    def go(self, state: str) -> None:
        """Asks for a transition from inside ``enter`` or ``do``; it is taken right after.

        An alternative to ``validate`` for states whose next state depends on the event.
        """
        self._requested = state

    def receipt(self) -> Receipt | None:
        """The receipt a printing state prints (see :attr:`State.prints`)."""
        return None

    @property
    def current(self) -> State:
        """The state object the flow is in."""
        return self.states[self.state]

    def speech(self, language: str | None = None) -> str:
        """What the voice says on the current screen, in ``language`` (else the flow's)."""
        return self.current.speech(self, language or self.language)

    def start(self) -> None:
        """Starts afresh (wiping anything left) and enters the initial state."""
        self.finished = None
        self.wipe()
        self._go(self.initial)
        self._follow()

    def send(self, name: str, **data: Any) -> None:
        """Delivers an event to the current state, then follows any transition."""
        if self.finished is not None or not self.state:
            return
        event = Event(name, data)
        was, self._in_step = self._in_step, True
        try:
            self._guarded(lambda: self.current.do(self, event))
        finally:
            self._in_step = was
        self._follow()

    def tick(self) -> None:
        """Takes up answers from the mailbox and lets time-driven states move on."""
        if self.finished is None and self.state:
            self._follow()

    def time_in_state(self) -> float:
        """Seconds since the current state was entered."""
        return self.clock.monotonic() - self.entered_at

    def finish(self, outcome: str) -> None:
        """Ends the flow; the shell returns home. The flow's data is wiped after the
        ``flow_did_finish`` listeners ran."""
        if self.finished is not None:
            return
        self._guarded(lambda: self.current.exit(self), fail=False)
        self.finished = outcome
        try:
            for listener in list(self.flow_did_finish):
                listener(self, outcome)
        finally:
            self.wipe()  # nothing personal stays, whatever a listener did

    def _follow(self) -> None:
        if self._in_step:
            return  # the step under way follows when it returns
        self._in_step = True
        try:
            self.mailbox.drain()
        finally:
            self._in_step = False
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
        self._entry += 1
        self._jobs_waiting = 0
        self.entered_at = self.clock.monotonic()
        for listener in list(self.flow_did_change_state):
            listener(self, old, target)
        was, self._in_step = self._in_step, True
        try:
            self._guarded(lambda: self.current.enter(self))
        finally:
            self._in_step = was
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
        self._entry += 1
        self.entered_at = self.clock.monotonic()
        for listener in list(self.flow_did_change_state):
            listener(self, old, FAILSAFE)


_FAILED = object()
