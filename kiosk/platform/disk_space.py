"""Whether the data directory can take writes: a full disk is reported, never fatal.

While it runs, :class:`DiskWatch` looks at the free space once a minute: a disk that fills
up takes the kiosk to safe mode between sessions, and room made again brings it back.

At start the kiosk writes a small probe file in its data directory. If that fails (ENOSPC,
a quota, a read-only file system) or the free space is below :data:`MIN_FREE_BYTES`, the
kiosk starts anyway, in safe mode (暂停服务): residents are sent to the counter, and a
technician can still enter maintenance (the PIN guard keeps its state in memory when the
disk will not take it).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)

__all__ = ["MIN_FREE_BYTES", "PROBE_BYTES", "DiskWatch", "disk_problem"]

#: Below this much free space the kiosk does not serve (SQLite, receipts and logs need room).
MIN_FREE_BYTES = 4 * 1024 * 1024
#: The size of the probe written at start.
PROBE_BYTES = 64 * 1024

Writer = Callable[[Path, bytes], None]


def _write_probe(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)


def _free_bytes(folder: Path) -> int:
    st = os.statvfs(folder)
    return st.f_bavail * st.f_frsize


def disk_problem(
    data_dir: Path,
    *,
    write: Writer = _write_probe,
    free_bytes: Callable[[Path], int] = _free_bytes,
    min_free_bytes: int = MIN_FREE_BYTES,
) -> str | None:
    """Why ``data_dir`` cannot take the kiosk's writes, or None when it can.

    ``write`` and ``free_bytes`` are injectable (tests simulate ENOSPC with a writer).
    """
    probe = data_dir / ".disk-probe"
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        write(probe, b"\0" * PROBE_BYTES)
    except OSError as e:
        reason = f"data directory {data_dir} cannot be written: {e.strerror or e}"
        log.error("%s", reason)
        return reason
    finally:
        try:
            probe.unlink(missing_ok=True)
        except OSError:
            log.debug("could not remove %s", probe, exc_info=True)
    try:
        free = free_bytes(data_dir)
    except OSError as e:
        log.warning("free space of %s unknown: %s", data_dir, e)
        return None
    if free < min_free_bytes:
        reason = f"data directory {data_dir} has {free} bytes free (< {min_free_bytes})"
        log.error("%s", reason)
        return reason
    return None


class DiskWatch:
    """The free space of ``data_dir``, looked at every ``every_s`` seconds (statvfs only: no
    write). ``poll(now)`` answers the current problem, or None: below ``min_free_bytes`` is a
    problem; it clears once there is twice that again (no flapping at the edge)."""

    def __init__(
        self,
        data_dir: Path,
        *,
        every_s: float = 60.0,
        free_bytes: Callable[[Path], int] = _free_bytes,
        min_free_bytes: int = MIN_FREE_BYTES,
    ) -> None:
        self.data_dir = data_dir
        self.every_s = every_s
        self.free_bytes = free_bytes
        self.min_free_bytes = min_free_bytes
        self.problem: str | None = None
        self._next = float("-inf")

    def poll(self, now: float) -> str | None:
        """The problem as of the last look (a new look when one is due)."""
        if now < self._next:
            return self.problem
        self._next = now + self.every_s
        try:
            free = self.free_bytes(self.data_dir)
        except OSError as e:
            log.warning("free space of %s unknown: %s", self.data_dir, e)
            return self.problem
        if self.problem is None and free < self.min_free_bytes:
            self.problem = (
                f"data directory {self.data_dir} has {free} bytes free (< {self.min_free_bytes})"
            )
            log.error("%s: safe mode until there is room again", self.problem)
        elif self.problem is not None and free >= 2 * self.min_free_bytes:
            log.warning("data directory %s has %d bytes free again", self.data_dir, free)
            self.problem = None
        return self.problem
