"""The receipt printer: a durable job queue in front of an ESC/POS connection.

``Printer.submit`` renders a receipt to ESC/POS bytes, commits the job to the
:class:`~devices.print_jobs.PrintJobStore` and returns; a worker thread sends jobs in order.
A job that cannot be sent (connection refused or reset, timeout, paper out, cover open) stays
pending, the printer's health goes offline with a named reason, and the worker retries with
backoff until it goes through. Modelled on the Odoo IoT box: jobs with a timeout and named
error codes (``printer.offline``, ``printer.paper_out``, ``printer.cover_open``,
``printer.timeout``, ``printer.error``) that the application translates.

Delivery is at-least-once: a job cut off mid-way is resent whole, so the resident may get a
partial receipt followed by the complete one, but never none.

Connectors (transports) wrap python-escpos printers (``Network``, ``Serial``, ``Usb``,
``File``) and send our pre-rendered bytes with ``_raw()``. Where the transport can read, the
status is asked with real-time commands (DLE EOT 1, 2 and 4, through python-escpos's
``query_status``; one-byte reads on serial) before each job, and once more after it: the
printer answers real-time requests in the order it receives bytes, so that answer also confirms
every byte of the job arrived. :class:`SimulatedPrinter` keeps the exact bytes and a PNG of each
receipt instead.
"""

from __future__ import annotations

import logging
import os
import socket
import tempfile
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from enum import StrEnum
from pathlib import Path
from typing import Any

from escpos.exceptions import DeviceNotFoundError
from escpos.printer import Network as EscposNetwork

from devices.health import HealthLevel, HealthPublisher
from devices.print_jobs import JobId, JobState, PrintJob, PrintJobStore
from devices.receipt.document import PaperProfile, Receipt
from devices.receipt.escpos import render_escpos
from devices.receipt.png import render_png

log = logging.getLogger(__name__)

__all__ = [
    "BACKENDS",
    "Connector",
    "FileConnector",
    "NetworkConnector",
    "Printer",
    "PrinterErrorCode",
    "PrinterFault",
    "PrinterSettings",
    "PrinterStatus",
    "SerialConnector",
    "SimulatedPrinter",
    "UsbConnector",
    "build_printer",
    "make_connector",
    "status_from_bytes",
]

#: Thermal printers print at 203 dpi: 8 dots per millimetre (58 mm paper = 384 dots).
DOTS_PER_MM = 8.0

#: The reason published while printing still works but the roll is nearly used up.
PAPER_LOW_REASON = "printer.paper_low"

# Real-time status requests (ESC/POS DLE EOT n) and their answer bits. Every answer byte has
# bits 1 and 4 set (0x12); python-escpos's masks include them.
_DLE_EOT = b"\x10\x04"
_RT_PRINTER = _DLE_EOT + b"\x01"  # bit 3: offline
_RT_OFFLINE_CAUSE = _DLE_EOT + b"\x02"  # bit 2: cover open, bit 5: paper end, bit 6: error
_RT_PAPER = _DLE_EOT + b"\x04"  # bits 2-3: near end, bits 5-6: paper end
_MASK_OFFLINE = 0x08
_MASK_COVER_OPEN = 0x04
_MASK_STOPPED_PAPER_END = 0x20
_MASK_ERROR = 0x40
_MASK_FIXED = 0x12
_MASK_NEAR_END = 0x0C | _MASK_FIXED
_MASK_PAPER_END = 0x60 | _MASK_FIXED


class PrinterStatus(StrEnum):
    """The printer's state, a small closed set the application can show and translate."""

    READY = "ready"
    PAPER_LOW = "paper_low"
    PAPER_OUT = "paper_out"
    COVER_OPEN = "cover_open"
    OFFLINE = "offline"
    ERROR = "error"

    @property
    def printable(self) -> bool:
        """Whether a job can be sent in this state."""
        return self in (PrinterStatus.READY, PrinterStatus.PAPER_LOW)

    @property
    def health_level(self) -> HealthLevel:
        """ready → READY, paper_low → DEGRADED, anything else → OFFLINE."""
        if self is PrinterStatus.READY:
            return HealthLevel.READY
        if self is PrinterStatus.PAPER_LOW:
            return HealthLevel.DEGRADED
        return HealthLevel.OFFLINE

    @property
    def reason(self) -> str:
        """The health reason code: ``ok`` when ready, else ``printer.<status>``."""
        return "ok" if self is PrinterStatus.READY else f"printer.{self.value}"


