"""A write-only printer: a device file (``/dev/usb/lp0``) or a plain file."""

from __future__ import annotations

from typing import Any

from devices.printer.connector import EscposConnector

__all__ = ["FileConnector"]


class FileConnector(EscposConnector):
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
