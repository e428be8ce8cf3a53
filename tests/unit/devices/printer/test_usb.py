"""The USB connector where pyusb is missing: a named error, not a crash."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from devices.health import HealthLevel
from devices.printer.jobs import JobState
from devices.printer.status import PrinterStatus
from tests.unit.devices.printer.printer_support import (
    MANUAL_RETRY,
    eventually,
    fast,
    job_of,
    make_receipt,
)


def test_usb_without_pyusb_reports_an_error_instead_of_crashing(tmp_path: Path, make: Any) -> None:
    try:
        import usb  # noqa: F401

        pytest.skip("pyusb is installed here")
    except ImportError:
        pass
    printer, _ = make(
        fast(backend="usb", id_vendor="0x0416", id_product="0x5011", **MANUAL_RETRY),
        start=False,
    )
    assert printer.health.level is HealthLevel.OFFLINE
    assert printer.health.reason == "printer.error"
    assert "install python-escpos[usb]" in printer.health.detail
    assert printer.status() is PrinterStatus.ERROR

    printer.start()
    job_id = printer.submit(make_receipt())
    eventually(lambda: job_of(printer, job_id).last_error == "printer.error")
    assert job_of(printer, job_id).state is JobState.PENDING