class PrinterErrorCode(StrEnum):
    """Why a job could not be printed; stable codes the application translates."""

    OFFLINE = "printer.offline"
    PAPER_OUT = "printer.paper_out"
    COVER_OPEN = "printer.cover_open"
    TIMEOUT = "printer.timeout"
    ERROR = "printer.error"

    @property
    def status(self) -> PrinterStatus:
        """The printer status this error leaves the printer in."""
        return _CODE_STATUS[self]


_CODE_STATUS = {
    PrinterErrorCode.OFFLINE: PrinterStatus.OFFLINE,
    PrinterErrorCode.PAPER_OUT: PrinterStatus.PAPER_OUT,
    PrinterErrorCode.COVER_OPEN: PrinterStatus.COVER_OPEN,
    PrinterErrorCode.TIMEOUT: PrinterStatus.OFFLINE,
    PrinterErrorCode.ERROR: PrinterStatus.ERROR,
}
_STATUS_CODE = {
    PrinterStatus.OFFLINE: PrinterErrorCode.OFFLINE,
    PrinterStatus.PAPER_OUT: PrinterErrorCode.PAPER_OUT,
    PrinterStatus.COVER_OPEN: PrinterErrorCode.COVER_OPEN,
    PrinterStatus.ERROR: PrinterErrorCode.ERROR,
}


class PrinterFault(Exception):
    """A job or status request failed; ``code`` is a :class:`PrinterErrorCode`.

    Attributes:
        code: the named error code.
        detail: for technicians and logs (never receipt contents).
    """

    def __init__(self, code: PrinterErrorCode, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else str(code))
        self.code = code
        self.detail = detail

    @classmethod
    def from_status(cls, status: PrinterStatus, detail: str = "") -> PrinterFault:
        """The fault for a status in which nothing can be printed."""
        code = _STATUS_CODE.get(status, PrinterErrorCode.ERROR)
        return cls(code, detail or f"printer reports {status.value}")

    @classmethod
    def from_exception(cls, exc: BaseException) -> PrinterFault:
        """Names a transport exception: timeouts, I/O errors (offline), anything else (error)."""
        name = type(exc).__name__
        detail = f"{name}: {exc}"
        # pyserial's and pyusb's timeout exceptions do not derive from TimeoutError.
        if isinstance(exc, TimeoutError) or name.endswith(("TimeoutError", "TimeoutException")):
            return cls(PrinterErrorCode.TIMEOUT, detail)
        if isinstance(exc, OSError) or name == "DeviceNotFoundError":
            return cls(PrinterErrorCode.OFFLINE, detail)
        return cls(PrinterErrorCode.ERROR, detail)


def status_from_bytes(printer: int, offline_cause: int | None, paper: int | None) -> PrinterStatus:
    """Maps the answers to DLE EOT 1, 2 and 4 to a :class:`PrinterStatus`.

    ``offline_cause`` is only needed when ``printer`` says offline, ``paper`` when it says
    online; pass None for an answer that was not asked.
    """
    if printer & _MASK_OFFLINE:
        if offline_cause is not None:
            if offline_cause & _MASK_COVER_OPEN:
                return PrinterStatus.COVER_OPEN
            if offline_cause & _MASK_STOPPED_PAPER_END:
                return PrinterStatus.PAPER_OUT
            if offline_cause & _MASK_ERROR:
                return PrinterStatus.ERROR
        if paper is not None and paper & _MASK_PAPER_END == _MASK_PAPER_END:
            return PrinterStatus.PAPER_OUT
        return PrinterStatus.OFFLINE
    if paper is not None:
        if paper & _MASK_PAPER_END == _MASK_PAPER_END:
            return PrinterStatus.PAPER_OUT
        if paper & _MASK_NEAR_END == _MASK_NEAR_END:
            return PrinterStatus.PAPER_LOW
    return PrinterStatus.READY


