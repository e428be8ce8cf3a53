"""Volunteer points: a ledger of append-only entries, pickup vouchers, member tokens.

- :mod:`kiosk.platform.points_config`: ``PointsConfig`` (token key, lifetimes, cancel policy,
  limits, expiry, quiz allowance), a section of the one configuration schema.
- :mod:`kiosk.points.model`: the domain types the service answers with (balances, entries,
  catalogue items, vouchers, member summaries).
- :mod:`kiosk.points.errors`: the typed refusals (not enough points, out of stock, ...).
- :mod:`kiosk.points.tokens`: member tokens ``MT1.<payload>.<sig>`` (Ed25519, short-lived).
- :mod:`kiosk.points.vouchers`: pickup codes and their QR payload ``VC1.<code>``.
- :mod:`kiosk.points.catalogue`: the goods on offer (``config/points_catalogue.toml``).
- :mod:`kiosk.points.ledger`: the SQLite ledger (WAL, ``synchronous=FULL``) with every rule.
- :mod:`kiosk.points.service`: the ``PointsService`` interface; :mod:`kiosk.points.local` and
  :mod:`kiosk.points.http` implement it; :mod:`kiosk.points.factory` picks one.
- :mod:`kiosk.points.hours_import`, :mod:`kiosk.points.report`, :mod:`kiosk.points.card`:
  staff tools behind ``center points`` and ``center members``.
- :mod:`kiosk.points.demo`: the demo members (``config/demo/points_members.toml``) and
  ``demo_tokens(signer, now)``, member tokens for UI tests and the tour.
"""

from kiosk.framework.catalog import ServiceInfo

SERVICE = ServiceInfo("points", "service.points", "service.points.sub", ("scanner", "printer"))
"""The home tile: id, texts and the devices the service cannot run without."""
