"""The simulated printer: exact bytes and a PNG per job, settable status, injected failures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PIL import Image as PILImage

from devices.health import HealthLevel
from devices.printer.jobs import JobState
from devices.printer.simulated import SimulatedPrinter
from devices.printer.status import PrinterErrorCode, PrinterStatus
from devices.receipt.escpos import render_escpos
from devices.receipt.png import render_png
from tests.unit.devices.printer.printer_support import (
    MANUAL_RETRY,
    PROFILE,
    WAIT,
    eventually,
    job_of,
    make_receipt,
    simulated,
)


def test_simulated_keeps_bytes_and_png(tmp_path: Path, make: Any) -> None:
    printer, health = make(simulated(tmp_path))
    receipt = make_receipt()

    job_id = printer.submit(receipt)

    assert printer.wait(job_id, WAIT) is JobState.DONE
    connector = printer.connector
    assert isinstance(connector, SimulatedPrinter)
    (kept,) = connector.sent
    assert kept.job_id == job_id
    assert kept.escpos_path.read_bytes() == render_escpos(receipt, PROFILE)
    assert kept.png_path is not None
    with PILImage.open(kept.png_path) as png:
        assert png.format == "PNG"
        assert png.size == render_png(receipt, PROFILE).size
    assert sorted(p.name for p in (tmp_path / "paper").iterdir()) == [
        f"job-{job_id:06d}.bin",
        f"job-{job_id:06d}.png",
    ]
    health.wait_for("ok", HealthLevel.READY)


def test_simulated_paper_out_keeps_job_pending(tmp_path: Path, make: Any) -> None:
    printer, health = make(simulated(tmp_path, **MANUAL_RETRY), start=False)
    connector = printer.connector
    assert isinstance(connector, SimulatedPrinter)
    connector.set_status(PrinterStatus.PAPER_OUT)
    printer.start()

    job_id = printer.submit(make_receipt())

    health.wait_for("printer.paper_out", HealthLevel.OFFLINE)
    eventually(lambda: job_of(printer, job_id).last_error == "printer.paper_out")
    job = job_of(printer, job_id)
    assert (job.state, job.attempts) == (JobState.PENDING, 1)
    assert connector.sent == []
    assert not (tmp_path / "paper").exists() or not any((tmp_path / "paper").iterdir())

    connector.set_status(PrinterStatus.READY)
    printer.retry_now()

    assert printer.wait(job_id, WAIT) is JobState.DONE
    assert len(connector.sent) == 1


@pytest.mark.parametrize("status", [PrinterStatus.OFFLINE, PrinterStatus.COVER_OPEN])
def test_simulated_status_is_published(tmp_path: Path, make: Any, status: PrinterStatus) -> None:
    printer, health = make(simulated(tmp_path), start=False)
    assert isinstance(printer.connector, SimulatedPrinter)
    printer.connector.set_status(status)
    printer.start()
    health.wait_for(status.reason, HealthLevel.OFFLINE)
    assert printer.status() is status


def test_simulated_failures_are_retried(tmp_path: Path, make: Any) -> None:
    printer, health = make(simulated(tmp_path), start=False)
    assert isinstance(printer.connector, SimulatedPrinter)
    printer.connector.fail_next(2, PrinterErrorCode.TIMEOUT)
    printer.start()

    job_id = printer.submit(make_receipt())

    assert printer.wait(job_id, WAIT) is JobState.DONE
    assert job_of(printer, job_id).attempts == 3
    assert any(h.reason == "printer.timeout" for h in health.seen)
    health.wait_for("ok", HealthLevel.READY)
