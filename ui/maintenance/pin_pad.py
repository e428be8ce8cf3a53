"""The maintenance PIN pad: big digits, dots for what was typed, a plain message."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGridLayout, QWidget

from ui.framework import theme
from ui.framework.screen import Screen, button, column, label

MAX_DIGITS = 12


class PinPadScreen(Screen):
    """Collects a PIN and hands it over; holds it only until submitted or cleared.

    Signals:
        submitted(str): the PIN typed.
        cancelled()
    """

    name = "pin_pad"
    prompt_key = "pin.prompt"
    submitted = Signal(str)
    cancelled = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._digits = ""
        layout = column(self, (96, 64), 24)
        self.title = label("", "title", center=True)
        self.dots = label("", "hero", center=True)
        self.dots.setObjectName("pin_dots")
        self.message = label("", "", center=True)
        self.message.setObjectName("pin_message")
        layout.addWidget(self.title)
        layout.addWidget(self.dots)
        layout.addWidget(self.message)
        grid = QGridLayout()
        grid.setSpacing(20)
        for i, digit in enumerate("123456789"):
            b = button(digit, name=f"pin_{digit}")
            b.clicked.connect(lambda _=False, d=digit: self.press(d))
            grid.addWidget(b, i // 3, i % 3)
        self.clear_button = button(name="pin_clear")
        self.clear_button.clicked.connect(self.clear)
        zero = button("0", name="pin_0")
        zero.clicked.connect(lambda: self.press("0"))
        self.ok_button = button(role="primary", name="pin_ok")
        self.ok_button.clicked.connect(self._submit)
        grid.addWidget(self.clear_button, 3, 0)
        grid.addWidget(zero, 3, 1)
        grid.addWidget(self.ok_button, 3, 2)
        for b in self.findChildren(type(zero)):
            b.setMinimumHeight(theme.metrics(True).target)  # elder size, in either mode
        layout.addLayout(grid, 1)
        self.cancel_button = button(name="pin_cancel")
        self.cancel_button.clicked.connect(self._cancel)
        layout.addWidget(self.cancel_button)
        self._apply_texts()

    def _apply_texts(self) -> None:
        self.title.setText(self.tr_("pin.title"))
        self.clear_button.setText(self.tr_("pin.clear"))
        self.ok_button.setText(self.tr_("pin.ok"))
        self.cancel_button.setText(self.tr_("pin.cancel"))
        self._show_dots()

    def press(self, digit: str) -> None:
        """One digit key."""
        if len(self._digits) < MAX_DIGITS:
            self._digits += digit
            self._show_dots()

    def clear(self) -> None:
        """Forgets what was typed."""
        self._digits = ""
        self._show_dots()

    def show_message(self, text: str) -> None:
        """A line under the dots (wrong PIN, locked, badge verified)."""
        self.message.setText(text)

    def _show_dots(self) -> None:
        self.dots.setText("●" * len(self._digits) if self._digits else "—")

    def _submit(self) -> None:
        pin, self._digits = self._digits, ""
        self._show_dots()
        self.submitted.emit(pin)

    def _cancel(self) -> None:
        self.clear()
        self.message.clear()
        self.cancelled.emit()

    def wipe(self) -> None:
        self.clear()
        self.message.clear()
