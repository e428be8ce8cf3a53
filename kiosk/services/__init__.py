"""Backend services of the kiosk: interfaces with a ``local`` (SQLite) and an ``http``
(the center) implementation each.

- :mod:`kiosk.services.violations`: the violation lookup interface and domain types.
- :mod:`kiosk.services.errors`: the typed errors every implementation raises.
- :mod:`kiosk.services.config`: ``ServiceConfig`` (local or http, address, token, CA, timeouts).
- :mod:`kiosk.services.factory`: ``build_violation_service(config, ...)``.
"""
