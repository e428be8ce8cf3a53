"""The health checks that decide whether a new configuration stays.

After a configuration is applied (and after the restart it needed, if any) a window opens.
The change is rolled back, with the reason, if within it:

- the app crashed: the crash guard's record shows an unclean run that started with or after
  the run that applied the change (a watchdog restart counts, a clean restart does not);
- flows fell into their failsafe ``failsafe_limit`` times (the :class:`FailsafeMonitor`'s
  count since the change);
- a device whose settings changed never came up (never left ``offline``, or only with a
  reason saying the device answered, like ``printer.paper_out``) within ``device_ready_s``.

When the window closes with none of these, the change is proven and becomes last-known-good.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from devices.health import Health, HealthLevel

# Offline, but the device answered: the configuration that reaches it works.
ANSWERED_REASONS = frozenset({"printer.paper_out", "printer.cover_open"})


def device_is_up(health: Health) -> bool:
    """Whether a device counts as having come up with its configuration."""
    return health.level is not HealthLevel.OFFLINE or health.reason in ANSWERED_REASONS


def crash_guard_runs(path: Path) -> list[dict[str, object]]:
    """The crash guard's records (oldest first); empty if it has none."""
    try:
        runs = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [r for r in runs if isinstance(r, dict)] if isinstance(runs, list) else []


def current_run_started(path: Path) -> float | None:
    """When the current run started, by the crash guard (its newest record)."""
    runs = crash_guard_runs(path)
    if not runs:
        return None
    started = runs[-1].get("started")
    return float(started) if isinstance(started, int | float) else None


def crashes_since(path: Path, run_started: float) -> int:
    """Unclean runs that started at or after ``run_started``, not counting the current run."""
    runs = crash_guard_runs(path)[:-1]
    count = 0
    for r in runs:
        started = r.get("started")
        if isinstance(started, int | float) and started >= run_started and not r.get("clean"):
            count += 1
    return count


def paper_state(devices: Mapping[str, Health]) -> str:
    """``ok``, ``paper_low``, ``paper_out``, ``cover_open``, ``offline`` or ``unknown``."""
    printer = devices.get("printer")
    if printer is None:
        return "unknown"
    reasons = {
        "printer.paper_low": "paper_low",
        "printer.paper_out": "paper_out",
        "printer.cover_open": "cover_open",
    }
    if printer.reason in reasons:
        return reasons[printer.reason]
    if printer.level is HealthLevel.READY:
        return "ok"
    return "offline" if printer.level is HealthLevel.OFFLINE else "unknown"
