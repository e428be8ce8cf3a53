"""The printer device through its real code paths.

The Network connector talks to a TCP capture server on 127.0.0.1 that answers real-time status
requests like a printer; the Serial connector to a pty pair; the File connector to a plain file.
No python-escpos class is mocked. Waits are on events and conditions with generous timeouts;
nothing asserts how long anything took.
"""

from __future__ import annotations

import logging
import os
import select
import socket
import threading
import time
import tty
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image as PILImage

from devices.health import Health, HealthLevel
from devices.print_jobs import JobId, JobState, PrintJob, PrintJobStore
from devices.printer import (
    NetworkConnector,
    Printer,
    PrinterErrorCode,
    PrinterFault,
    PrinterSettings,
    PrinterStatus,
    SerialConnector,
    SimulatedPrinter,
    build_printer,
    status_from_bytes,
)
from devices.receipt.document import Align, Cut, Feed, PaperProfile, QRCode, Receipt, Rule, Text
from devices.receipt.escpos import render_escpos
from devices.receipt.png import render_png
from tests.support.tcp_printer import PaperState, TcpPrinter, status_byte

PROFILE = PaperProfile.for_width(58)
WAIT = 10.0  # generous upper bound for anything to happen; tests normally take milliseconds

# What the printer sends on a fresh connection before a job, and after it (delivery check).
ASK_READY = b"\x10\x04\x01\x10\x04\x04"


def make_receipt(marker: str = "京A·12345") -> Receipt:
    return Receipt("停车缴费凭条").add(
        Text("社区融治理中心", size=2, bold=True, align=Align.CENTER),
        Text("缴费凭条 / Payment receipt"),
        Rule(),
        Text(f"Plate {marker}  Amount 200.00"),
        QRCode("https://gov.example.cn/r/0001"),
        Feed(1),
        Cut(),
    )


class HealthLog:
    """Collects a printer's health changes and waits for one."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self.seen: list[Health] = []

    def __call__(self, name: str, health: Health) -> None:
        with self._cond:
            self.seen.append(health)
            self._cond.notify_all()

    def wait_for(self, reason: str, level: HealthLevel | None = None) -> Health:
        def match() -> Health | None:
            for h in reversed(self.seen):
                if h.reason == reason and (level is None or h.level == level):
                    return h
            return None

        with self._cond:
            found = self._cond.wait_for(match, WAIT)
        assert found is not None, f"health never became {reason}; saw {self.seen}"
        return found


def eventually(check: Callable[[], bool]) -> None:
    """Polls a cheap condition that has no event to wait on (a job's attempt count)."""
    deadline = time.monotonic() + WAIT
    pause = threading.Event()
    while not check():
        assert time.monotonic() < deadline, "condition never held"
        pause.wait(0.005)


def fast(**overrides: Any) -> dict[str, Any]:
    """Settings for tests: short timeouts, quick retries, no idle polling."""
    base: dict[str, Any] = {
        "status_timeout_s": 2.0,
        "job_timeout_s": 5.0,
        "retry_initial_s": 0.01,
        "retry_max_s": 0.05,
        "poll_interval_s": None,
    }
    base.update(overrides)
    return base


#: No automatic retry within a test: the test says when with ``retry_now()``.
MANUAL_RETRY = {"retry_initial_s": 600.0, "retry_max_s": 600.0}


@pytest.fixture
def printers() -> Iterator[list[Printer]]:
    """Printers made by a test; all closed at the end, with no worker left running."""
    made: list[Printer] = []
    yield made
    for p in made:
        p.close()
        assert not p.running


@pytest.fixture
def server() -> Iterator[TcpPrinter]:
    tcp = TcpPrinter()
    tcp.start()
    yield tcp
    tcp.stop()
    assert not tcp.running


@pytest.fixture
def make(tmp_path: Path, printers: list[Printer]) -> Callable[..., tuple[Printer, HealthLog]]:
    def factory(
        settings: dict[str, Any], *, store: str = "jobs.sqlite3", start: bool = True
    ) -> tuple[Printer, HealthLog]:
        printer = build_printer(settings, tmp_path / store, PROFILE)
        printers.append(printer)
        health = HealthLog()
        printer.subscribe_health(health)
        if start:
            printer.start()
        return printer, health

    return factory


def network(server: TcpPrinter, **overrides: Any) -> dict[str, Any]:
    return fast(backend="network", host=server.host, port=server.port, **overrides)


def job_of(printer: Printer, job_id: JobId) -> PrintJob:
    job = printer.job(job_id)
    assert job is not None
    return job


# --------------------------------------------------------------------------- network


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


def test_network_disconnect_mid_job_resends_the_whole_job(server: TcpPrinter, make: Any) -> None:
    receipt = make_receipt()
    expected = render_escpos(receipt, PROFILE)
    cut_at = len(ASK_READY) + len(expected) // 2
    server.drop_after(cut_at)
    printer, health = make(network(server, **MANUAL_RETRY))

    job_id = printer.submit(receipt)

    health.wait_for("printer.offline", HealthLevel.OFFLINE)
    job = job_of(printer, job_id)
    assert (job.state, job.last_error) == (JobState.PENDING, "printer.offline")
    (first,) = [c for c in server.connections if c.dropped]
    assert len(first.raw) == cut_at
    assert expected.startswith(first.payload())  # a partial receipt, never a complete one

    printer.retry_now()

    assert printer.wait(job_id, WAIT) is JobState.DONE
    assert server.connections[-1].payload() == expected  # resent whole
    health.wait_for("ok", HealthLevel.READY)
    assert job_of(printer, job_id).attempts == 2


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

    assert printer.wait(job_id, WAIT) is JobState.DONE
    assert "SECRET9" not in caplog.text
    assert f"job {job_id}" in caplog.text
    assert "停车缴费凭条" in caplog.text  # the title is fine


# --------------------------------------------------------------------------- status bytes


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        (PaperState.READY, PrinterStatus.READY),
        (PaperState.PAPER_LOW, PrinterStatus.PAPER_LOW),
        (PaperState.PAPER_OUT, PrinterStatus.PAPER_OUT),
        (PaperState.COVER_OPEN, PrinterStatus.COVER_OPEN),
    ],
)
def test_status_bytes_map_to_status(state: PaperState, expected: PrinterStatus) -> None:
    answers = {n: status_byte(state, n) for n in (1, 2, 4)}
    assert status_from_bytes(answers[1], answers[2], answers[4]) is expected


