"""What a printer can be: a small closed set of statuses, and the named errors of a job.

Modelled on the Odoo IoT box: named error codes (``printer.offline``, ``printer.paper_out``,
``printer.cover_open``, ``printer.timeout``, ``printer.error``) that the application translates.
Where the transport can read, the status comes from the ESC/POS real-time requests DLE EOT 1, 2
and 4; :func:`status_from_bytes` maps their answers.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

from devices.health import HealthLevel

__all__ = [
    "PAPER_LOW_REASON",
    "PrinterErrorCode",
    "PrinterFault",
    "PrinterStatus",
    "ask_status",
    "status_from_bytes",
]

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
        nothing_sent: the transport knows no byte of the job left (a refused connection):
            the job may be retried; otherwise a failure while sending makes it uncertain.
    """

    def __init__(
        self, code: PrinterErrorCode, detail: str = "", *, nothing_sent: bool = False
    ) -> None:
        super().__init__(f"{code}: {detail}" if detail else str(code))
        self.code = code
        self.detail = detail
        self.nothing_sent = nothing_sent

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


def ask_status(query: Callable[[bytes], int]) -> PrinterStatus:
    """Asks a printer for its status with DLE EOT 1, then 2 (only when offline), then 4.

    ``query`` sends one real-time request and returns the answer byte; whatever it raises
    passes through.
    """
    state = query(_RT_PRINTER)
    if state & _MASK_OFFLINE:
        cause = query(_RT_OFFLINE_CAUSE)
        return status_from_bytes(state, cause, query(_RT_PAPER))
    return status_from_bytes(state, None, query(_RT_PAPER))
