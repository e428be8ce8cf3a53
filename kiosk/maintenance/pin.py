"""The technician PIN: a scrypt hash with a per-terminal salt, and a lockout that survives
restarts.

scrypt (n=2**14, r=8, p=1) costs about 50 ms per try here: nothing for a technician, a
wall for anyone trying PINs offline. The state file holds salt, hash, the failure count and
the lockout end, twice: in wall-clock seconds (a restart or a reboot does not reset it) and on
the monotonic clock with the boot it belongs to (a wall clock that jumps does not stretch it).
A lockout is never longer than ``lockout_s``, whatever the wall clock did.

Every read-modify-write holds an exclusive ``fcntl`` lock on ``pin.json.lock``, so kiosk
processes (the kiosk, ``kiosk set-pin``) cannot count attempts past the limit between them.
A missing state file after a PIN was set (``pin.json.set`` marks that) or a garbled one
means locked, never reset: a technician recovers with ``kiosk set-pin`` at the console.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import hmac
import json
import logging
import math
import os
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kiosk.framework.audit_log import AuditLog
from kiosk.platform.atomic_file import write_atomic
from kiosk.platform.state_files import Damaged, read_json_state

log = logging.getLogger(__name__)
DAMAGED_KEY = "damaged"  # the state file was found damaged: locked until set-pin
_BOOT_ID = Path("/proc/sys/kernel/random/boot_id")


class TolerantAuditLog(AuditLog):
    """The audit log as maintenance uses it: an event the disk will not take (full) is
    logged instead of raised, so a technician can still get in to fix the terminal."""

    def record(self, event: str, **fields: Any) -> None:
        try:
            super().record(event, **fields)
        except OSError as e:
            log.error("could not audit %s: %s", event, e)


def boot_id() -> str:
    """This boot's id (the monotonic clock restarts with each boot); empty if unknown."""
    try:
        return _BOOT_ID.read_text(encoding="ascii").strip()
    except OSError:
        return ""


