"""An ID-card reader built from settings: the back end they name."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from devices.idcard.reader import IdCardReader
from devices.idcard.serial import SerialIdCardReader
from devices.idcard.settings import BACKENDS, IdCardSettings
from devices.idcard.simulated import Scenario, SimulatedIdCardReader

__all__ = ["build_idcard_reader"]


def build_idcard_reader(
    settings: IdCardSettings | Mapping[str, Any],
    *,
    today: Callable[[], date] = date.today,
) -> IdCardReader:
    """Builds a reader (not started). ``today`` dates the simulated reader's demo cards.

    Raises:
        ValueError: unknown backend, scenario or setting, or a serial back end with no port.
    """
    if not isinstance(settings, IdCardSettings):
        settings = IdCardSettings.from_mapping(settings)
    if settings.backend == "simulated":
        try:
            scenario = Scenario(settings.scenario)
        except ValueError:
            names = ", ".join(s.value for s in Scenario)
            raise ValueError(
                f"unknown ID-card scenario {settings.scenario!r}; expected one of {names}"
            ) from None
        return SimulatedIdCardReader(scenario, today=today, read_timeout_s=settings.read_timeout_s)
    if settings.backend == "serial":
        if not settings.port:
            raise ValueError("ID-card backend 'serial' needs a port (e.g. /dev/ttyUSB0)")
        return SerialIdCardReader(
            settings.port,
            settings.baudrate,
            read_timeout_s=settings.read_timeout_s,
            answer_timeout_s=settings.answer_timeout_s,
            reconnect_s=settings.reconnect_s,
            poll_interval_s=settings.poll_interval_s,
        )
    raise ValueError(
        f"unknown ID-card backend {settings.backend!r}; expected one of {', '.join(BACKENDS)}"
    )
