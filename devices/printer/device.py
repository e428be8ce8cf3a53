"""The printer device: a durable job queue in front of a connector, with retries and health.

``Printer.submit`` renders a receipt to ESC/POS bytes, commits the job to the
:class:`~devices.printer.jobs.PrintJobStore` and returns; a worker thread sends jobs in order.
A job that cannot be started (connection refused, timeout, paper out, cover open) stays
pending, the printer's health goes offline with a named reason
(:class:`~devices.printer.status.PrinterErrorCode`), and the worker retries with backoff, at
most ``max_attempts`` times: then the job is failed for good with that reason (a receipt
printed long after the resident left would go to a stranger). Modelled on the Odoo IoT box:
jobs with a timeout and named error codes.

Delivery is at most once: from the first byte sent on, a job is never resent on its own (see
:class:`~devices.printer.jobs.JobState`). A worker that dies of an exception (the disk filled
and even the ROLLBACK failed) is restarted with backoff; while it is down the printer's health
is ``printer.error`` with a detail that says so, and the job it was sending becomes uncertain.
"""

from __future__ import annotations

import logging
import threading
import time

from devices.health import HealthLevel, HealthPublisher
from devices.printer.connector import Connector
from devices.printer.jobs import JobId, JobState, PrintJob, PrintJobStore
from devices.printer.settings import PrinterSettings
from devices.printer.status import PAPER_LOW_REASON, PrinterErrorCode, PrinterFault, PrinterStatus
from devices.receipt.document import PaperProfile, Receipt
from devices.receipt.escpos import render_escpos
from devices.receipt.png import render_png

log = logging.getLogger(__name__)

__all__ = ["DOTS_PER_MM", "Printer"]

#: Thermal printers print at 203 dpi: 8 dots per millimetre (58 mm paper = 384 dots).
DOTS_PER_MM = 8.0


