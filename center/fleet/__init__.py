"""The center's side of the fleet: a TUF repository of signed configuration, keys,
publishing, the registry of heartbeats, status and alarms. See ``README.md`` here."""

from center.fleet.service import FleetService

__all__ = ["FleetService"]
