"""户籍自助办理: the resident-ID application (换领/补领) around the ID photo (no Qt here).

* :mod:`kiosk.application.flow`: the application, from the guide to the printed receipt;
  :mod:`kiosk.application.status`: its status for a scanned receipt QR (``AP1.``);
* :mod:`kiosk.application.card`: what the flow needs from the ID-card reader;
* :mod:`kiosk.application.model` / ``service`` / ``local`` / ``http`` / ``factory``: where
  applications go (the center's ``/v1/applications``, or the embedded demo intake);
* :mod:`kiosk.application.outbox`: applications waiting, sealed, while the center is away.
"""

from kiosk.framework.catalog import ServiceInfo

SERVICE = ServiceInfo(
    "application", "service.application", "service.application.sub", ("camera", "printer")
)
"""The home tile: id, texts and the devices the service cannot run without."""