# --------------------------------------------------------------------------- connectors


class Connector(ABC):
    """A transport to one printer. Used by one thread at a time (the printer serialises calls).

    Attributes:
        keeps_open: whether the connection stays open between jobs (False: one per job).
    """

    keeps_open: bool = True

    @abstractmethod
    def describe(self) -> str:
        """Where the printer is, for logs and health details (e.g. ``network 10.0.0.5:9100``)."""

    def unavailable(self) -> str | None:
        """Why this connector can never work as installed (a missing library), or None."""
        return None

    @abstractmethod
    def open(self) -> None:
        """Opens the connection if it is not open. Raises :class:`PrinterFault`."""

    @abstractmethod
    def close(self) -> None:
        """Closes the connection (never raises); the next :meth:`open` reconnects."""

    @abstractmethod
    def send(self, job: PrintJob, timeout: float) -> None:
        """Sends the job's bytes within ``timeout`` seconds. Raises :class:`PrinterFault`."""

    def read_status(self, timeout: float) -> PrinterStatus | None:
        """Asks the printer for its status; None when this transport cannot read.

        Raises :class:`PrinterFault` when the connection fails or the printer does not answer.
        """
        return None


class _EscposConnector(Connector):
    """Common ground for the python-escpos transports."""

    #: Whether this transport has a read path for real-time status.
    can_read: bool = False

    def __init__(self, *, read_status: bool = True) -> None:
        self._read_status = read_status
        self._escpos: Any = None  # the python-escpos printer object, built on first open
        self._open = False

    @abstractmethod
    def _make(self) -> Any:
        """Builds the python-escpos printer object (not yet opened)."""

    def _set_timeout(self, printer: Any, timeout: float) -> None:
        """Sets the transport's I/O timeout, where it has one."""

    def _drain(self, printer: Any) -> None:
        """Discards unread input so a status answer is not a stale one."""

    def open(self) -> None:
        if self._open:
            return
        missing = self.unavailable()
        if missing is not None:
            raise PrinterFault(PrinterErrorCode.ERROR, missing)
        try:
            if self._escpos is None:
                self._escpos = self._make()
            # Reconnecting is python-escpos's own close-then-open.
            self._escpos.open()
        except Exception as exc:
            raise PrinterFault.from_exception(exc) from exc
        self._open = True

    def close(self) -> None:
        if not self._open:
            return
        self._open = False
        try:
            self._escpos.close()
        except Exception:
            log.debug("closing %s failed", self.describe(), exc_info=True)

    def _require(self) -> Any:
        self.open()
        return self._escpos

    def send(self, job: PrintJob, timeout: float) -> None:
        printer = self._require()
        try:
            self._set_timeout(printer, timeout)
            printer._raw(job.escpos)
        except Exception as exc:
            raise PrinterFault.from_exception(exc) from exc

    def _query(self, printer: Any, request: bytes) -> int:
        self._drain(printer)
        answer = bytes(printer.query_status(request))
        if not answer:
            raise PrinterFault(
                PrinterErrorCode.OFFLINE, f"no answer to status request from {self.describe()}"
            )
        # The last byte is the newest answer should an older one still be in flight.
        return answer[-1]

    def read_status(self, timeout: float) -> PrinterStatus | None:
        if not (self.can_read and self._read_status):
            return None
        printer = self._require()
        try:
            self._set_timeout(printer, timeout)
            # python-escpos's is_online()/paper_status() read the same answers, but they take
            # "no answer" for offline / plenty of paper; we need to tell those apart.
            state = self._query(printer, _RT_PRINTER)
            if state & _MASK_OFFLINE:
                cause = self._query(printer, _RT_OFFLINE_CAUSE)
                return status_from_bytes(state, cause, self._query(printer, _RT_PAPER))
            return status_from_bytes(state, None, self._query(printer, _RT_PAPER))
        except PrinterFault:
            raise
        except Exception as exc:
            raise PrinterFault.from_exception(exc) from exc


