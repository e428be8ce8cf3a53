"""The kiosk's fleet agent (no Qt): verified configuration from a TUF repository, applied
atomically with a health window and rollback, and heartbeats to the center.

Only :class:`FleetConfig` is imported here, so ``kiosk.platform.config_schema`` can import it
without a cycle; the agent is :class:`kiosk.fleet.agent.FleetAgent`.
"""

from kiosk.platform.fleet_config import FleetConfig

__all__ = ["FleetConfig"]