def test_status_bytes_edge_cases() -> None:
    assert status_from_bytes(0x12 | 0x08, 0x12, 0x12) is PrinterStatus.OFFLINE
    assert status_from_bytes(0x12 | 0x08, 0x12 | 0x40, 0x12) is PrinterStatus.ERROR
    assert status_from_bytes(0x12, None, None) is PrinterStatus.READY


def test_status_health_mapping() -> None:
    assert PrinterStatus.READY.health_level is HealthLevel.READY
    assert PrinterStatus.PAPER_LOW.health_level is HealthLevel.DEGRADED
    assert PrinterStatus.PAPER_LOW.reason == "printer.paper_low"
    for status in ("paper_out", "cover_open", "offline", "error"):
        assert PrinterStatus(status).health_level is HealthLevel.OFFLINE
        assert PrinterStatus(status).reason == f"printer.{status}"
    assert [s.value for s in PrinterStatus] == [
        "ready",
        "paper_low",
        "paper_out",
        "cover_open",
        "offline",
        "error",
    ]


# --------------------------------------------------------------------------- simulated


def simulated(tmp_path: Path, **overrides: Any) -> dict[str, Any]:
    return fast(backend="simulated", output_dir=str(tmp_path / "paper"), **overrides)


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


# --------------------------------------------------------------------------- file and serial


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


# --------------------------------------------------------------------------- building


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


def test_fault_names_transport_exceptions() -> None:
    assert PrinterFault.from_exception(TimeoutError("x")).code is PrinterErrorCode.TIMEOUT
    assert PrinterFault.from_exception(ConnectionResetError()).code is PrinterErrorCode.OFFLINE
    assert PrinterFault.from_exception(ValueError("bad")).code is PrinterErrorCode.ERROR
    fault = PrinterFault.from_status(PrinterStatus.COVER_OPEN)
    assert fault.code is PrinterErrorCode.COVER_OPEN
    assert fault.code.status is PrinterStatus.COVER_OPEN
