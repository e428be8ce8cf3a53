"""A USB printer through python-escpos ``Usb`` (needs pyusb: ``python-escpos[usb]``)."""

from __future__ import annotations

from typing import Any

from devices.printer.connector import EscposConnector

__all__ = ["UsbConnector"]


class UsbConnector(EscposConnector):
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