def _valid_state(state: dict[str, Any]) -> bool:
    """Whether a state read from disk has the shape this code writes."""
    if state.get(DAMAGED_KEY):
        return True
    if not state:
        return True
    try:
        bytes.fromhex(state["salt"])
        bytes.fromhex(state["hash"])
        numbers = [state.get(k, 0) for k in ("failures", "locked_until", "locked_until_mono")]
        numbers += [state.get(k, SCRYPT[k]) for k in ("n", "r", "p")]
    except (KeyError, TypeError, ValueError):
        return False
    return all(
        isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in numbers
    ) and isinstance(state.get("boot_id", ""), str)


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
        monotonic: Callable[[], float] = time.monotonic,
        boot: Callable[[], str] = boot_id,
    ) -> None:
        self.path = state_file
        self.lock_path = state_file.with_name(state_file.name + ".lock")
        self.set_marker = state_file.with_name(state_file.name + ".set")
        self.audit = audit
        self.max_attempts = max_attempts
        self.lockout_s = lockout_s
        self._now = wall_clock
        self._mono = monotonic
        self._boot = boot
        self._thread_lock = threading.Lock()
        self._unsaved: dict[str, Any] | None = None  # a state the disk would not take

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """One read-modify-write at a time, across threads and processes (``flock``). A lock
        file that cannot be created (a full disk) must not keep a technician out: the
        attempt then goes on under the thread lock only."""
        with self._thread_lock:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            except OSError as e:
                log.error("PIN guard: no lock file (%s); going on without it", e)
                yield
                return
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                yield
            finally:
                os.close(fd)  # releases the lock

    # -- state ------------------------------------------------------------------------------
    def _load(self) -> dict[str, Any]:
        """The guard's state. A damaged file is moved aside and replaced by a locked state:
        damage must not reset the lockout or bring back the initial PIN; a technician sets a
        new PIN at the console (``kiosk set-pin``)."""
        if self._unsaved is not None:
            return dict(self._unsaved)
        try:
            data: dict[str, Any] | None = read_json_state(self.path, dict)
        except Damaged:
            data = self._damaged("damaged")
        else:
            if not data and self.set_marker.exists():
                data = self._damaged("missing")
            elif data is not None and not _valid_state(data):
                data = self._damaged("garbled")
            elif data and "hash" in data and not self.set_marker.exists():
                self._mark_set()  # a PIN set before the marker existed
        return data or {}

    def _mark_set(self) -> None:
        try:
            self.set_marker.touch(mode=0o600)
        except OSError as e:
            log.error("could not mark the PIN as set: %s", e)

    def _damaged(self, why: str) -> dict[str, Any]:
        log.error("PIN state file %s: %s; locked until kiosk set-pin", why, self.path)
        data = {DAMAGED_KEY: True}
        try:
            self._save(data)
        except OSError as e:
            log.error("could not record the damaged PIN state: %s", e)
        return data

    def _save(self, state: dict[str, Any]) -> None:
        """Writes the state; if that fails (a full disk) this process keeps it in memory
        (:attr:`_unsaved`, read first by ``_load``) so counting and lockouts still hold, and
        a seeded initial PIN still lets a technician in. Raises the OSError."""
        try:
            write_atomic(self.path, json.dumps(state).encode("utf-8"))
            os.chmod(self.path, 0o600)
        except OSError:
            self._unsaved = dict(state)
            raise
        self._unsaved = None

    def _audit(self, event: str, **fields: Any) -> None:
        """Audits an event; a full disk must not keep a technician out (it is logged)."""
        try:
            self.audit.record(event, **fields)
        except OSError as e:
            log.error("could not audit %s: %s", event, e)

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
        with self._locked():
            state = self._load()
        return "hash" in state or bool(state.get(DAMAGED_KEY))

    def set_pin(self, pin: str, *, by: str = "install") -> None:
        """Stores a new PIN (6-12 digits) with a fresh salt; clears failures."""
        if not (pin.isdigit() and 6 <= len(pin) <= 12):
            raise ValueError("the PIN must be 6 to 12 digits")
        salt = secrets.token_bytes(16)
        state = {
            "salt": salt.hex(),
            "hash": hash_pin(pin, salt).hex(),
            **SCRYPT,
            "failures": 0,
            "locked_until": 0.0,
        }
        with self._locked():
            self._save(state)
            self._mark_set()
        self._audit("pin_set", by=by)

    def seed(self, initial_pin: str) -> None:
        """Sets ``initial_pin`` if the terminal has no PIN yet."""
        if initial_pin and not self.has_pin:
            try:
                self.set_pin(initial_pin, by="initial_pin")
            except OSError as e:  # a full disk: held in memory until it can be written
                log.error("could not store the initial PIN (%s); it holds for this run", e)
                return
            log.warning(
                "maintenance PIN is the configured initial PIN; change it with kiosk set-pin"
            )

    def locked_for(self) -> float:
        """Seconds left on a lockout (0 if none), never more than ``lockout_s``."""
        with self._locked():
            return self._remaining(self._load())

    def _remaining(self, state: dict[str, Any]) -> float:
        """The lockout left: the sooner of the wall-clock and (same boot) monotonic ends,
        each bounded by ``lockout_s``."""
        until = float(state.get("locked_until", 0.0))
        if until <= 0:
            return 0.0
        left = min(max(0.0, until - self._now()), self.lockout_s)
        boot = str(state.get("boot_id", ""))
        if boot and boot == self._boot() and "locked_until_mono" in state:
            mono_left = float(state["locked_until_mono"]) - self._mono()
            left = min(left, max(0.0, mono_left))
        return left

    def _lock_out(self, state: dict[str, Any], seconds: float) -> None:
        state["locked_until"] = self._now() + seconds
        state["locked_until_mono"] = self._mono() + seconds
        state["boot_id"] = self._boot()

    def check(self, pin: str, *, via: str = "gesture") -> PinResult:
        """One attempt. Every attempt is audited (never the PIN itself)."""
        with self._locked():
            return self._check(pin, via)

    def _check(self, pin: str, via: str) -> PinResult:
        state = self._load()
        if state.get(DAMAGED_KEY):
            self._audit("pin_rejected", reason="damaged", via=via)
            return PinResult(False, "locked", 0, self.lockout_s)
        if "hash" not in state:
            self._audit("pin_rejected", reason="no_pin", via=via)
            return PinResult(False, "no_pin")
        remaining = self._remaining(state)
        if remaining > 0:
            if float(state["locked_until"]) - self._now() > self.lockout_s:
                # The wall clock ran ahead when the lock was set: end it by this clock.
                self._lock_out(state, remaining)
                self._record(state)
            self._audit("pin_rejected", reason="locked", via=via)
            return PinResult(False, "locked", 0, remaining)
        salt = bytes.fromhex(state["salt"])
        expected = bytes.fromhex(state["hash"])
        actual = hash_pin(
            pin, salt, state.get("n", SCRYPT["n"]), state.get("r", 8), state.get("p", 1)
        )
        if hmac.compare_digest(actual, expected):
            state["failures"] = 0
            state["locked_until"] = 0.0
            state.pop("locked_until_mono", None)
            self._record(state)
            self._audit("pin_ok", via=via)
            return PinResult(True, "ok", self.max_attempts)
        failures = int(state.get("failures", 0)) + 1
        state["failures"] = failures
        if failures >= self.max_attempts:
            state["failures"] = 0
            self._lock_out(state, self.lockout_s)
            self._record(state)
            self._audit("pin_failed", via=via, locked_for_s=self.lockout_s)
            return PinResult(False, "locked", 0, self.lockout_s)
        self._record(state)
        self._audit("pin_failed", via=via, attempts_left=self.max_attempts - failures)
        return PinResult(False, "wrong", self.max_attempts - failures)
