"""The serial connector through a pty pair whose far end answers DLE EOT like a printer."""

from __future__ import annotations

import os
import select
import threading
import tty
from collections.abc import Iterator
from typing import Any

import pytest

from devices.health import HealthLevel
from devices.printer.jobs import JobState
from devices.printer.serial import SerialConnector
from devices.receipt.escpos import render_escpos
from tests.support.tcp_printer import PaperState, status_byte
from tests.unit.devices.printer.printer_support import (
    MANUAL_RETRY,
    PROFILE,
    WAIT,
    eventually,
    fast,
    job_of,
    make_receipt,
)


class PtyPrinter:
    """The far end of a pty: records bytes and answers DLE EOT like the TCP server does."""

    def __init__(self) -> None:
        self.master, slave = os.openpty()
        tty.setraw(self.master)
        tty.setraw(slave)
        self.devfile = os.ttyname(slave)
        self._slave = slave  # kept open so the pty does not hang up between opens
        self.received = bytearray()
        self.state = PaperState.READY
        self._stop = threading.Event()
        self._cond = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="pty-printer")
        self._thread.start()

    def _run(self) -> None:
        pending = b""
        while not self._stop.is_set():
            ready, _, _ = select.select([self.master], [], [], 0.02)
            if not ready:
                continue
            try:
                chunk = os.read(self.master, 4096)
            except OSError:
                continue
            with self._cond:
                self.received.extend(chunk)
                self._cond.notify_all()
            data = pending + chunk
            i = 0
            while i + 2 < len(data):
                if data[i : i + 2] == b"\x10\x04" and 1 <= data[i + 2] <= 4:
                    os.write(self.master, bytes([status_byte(self.state, data[i + 2])]))
                    i += 3
                else:
                    i += 1
            pending = data[i:]

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        os.close(self.master)
        os.close(self._slave)


@pytest.fixture
def pty_printer() -> Iterator[PtyPrinter]:
    far = PtyPrinter()
    yield far
    far.close()


def test_serial_backend_through_a_pty(pty_printer: PtyPrinter, make: Any) -> None:
    pty_printer.state = PaperState.PAPER_OUT
    printer, health = make(
        fast(backend="serial", devfile=pty_printer.devfile, baudrate=115200, **MANUAL_RETRY)
    )
    receipt = make_receipt()
    job_id = printer.submit(receipt)
    health.wait_for("printer.paper_out", HealthLevel.OFFLINE)
    eventually(lambda: job_of(printer, job_id).last_error == "printer.paper_out")
    assert job_of(printer, job_id).state is JobState.PENDING
    assert pty_printer.received.count(b"\x10\x04") == len(pty_printer.received) // 3

    pty_printer.state = PaperState.READY
    printer.retry_now()

    assert printer.wait(job_id, WAIT) is JobState.DONE
    assert render_escpos(receipt, PROFILE) in bytes(pty_printer.received)
    assert isinstance(printer.connector, SerialConnector)