class _Network(EscposNetwork):  # type: ignore[misc]  # python-escpos ships no types
    """python-escpos's ``Network`` whose failed connect closes its socket.

    python-escpos 3.1 drops the socket of a failed connect unclosed (a ResourceWarning and a
    file descriptor held until garbage collection) — on every retry while a printer is off.
    """

    def open(self, raise_not_found: bool = True) -> None:
        self.close()  # a no-op when not connected
        try:
            # create_connection closes the socket itself when connecting fails.
            sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        except OSError as exc:
            self.device = None
            raise DeviceNotFoundError(
                f"{self.host}:{self.port}: {type(exc).__name__}: {exc}"
            ) from exc
        self.device = sock


class NetworkConnector(_EscposConnector):
    """A network printer (raw TCP, usually port 9100) through python-escpos ``Network``.

    One connection per job: port-9100 printers expect that, a stale status answer dies with
    its connection, and a printer restarted in between is simply reached again.
    """

    keeps_open = False
    can_read = True

    def __init__(
        self, host: str, port: int = 9100, timeout: float = 3.0, *, read_status: bool = True
    ) -> None:
        super().__init__(read_status=read_status)
        self.host = host
        self.port = port
        self.timeout = timeout

    def describe(self) -> str:
        return f"network {self.host}:{self.port}"

    def _make(self) -> Any:
        return _Network(self.host, self.port, timeout=self.timeout)

    def _set_timeout(self, printer: Any, timeout: float) -> None:
        # Since Python 3.5 a socket timeout bounds a whole sendall(), so this is the job timeout.
        printer.device.settimeout(timeout)

    def _drain(self, printer: Any) -> None:
        sock: socket.socket = printer.device
        previous = sock.gettimeout()
        sock.setblocking(False)
        try:
            while True:
                chunk = sock.recv(256)
                if not chunk:
                    raise PrinterFault(PrinterErrorCode.OFFLINE, "connection closed by printer")
        except BlockingIOError:
            pass
        finally:
            sock.settimeout(previous)


class SerialConnector(_EscposConnector):
    """A serial (RS-232 or USB CDC-ACM) printer through python-escpos ``Serial``."""

    can_read = True

    def __init__(
        self,
        devfile: str,
        baudrate: int = 9600,
        timeout: float = 3.0,
        *,
        read_status: bool = True,
    ) -> None:
        super().__init__(read_status=read_status)
        self.devfile = devfile
        self.baudrate = baudrate
        self.timeout = timeout

    def describe(self) -> str:
        return f"serial {self.devfile} @{self.baudrate}"

    def _make(self) -> Any:
        from escpos.printer import Serial

        return Serial(self.devfile, self.baudrate, timeout=self.timeout)

    def _set_timeout(self, printer: Any, timeout: float) -> None:
        # python-escpos sets no write timeout: with hardware flow control a write to a printer
        # that is off would block for ever.
        printer.device.timeout = timeout
        printer.device.write_timeout = timeout

    def _drain(self, printer: Any) -> None:
        printer.device.reset_input_buffer()

    def _query(self, printer: Any, request: bytes) -> int:
        # python-escpos's Serial._read() is read(16), which pyserial only returns after 16
        # bytes or the whole timeout: every status request would cost the full timeout.
        # An answer is one byte, so ask for one.
        self._drain(printer)
        printer._raw(request)
        answer = bytes(printer.device.read(1))
        if not answer:
            raise PrinterFault(
                PrinterErrorCode.OFFLINE, f"no answer to status request from {self.describe()}"
            )
        return answer[-1]


