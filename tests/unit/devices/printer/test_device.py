"""The printer device: the queue's order, durability, polling, reprints, retries, paper
counting and stopping, through the TCP capture server or the simulated printer.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

import pytest

from devices.health import HealthLevel
from devices.printer.device import Printer
from devices.printer.jobs import JobId, JobState, PrintJobStore
from devices.printer.settings import PrinterSettings
from devices.printer.simulated import SimulatedPrinter
from devices.printer.status import PrinterStatus
from devices.receipt.escpos import render_escpos
from devices.receipt.png import render_png
from tests.support.tcp_printer import PaperState, TcpPrinter
from tests.unit.devices.printer.printer_support import (
    ASK_READY,
    MANUAL_RETRY,
    PROFILE,
    WAIT,
    fast,
    job_of,
    make_receipt,
    network,
    simulated,
)


def test_jobs_are_printed_in_submission_order(server: TcpPrinter, make: Any) -> None:
    server.stop()
    printer, health = make(network(server, **MANUAL_RETRY))
    health.wait_for("printer.offline")
    receipts = [make_receipt(f"N{i}") for i in range(3)]
    ids = [printer.submit(r) for r in receipts]

    server.start()
    printer.retry_now()

    assert printer.wait(ids[-1], WAIT) is JobState.DONE
    assert all(job_of(printer, i).state is JobState.DONE for i in ids)
    assert server.payloads() == [render_escpos(r, PROFILE) for r in receipts]


def test_pending_job_is_printed_by_the_next_process(server: TcpPrinter, make: Any) -> None:
    server.stop()
    before, health = make(network(server, **MANUAL_RETRY))
    health.wait_for("printer.offline")
    job_id = before.submit(make_receipt())
    before.close()  # the kiosk restarts with the job unprinted
    assert not before.running

    server.start()
    after, _ = make(network(server))

    assert after.wait(job_id, WAIT) is JobState.DONE
    assert server.payloads() == [render_escpos(make_receipt(), PROFILE)]


def test_idle_printer_is_polled(server: TcpPrinter, make: Any) -> None:
    _, health = make(network(server, poll_interval_s=0.01))
    health.wait_for("ok", HealthLevel.READY)

    server.state = PaperState.COVER_OPEN

    health.wait_for("printer.cover_open", HealthLevel.OFFLINE)
    server.state = PaperState.READY
    health.wait_for("ok", HealthLevel.READY)
    assert server.payloads() == []  # polling sends status requests only


def test_reprint_sends_the_same_bytes_again(server: TcpPrinter, make: Any) -> None:
    printer, _ = make(network(server))
    original = printer.submit(make_receipt())
    assert printer.wait(original, WAIT) is JobState.DONE

    copy = printer.reprint(original)

    assert copy != original
    assert printer.wait(copy, WAIT) is JobState.DONE
    assert job_of(printer, copy).reprint_of == original
    first, second = server.payloads()
    assert first == second == render_escpos(make_receipt(), PROFILE)
    assert [j.id for j in printer.recent_jobs(2)] == [copy, original]
    with pytest.raises(KeyError):
        printer.reprint(JobId(9999))


def test_receipt_contents_are_never_logged(
    server: TcpPrinter, make: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    server.drop_after(len(ASK_READY) + 10)  # also exercise the failure path's logging
    printer, _ = make(network(server))

    job_id = printer.submit(make_receipt("沪Z·SECRET9"))

    assert printer.wait(job_id, WAIT) is JobState.UNCERTAIN  # cut mid-job: not resent
    assert printer.wait(printer.reprint(job_id), WAIT) is JobState.DONE
    assert "SECRET9" not in caplog.text
    assert f"job {job_id}" in caplog.text
    assert "停车缴费凭条" in caplog.text  # the title is fine


def test_job_is_given_up_after_max_attempts(tmp_path: Path, make: Any) -> None:
    printer, _ = make(simulated(tmp_path, max_attempts=2), start=False)
    assert isinstance(printer.connector, SimulatedPrinter)
    printer.connector.fail_next(5)
    printer.start()

    job_id = printer.submit(make_receipt())

    assert printer.wait(job_id, WAIT) is JobState.FAILED
    job = job_of(printer, job_id)
    assert (job.attempts, job.last_error) == (2, "printer.offline")


def test_paper_counter_sets_paper_low_until_replaced(tmp_path: Path, make: Any) -> None:
    receipt = make_receipt()
    length_mm = render_png(receipt, PROFILE).height / 8
    # A roll that is "nearly used up" after one receipt.
    printer, health = make(
        simulated(tmp_path, roll_length_mm=length_mm + 10, paper_low_remaining_mm=20)
    )
    health.wait_for("ok", HealthLevel.READY)

    job_id = printer.submit(receipt)

    assert printer.wait(job_id, WAIT) is JobState.DONE
    low = health.wait_for("printer.paper_low", HealthLevel.DEGRADED)
    assert "counted" in low.detail
    assert printer.paper_remaining_mm() == pytest.approx(10, abs=0.01)
    assert printer.status() is PrinterStatus.PAPER_LOW

    printer.paper_replaced()

    health.wait_for("ok", HealthLevel.READY)
    assert printer.status() is PrinterStatus.READY


def test_stop_is_immediate_while_backing_off(tmp_path: Path, make: Any) -> None:
    printer, health = make(simulated(tmp_path, **MANUAL_RETRY), start=False)
    assert isinstance(printer.connector, SimulatedPrinter)
    printer.connector.set_status(PrinterStatus.OFFLINE)
    printer.start()
    printer.submit(make_receipt())
    health.wait_for("printer.offline")

    printer.stop()  # would hang for the 600 s backoff if the wait were a sleep

    assert not printer.running
    assert not [t for t in threading.enumerate() if t.name == "printer-worker"]
    printer.start()  # and it can start again
    assert printer.running


def test_printer_can_be_built_from_parts(tmp_path: Path, printers: list[Printer]) -> None:
    connector = SimulatedPrinter(tmp_path / "out", PROFILE, render_previews=False)
    store = PrintJobStore(tmp_path / "jobs.sqlite3", keep_done=2)
    printer = Printer(connector, PROFILE, store, PrinterSettings(**fast()), name="counter")
    printers.append(printer)
    assert printer.health.reason == "device.not_started"
    printer.start()
    ids = [printer.submit(make_receipt(str(i))) for i in range(3)]
    assert printer.wait(ids[-1], WAIT) is JobState.DONE
    assert len(printer.recent_jobs(10)) == 2  # pruned to keep_done
    assert connector.sent[-1].png_path is None
    with pytest.raises(KeyError):
        printer.wait(ids[0], 0.0)
