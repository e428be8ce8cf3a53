"""A network printer: raw TCP (usually port 9100) through python-escpos ``Network``."""

from __future__ import annotations

import socket
from functools import cache
from typing import Any

from devices.printer.connector import EscposConnector
from devices.printer.status import PrinterErrorCode, PrinterFault

__all__ = ["NetworkConnector"]


@cache
def _closing_network() -> type[Any]:
    """python-escpos's ``Network`` whose failed connect closes its socket.

    python-escpos 3.1 drops the socket of a failed connect unclosed (a ResourceWarning and a
    file descriptor held until garbage collection) — on every retry while a printer is off.
    Built on first use so that importing this module does not import python-escpos.
    """
    from escpos.exceptions import DeviceNotFoundError
    from escpos.printer import Network

    class ClosingNetwork(Network):  # type: ignore[misc]  # python-escpos ships no types
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

    return ClosingNetwork


class NetworkConnector(EscposConnector):
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
        return _closing_network()(self.host, self.port, timeout=self.timeout)

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
