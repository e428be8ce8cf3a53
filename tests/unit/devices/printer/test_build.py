"""Building a printer from settings: clear errors for unknown or incomplete settings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from devices.printer.build import build_printer
from devices.printer.device import Printer
from devices.printer.network import NetworkConnector
from devices.printer.settings import PrinterSettings
from tests.unit.devices.printer.printer_support import PROFILE


def test_unknown_backend_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"unknown printer backend 'bluetooth'.*network"):
        build_printer({"backend": "bluetooth"}, tmp_path / "jobs.sqlite3", PROFILE)
    assert not (tmp_path / "jobs.sqlite3").exists()


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"backend": "network"}, "needs host"),
        ({"backend": "serial"}, "needs devfile"),
        ({"backend": "file"}, "needs devfile"),
        ({"backend": "usb"}, "needs id_vendor"),
        ({"backend": "simulated"}, "needs output_dir"),
        ({"backend": "network", "host": "x", "colour": "red"}, "unknown printer setting"),
    ],
)
def test_incomplete_settings_are_clear_errors(
    tmp_path: Path, settings: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        build_printer(settings, tmp_path / "jobs.sqlite3", PROFILE)


def test_settings_dataclass_is_accepted(tmp_path: Path, printers: list[Printer]) -> None:
    settings = PrinterSettings(backend="network", host="127.0.0.1", port=9100)
    printer = build_printer(settings, tmp_path / "jobs.sqlite3", PROFILE)
    printers.append(printer)
    assert isinstance(printer.connector, NetworkConnector)
    assert printer.settings.keep_done_jobs == 20
    assert printer.store.keep_done == 20
