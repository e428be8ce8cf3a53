"""The file connector, writing to a plain file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from devices.health import HealthLevel
from devices.printer.jobs import JobState
from devices.printer.status import PrinterStatus
from devices.receipt.escpos import render_escpos
from tests.unit.devices.printer.printer_support import PROFILE, WAIT, fast, make_receipt


def test_file_backend_writes_every_job(tmp_path: Path, make: Any) -> None:
    devfile = tmp_path / "lp0"
    printer, _ = make(fast(backend="file", devfile=str(devfile)))
    receipts = [make_receipt("F1"), make_receipt("F2")]

    ids = [printer.submit(r) for r in receipts]

    assert printer.wait(ids[-1], WAIT) is JobState.DONE
    assert devfile.read_bytes() == b"".join(render_escpos(r, PROFILE) for r in receipts)


def test_file_backend_missing_directory_is_offline(tmp_path: Path, make: Any) -> None:
    printer, health = make(fast(backend="file", devfile=str(tmp_path / "no" / "lp0")))
    health.wait_for("printer.offline", HealthLevel.OFFLINE)
    assert printer.status() is PrinterStatus.OFFLINE
