"""A printer built from settings: the connector its backend names, its job store, its worker."""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from devices.printer.connector import Connector
from devices.printer.device import Printer
from devices.printer.file import FileConnector
from devices.printer.jobs import PrintJobStore
from devices.printer.network import NetworkConnector
from devices.printer.serial import SerialConnector
from devices.printer.settings import BACKENDS, PrinterSettings
from devices.printer.simulated import SimulatedPrinter
from devices.printer.usb import UsbConnector
from devices.receipt.document import PaperProfile

__all__ = ["build_printer", "make_connector"]

log = logging.getLogger(__name__)


def make_connector(settings: PrinterSettings, profile: PaperProfile) -> Connector:
    """The connector for ``settings.backend``.

    Raises:
        ValueError: unknown backend or a setting the backend needs is missing.
    """
    backend = settings.backend
    timeout = settings.status_timeout_s
    if backend == "simulated":
        _require(settings, "output_dir")
        return SimulatedPrinter(settings.output_dir, profile)
    if backend == "network":
        _require(settings, "host")
        return NetworkConnector(
            settings.host, settings.port, timeout, read_status=settings.read_status
        )
    if backend == "serial":
        _require(settings, "devfile", example="/dev/ttyUSB0")
        return SerialConnector(
            settings.devfile, settings.baudrate, timeout, read_status=settings.read_status
        )
    if backend == "usb":
        _require(settings, "id_vendor", "id_product")
        return UsbConnector(
            settings.id_vendor, settings.id_product, timeout, read_status=settings.read_status
        )
    if backend == "file":
        _require(settings, "devfile", example="/dev/usb/lp0")
        return FileConnector(settings.devfile)
    raise ValueError(f"unknown printer backend {backend!r}; expected one of {', '.join(BACKENDS)}")


def _require(settings: PrinterSettings, *names: str, example: str = "") -> None:
    """Raises ValueError naming the settings the backend needs, if any of them is empty."""
    if all(getattr(settings, name) for name in names):
        return
    hint = f" (e.g. {example})" if example else ""
    raise ValueError(f"printer backend {settings.backend!r} needs {' and '.join(names)}{hint}")


def build_printer(
    settings: PrinterSettings | Mapping[str, Any],
    store_path: Path | str,
    profile: PaperProfile,
    *,
    clock: Callable[[], float] = time.time,
) -> Printer:
    """Builds a printer (not started) from settings, with its job store at ``store_path``.

    Raises:
        ValueError: unknown backend, unknown setting or a missing required setting.
    """
    if not isinstance(settings, PrinterSettings):
        settings = PrinterSettings.from_mapping(settings)
    connector = make_connector(settings, profile)  # validate before touching the disk
    try:
        store = PrintJobStore(store_path, keep_done=settings.keep_done_jobs, clock=clock)
    except (sqlite3.Error, OSError) as e:
        # A full or failing disk must not stop the kiosk from starting: the printer comes
        # up offline with the reason, its queue in memory only.
        log.error("print job store %s cannot be opened: %s", store_path, e)
        store = PrintJobStore(
            store_path, keep_done=settings.keep_done_jobs, clock=clock, in_memory=True
        )
        return Printer(
            connector,
            profile,
            store,
            settings,
            store_problem=f"job store unavailable ({type(e).__name__}: {e})",
        )
    return Printer(connector, profile, store, settings)
