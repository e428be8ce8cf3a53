"""The fleet's clock: UTC now, the default of every ``now`` argument (tests pass their own,
to sign already-expired metadata or to move time on)."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    """The current time in UTC."""
    return datetime.now(UTC)
