"""The transport to one printer, and the ground shared by the python-escpos transports.

Connectors wrap python-escpos printers (``Network``, ``Serial``, ``Usb``, ``File``) and send
our pre-rendered bytes with ``_raw()``. Where the transport can read, the status is asked with
real-time commands (DLE EOT 1, 2 and 4, through python-escpos's ``query_status``; one-byte reads
on serial) before each job, and once more after it: the printer answers real-time requests in
the order it receives bytes, so that answer also confirms every byte of the job arrived.

python-escpos is imported by each transport when it first builds its printer object, not here.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from typing import Any

from devices.printer.jobs import PrintJob
from devices.printer.status import PrinterErrorCode, PrinterFault, PrinterStatus, ask_status

log = logging.getLogger(__name__)

__all__ = ["Connector", "EscposConnector"]


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


class EscposConnector(Connector):
    """Common ground for the python-escpos transports.

    Subclasses build the python-escpos printer object in :meth:`_make` (importing
    python-escpos there) and adapt timeouts, draining and the status read to their transport.
    """

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

    def _ask(self, printer: Any, request: bytes) -> bytes:
        """Sends one real-time request; returns what came back (empty: no answer)."""
        return bytes(printer.query_status(request))

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
        answer = self._ask(printer, request)
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
            return ask_status(lambda request: self._query(printer, request))
        except PrinterFault:
            raise
        except Exception as exc:
            raise PrinterFault.from_exception(exc) from exc
