"""Traffic-violation lookup (违章查询): plates, rules, the service (local and http), the
flow and its receipt. No Qt."""

from kiosk.framework.catalog import ServiceInfo

SERVICE = ServiceInfo("violations", "service.violations", "service.violations.sub", ("printer",))
"""The home tile: id, texts and the devices the service cannot run without."""
