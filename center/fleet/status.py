"""Fleet status and alarms: who has converged, who is silent, what needs an operator.

A terminal has **converged** when the versions it reports as applied equal the versions the
center currently publishes for its audiences (all, its group, itself). It is **silent** when
its last heartbeat is older than ``silent_after_s`` (or it never sent one).

Alarms (``code``: when):

- ``metadata.expired`` / ``metadata.expiring``: a role of the repository is past, or within
  the policy's alarm margin of, its expiry (kiosks refuse expired metadata). Online roles
  are renewed by ``center fleet timestamp``; root needs the offline root keys.
- ``terminal.silent``: no heartbeat for ``silent_after_s``.
- ``terminal.clock_skew``: the terminal's clock is off by more than ``max_skew_s``.
- ``terminal.config_rejected``: the terminal refused the repository or a document (reason
  from its heartbeat).
- ``terminal.config_rolled_back``: a configuration failed the terminal's health checks.
- ``terminal.repository_unreachable``: the terminal reports it cannot reach the repository.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from center.fleet.policy import FleetPolicy
from center.fleet.registry import HeartbeatRecord
from center.fleet.repository import FleetRepository, RoleExpiry
from kiosk.fleet.document import audiences_for, version_label

DEFAULT_SILENT_AFTER_S = 300.0
DEFAULT_MAX_SKEW_S = 120.0


@dataclass(frozen=True)
class Alarm:
    """Something an operator should look at."""

    code: str
    subject: str
    message: str
    severity: str = "warning"


@dataclass(frozen=True)
class TerminalStatus:
    """One terminal as the center sees it."""

    terminal_id: str
    group: str
    app_version: str
    desired: dict[str, int]
    applied: dict[str, int]
    converged: bool
    silent: bool
    last_seen: datetime | None
    age_s: float | None
    fleet_state: str
    skew_s: float | None
    converged_at: datetime | None
    devices: dict[str, str] = field(default_factory=dict)
    paper: str = "unknown"
    last_error: str = ""
    rejection: str = ""


@dataclass(frozen=True)
class FleetStatus:
    """Every terminal, the repository's expiries and the alarms."""

    now: datetime
    terminals: list[TerminalStatus]
    expiries: list[RoleExpiry]
    alarms: list[Alarm]

    @property
    def converged(self) -> int:
        """How many terminals have converged."""
        return sum(1 for t in self.terminals if t.converged)


def desired_versions(repo: FleetRepository, terminal_id: str, group: str) -> dict[str, int]:
    """The versions the center publishes now for a terminal of ``group``."""
    out: dict[str, int] = {}
    for audience in audiences_for(terminal_id, group):
        target = repo.target(audience.target_path)
        if target is not None and isinstance(target.custom, dict):
            out[str(audience)] = int(target.custom.get("version", 0))
    return out


def metadata_alarms(expiries: list[RoleExpiry], policy: FleetPolicy, now: datetime) -> list[Alarm]:
    """Alarms for roles past or near their expiry."""
    alarms = []
    for e in expiries:
        left = e.expires - now
        role = "targets" if e.role == "bins" else e.role
        fix = (
            "re-sign root with the offline root keys"
            if role == "root"
            else "run `center fleet timestamp` (is its scheduler running?)"
        )
        if left.total_seconds() <= 0:
            alarms.append(
                Alarm(
                    "metadata.expired",
                    e.role,
                    f"{e.role} v{e.version} expired at {e.expires.isoformat()}: kiosks refuse "
                    f"the repository; {fix}",
                    "critical",
                )
            )
        elif left < policy.alarm_before(role):
            hours = left.total_seconds() / 3600
            alarms.append(
                Alarm(
                    "metadata.expiring",
                    e.role,
                    f"{e.role} v{e.version} expires in {hours:.1f} h "
                    f"({e.expires.isoformat()}); {fix}",
                )
            )
    return alarms


