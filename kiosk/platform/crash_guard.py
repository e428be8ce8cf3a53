"""Crash-loop detection: three unclean exits within five minutes start the app in safe mode.

Each start appends a record; a clean exit marks it clean. A record left unclean means the
process crashed, was killed, or was restarted by the watchdog.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kiosk.platform.atomic_file import write_atomic
from kiosk.platform.state_files import Damaged, read_json_state

log = logging.getLogger(__name__)


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
        """The recorded runs; a damaged file is moved aside and the history starts afresh
        (an unknown history is not three crashes), entries without a start are dropped."""
        try:
            runs = read_json_state(self.path, list) or []
        except Damaged:
            return []
        return [r for r in runs if isinstance(r, dict) and _is_time(r.get("started"))]

    def _save(self, runs: list[dict[str, Any]]) -> None:
        try:
            write_atomic(self.path, json.dumps(runs).encode("utf-8"))
        except OSError as e:  # a full disk must not stop the start: the guard just forgets
            log.error("could not record the run in %s: %s", self.path, e)

    def begin(self) -> bool:
        """Records this start; returns whether to run in safe mode."""
        now = self._now()
        runs = [r for r in self._load() if now - float(r["started"]) <= 3600][-20:]
        self.recent_crashes = sum(
            1 for r in runs if not r.get("clean") and now - float(r["started"]) <= self.window_s
        )
        self.safe_mode = self.recent_crashes >= self.limit
        runs.append({"started": now, "clean": False})
        self._save(runs)
        return self.safe_mode

    def end_clean(self) -> None:
        """Marks this run as ended cleanly."""
        runs = self._load()
        if runs:
            runs[-1]["clean"] = True
            self._save(runs)

    def reset(self) -> None:
        """Forgets past crashes (a technician fixed the cause)."""
        self._save([])
        self.safe_mode = False


def _is_time(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
