"""The technician PIN: a scrypt hash with a per-terminal salt, and a lockout that survives
restarts.

scrypt (n=2**14, r=8, p=1) costs about 50 ms per try here: nothing for a technician, a
wall for anyone trying PINs offline. The state file holds salt, hash, the failure count and
the lockout end (wall-clock seconds, so a restart does not reset it).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kiosk.framework.audit_log import AuditLog
from kiosk.platform.atomic_file import write_atomic
from kiosk.platform.state_files import Damaged, read_json_state

log = logging.getLogger(__name__)
DAMAGED_KEY = "damaged"  # the state file was found damaged: locked until set-pin

SCRYPT = {"n": 2**14, "r": 8, "p": 1}


def hash_pin(
    pin: str, salt: bytes, n: int = SCRYPT["n"], r: int = SCRYPT["r"], p: int = SCRYPT["p"]
) -> bytes:
    """The scrypt hash of ``pin``."""
    return hashlib.scrypt(pin.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=32)


@dataclass(frozen=True)
class PinResult:
    """The outcome of one PIN attempt.

    Attributes:
        ok: the PIN was right.
        reason: ``ok``, ``wrong``, ``locked`` or ``no_pin``.
        attempts_left: wrong tries left before the lockout.
        locked_for_s: seconds until entry is possible again (0 when not locked).
    """

    ok: bool
    reason: str
    attempts_left: int = 0
    locked_for_s: float = 0.0


class PinGuard:
    """Checks PINs, counts failures and locks entry after ``max_attempts`` wrong ones."""

    def __init__(
        self,
        state_file: Path,
        audit: AuditLog,
        *,
        max_attempts: int = 5,
        lockout_s: float = 900.0,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = state_file
        self.audit = audit
        self.max_attempts = max_attempts
        self.lockout_s = lockout_s
        self._now = wall_clock

    # -- state ------------------------------------------------------------------------------
    def _load(self) -> dict[str, Any]:
        """The guard's state. A damaged file is moved aside and replaced by a locked state:
        damage must not reset the lockout or bring back the initial PIN; a technician sets a
        new PIN at the console (``kiosk set-pin``)."""
        try:
            data: dict[str, Any] | None = read_json_state(self.path, dict)
        except Damaged:
            data = {DAMAGED_KEY: True}
            try:
                self._save(data)
            except OSError as e:
                log.error("could not record the damaged PIN state: %s", e)
        return data or {}

    def _save(self, state: dict[str, Any]) -> None:
        write_atomic(self.path, json.dumps(state).encode("utf-8"))
        os.chmod(self.path, 0o600)

    def _record(self, state: dict[str, Any]) -> None:
        """Saves an attempt's outcome; a full disk must not keep a technician out."""
        try:
            self._save(state)
        except OSError as e:
            log.error("could not record the PIN attempt: %s", e)

    @property
    def has_pin(self) -> bool:
        """Whether a PIN has been set on this terminal (a damaged state counts: the initial
        PIN is not seeded over it)."""
        state = self._load()
        return "hash" in state or bool(state.get(DAMAGED_KEY))

    def set_pin(self, pin: str, *, by: str = "install") -> None:
        """Stores a new PIN (6-12 digits) with a fresh salt; clears failures."""
        if not (pin.isdigit() and 6 <= len(pin) <= 12):
            raise ValueError("the PIN must be 6 to 12 digits")
        salt = secrets.token_bytes(16)
        self._save(
            {
                "salt": salt.hex(),
                "hash": hash_pin(pin, salt).hex(),
                **SCRYPT,
                "failures": 0,
                "locked_until": 0.0,
            }
        )
        self.audit.record("pin_set", by=by)

    def seed(self, initial_pin: str) -> None:
        """Sets ``initial_pin`` if the terminal has no PIN yet."""
        if initial_pin and not self.has_pin:
            self.set_pin(initial_pin, by="initial_pin")
            log.warning(
                "maintenance PIN is the configured initial PIN; change it with kiosk set-pin"
            )

    def locked_for(self) -> float:
        """Seconds left on a lockout (0 if none)."""
        return max(0.0, float(self._load().get("locked_until", 0.0)) - self._now())

    def check(self, pin: str, *, via: str = "gesture") -> PinResult:
        """One attempt. Every attempt is audited (never the PIN itself)."""
        state = self._load()
        if state.get(DAMAGED_KEY):
            self.audit.record("pin_rejected", reason="damaged", via=via)
            return PinResult(False, "locked", 0, self.lockout_s)
        if "hash" not in state:
            self.audit.record("pin_rejected", reason="no_pin", via=via)
            return PinResult(False, "no_pin")
        remaining = float(state.get("locked_until", 0.0)) - self._now()
        if remaining > 0:
            self.audit.record("pin_rejected", reason="locked", via=via)
            return PinResult(False, "locked", 0, remaining)
        salt = bytes.fromhex(state["salt"])
        expected = bytes.fromhex(state["hash"])
        actual = hash_pin(
            pin, salt, state.get("n", SCRYPT["n"]), state.get("r", 8), state.get("p", 1)
        )
        if hmac.compare_digest(actual, expected):
            state["failures"] = 0
            state["locked_until"] = 0.0
            self._record(state)
            self.audit.record("pin_ok", via=via)
            return PinResult(True, "ok", self.max_attempts)
        failures = int(state.get("failures", 0)) + 1
        state["failures"] = failures
        if failures >= self.max_attempts:
            state["failures"] = 0
            state["locked_until"] = self._now() + self.lockout_s
            self._record(state)
            self.audit.record("pin_failed", via=via, locked_for_s=self.lockout_s)
            return PinResult(False, "locked", 0, self.lockout_s)
        self._record(state)
        self.audit.record("pin_failed", via=via, attempts_left=self.max_attempts - failures)
        return PinResult(False, "wrong", self.max_attempts - failures)
