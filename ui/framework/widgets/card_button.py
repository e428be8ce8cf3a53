"""A touchable card: wrapped multi-line text that sizes itself, pressed like a button."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QFrame, QVBoxLayout, QWidget

from ui.framework.screen import label


class CardButton(QFrame):
    """Unlike a QPushButton, its height follows its wrapped text, so nothing is cut off.

    Signals:
        clicked()
    """

    clicked = Signal()

    def __init__(self, text: str = "", name: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        if name:
            self.setObjectName(name)
        self.setProperty("role", "cardButton")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setMinimumHeight(80)
        box = QVBoxLayout(self)
        box.setContentsMargins(24, 16, 24, 16)
        self.label = label(text)
        self.label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
        box.addWidget(self.label)
        self._pressed = False

    def text(self) -> str:
        """The card's text."""
        return self.label.text()

    def setText(self, text: str) -> None:
        """Replaces the card's text."""
        self.label.setText(text)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self._pressed = True
        self.setProperty("down", True)
        self.style().polish(self)
        event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        inside = self.rect().contains(event.position().toPoint())
        was_pressed, self._pressed = self._pressed, False
        self.setProperty("down", False)
        self.style().polish(self)
        event.accept()
        if was_pressed and inside:
            self.clicked.emit()