class UsbConnector(_EscposConnector):
    """A USB printer through python-escpos ``Usb`` (needs pyusb: ``python-escpos[usb]``)."""

    can_read = True

    def __init__(
        self, id_vendor: int, id_product: int, timeout: float = 3.0, *, read_status: bool = True
    ) -> None:
        super().__init__(read_status=read_status)
        self.id_vendor = id_vendor
        self.id_product = id_product
        self.timeout = timeout

    def describe(self) -> str:
        return f"usb {self.id_vendor:04x}:{self.id_product:04x}"

    def unavailable(self) -> str | None:
        from escpos.printer import Usb

        return None if Usb.is_usable() else "install python-escpos[usb]"

    def _make(self) -> Any:
        from escpos.printer import Usb

        return Usb(self.id_vendor, self.id_product, timeout=int(self.timeout * 1000))

    def _set_timeout(self, printer: Any, timeout: float) -> None:
        printer.timeout = int(timeout * 1000)  # pyusb counts milliseconds


class FileConnector(_EscposConnector):
    """A device file (``/dev/usb/lp0``) or plain file through python-escpos ``File``.

    Write-only: the status is unknown and taken as ready. python-escpos opens the file with
    ``wb``, so a plain file is truncated whenever the connection is reopened after a failure.
    """

    can_read = False

    def __init__(self, devfile: str) -> None:
        super().__init__(read_status=False)
        self.devfile = devfile

    def describe(self) -> str:
        return f"file {self.devfile}"

    def _make(self) -> Any:
        from escpos.printer import File

        return File(self.devfile)


@dataclass(frozen=True)
class SimulatedJob:
    """What the simulated printer kept of one job."""

    job_id: JobId
    title: str
    escpos_path: Path
    png_path: Path | None


class SimulatedPrinter(Connector):
    """A printer that writes each job's exact bytes and a PNG of the receipt to a directory.

    For tests and the app's demo mode. The status can be set (``paper_out``, ``cover_open``,
    ``offline``...) and the next N sends can be made to fail. Files are named
    ``job-<id>.bin`` and ``job-<id>.png`` and written atomically.

    Attributes:
        output_dir: where the files go.
    """

    def __init__(
        self, output_dir: Path | str, profile: PaperProfile, *, render_previews: bool = True
    ) -> None:
        self.output_dir = Path(output_dir)
        self._profile = profile
        self._render_previews = render_previews
        self._lock = threading.Lock()
        self._status = PrinterStatus.READY
        self._fail_next = 0
        self._fail_code = PrinterErrorCode.OFFLINE
        self._sent: list[SimulatedJob] = []
        self._open = False

    def describe(self) -> str:
        return f"simulated {self.output_dir}"

    @property
    def status(self) -> PrinterStatus:
        """The status the simulated printer reports."""
        with self._lock:
            return self._status

    def set_status(self, status: PrinterStatus) -> None:
        """Simulates paper out, cover open, offline... or back to ready."""
        with self._lock:
            self._status = status

    def fail_next(self, n: int, code: PrinterErrorCode = PrinterErrorCode.OFFLINE) -> None:
        """Makes the next ``n`` sends fail with ``code`` (nothing is written for them)."""
        with self._lock:
            self._fail_next = n
            self._fail_code = code

    @property
    def sent(self) -> list[SimulatedJob]:
        """Every job printed so far, in order (a resent job appears again)."""
        with self._lock:
            return list(self._sent)

    def open(self) -> None:
        if self.status is PrinterStatus.OFFLINE:
            raise PrinterFault(PrinterErrorCode.OFFLINE, "simulated printer is offline")
        self.output_dir.mkdir(parents=True, exist_ok=True)
        self._open = True

    def close(self) -> None:
        self._open = False

    def read_status(self, timeout: float) -> PrinterStatus | None:
        status = self.status
        if status is PrinterStatus.OFFLINE:
            raise PrinterFault(PrinterErrorCode.OFFLINE, "simulated printer is offline")
        return status

    def send(self, job: PrintJob, timeout: float) -> None:
        with self._lock:
            if self._fail_next > 0:
                self._fail_next -= 1
                raise PrinterFault(self._fail_code, "simulated failure")
            status = self._status
        if not status.printable:
            raise PrinterFault.from_status(status)
        self.open()
        stem = f"job-{job.id:06d}"
        bin_path = self.output_dir / f"{stem}.bin"
        _write_atomically(bin_path, job.escpos)
        png_path: Path | None = None
        if self._render_previews:
            png_path = self.output_dir / f"{stem}.png"
            image = render_png(Receipt.from_json(job.receipt_json), self._profile)
            with tempfile.NamedTemporaryFile(
                dir=self.output_dir, prefix=f".{stem}", suffix=".png", delete=False
            ) as tmp:
                image.save(tmp, format="PNG")
            os.replace(tmp.name, png_path)
        with self._lock:
            self._sent.append(SimulatedJob(job.id, job.title, bin_path, png_path))


