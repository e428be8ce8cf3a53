"""Plain printer settings, filled in from the application's configuration."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

__all__ = ["BACKENDS", "PrinterSettings"]

BACKENDS = ("simulated", "network", "serial", "usb", "file")


@dataclass(frozen=True)
class PrinterSettings:
    """Plain printer settings (the application's configuration fills them in).

    Attributes:
        backend: simulated | network | serial | usb | file.
        host, port: network printer.
        devfile, baudrate: serial port (``/dev/ttyUSB0``) or device file (``/dev/usb/lp0``).
        id_vendor, id_product: USB ids.
        output_dir: where the simulated printer writes its files.
        job_timeout_s: the most one job may take to send.
        status_timeout_s: the most a connection or status request may take.
        read_status: ask the printer for paper/cover status (turn off for printers that do not
            answer real-time requests).
        retry_initial_s, retry_max_s: backoff between attempts while the printer is unusable.
        poll_interval_s: how often an idle printer is asked for its status (None: only at start).
        max_attempts: give up on a job that never started sending after this many attempts
            (failed for good, with the last error as its reason). None: never give up; not
            advised, a receipt printed long after the resident left goes to a stranger.
        keep_done_jobs: finished jobs kept for reprinting.
        roll_length_mm: length of a new paper roll (None: no paper counting).
        paper_low_remaining_mm: report paper low when the counted rest is at most this.
    """

    backend: str = "simulated"
    host: str = ""
    port: int = 9100
    devfile: str = ""
    baudrate: int = 9600
    id_vendor: int = 0
    id_product: int = 0
    output_dir: str = ""
    job_timeout_s: float = 30.0
    status_timeout_s: float = 3.0
    read_status: bool = True
    retry_initial_s: float = 1.0
    retry_max_s: float = 30.0
    poll_interval_s: float | None = 15.0
    max_attempts: int | None = 10
    keep_done_jobs: int = 20
    roll_length_mm: float | None = None
    paper_low_remaining_mm: float = 1500.0

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> PrinterSettings:
        """Builds settings from a config mapping; unknown keys are an error, not ignored.

        USB ids may be given as ``"0x0416"`` strings.
        """
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown printer setting(s): {', '.join(unknown)}")
        values = dict(data)
        for key in ("id_vendor", "id_product"):
            if isinstance(values.get(key), str):
                values[key] = int(values[key], 0)
        return cls(**values)
