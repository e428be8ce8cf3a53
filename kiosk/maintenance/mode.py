"""Maintenance mode's rules (no Qt): who may enter, for how long, and what is audited.

Entry takes two steps: the hidden corner gesture or a signed technician badge, then the PIN.
The mode ends on request or after ``idle_timeout_s`` without a touch.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kiosk.framework.audit_log import AuditLog
from kiosk.framework.clock import Clock
from kiosk.framework.masking import mask_member_id
from kiosk.maintenance.badges import Badge, BadgeError, verify_badge
from kiosk.maintenance.pin import PinGuard, PinResult, TolerantAuditLog
from kiosk.platform.config_schema import MaintenanceConfig


@dataclass(frozen=True)
class MaintenanceFiles:
    """Where maintenance keeps its state under the data directory."""

    data_dir: Path

    @property
    def folder(self) -> Path:
        """The maintenance folder (0700)."""
        return self.data_dir / "maintenance"

    def audit(self) -> AuditLog:
        """The audit log."""
        return TolerantAuditLog(self.folder / "audit.jsonl")  # a full disk: logged, not raised

    def pin_guard(self, config: MaintenanceConfig | None = None) -> PinGuard:
        """The PIN checker with the configured limits."""
        c = config or MaintenanceConfig()
        return PinGuard(
            self.folder / "pin.json",
            self.audit(),
            max_attempts=c.max_pin_attempts,
            lockout_s=c.lockout_s,
        )


def maintenance_files(data_dir: Path) -> MaintenanceFiles:
    """The maintenance files of a data directory."""
    return MaintenanceFiles(data_dir)


class Maintenance:
    """The state of maintenance mode.

    Attributes:
        active: a technician is in.
        who: how they came in: ``gesture`` or ``badge:<shortened id>``.
        pending_badge: a verified badge waiting for its PIN.
    """

    def __init__(
        self,
        config: MaintenanceConfig,
        data_dir: Path,
        clock: Clock,
        terminal_id: str,
        *,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self.clock = clock
        self.terminal_id = terminal_id
        self._wall = wall_clock
        files = maintenance_files(data_dir)
        self.audit = files.audit()
        self.pins = PinGuard(
            files.folder / "pin.json",
            self.audit,
            max_attempts=config.max_pin_attempts,
            lockout_s=config.lockout_s,
            wall_clock=wall_clock,
        )
        self.pins.seed(config.initial_pin)
        self.active = False
        self.who = ""
        self.pending_badge: Badge | None = None
        self._via = "gesture"
        self._last_activity = 0.0

    def begin_gesture(self) -> None:
        """The corner gesture was completed: the PIN pad comes next."""
        self._via = "gesture"
        self.pending_badge = None
        self.audit.record("gesture")

    def badge_scanned(self, token: str) -> str:
        """Verifies a badge; returns ``ok`` (PIN pad next) or the refusal reason."""
        try:
            badge = verify_badge(
                token, self.config.badge_public_key, self.terminal_id, now=self._wall()
            )
        except BadgeError as e:
            self.audit.record("badge_refused", reason=e.reason)
            return e.reason
        self.pending_badge = badge
        self._via = f"badge:{mask_member_id(badge.tech)}"
        self.audit.record("badge_ok", tech=mask_member_id(badge.tech))
        return "ok"

    def try_pin(self, pin: str) -> PinResult:
        """Checks the PIN; on success maintenance mode begins."""
        result = self.pins.check(pin, via=self._via)
        if result.ok:
            self.active = True
            self.who = self._via
            self._last_activity = self.clock.monotonic()
            self.audit.record("entered", via=self.who)
        return result

    def activity(self) -> None:
        """A touch while in maintenance."""
        self._last_activity = self.clock.monotonic()

    def action(self, name: str, **fields: object) -> None:
        """Audits one technician action (test print, override, restart...)."""
        self.activity()
        self.audit.record("action", action=name, by=self.who, **fields)

    def tick(self) -> bool:
        """Ends the mode after the idle timeout; True if it just ended."""
        if (
            self.active
            and self.clock.monotonic() - self._last_activity >= self.config.idle_timeout_s
        ):
            self.leave("idle")
            return True
        return False

    def leave(self, reason: str = "exit") -> None:
        """Ends maintenance mode."""
        if self.active:
            self.audit.record("left", reason=reason, by=self.who)
        self.active = False
        self.who = ""
        self.pending_badge = None
