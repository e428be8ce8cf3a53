"""The services a resident can choose, and whether each can be offered right now."""

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


SERVICES: tuple[ServiceInfo, ...] = (
    ServiceInfo("id_photo", "service.id_photo", "service.id_photo.sub", ("camera", "printer")),
    ServiceInfo("violations", "service.violations", "service.violations.sub", ("printer",)),
    ServiceInfo("antifraud", "service.antifraud", "service.antifraud.sub", ()),
    ServiceInfo("points", "service.points", "service.points.sub", ("scanner", "printer")),
)


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