def fleet_status(
    repo: FleetRepository,
    records: dict[str, HeartbeatRecord],
    now: datetime,
    *,
    registered: list[str] | None = None,
    silent_after_s: float = DEFAULT_SILENT_AFTER_S,
    max_skew_s: float = DEFAULT_MAX_SKEW_S,
) -> FleetStatus:
    """The fleet as of ``now``: one row per terminal that is registered or has reported."""
    expiries = repo.expiries()
    alarms = metadata_alarms(expiries, repo.policy, now)
    rows = []
    for tid in sorted(set(records) | set(registered or [])):
        rec = records.get(tid)
        if rec is None:
            rows.append(
                TerminalStatus(
                    tid, "", "", {}, {}, False, True, None, None, "never_seen", None, None
                )
            )
            alarms.append(Alarm("terminal.silent", tid, "registered, never sent a heartbeat"))
            continue
        hb = rec.heartbeat
        desired = desired_versions(repo, tid, hb.group)
        converged = hb.applied == desired
        age = (now - rec.received_at).total_seconds()
        silent = age > silent_after_s
        rejection = ""
        if hb.rejection is not None:
            rejection = f"{hb.rejection.kind}: {hb.rejection.reason}"
            if hb.rejection.versions:
                rejection += f" ({version_label(hb.rejection.versions)})"
        rows.append(
            TerminalStatus(
                tid,
                hb.group,
                hb.app_version,
                desired,
                dict(hb.applied),
                converged,
                silent,
                rec.received_at,
                age,
                hb.fleet_state,
                rec.skew_s,
                rec.applied_since if converged else None,
                {name: f"{d.level}:{d.reason}" for name, d in hb.devices.items()},
                hb.paper,
                hb.last_error,
                rejection,
            )
        )
        if silent:
            alarms.append(Alarm("terminal.silent", tid, f"no heartbeat for {age:.0f} s"))
        if abs(rec.skew_s) > max_skew_s:
            alarms.append(
                Alarm(
                    "terminal.clock_skew",
                    tid,
                    f"clock is {rec.skew_s:+.0f} s off the center's (limit {max_skew_s:.0f} s): "
                    "metadata expiry checks and TLS depend on it",
                )
            )
        if hb.rejection is not None and hb.fleet_state in ("rejected", "rolled_back"):
            code = (
                "terminal.config_rolled_back"
                if hb.rejection.kind == "health"
                else "terminal.config_rejected"
            )
            alarms.append(Alarm(code, tid, rejection, "critical"))
        if hb.fleet_state == "unreachable":
            alarms.append(
                Alarm(
                    "terminal.repository_unreachable",
                    tid,
                    hb.last_poll_error or "cannot reach the repository",
                )
            )
    return FleetStatus(now, rows, expiries, alarms)


def status_json(value: Any) -> Any:
    """``value`` (a status, or any part of one) as JSON-ready dicts, lists and ISO times,
    for ``GET /v1/fleet/status`` and ``center fleet status --json``."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {k: status_json(v) for k, v in dataclasses.asdict(value).items()}
    if isinstance(value, dict):
        return {k: status_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [status_json(v) for v in value]
    if isinstance(value, date | time):
        return value.isoformat()
    return value


def format_status(status: FleetStatus) -> str:
    """The status as text for ``center fleet status``."""
    lines = [
        f"fleet status at {status.now.isoformat(timespec='seconds')}: "
        f"{status.converged}/{len(status.terminals)} converged"
    ]
    header = f"{'TERMINAL':<20} {'GROUP':<12} {'CONV':<5} {'STATE':<12} {'SEEN':>8} {'SKEW':>6}"
    lines.append(header + "  APPLIED / DESIRED")
    for t in status.terminals:
        seen = "never" if t.age_s is None else f"{t.age_s:.0f}s"
        if t.silent and t.age_s is not None:
            seen += "!"
        skew = "" if t.skew_s is None else f"{t.skew_s:+.0f}"
        applied = version_label(t.applied)
        desired = version_label(t.desired)
        versions = applied if t.converged else f"{applied} / {desired}"
        lines.append(
            f"{t.terminal_id:<20} {t.group:<12} {'yes' if t.converged else 'NO':<5} "
            f"{t.fleet_state:<12} {seen:>8} {skew:>6}  {versions}"
        )
        if t.rejection:
            lines.append(f"{'':<20} rejected: {t.rejection}")
    lines.append("metadata:")
    for e in status.expiries:
        lines.append(f"  {e.role:<10} v{e.version:<5} expires {e.expires.isoformat()}")
    lines.append(f"alarms: {len(status.alarms)}")
    for a in status.alarms:
        lines.append(f"  [{a.severity}] {a.code} {a.subject}: {a.message}")
    return "\n".join(lines)
