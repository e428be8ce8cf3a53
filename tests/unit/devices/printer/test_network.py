"""The network connector against a TCP capture server on 127.0.0.1 that answers real-time
status requests like a printer. No python-escpos class is mocked; waits are on events and
conditions with generous timeouts, nothing asserts how long anything took.
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest

from devices.health import HealthLevel
from devices.printer.jobs import JobState
from devices.printer.status import PrinterErrorCode, PrinterStatus
from devices.receipt.escpos import render_escpos
from tests.support.tcp_printer import PaperState, TcpPrinter
from tests.unit.devices.printer.printer_support import (
    ASK_READY,
    MANUAL_RETRY,
    PROFILE,
    WAIT,
    eventually,
    fast,
    job_of,
    make_receipt,
    network,
)


def test_network_sends_exactly_the_rendered_bytes(server: TcpPrinter, make: Any) -> None:
    printer, health = make(network(server))
    receipt = make_receipt()

    job_id = printer.submit(receipt)

    assert printer.wait(job_id, WAIT) is JobState.DONE
    expected = render_escpos(receipt, PROFILE)
    jobs = [c for c in server.connections if c.payload()]
    assert len(jobs) == 1
    # Status asked before the job (online, paper) and after it (delivery confirmed).
    assert bytes(jobs[0].raw) == ASK_READY + expected + ASK_READY
    assert server.payloads() == [expected]
    health.wait_for("ok", HealthLevel.READY)
    done = job_of(printer, job_id)
    assert (done.attempts, done.last_error) == (1, None)
    assert done.done_at is not None


@pytest.mark.parametrize(
    ("state", "code"),
    [
        (PaperState.PAPER_OUT, PrinterErrorCode.PAPER_OUT),
        (PaperState.COVER_OPEN, PrinterErrorCode.COVER_OPEN),
    ],
)
def test_network_paper_out_or_cover_open_keeps_the_job_until_ready(
    server: TcpPrinter, make: Any, state: PaperState, code: PrinterErrorCode
) -> None:
    server.state = state
    printer, health = make(network(server, **MANUAL_RETRY))

    job_id = printer.submit(make_receipt())

    health.wait_for(code.value, HealthLevel.OFFLINE)
    eventually(lambda: job_of(printer, job_id).last_error is not None)
    job = job_of(printer, job_id)
    assert (job.state, job.attempts, job.last_error) == (JobState.PENDING, 1, code.value)
    assert server.payloads() == []  # nothing was sent into a printer that cannot print
    assert printer.status() is PrinterStatus(state.value)

    server.state = PaperState.READY
    printer.retry_now()

    assert printer.wait(job_id, WAIT) is JobState.DONE
    assert server.payloads() == [render_escpos(make_receipt(), PROFILE)]
    health.wait_for("ok", HealthLevel.READY)


def test_network_paper_low_still_prints_and_degrades(server: TcpPrinter, make: Any) -> None:
    server.state = PaperState.PAPER_LOW
    printer, health = make(network(server))

    job_id = printer.submit(make_receipt())

    assert printer.wait(job_id, WAIT) is JobState.DONE
    health.wait_for("printer.paper_low", HealthLevel.DEGRADED)
    assert printer.status() is PrinterStatus.PAPER_LOW


def test_network_disconnect_mid_job_is_uncertain_and_reprinted_only_on_request(
    server: TcpPrinter, make: Any
) -> None:
    """At most once: bytes reached the printer, so the job is never resent on its own; a
    reprint is a new job, marked as one, and comes out whole."""
    receipt = make_receipt()
    expected = render_escpos(receipt, PROFILE)
    cut_at = len(ASK_READY) + len(expected) // 2
    server.drop_after(cut_at)
    printer, health = make(network(server, **MANUAL_RETRY))

    job_id = printer.submit(receipt)

    assert printer.wait(job_id, WAIT) is JobState.UNCERTAIN
    job = job_of(printer, job_id)
    assert (job.attempts, job.last_error) == (1, "printer.offline")
    (first,) = [c for c in server.connections if c.dropped]
    assert len(first.raw) == cut_at
    assert expected.startswith(first.payload())  # a partial receipt, never a complete one

    printer.retry_now()  # the printer is back: still nothing is resent on its own
    health.wait_for("ok", HealthLevel.READY)
    assert server.payloads().count(expected) == 0
    assert job_of(printer, job_id).state is JobState.UNCERTAIN

    again = printer.reprint(job_id)
    assert printer.wait(again, WAIT) is JobState.DONE
    assert server.payloads().count(expected) == 1  # one whole copy, on request
    assert job_of(printer, again).reprint_of == job_id


def test_network_printer_switched_off_and_on(server: TcpPrinter, make: Any) -> None:
    printer, health = make(network(server, **MANUAL_RETRY))
    first = printer.submit(make_receipt("A1"))
    assert printer.wait(first, WAIT) is JobState.DONE

    server.stop()  # connections are now refused
    second = printer.submit(make_receipt("B2"))
    health.wait_for("printer.offline", HealthLevel.OFFLINE)
    assert job_of(printer, second).state is JobState.PENDING

    server.start()  # same port
    printer.retry_now()

    assert printer.wait(second, WAIT) is JobState.DONE
    assert server.payloads() == [
        render_escpos(make_receipt("A1"), PROFILE),
        render_escpos(make_receipt("B2"), PROFILE),
    ]


def test_connection_refused_at_start(server: TcpPrinter, make: Any) -> None:
    server.stop()
    printer, health = make(network(server))

    offline = health.wait_for("printer.offline", HealthLevel.OFFLINE)
    assert "refused" in offline.detail.lower()
    job_id = printer.submit(make_receipt())
    eventually(lambda: job_of(printer, job_id).attempts >= 2)  # retrying with backoff
    assert job_of(printer, job_id).state is not JobState.DONE
    assert printer.running

    server.start()

    assert printer.wait(job_id, WAIT) is JobState.DONE
    assert server.payloads() == [render_escpos(make_receipt(), PROFILE)]
    health.wait_for("ok", HealthLevel.READY)


def test_printer_that_never_answers_times_out(tmp_path: Path, make: Any) -> None:
    # A listener that never accepts: the connection completes, nothing ever answers.
    silent = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    silent.bind(("127.0.0.1", 0))
    silent.listen(4)
    try:
        port = silent.getsockname()[1]
        printer, health = make(
            fast(
                backend="network",
                host="127.0.0.1",
                port=port,
                status_timeout_s=0.1,
                **MANUAL_RETRY,
            )
        )
        seen = health.wait_for("printer.timeout", HealthLevel.OFFLINE)
        assert "timed out" in seen.detail
        job_id = printer.submit(make_receipt())
        eventually(lambda: job_of(printer, job_id).last_error == "printer.timeout")
        assert job_of(printer, job_id).state is JobState.PENDING
    finally:
        silent.close()
