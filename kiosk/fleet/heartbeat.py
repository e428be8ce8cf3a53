"""The heartbeat a kiosk sends to its center: who it is, what it runs, how it is doing.

The desired/reported split of device twins: ``desired`` is what the kiosk last saw verified
in the repository, ``applied`` what is in force; the center compares ``applied`` with what
it published for the terminal's audiences to tell who has converged.

The center accepts and ignores fields it does not know (a newer kiosk may send more), and
types strictly what it knows: ``"1"`` is not a count and ``"true"`` not a flag. Times come
as ISO 8601 text in JSON, so they alone are parsed (``Time``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, Strict

Time = Annotated[datetime, Strict(False)]
"""A time, from a datetime or from ISO 8601 text (what JSON carries)."""

FleetState = Literal[
    "starting",  # no poll finished yet
    "ok",  # the last poll verified the repository; the applied config is current
    "trial",  # a new config is in force, its health window is open
    "unreachable",  # the repository cannot be reached: running on the last verified config
    "rejected",  # the repository or a document failed a check: previous config kept
    "rolled_back",  # a new config failed its health checks and was rolled back
    "error",  # the agent cannot work (e.g. no trusted root)
]

RejectionKind = Literal["verification", "document", "health", "apply"]


class DeviceReport(BaseModel):
    """One device's health: level, stable reason code, technician detail."""

    model_config = ConfigDict(extra="ignore", frozen=True, strict=True)

    level: str
    reason: str = "ok"
    detail: str = Field("", max_length=500)


class Rejection(BaseModel):
    """Why the kiosk refused (or rolled back) a configuration.

    Attributes:
        kind: ``verification`` (TUF refused the repository: tampering, rollback, expiry,
            bad signatures), ``document`` (verified, but malformed, for another terminal, or
            failing the configuration schema), ``health`` (applied, then rolled back),
            ``apply`` (could not be written or loaded).
        reason: for operators, one line.
        versions: the document versions concerned (empty for ``verification``).
        at: when (the kiosk's clock, UTC).
    """

    model_config = ConfigDict(extra="ignore", frozen=True, strict=True)

    kind: RejectionKind
    reason: str = Field(max_length=2000)
    versions: dict[str, int] = {}
    at: Time


class Heartbeat(BaseModel):
    """What a kiosk reports, every ``fleet.heartbeat_interval_s`` and after every change."""

    model_config = ConfigDict(extra="ignore", frozen=True, strict=True)

    terminal_id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
    group: str = Field(max_length=64)
    app_version: str = Field(max_length=64)
    config_version: str = Field("", max_length=300)
    desired: dict[str, int] = {}
    applied: dict[str, int] = {}
    fleet_state: FleetState = "starting"
    last_verified_at: Time | None = None
    last_poll_error: str = Field("", max_length=2000)
    rejection: Rejection | None = None
    restart_pending: bool = False
    devices: dict[str, DeviceReport] = {}
    paper: str = Field("unknown", max_length=32)
    last_error: str = Field("", max_length=2000)
    counters: dict[str, int] = {}
    clock: Time
    uptime_s: float = 0.0


class HeartbeatAnswer(BaseModel):
    """The center's answer: its own clock, for the kiosk to see its skew too."""

    model_config = ConfigDict(extra="ignore", frozen=True, strict=True)

    received_at: Time
    skew_s: float
