"""您来点单 我来办: resident requests at the kiosk (no Qt here). A resident reports a need or a
problem (a category, where, what, an optional photo and contact), gets a tracking code and
a receipt QR, and later sees the progress and says whether they are satisfied.

* :mod:`kiosk.requests.model` / ``rules``: the submission, the receipt, the status, the
  ``RQ1.`` status QR, and the checks both ends apply;
* :mod:`kiosk.requests.service` / ``local`` / ``http`` / ``factory``: where requests go
  (the center's ``/v1/requests``, or the embedded demo intake);
* :mod:`kiosk.requests.outbox`: requests waiting, sealed, while the center is away.

Its settings are ``[requests]`` (:mod:`kiosk.platform.requests_config`).
"""

from kiosk.framework.catalog import ServiceInfo

SERVICE = ServiceInfo("requests", "service.requests", "service.requests.sub", ())
"""The home tile: id, texts and the devices the service cannot run without (none: the
camera is optional, and without a printer the tracking code shows on screen)."""