def _write_atomically(path: Path, data: bytes) -> None:
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}", delete=False) as tmp:
        tmp.write(data)
    os.replace(tmp.name, path)


# --------------------------------------------------------------------------- settings


BACKENDS = ("simulated", "network", "serial", "usb", "file")


@dataclass(frozen=True)
class PrinterSettings:
    """Plain printer settings (the application's configuration fills them in).

    Attributes:
        backend: simulated | network | serial | usb | file.
        host, port: network printer.
        devfile, baudrate: serial port (``/dev/ttyUSB0``) or device file (``/dev/usb/lp0``).
        id_vendor, id_product: USB ids.
        output_dir: where the simulated printer writes its files.
        job_timeout_s: the most one job may take to send.
        status_timeout_s: the most a connection or status request may take.
        read_status: ask the printer for paper/cover status (turn off for printers that do not
            answer real-time requests).
        retry_initial_s, retry_max_s: backoff between attempts while the printer is unusable.
        poll_interval_s: how often an idle printer is asked for its status (None: only at start).
        max_attempts: give up on a job after this many attempts (None: never give up).
        keep_done_jobs: finished jobs kept for reprinting.
        roll_length_mm: length of a new paper roll (None: no paper counting).
        paper_low_remaining_mm: report paper low when the counted rest is at most this.
    """

    backend: str = "simulated"
    host: str = ""
    port: int = 9100
    devfile: str = ""
    baudrate: int = 9600
    id_vendor: int = 0
    id_product: int = 0
    output_dir: str = ""
    job_timeout_s: float = 30.0
    status_timeout_s: float = 3.0
    read_status: bool = True
    retry_initial_s: float = 1.0
    retry_max_s: float = 30.0
    poll_interval_s: float | None = 15.0
    max_attempts: int | None = None
    keep_done_jobs: int = 20
    roll_length_mm: float | None = None
    paper_low_remaining_mm: float = 1500.0

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> PrinterSettings:
        """Builds settings from a config mapping; unknown keys are an error, not ignored.

        USB ids may be given as ``"0x0416"`` strings.
        """
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown printer setting(s): {', '.join(unknown)}")
        values = dict(data)
        for key in ("id_vendor", "id_product"):
            if isinstance(values.get(key), str):
                values[key] = int(values[key], 0)
        return cls(**values)


def make_connector(settings: PrinterSettings, profile: PaperProfile) -> Connector:
    """The connector for ``settings.backend``.

    Raises:
        ValueError: unknown backend or a setting the backend needs is missing.
    """
    backend = settings.backend
    timeout = settings.status_timeout_s
    if backend == "simulated":
        if not settings.output_dir:
            raise ValueError("printer backend 'simulated' needs output_dir")
        return SimulatedPrinter(settings.output_dir, profile)
    if backend == "network":
        if not settings.host:
            raise ValueError("printer backend 'network' needs host")
        return NetworkConnector(
            settings.host, settings.port, timeout, read_status=settings.read_status
        )
    if backend == "serial":
        if not settings.devfile:
            raise ValueError("printer backend 'serial' needs devfile (e.g. /dev/ttyUSB0)")
        return SerialConnector(
            settings.devfile, settings.baudrate, timeout, read_status=settings.read_status
        )
    if backend == "usb":
        if not (settings.id_vendor and settings.id_product):
            raise ValueError("printer backend 'usb' needs id_vendor and id_product")
        return UsbConnector(
            settings.id_vendor, settings.id_product, timeout, read_status=settings.read_status
        )
    if backend == "file":
        if not settings.devfile:
            raise ValueError("printer backend 'file' needs devfile (e.g. /dev/usb/lp0)")
        return FileConnector(settings.devfile)
    raise ValueError(f"unknown printer backend {backend!r}; expected one of {', '.join(BACKENDS)}")