class Printer(HealthPublisher):
    """A receipt printer with a durable queue, retries and a published health.

    Health: ready; degraded with ``printer.paper_low``; offline with one of the
    :class:`PrinterErrorCode` values as reason (``printer.error`` for a connector that cannot
    work as installed, e.g. USB without pyusb).

    Attributes:
        connector: the transport.
        profile: the paper profile receipts are rendered for.
        store: the job store (owned: :meth:`close` closes it).
        store_problem: why the job store could not be opened (the printer is then offline
            with it as the detail, its queue in memory).
        settings: timing, retry and paper-counting settings.
    """

    def __init__(
        self,
        connector: Connector,
        profile: PaperProfile,
        store: PrintJobStore,
        settings: PrinterSettings | None = None,
        *,
        name: str = "printer",
        store_problem: str | None = None,
    ) -> None:
        super().__init__(name)
        self.connector = connector
        self.profile = profile
        self.store = store
        self.settings = settings or PrinterSettings()
        self._io_lock = threading.Lock()  # one conversation with the device at a time
        self._state_lock = threading.Lock()
        self._changed = threading.Condition()  # notified when a job changes state
        # The worker sleeps on this: idle until new work, backing off until told to retry.
        self._kick = threading.Condition()
        self._new_work = False
        self._retry_now = False
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._fault: PrinterFault | None = None
        self._worker_fault: PrinterFault | None = None  # the worker died; being restarted
        self._device_status: PrinterStatus | None = None
        # A connector that cannot work as installed, or a job store that could not be
        # opened (the queue is then in memory only): offline with the reason, for good.
        missing = connector.unavailable() or store_problem
        self._unavailable = (
            None if missing is None else PrinterFault(PrinterErrorCode.ERROR, missing)
        )
        if self._unavailable is not None:
            log.error("%s: %s (%s)", name, missing, connector.describe())
            self._publish()

    # -- life cycle

    @property
    def running(self) -> bool:
        """Whether the worker thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Starts the worker: it probes the printer, then sends pending jobs in order."""
        if self.running:
            return
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name=f"{self.name}-worker", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stops the worker and closes the connection; pending jobs stay in the store.

        Returns at once unless a send is under way, which ends within the job timeout.
        """
        self._stopping.set()
        self._kick_worker(retry=True)
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(self.settings.job_timeout_s + 2 * self.settings.status_timeout_s + 1)
            if thread.is_alive():
                log.error("%s: worker did not stop (a device write is blocked)", self.name)
        with self._io_lock:
            self.connector.close()
        with self._changed:
            self._changed.notify_all()

    def close(self) -> None:
        """Stops and closes the job store."""
        self.stop()
        self.store.close()

    # -- jobs

    def submit(self, receipt: Receipt) -> JobId:
        """Renders and stores a receipt durably, then queues it; returns without waiting.

        Raises whatever rendering or the store raises (the job then does not exist).
        """
        data = render_escpos(receipt, self.profile)
        job_id = self.store.add(receipt.title, receipt.to_json(), data)
        log.info("%s: job %d queued (%s)", self.name, job_id, receipt.title)
        self._ensure_worker()
        self._kick_worker(retry=False)
        return job_id

    def job(self, job_id: JobId) -> PrintJob | None:
        """The job's record, or None if it is unknown or was pruned."""
        return self.store.get(job_id)

    def wait(self, job_id: JobId, timeout: float) -> JobState:
        """Waits until the job is done or failed for good, or ``timeout`` seconds pass.

        Returns the job's state at that moment. Raises KeyError for an unknown job.
        """
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                job = self.store.get(job_id)
                if job is None:
                    raise KeyError(job_id)
                remaining = deadline - time.monotonic()
                if job.state.finished or remaining <= 0:
                    return job.state
                self._changed.wait(remaining)

    def reprint(self, job_id: JobId) -> JobId:
        """Queues the same bytes again as a new job. Raises KeyError if the job was pruned."""
        job = self.store.get(job_id)
        if job is None:
            raise KeyError(job_id)
        new_id = self.store.add(job.title, job.receipt_json, job.escpos, reprint_of=job.id)
        log.info("%s: job %d queued as a reprint of %d (%s)", self.name, new_id, job_id, job.title)
        self._kick_worker(retry=False)
        return new_id

    def recent_jobs(self, n: int = 20) -> list[PrintJob]:
        """The ``n`` newest jobs, newest first (for the maintenance screen)."""
        return self.store.recent(n)

    def retry_now(self) -> None:
        """Cuts the current backoff short (e.g. a technician fixed the printer)."""
        self._ensure_worker()
        self._kick_worker(retry=True)

    # -- status and paper

    def status(self) -> PrinterStatus:
        """The printer's status, asked from the device when it is not busy printing.

        While a job is being sent, or when the transport cannot read, this is the last known
        status. Never raises.
        """
        if self._unavailable is not None:
            return PrinterStatus.ERROR
        if self._io_lock.acquire(timeout=self.settings.status_timeout_s):
            try:
                self._probe_locked()
            finally:
                self._io_lock.release()
            if self._current_status().printable and self.store.pending_count():
                self._kick_worker(retry=True)
        return self._current_status()

    def paper_replaced(self) -> None:
        """Starts counting a new roll (clears a counted paper-low)."""
        self.store.reset_paper_used()
        with self._state_lock:
            if self._device_status is PrinterStatus.PAPER_LOW:
                self._device_status = None  # the next status request tells again
        log.info("%s: paper roll replaced", self.name)
        self._publish()
        self._kick_worker(retry=True)

    def paper_remaining_mm(self) -> float | None:
        """The counted rest of the roll, or None when paper counting is off."""
        roll = self.settings.roll_length_mm
        if roll is None:
            return None
        return max(0.0, roll - self.store.paper_used_mm())

    def _counted_paper_low(self) -> bool:
        remaining = self.paper_remaining_mm()
        return remaining is not None and remaining <= self.settings.paper_low_remaining_mm

    def _current_status(self) -> PrinterStatus:
        with self._state_lock:
            fault, device = self._worker_fault or self._fault, self._device_status
        if self._unavailable is not None:
            return PrinterStatus.ERROR
        if fault is not None:
            return fault.code.status
        if device is PrinterStatus.PAPER_LOW or self._counted_paper_low():
            return PrinterStatus.PAPER_LOW
        return PrinterStatus.READY

    def _publish(self) -> None:
        with self._state_lock:
            fault = self._unavailable or self._worker_fault or self._fault
            device = self._device_status
        if fault is not None:
            self._set_health(HealthLevel.OFFLINE, fault.code.value, fault.detail)
        elif device is PrinterStatus.PAPER_LOW:
            self._set_health(HealthLevel.DEGRADED, PAPER_LOW_REASON, "printer paper near-end")
        elif self._counted_paper_low():
            remaining = self.paper_remaining_mm() or 0.0
            self._set_health(
                HealthLevel.DEGRADED, PAPER_LOW_REASON, f"about {remaining:.0f} mm left (counted)"
            )
        else:
            self._set_health(HealthLevel.READY)

    def _record(self, fault: PrinterFault | None, device: PrinterStatus | None) -> None:
        with self._state_lock:
            self._fault = fault
            if fault is None:
                self._device_status = device
        self._publish()

    def _probe_locked(self) -> None:
        """Opens the connection and reads the status; the caller holds the I/O lock."""
        connector = self.connector
        fault: PrinterFault | None = None
        device: PrinterStatus | None = None
        try:
            connector.open()
            device = connector.read_status(self.settings.status_timeout_s)
            if device is not None and not device.printable:
                fault = PrinterFault.from_status(device)
        except PrinterFault as exc:
            fault = exc
        except Exception as exc:
            log.exception("%s: unexpected error asking the status", self.name)
            fault = PrinterFault.from_exception(exc)
        finally:
            if fault is not None or not connector.keeps_open:
                connector.close()
        self._record(fault, device)

    # -- the worker

    def _ensure_worker(self) -> None:
        """Starts the worker again if it died outside its own guard (never while stopping)."""
        thread = self._thread
        if thread is None or thread.is_alive() or self._stopping.is_set():
            return
        log.error("%s: the print worker had died; starting it again", self.name)
        self._thread = None
        self.start()

    def _run(self) -> None:
        """The worker's guard: an exception in the loop (a store write failing on a full disk,
        a bug) is logged, shown in health and followed by a restart after a backoff."""
        settings = self.settings
        backoff = settings.retry_initial_s
        while not self._stopping.is_set():
            try:
                self.store.recover()  # what a dead worker left mid-way; rolls back, requeues
                self._loop()
                return
            except Exception as exc:
                log.exception("%s: print worker failed; restarting it", self.name)
                fault = PrinterFault(
                    PrinterErrorCode.ERROR,
                    f"print worker failed ({type(exc).__name__}: {exc}); restarting",
                )
                with self._state_lock:
                    self._worker_fault = fault
                self._publish()
                self._notify()
                self._sleep(backoff, retry_only=True)
                backoff = min(backoff * 2, settings.retry_max_s)

    def _worker_ok(self) -> None:
        """The loop got through a round: clears a worker failure shown in health."""
        with self._state_lock:
            failed, self._worker_fault = self._worker_fault, None
        if failed is not None:
            log.info("%s: print worker running again", self.name)
            self._publish()

    def _loop(self) -> None:
        settings = self.settings
        backoff = settings.retry_initial_s
        next_poll: float | None = 0.0  # probe at once: health is known before the first job
        while not self._stopping.is_set():
            job = self.store.next_pending()
            if job is None:
                now = time.monotonic()
                if next_poll is not None and now >= next_poll:
                    with self._io_lock:
                        self._probe_locked()
                    self._worker_ok()
                    poll = settings.poll_interval_s
                    next_poll = now + poll if poll is not None else None
                    if self.store.next_pending() is not None:
                        continue
                wait = None if next_poll is None else max(0.0, next_poll - time.monotonic())
                self._sleep(wait, retry_only=False)
                continue
            finished = self._attempt(job)
            self._worker_ok()
            if finished:
                backoff = settings.retry_initial_s
                continue
            # A new job does not cut the backoff short (the printer is what is failing);
            # retry_now(), paper_replaced() or a status() that finds it ready do.
            self._sleep(backoff, retry_only=True)
            backoff = min(backoff * 2, settings.retry_max_s)
        log.debug("%s: worker stopped", self.name)

    def _attempt(self, job: PrintJob) -> bool:
        """Sends one job; True if it finished (printed, uncertain or given up), False if it went
        back to pending (the worker then backs off). The next job after an uncertain one is
        tried at once: it starts with a status request, so nothing is sent into a printer
        that cannot take it."""
        settings = self.settings
        connector = self.connector
        fault: PrinterFault | None = None
        device: PrinterStatus | None = None
        sending = False  # from the first byte on, a failure must not lead to a resend
        with self._io_lock:
            self.store.mark_printing(job.id)
            self._notify()
            try:
                connector.open()
                device = connector.read_status(settings.status_timeout_s)
                if device is not None and not device.printable:
                    raise PrinterFault.from_status(device)
                self.store.mark_sending(job.id)
                sending = True
                connector.send(job, settings.job_timeout_s)
                # The answer to a status request after the job means the printer got every
                # byte before it; paper out now means the receipt may be cut short.
                after = connector.read_status(settings.job_timeout_s)
                if after is not None:
                    device = after
                    if not after.printable:
                        raise PrinterFault.from_status(after, f"{after.value} after sending")
            except PrinterFault as exc:
                fault = exc
            except Exception as exc:
                log.exception("%s: unexpected error sending job %d", self.name, job.id)
                fault = PrinterFault.from_exception(exc)
            finally:
                if fault is not None or not connector.keeps_open:
                    connector.close()
        finished = True
        if fault is None:
            self.store.mark_done(job.id, self._paper_mm(job))
            log.info("%s: job %d printed (%s)", self.name, job.id, job.title)
        elif sending and not fault.nothing_sent:
            # At most once: the bytes may have come out, whole or cut short. No resend on
            # its own; the screen or the technician offers a reprint.
            self.store.mark_uncertain(job.id, fault.code.value)
            log.error(
                "%s: job %d (%s) may have printed (%s): not resent, reprint on request",
                self.name,
                job.id,
                job.title,
                fault.code.value,
            )
        elif settings.max_attempts is not None and job.attempts + 1 >= settings.max_attempts:
            # Bounded: nothing of it was sent, and it will not be. The reason stays with the
            # job (maintenance lists it as failed) and in the health detail.
            self.store.mark_failed(job.id, fault.code.value)
            log.error(
                "%s: job %d (%s) given up after %d attempts: %s",
                self.name,
                job.id,
                job.title,
                job.attempts + 1,
                fault.code.value,
            )
            fault = PrinterFault(
                fault.code,
                f"{fault.detail}; job {job.id} not printed after {job.attempts + 1} attempts,"
                " given up (reprint from maintenance)",
                nothing_sent=True,
            )
        else:
            finished = False
            self.store.mark_pending(job.id, fault.code.value)
            log.warning(
                "%s: job %d (%s) not printed, will retry: %s (%s)",
                self.name,
                job.id,
                job.title,
                fault.code.value,
                fault.detail,
            )
        self._record(fault, device)
        self._notify()
        return finished

    def _paper_mm(self, job: PrintJob) -> float:
        """The receipt's length on paper, from its PNG rendering (the same layout as paper)."""
        if self.settings.roll_length_mm is None:
            return 0.0
        try:
            image = render_png(Receipt.from_json(job.receipt_json), self.profile)
        except Exception:
            log.exception("%s: could not measure job %d for the paper counter", self.name, job.id)
            return 0.0
        return image.height / DOTS_PER_MM

    def _kick_worker(self, *, retry: bool) -> None:
        with self._kick:
            if retry:
                self._retry_now = True
            else:
                self._new_work = True
            self._kick.notify_all()

    def _sleep(self, timeout: float | None, *, retry_only: bool) -> None:
        def woken() -> bool:
            return self._stopping.is_set() or self._retry_now or (self._new_work and not retry_only)

        with self._kick:
            self._kick.wait_for(woken, timeout)
            # Whatever woke us is handled by the next look at the queue.
            self._retry_now = False
            self._new_work = False

    def _notify(self) -> None:
        with self._changed:
            self._changed.notify_all()
