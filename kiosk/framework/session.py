"""Resident sessions: when they start, when they time out, and wiping what they leave.

A session starts at the first touch or scan and ends on completion, cancel, idle timeout or
failsafe. Before an idle end, a warning with a visible countdown (at least 20 s, WCAG 2.2.1)
is shown; any touch extends the session. Ending a session wipes everything personal: objects
registered with it, its scratch directory, and (through the ``session_did_end`` hook) the
text on screen.
"""

from __future__ import annotations

import logging
import secrets
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from kiosk.framework.clock import Clock

log = logging.getLogger(__name__)

MIN_WARNING_S = 20.0


class EndReason(StrEnum):
    """Why a session ended."""

    COMPLETED = "completed"
    CANCELLED = "cancelled"
    IDLE = "idle"
    FAILSAFE = "failsafe"
    SHUTDOWN = "shutdown"


class SessionPhase(StrEnum):
    """Where the session manager is."""

    NONE = "none"
    ACTIVE = "active"
    WARNING = "warning"


@dataclass
class Session:
    """One resident's visit.

    Attributes:
        id: random, for logs; carries nothing personal.
        started_at: monotonic start time.
        service: the service being used, once chosen.
        scratch_dir: where this session may write temporary files; deleted at the end.
        personal: objects holding personal data; cleared at the end.
    """

    id: str
    started_at: float
    scratch_dir: Path
    service: str | None = None
    personal: dict[str, Any] = field(default_factory=dict)
    _wipers: list[Callable[[], None]] = field(default_factory=list)

    def on_wipe(self, wiper: Callable[[], None]) -> None:
        """Registers something to run when the session ends (close a file, drop a cache)."""
        self._wipers.append(wiper)

    def scratch(self, name: str) -> Path:
        """A path inside the scratch directory (created on first use)."""
        self.scratch_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        return self.scratch_dir / name


SessionListener = Callable[["Session"], None]
EndListener = Callable[["Session", EndReason], None]


class SessionManager:
    """Starts, times out and ends sessions. Call ``tick()`` regularly (the UI does, every
    250 ms); it does nothing between sessions.

    Hooks (lists of callables):
        session_did_start(session)
        session_will_warn(session)   idle warning shown; ``warning_remaining()`` counts down
        session_did_extend(session)  a touch during the warning kept the session going
        session_did_end(session, reason)  after the wipe; the UI clears its screens here
    """

    def __init__(
        self,
        clock: Clock,
        scratch_root: Path,
        *,
        idle_timeout_s: Callable[[str], float] = lambda _screen: 60.0,
        warning_s: float = 30.0,
    ) -> None:
        if warning_s < MIN_WARNING_S:
            raise ValueError(f"idle warning must last at least {MIN_WARNING_S:.0f} s")
        self.clock = clock
        self.scratch_root = scratch_root
        self.idle_timeout_s = idle_timeout_s
        self.warning_s = warning_s
        self.session: Session | None = None
        self.phase = SessionPhase.NONE
        self.screen = "home"
        self._last_activity = 0.0
        self._warning_started = 0.0
        self.session_did_start: list[SessionListener] = []
        self.session_will_warn: list[SessionListener] = []
        self.session_did_extend: list[SessionListener] = []
        self.session_did_end: list[EndListener] = []
        self.wipe_leftovers()

    def wipe_leftovers(self) -> None:
        """Deletes scratch directories left by a crash or power cut."""
        if self.scratch_root.exists():
            for leftover in self.scratch_root.iterdir():
                shutil.rmtree(leftover, ignore_errors=True)

    @property
    def active(self) -> bool:
        """Whether a session is running."""
        return self.session is not None

    def start(self, trigger: str) -> Session:
        """Starts a session (first touch or scan); returns the running one if there is one."""
        if self.session is not None:
            self.activity()
            return self.session
        sid = secrets.token_hex(6)
        now = self.clock.monotonic()
        self.session = Session(sid, now, self.scratch_root / sid)
        self.phase = SessionPhase.ACTIVE
        self._last_activity = now
        log.info("session %s started by %s", sid, trigger)
        for listener in list(self.session_did_start):
            listener(self.session)
        return self.session

    def set_screen(self, screen: str) -> None:
        """The screen now shown; its idle timeout applies from now."""
        self.screen = screen
        self.activity()

    def activity(self) -> None:
        """Any touch or scan: resets the idle timer and cancels a warning."""
        if self.session is None:
            return
        self._last_activity = self.clock.monotonic()
        if self.phase is SessionPhase.WARNING:
            self.phase = SessionPhase.ACTIVE
            for listener in list(self.session_did_extend):
                listener(self.session)

    def warning_remaining(self) -> float:
        """Seconds left on the idle warning's countdown (0 when no warning)."""
        if self.phase is not SessionPhase.WARNING:
            return 0.0
        return max(0.0, self.warning_s - (self.clock.monotonic() - self._warning_started))

    def tick(self) -> None:
        """Advances the idle logic to the clock's current time."""
        if self.session is None:
            return
        now = self.clock.monotonic()
        if self.phase is SessionPhase.ACTIVE:
            if now - self._last_activity >= self.idle_timeout_s(self.screen):
                self.phase = SessionPhase.WARNING
                self._warning_started = now
                for listener in list(self.session_will_warn):
                    listener(self.session)
        elif self.phase is SessionPhase.WARNING and self.warning_remaining() <= 0:
            self.end(EndReason.IDLE)

    def end(self, reason: EndReason) -> None:
        """Ends the session and wipes everything it held."""
        session = self.session
        if session is None:
            return
        self.session = None
        self.phase = SessionPhase.NONE
        for wiper in session._wipers:
            try:
                wiper()
            except Exception:
                log.exception("session wiper failed")
        session.personal.clear()
        session._wipers.clear()
        shutil.rmtree(session.scratch_dir, ignore_errors=True)
        log.info("session %s ended: %s", session.id, reason)
        for listener in list(self.session_did_end):
            listener(session, reason)
