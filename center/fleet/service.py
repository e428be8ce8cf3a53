"""What the center's HTTP layer needs from the fleet: static files, heartbeats, status.

The repository's files are served as they are on disk (any static host could serve them the
same way), from a small in-memory cache keyed by (inode, mtime, size), with strong ETags and
``If-None-Match`` answered by 304, and with caching headers a CDN can follow:

- ``timestamp.json``: ``no-cache`` (may be stored, must be revalidated: it changes);
- every other file (versioned metadata, hash-prefixed targets): immutable, one year;
- a missing ``N.root.json`` (every poll asks for the next root): 404 with ``max-age=60``.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from center.auth import TerminalRegistry
from center.fleet.clock import utc_now
from center.fleet.history import HISTORY_FILE, HealthHistory
from center.fleet.policy import FleetPolicy
from center.fleet.registry import HeartbeatRecord, HeartbeatRegistry
from center.fleet.repository import FleetRepository
from center.fleet.status import (
    DEFAULT_MAX_SKEW_S,
    DEFAULT_SILENT_AFTER_S,
    FleetStatus,
    fleet_status,
)
from kiosk.fleet.heartbeat import Heartbeat

_METADATA_NAME = re.compile(r"^(\d+\.)?[A-Za-z0-9_-]+\.json$")
_SEGMENT = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,200}$")
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
MISSING_ROOT = "public, max-age=60"


@dataclass(frozen=True)
class StaticFile:
    """A file's bytes with the headers to serve it."""

    body: bytes
    etag: str
    cache_control: str


class StaticRepository:
    """Reads the repository's files for serving, cached until they change on disk."""

    def __init__(self, repo_dir: Path, max_cached: int = 4096) -> None:
        self.repo_dir = repo_dir
        self._cache: dict[Path, tuple[tuple[int, int, int], StaticFile]] = {}
        self._max = max_cached
        self._lock = threading.Lock()

    def metadata(self, name: str) -> StaticFile | None:
        """``metadata/<name>``, or None (also for a name that is not a metadata file)."""
        if not _METADATA_NAME.match(name):
            return None
        cache = REVALIDATE if name == "timestamp.json" else IMMUTABLE
        return self._read(self.repo_dir / "metadata" / name, cache)

    def target(self, path: str) -> StaticFile | None:
        """``targets/<path>``, or None (also for any path that could leave the folder)."""
        parts = path.split("/")
        if not parts or not all(_SEGMENT.match(p) and p not in (".", "..") for p in parts):
            return None
        return self._read(self.repo_dir / "targets" / Path(*parts), IMMUTABLE)

    def _read(self, path: Path, cache_control: str) -> StaticFile | None:
        try:
            st = os.stat(path)
        except OSError:
            return None
        key = (st.st_ino, st.st_mtime_ns, st.st_size)
        with self._lock:
            hit = self._cache.get(path)
        if hit is not None and hit[0] == key:
            return hit[1]
        try:
            body = path.read_bytes()
        except OSError:
            return None
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        entry = StaticFile(body, etag, cache_control)
        with self._lock:
            if len(self._cache) >= self._max:
                self._cache.clear()
            self._cache[path] = (key, entry)
        return entry


class FleetService:
    """The center's fleet: repository (read side), heartbeats, operators, status.

    Args:
        fleet_dir: ``<center data>/fleet``.
        terminals: the terminal registry (to list terminals that never reported).
        now: the center's clock (UTC).
        heartbeats: the registry of heartbeats (default: ``fleet_dir/heartbeats.sqlite3``).
        operators: the operators' credentials (default: ``fleet_dir/operators.json``).
    """

    def __init__(
        self,
        fleet_dir: Path,
        *,
        terminals: TerminalRegistry | None = None,
        policy: FleetPolicy | None = None,
        now: Callable[[], datetime] = utc_now,
        silent_after_s: float = DEFAULT_SILENT_AFTER_S,
        max_skew_s: float = DEFAULT_MAX_SKEW_S,
        heartbeats: HeartbeatRegistry | None = None,
        operators: TerminalRegistry | None = None,
        history: HealthHistory | None = None,
    ) -> None:
        self.fleet_dir = fleet_dir
        fleet_dir.mkdir(parents=True, exist_ok=True)
        self.policy = policy or FleetPolicy.load()
        self.now = now
        self.static = StaticRepository(fleet_dir / "repository")
        if heartbeats is None:
            heartbeats = HeartbeatRegistry(fleet_dir / "heartbeats.sqlite3")
        self.heartbeats = heartbeats
        # the console's timeline (the center's database in `center serve`)
        self.history = history or HealthHistory(fleet_dir / HISTORY_FILE)
        self.operators = operators or TerminalRegistry(fleet_dir / "operators.json")
        self.terminals = terminals
        self.silent_after_s = silent_after_s
        self.max_skew_s = max_skew_s
        self._repo: FleetRepository | None = None
        self._repo_key: tuple[int, int] | None = None
        self._repo_lock = threading.Lock()

    def repository(self) -> FleetRepository:
        """The repository as published now (re-read when ``timestamp.json`` changed)."""
        ts = self.fleet_dir / "repository" / "metadata" / "timestamp.json"
        try:
            st = ts.stat()
            key: tuple[int, int] | None = (st.st_ino, st.st_mtime_ns)
        except OSError:
            key = None
        with self._repo_lock:
            if self._repo is None or key != self._repo_key:
                self._repo = FleetRepository(self.fleet_dir, policy=self.policy, now=self.now)
                self._repo_key = key
            return self._repo

    def record_heartbeat(self, hb: Heartbeat) -> HeartbeatRecord:
        """Stores a heartbeat received now."""
        record = self.heartbeats.record(hb, self.now())
        self.history.record(hb, record.received_at)
        return record

    def status(self, silent_after_s: float | None = None) -> FleetStatus:
        """Every terminal, converged or not, silent or not, and the alarms."""
        registered = (
            [e.terminal_id for e in self.terminals.entries() if e.enabled]
            if self.terminals is not None
            else None
        )
        return fleet_status(
            self.repository(),
            self.heartbeats.all(),
            self.now(),
            registered=registered,
            silent_after_s=self.silent_after_s if silent_after_s is None else silent_after_s,
            max_skew_s=self.max_skew_s,
        )

    def close(self) -> None:
        """Closes the heartbeat store and the health history."""
        self.heartbeats.close()
        self.history.close()
