"""A picture that takes the room its layout gives it: drawn whole (aspect kept), centred, as
large as fits, never larger than itself. Unlike a QLabel's pixmap, it never holds its
layout taller than the screen: a poster on the attract screen shrinks to fit landscape."""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent, QPixmap
from PySide6.QtWidgets import QSizePolicy, QWidget


class Picture(QWidget):
    """Shows ``set_pixmap``'s picture scaled to fit; at least ``min_height`` px high."""

    def __init__(self, name: str = "", min_height: int = 160) -> None:
        super().__init__()
        if name:
            self.setObjectName(name)
        self._pixmap = QPixmap()
        self._min_height = min_height
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_pixmap(self, pixmap: QPixmap) -> None:
        self._pixmap = pixmap
        self.updateGeometry()
        self.update()

    def pixmap(self) -> QPixmap:
        return self._pixmap

    def clear(self) -> None:
        self.set_pixmap(QPixmap())

    def sizeHint(self) -> QSize:
        if self._pixmap.isNull():
            return QSize(0, 0)
        return self._pixmap.deviceIndependentSize().toSize()

    def minimumSizeHint(self) -> QSize:
        return QSize(1, self._min_height if not self._pixmap.isNull() else 0)

    def paintEvent(self, event: QPaintEvent) -> None:
        if self._pixmap.isNull():
            return
        size = self._pixmap.deviceIndependentSize().toSize()
        if size.width() > self.width() or size.height() > self.height():
            size = size.scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio)
        target = QRect(0, 0, size.width(), size.height())
        target.moveCenter(self.rect().center())
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.drawPixmap(target, self._pixmap)
