"""Crash-loop detection: three unclean exits within five minutes start the app in safe mode.

Each start appends a record; a clean exit marks it clean. A record left unclean means the
process crashed, was killed, or was restarted by the watchdog.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kiosk.platform.atomic_file import write_atomic


class CrashGuard:
    """Tracks starts and exits in ``path``.

    Attributes:
        safe_mode: decided at ``begin()``: the recent runs crashed too often.
    """

    def __init__(
        self,
        path: Path,
        *,
        limit: int = 3,
        window_s: float = 300.0,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.path, self.limit, self.window_s, self._now = path, limit, window_s, wall_clock
        self.safe_mode = False
        self.recent_crashes = 0

    def _load(self) -> list[dict[str, Any]]:
        try:
            runs: list[dict[str, Any]] = json.loads(self.path.read_text(encoding="utf-8"))
            return runs
        except (FileNotFoundError, json.JSONDecodeError):
            return []

    def begin(self) -> bool:
        """Records this start; returns whether to run in safe mode."""
        now = self._now()
        runs = [r for r in self._load() if now - float(r["started"]) <= 3600][-20:]
        self.recent_crashes = sum(
            1 for r in runs if not r.get("clean") and now - float(r["started"]) <= self.window_s
        )
        self.safe_mode = self.recent_crashes >= self.limit
        runs.append({"started": now, "clean": False})
        write_atomic(self.path, json.dumps(runs).encode("utf-8"))
        return self.safe_mode

    def end_clean(self) -> None:
        """Marks this run as ended cleanly."""
        runs = self._load()
        if runs:
            runs[-1]["clean"] = True
            write_atomic(self.path, json.dumps(runs).encode("utf-8"))

    def reset(self) -> None:
        """Forgets past crashes (a technician fixed the cause)."""
        write_atomic(self.path, b"[]")
        self.safe_mode = False