# --------------------------------------------------------------------------- the printer


class Printer(HealthPublisher):
    """A receipt printer with a durable queue, retries and a published health.

    Health: ready; degraded with ``printer.paper_low``; offline with one of the
    :class:`PrinterErrorCode` values as reason (``printer.error`` for a connector that cannot
    work as installed, e.g. USB without pyusb).

    Attributes:
        connector: the transport.
        profile: the paper profile receipts are rendered for.
        store: the job store (owned: :meth:`close` closes it).
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
        self._device_status: PrinterStatus | None = None
        missing = connector.unavailable()
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
            fault, device = self._fault, self._device_status
        if self._unavailable is not None:
            return PrinterStatus.ERROR
        if fault is not None:
            return fault.code.status
        if device is PrinterStatus.PAPER_LOW or self._counted_paper_low():
            return PrinterStatus.PAPER_LOW
        return PrinterStatus.READY

    def _publish(self) -> None:
        with self._state_lock:
            fault = self._unavailable or self._fault
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

    def _run(self) -> None:
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
                    poll = settings.poll_interval_s
                    next_poll = now + poll if poll is not None else None
                    if self.store.next_pending() is not None:
                        continue
                wait = None if next_poll is None else max(0.0, next_poll - time.monotonic())
                self._sleep(wait, retry_only=False)
                continue
            if self._attempt(job):
                backoff = settings.retry_initial_s
                continue
            # A new job does not cut the backoff short (the printer is what is failing);
            # retry_now(), paper_replaced() or a status() that finds it ready do.
            self._sleep(backoff, retry_only=True)
            backoff = min(backoff * 2, settings.retry_max_s)
        log.debug("%s: worker stopped", self.name)

    def _attempt(self, job: PrintJob) -> bool:
        """Sends one job; True if it printed. On failure the job goes back to pending."""
        settings = self.settings
        connector = self.connector
        fault: PrinterFault | None = None
        device: PrinterStatus | None = None
        with self._io_lock:
            self.store.mark_printing(job.id)
            self._notify()
            try:
                connector.open()
                device = connector.read_status(settings.status_timeout_s)
                if device is not None and not device.printable:
                    raise PrinterFault.from_status(device)
                connector.send(job, settings.job_timeout_s)
                # The answer to a status request after the job means the printer got every
                # byte before it; paper out now means the receipt may be cut short: resend.
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
        if fault is None:
            self.store.mark_done(job.id, self._paper_mm(job))
            log.info("%s: job %d printed (%s)", self.name, job.id, job.title)
        elif settings.max_attempts is not None and job.attempts + 1 >= settings.max_attempts:
            self.store.mark_failed(job.id, fault.code.value)
            log.error(
                "%s: job %d (%s) given up after %d attempts: %s",
                self.name,
                job.id,
                job.title,
                job.attempts + 1,
                fault.code.value,
            )
        else:
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
        return fault is None

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


def build_printer(
    settings: PrinterSettings | Mapping[str, Any],
    store_path: Path | str,
    profile: PaperProfile,
    *,
    clock: Callable[[], float] = time.time,
) -> Printer:
    """Builds a printer (not started) from settings, with its job store at ``store_path``.

    Raises:
        ValueError: unknown backend, unknown setting or a missing required setting.
    """
    if not isinstance(settings, PrinterSettings):
        settings = PrinterSettings.from_mapping(settings)
    connector = make_connector(settings, profile)  # validate before touching the disk
    store = PrintJobStore(store_path, keep_done=settings.keep_done_jobs, clock=clock)
    return Printer(connector, profile, store, settings)
