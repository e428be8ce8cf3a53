"""A service's home tile, and whether it can be offered right now. Each feature declares its
own tile (``kiosk/<feature>/__init__.py``: ``SERVICE``); the UI registers the features."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from devices.health import Health, HealthLevel


@dataclass(frozen=True)
class ServiceInfo:
    """One service tile.

    Attributes:
        id: stable identifier (``id_photo``, ...).
        title_key, subtitle_key: translation keys.
        needs: devices the service cannot run without.
    """

    id: str
    title_key: str
    subtitle_key: str
    needs: tuple[str, ...]


@dataclass(frozen=True)
class Availability:
    """Whether a tile is enabled and, if not, the translation key of the reason."""

    enabled: bool
    reason_key: str = ""


def availability(
    service: ServiceInfo,
    *,
    built: bool,
    enabled_by_config: bool,
    health: Mapping[str, Health],
) -> Availability:
    """Decides one tile: switched off, not built yet, or a needed device down (with which)."""
    if not enabled_by_config:
        return Availability(False, "service.disabled")
    if not built:
        return Availability(False, "service.not_built")
    for device in service.needs:
        h = health.get(device)
        if h is None or h.level is HealthLevel.OFFLINE:
            reason = h.reason if h is not None else f"{device}.offline"
            return Availability(False, reason)
    return Availability(True)
