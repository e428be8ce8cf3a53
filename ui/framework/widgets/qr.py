"""A QR code as a pixmap: a payment hand-off, a status link."""

from __future__ import annotations

from io import BytesIO

import qrcode
from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap


def qr_pixmap(data: str, size: int = 320) -> QPixmap:
    """``data`` as a QR code, ``size`` pixels square."""
    image = qrcode.make(data, box_size=10, border=4)
    buffer = BytesIO()
    image.save(buffer, format="PNG")
    pixmap = QPixmap()
    pixmap.loadFromData(buffer.getvalue(), "PNG")
    return pixmap.scaled(size, size, Qt.AspectRatioMode.KeepAspectRatio)
