"""Anti-fraud awareness (反诈宣传): the fraud-type cards, the mirror scenarios and the quiz,
which pays volunteer points through :class:`kiosk.framework.earning.PointsEarner`. No Qt."""

from kiosk.framework.catalog import ServiceInfo

SERVICE = ServiceInfo("antifraud", "service.antifraud", "service.antifraud.sub", ())
"""The home tile: id, texts and the devices the service cannot run without."""
