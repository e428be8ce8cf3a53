"""The maintenance audit log: one JSON line per attempt, entry, action and exit, fsynced.

It is append-only by construction (opened in append mode, never rewritten) and holds no PIN,
badge token or personal data: technician ids from badges are shortened.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


class AuditLog:
    """Appends events to ``path``; ``read_recent`` serves the maintenance log viewer."""

    def __init__(self, path: Path, wall_clock: Callable[[], float] | None = None) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._now = wall_clock or (lambda: datetime.now(UTC).timestamp())
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)

    def record(self, event: str, **fields: Any) -> None:
        """Writes one event (e.g. ``pin_failed``, ``entered``, ``action``) durably."""
        at = datetime.fromtimestamp(self._now(), UTC).isoformat(timespec="seconds")
        line = json.dumps({"at": at, "event": event, **fields}, ensure_ascii=False) + "\n"
        with self._lock:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, line.encode("utf-8"))
                os.fsync(fd)
            finally:
                os.close(fd)

    def read_recent(self, n: int = 50) -> list[dict[str, Any]]:
        """The last ``n`` events, oldest first."""
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()[-n:]
        except FileNotFoundError:
            return []
        out = []
        for line in lines:
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                continue
        return out
