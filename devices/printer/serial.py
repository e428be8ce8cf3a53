"""A serial printer (RS-232 or USB CDC-ACM) through python-escpos ``Serial``."""

from __future__ import annotations

from typing import Any

from devices.printer.connector import EscposConnector

__all__ = ["SerialConnector"]


class SerialConnector(EscposConnector):
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

    def _ask(self, printer: Any, request: bytes) -> bytes:
        # python-escpos's Serial._read() is read(16), which pyserial only returns after 16
        # bytes or the whole timeout: every status request would cost the full timeout.
        # An answer is one byte, so ask for one.
        printer._raw(request)
        return bytes(printer.device.read(1))
