"""The printer harness of issue 13: a printer that closes after every job, status reads that
fail, a kill -9 between send and mark-done, a worker that dies. In each, a receipt prints at
most once unless someone asks for a reprint; jobs that never started are retried a bounded
number of times; a dead worker comes back and shows in health while it is down.

Everything runs against the TCP capture server on 127.0.0.1 (or the simulated printer), a
real SQLite job store and, for the kill, a real child process.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from devices.health import HealthLevel
from devices.printer.jobs import JobId, JobState, PrintJobStore
from devices.printer.settings import PrinterSettings
from devices.printer.simulated import SimulatedPrinter
from devices.receipt.escpos import render_escpos
from tests.support.tcp_printer import TcpPrinter
from tests.unit.devices.printer.printer_support import (
    MANUAL_RETRY,
    PROFILE,
    WAIT,
    eventually,
    job_of,
    make_receipt,
    network,
    simulated,
)

REPO = Path(__file__).resolve().parents[4]


def copies(server: TcpPrinter, data: bytes) -> int:
    """How many whole copies of ``data`` the printer received."""
    return server.received.count(data)


def test_printer_that_closes_after_every_job_prints_each_receipt_once(
    server: TcpPrinter, make: Any
) -> None:
    server.close_after_job()
    printer, _ = make(network(server, **MANUAL_RETRY))
    receipts = [make_receipt(f"A{i}") for i in range(3)]

    ids = [printer.submit(r) for r in receipts]

    # The status after the job cannot be read (the connection is gone): each may or may
    # not have printed whole, so none is resent on its own.
    for job_id in ids:
        assert printer.wait(job_id, WAIT) is JobState.UNCERTAIN
    printer.retry_now()
    printer.status()  # the worker has looked at the queue again; nothing is pending
    assert printer.store.pending_count() == 0
    expected = [render_escpos(r, PROFILE) for r in receipts]
    assert [copies(server, e) for e in expected] == [1, 1, 1]
    assert all(job_of(printer, j).attempts == 1 for j in ids)

    again = printer.reprint(ids[1])  # someone asks: one more copy, marked as a reprint

    assert printer.wait(again, WAIT) is JobState.UNCERTAIN
    assert [copies(server, e) for e in expected] == [1, 2, 1]
    assert job_of(printer, again).reprint_of == ids[1]


def test_status_read_failing_after_the_job_prints_it_once(server: TcpPrinter, make: Any) -> None:
    server.answer_status(2)  # online and paper before the job; nothing after it
    printer, health = make(network(server, status_timeout_s=0.2, job_timeout_s=0.2, **MANUAL_RETRY))
    receipt = make_receipt()

    job_id = printer.submit(receipt)

    assert printer.wait(job_id, WAIT) is JobState.UNCERTAIN
    job = job_of(printer, job_id)
    assert job.attempts == 1
    assert job.last_error in ("printer.offline", "printer.timeout")
    health.wait_for(job.last_error, HealthLevel.OFFLINE)
    printer.retry_now()
    printer.status()
    assert printer.store.pending_count() == 0
    assert copies(server, render_escpos(receipt, PROFILE)) == 1


def test_status_that_never_answers_is_retried_a_bounded_number_of_times(
    server: TcpPrinter, make: Any
) -> None:
    server.answer_status(0)  # the job never starts: nothing of it may be sent
    printer, _ = make(network(server, status_timeout_s=0.05, max_attempts=3))
    # the first probe is over (no later one: polling is off), so health keeps what follows
    eventually(lambda: printer.health.reason != "device.not_started")

    job_id = printer.submit(make_receipt())

    assert printer.wait(job_id, WAIT) is JobState.FAILED
    job = job_of(printer, job_id)
    assert job.attempts == 3
    assert job.last_error in ("printer.offline", "printer.timeout")
    assert server.payloads() == []
    # health is published just after the job is marked failed
    eventually(lambda: "given up" in printer.health.detail)
    assert printer.health.reason == job.last_error
    assert f"job {job_id} not printed after 3 attempts" in printer.health.detail


def test_jobs_are_given_up_by_default(tmp_path: Path, make: Any) -> None:
    """Without a setting, retries are bounded all the same (they used to go on for ever)."""
    assert PrinterSettings().max_attempts is not None
    printer, _ = make(simulated(tmp_path), start=False)
    assert isinstance(printer.connector, SimulatedPrinter)
    printer.connector.fail_next(10_000)
    printer.start()
    # the first probe is over (no later one: polling is off), so health keeps what follows
    eventually(lambda: printer.health.reason == "ok")

    job_id = printer.submit(make_receipt())

    assert printer.wait(job_id, WAIT) is JobState.FAILED
    job = job_of(printer, job_id)
    assert (job.attempts, job.last_error) == (PrinterSettings().max_attempts, "printer.offline")
    assert printer.connector.sent == []
    eventually(lambda: "given up" in printer.health.detail)
    assert printer.health.reason == "printer.offline"


def test_kill_9_between_send_and_mark_done_prints_once(
    server: TcpPrinter, make: Any, tmp_path: Path
) -> None:
    store = tmp_path / "jobs.sqlite3"
    expected = render_escpos(make_receipt(), PROFILE)
    server.answer_status(2)  # the child then waits for the status after its job: kill it there
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.unit.devices.printer.child_printer",
            str(store),
            server.host,
            str(server.port),
        ],
        cwd=REPO,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        job_id = JobId(int(child.stdout.readline()))
        # Every byte arrived and the child asked for the status after it: it is between
        # send and mark-done.
        assert server.wait_for(
            lambda s: any(
                c.payload() == expected and len(c.status_requests) > 2 for c in s.connections
            ),
            WAIT,
        )
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(WAIT) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(WAIT)
        if child.stdout is not None:
            child.stdout.close()
        if child.stdin is not None:
            child.stdin.close()
    server.answer_status(None)

    printer, _ = make(network(server, **MANUAL_RETRY), store=store.name)

    assert printer.wait(job_id, WAIT) is JobState.UNCERTAIN
    assert job_of(printer, job_id).last_error == "printer.interrupted"
    printer.retry_now()
    printer.status()
    assert printer.store.pending_count() == 0
    assert copies(server, expected) == 1

    again = printer.reprint(job_id)

    assert printer.wait(again, WAIT) is JobState.DONE
    assert copies(server, expected) == 2
    assert job_of(printer, again).reprint_of == job_id


class FullDisk:
    """A job store connection on a disk that fills when the first job is marked done: from
    then on every write fails, the ROLLBACK included, until :meth:`free` is called."""

    WRITES = ("INSERT", "UPDATE", "DELETE", "BEGIN", "COMMIT", "ROLLBACK")

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self.full = threading.Event()
        self.filled = False

    def free(self) -> None:
        self.full.clear()

    def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:
        statement = sql.lstrip().upper()
        if "SET STATE = ?, DONE_AT = ?, LAST_ERROR = NULL" in statement and not self.filled:
            self.filled = True
            self.full.set()
        if self.full.is_set() and statement.startswith(self.WRITES):
            raise sqlite3.OperationalError("database or disk is full")
        return self._conn.execute(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


def test_dead_worker_is_restarted_and_shows_in_health(server: TcpPrinter, make: Any) -> None:
    printer, health = make(network(server, **MANUAL_RETRY), start=False)
    disk = FullDisk(printer.store._conn)
    printer.store._conn = disk  # fault injection
    first = printer.submit(make_receipt("A1"))
    second = printer.submit(make_receipt("B2"))
    printer.start()

    # A1 is printed, marking it done fails and so does the ROLLBACK: the worker is down.
    down = health.wait_for("printer.error", HealthLevel.OFFLINE)
    assert "print worker failed" in down.detail
    assert printer.running
    assert job_of(printer, second).state is JobState.PENDING

    disk.free()
    printer.retry_now()

    assert printer.wait(second, WAIT) is JobState.DONE  # later jobs are not stuck
    assert printer.wait(first, WAIT) is JobState.UNCERTAIN  # printed, but never marked done
    health.wait_for("ok", HealthLevel.READY)
    assert copies(server, render_escpos(make_receipt("A1"), PROFILE)) == 1
    assert copies(server, render_escpos(make_receipt("B2"), PROFILE)) == 1


def test_worker_that_died_outside_its_guard_is_started_again(tmp_path: Path, make: Any) -> None:
    printer, _ = make(simulated(tmp_path))
    thread = printer._thread
    assert thread is not None
    printer._stopping.set()  # the worker ends as if it had died of something uncaught
    printer._kick_worker(retry=True)
    thread.join(WAIT)
    assert not printer.running
    printer._stopping.clear()

    job_id = printer.submit(make_receipt())

    assert printer.wait(job_id, WAIT) is JobState.DONE
    assert printer.running
    eventually(lambda: printer.store.pending_count() == 0)


def test_store_recovers_from_a_rollback_that_failed(tmp_path: Path) -> None:
    store = PrintJobStore(tmp_path / "jobs.sqlite3")
    try:
        job_id = store.add("t", "{}", b"x")
        store.mark_printing(job_id)
        store.mark_sending(job_id)
        store._conn.execute("BEGIN IMMEDIATE")  # left open by a ROLLBACK that failed

        assert store.recover() == 0

        job = store.get(job_id)
        assert job is not None
        assert (job.state, job.last_error) == (JobState.UNCERTAIN, "printer.interrupted")
        assert not store._conn.in_transaction
    finally:
        store.close()
