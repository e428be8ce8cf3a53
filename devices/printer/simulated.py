"""The printer's twin: keeps each job's exact ESC/POS bytes and a PNG of the receipt."""

from __future__ import annotations

import io
import os
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from devices.printer.connector import Connector
from devices.printer.jobs import JobId, PrintJob
from devices.printer.status import PrinterErrorCode, PrinterFault, PrinterStatus
from devices.receipt.document import PaperProfile, Receipt
from devices.receipt.png import render_png

__all__ = ["SimulatedJob", "SimulatedPrinter"]


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
                raise PrinterFault(self._fail_code, "simulated failure", nothing_sent=True)
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
            encoded = io.BytesIO()
            image.save(encoded, format="PNG")
            _write_atomically(png_path, encoded.getvalue())
        with self._lock:
            self._sent.append(SimulatedJob(job.id, job.title, bin_path, png_path))


def _write_atomically(path: Path, data: bytes) -> None:
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}", delete=False) as tmp:
        tmp.write(data)
    os.replace(tmp.name, path)
