"""Reading the kiosk's state files and databases so that a damaged one never stops a start.

A file that is not UTF-8, not JSON, or not the expected shape is moved aside as
``<name>.corrupt-<UTC time>`` (kept for a technician, never deleted), logged, and listed in
:data:`DAMAGED` for ``kiosk diag`` and the heartbeat; the caller then decides what a fresh
start means for it (the crash guard forgets its history, the PIN guard locks).
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DamagedFile:
    """A state file found damaged and moved aside."""

    path: str
    moved_to: str
    reason: str


DAMAGED: list[DamagedFile] = []
_lock = threading.Lock()


class Damaged(Exception):
    """The file was damaged (it has been moved aside)."""


def read_json_state(path: Path, expected: type[list[Any]] | type[dict[str, Any]]) -> Any:
    """The file's JSON value if it is an ``expected`` (``list`` or ``dict``); None if the
    file is absent. Raises :class:`Damaged` after moving a damaged file aside."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as e:  # unreadable (permissions, I/O error): report, don't move
        _record(path, path, f"unreadable: {e.strerror or e}")
        raise Damaged(str(path)) from e
    try:
        value = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise Damaged(_move_aside(path, f"not JSON: {type(e).__name__}")) from e
    if not isinstance(value, expected):
        raise Damaged(_move_aside(path, f"not a JSON {expected.__name__}"))
    return value


def check_sqlite(path: Path) -> Path:
    """Returns ``path`` once it is a healthy SQLite database or absent: a damaged one (not a
    database, failing its quick check) is moved aside with its WAL and shared-memory files,
    so the store that opens it next starts fresh instead of stopping the start."""
    if not path.exists():
        return path
    reason = ""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        try:
            row = conn.execute("PRAGMA quick_check").fetchone()
        finally:
            conn.close()
        if row is None or row[0] != "ok":
            reason = f"quick_check: {row[0] if row else 'no answer'}"
    except sqlite3.DatabaseError as e:
        reason = f"not a database: {e}"
    if reason:
        _move_aside(path, reason)
        for suffix in ("-wal", "-shm"):
            extra = path.with_name(path.name + suffix)
            if extra.exists():
                extra.replace(extra.with_name(f"{extra.name}.corrupt"))
    return path


def _move_aside(path: Path, reason: str) -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    try:
        path.replace(target)
    except OSError as e:
        log.error("state file %s is damaged (%s) and could not be moved aside: %s", path, reason, e)
        target = path
    _record(path, target, reason)
    return str(target)


def _record(path: Path, moved_to: Path, reason: str) -> None:
    log.error("state file %s is damaged (%s); moved to %s", path, reason, moved_to)
    with _lock:
        DAMAGED.append(DamagedFile(str(path), str(moved_to), reason))
