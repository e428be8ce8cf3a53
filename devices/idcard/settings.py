"""Plain ID-card reader settings, filled in from the application's configuration."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

__all__ = ["BACKENDS", "IdCardSettings"]

BACKENDS = ("simulated", "serial")


@dataclass(frozen=True)
class IdCardSettings:
    """Plain reader settings (the application's configuration fills them in).

    Attributes:
        backend: simulated | serial.
        port: the serial port (``/dev/ttyUSB0``) or a pyserial URL.
        baudrate: the reader's rate; GA 450 readers start at 115200.
        scenario: the simulated reader's scenario (see
            :class:`~devices.idcard.simulated.Scenario`).
        read_timeout_s: the most one read takes once a card is found.
        answer_timeout_s: the most one answer may take to arrive whole.
        reconnect_s: the wait before reopening a port that failed.
        poll_interval_s: how often the reader's status is asked while all is well.
    """

    backend: str = "simulated"
    port: str = "/dev/ttyUSB0"
    baudrate: int = 115200
    scenario: str = "valid"
    read_timeout_s: float = 5.0
    answer_timeout_s: float = 3.0
    reconnect_s: float = 2.0
    poll_interval_s: float = 5.0

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> IdCardSettings:
        """Builds settings from a mapping; unknown keys are an error, not ignored."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown ID-card reader setting(s): {', '.join(unknown)}")
        return cls(**dict(data))
