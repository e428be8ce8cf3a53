"""What the console's pages work on: the stores, the fleet, the ledger, the settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from center.fleet.service import FleetService
from center.staff.audit import AuditLog
from center.staff.model import Session
from center.staff.store import StaffPolicy, StaffStore
from kiosk.content.library import MEDIA_DIR
from kiosk.content.media import MediaStore
from kiosk.points.ledger import Ledger

CONTENT_MEDIA = Path("content") / "media"
"""Uploaded media, under the center's data directory, named ``sha256-<hex>.<ext>``."""


class ConsoleSettings(BaseModel):
    """``[console]`` in ``<data>/console.toml`` (all optional).

    Attributes:
        idle_timeout_min: a session unused this long ends.
        session_max_h: a session ends this long after sign-in.
        lockout_attempts: wrong passwords in a row that lock an account.
        lockout_min: how long the lock lasts.
        max_media_mb: the largest media upload.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    idle_timeout_min: float = Field(15.0, ge=1.0, le=480.0)
    session_max_h: float = Field(12.0, ge=1.0, le=72.0)
    lockout_attempts: int = Field(5, ge=3, le=20)
    lockout_min: float = Field(15.0, ge=1.0, le=1440.0)
    max_media_mb: int = Field(64, ge=1, le=1024)

    def staff_policy(self) -> StaffPolicy:
        """The stores' limits from these settings."""
        return StaffPolicy(
            attempts=self.lockout_attempts,
            lockout=timedelta(minutes=self.lockout_min),
            idle=timedelta(minutes=self.idle_timeout_min),
            max_age=timedelta(hours=self.session_max_h),
        )


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class ConsoleContext:
    """Everything a page may use; a page whose part is None says it is not set up.

    Attributes:
        data_dir: the center's data directory.
        staff: accounts and sessions.
        audit: the audit log.
        fleet: the fleet (status, history, repository).
        points: the points ledger.
        applications: the applications store (``center.applications.store``), when present.
        media: uploaded media first, then the packaged ones.
        now: the clock (UTC, aware).
    """

    data_dir: Path
    staff: StaffStore
    audit: AuditLog
    settings: ConsoleSettings
    fleet: FleetService | None = None
    points: Ledger | None = None
    applications: Any = None
    now: Callable[[], datetime] = _utc_now
    media: MediaStore = field(init=False)

    def __post_init__(self) -> None:
        self.upload_dir.mkdir(parents=True, exist_ok=True)
        self.media = MediaStore([self.upload_dir, MEDIA_DIR])

    @property
    def upload_dir(self) -> Path:
        """Where uploaded media are kept."""
        return self.data_dir / CONTENT_MEDIA

    def audit_action(
        self,
        session: Session,
        client: str,
        action: str,
        subject: str = "",
        detail: str = "",
        outcome: str = "ok",
    ) -> None:
        """Records what a signed-in account did."""
        self.audit.record(
            session.account.name,
            action,
            role=session.account.role.value,
            client=client,
            subject=subject,
            detail=detail,
            outcome=outcome,
        )
