"""The repository's signing and expiry policy (``config/fleet/policy.toml``)."""

from __future__ import annotations

import tomllib
from datetime import timedelta
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from kiosk.platform.project import CONFIG_DIR

POLICY_FILE = CONFIG_DIR / "fleet" / "policy.toml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RootPolicy(_Strict):
    """Offline root keys: how many, how many must sign, how long a root lasts."""

    keys: int = Field(1, ge=1, le=9)
    threshold: int = Field(1, ge=1, le=9)
    expiry_days: float = Field(365, gt=0)
    alarm_days: float = Field(60, ge=0)

    @model_validator(mode="after")
    def _threshold(self) -> RootPolicy:
        if self.threshold > self.keys:
            raise ValueError("root threshold cannot exceed the number of root keys")
        return self


class OnlineRolePolicy(_Strict):
    """Targets or snapshot: lifetime, when to renew, when to alarm."""

    expiry_days: float = Field(gt=0)
    renew_days: float = Field(ge=0)
    alarm_days: float = Field(ge=0)


class TimestampPolicy(_Strict):
    """The timestamp: short-lived, re-signed on a schedule."""

    expiry_hours: float = Field(24, gt=0)
    every_hours: float = Field(1, gt=0)
    alarm_hours: float = Field(12, ge=0)


class BinsPolicy(_Strict):
    """Hash bins for kiosk documents and media."""

    bit_length: int = Field(4, ge=1, le=12)


class FleetPolicy(_Strict):
    """The whole policy."""

    root: RootPolicy = RootPolicy()
    targets: OnlineRolePolicy = OnlineRolePolicy(expiry_days=90, renew_days=30, alarm_days=14)
    snapshot: OnlineRolePolicy = OnlineRolePolicy(expiry_days=30, renew_days=10, alarm_days=5)
    timestamp: TimestampPolicy = TimestampPolicy()
    bins: BinsPolicy = BinsPolicy()

    @classmethod
    def load(cls, path: Path = POLICY_FILE) -> FleetPolicy:
        """Reads the policy file (the defaults above if it does not exist)."""
        if not path.exists():
            return cls()
        return cls.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))

    def lifetime(self, role: str) -> timedelta:
        """How long a freshly signed ``role`` is valid (bins live as long as targets)."""
        if role == "root":
            return timedelta(days=self.root.expiry_days)
        if role == "timestamp":
            return timedelta(hours=self.timestamp.expiry_hours)
        if role == "snapshot":
            return timedelta(days=self.snapshot.expiry_days)
        return timedelta(days=self.targets.expiry_days)

    def renew_before(self, role: str) -> timedelta:
        """Re-sign ``role`` when less than this is left (timestamp: always re-signed)."""
        if role == "timestamp":
            return timedelta(hours=self.timestamp.expiry_hours)
        if role == "snapshot":
            return timedelta(days=self.snapshot.renew_days)
        if role == "root":
            return timedelta(0)
        return timedelta(days=self.targets.renew_days)

    def alarm_before(self, role: str) -> timedelta:
        """Alarm when less than this is left before ``role`` expires."""
        if role == "root":
            return timedelta(days=self.root.alarm_days)
        if role == "timestamp":
            return timedelta(hours=self.timestamp.alarm_hours)
        if role == "snapshot":
            return timedelta(days=self.snapshot.alarm_days)
        return timedelta(days=self.targets.alarm_days)
