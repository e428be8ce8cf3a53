"""A keyboard made for Chinese plates: provinces first, then letters (no I or O), digits,
and the trailing 挂 学 警 港 澳 领. Also used for engine numbers and VINs, identity numbers and
plain digits (``mode``); the text-entry component offers it for plate and digit fields."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QGridLayout, QPushButton, QWidget

from ui.framework import theme

PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # I and O do not occur on plates
DIGITS = "1234567890"
SUFFIXES = "挂学警港澳领"
ALNUM_ALL = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"  # engine numbers and VINs (VINs skip I O Q: checked later)
WIDE_PX = 1400
"""From this width on (a landscape screen) the keys go three rows deep: five rows of elder-size
keys do not fit under a header and a field on a 1080 px high screen."""


class PlateKeyboard(QWidget):
    """Emits each key; the screen keeps the text.

    ``mode``: ``plate`` (province grid until a province is typed, then letters, digits and
    suffixes), ``alnum`` (letters with I and O, digits), ``digits`` (digits and X, for ID
    numbers) or ``numbers`` (digits only: a phone number, a house number).

    Signals:
        key_pressed(str), backspace()
    """

    key_pressed = Signal(str)
    backspace = Signal()

    def __init__(self, parent: QWidget | None = None, mode: str = "plate") -> None:
        super().__init__(parent)
        self.mode = mode
        self.grid = QGridLayout(self)
        self.grid.setSpacing(10)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.showing_provinces = mode == "plate"
        self.elder = False
        self.columns = 0
        self.buttons: dict[str, QPushButton] = {}
        self._build()

    def set_elder(self, elder: bool) -> None:
        """Elder mode's keys are larger: fewer of them go across."""
        if elder != self.elder:
            self.elder = elder
            self._build()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._columns(self._keys()) != self.columns:
            self._build()

    def _columns(self, keys: list[str]) -> int:
        """Keys across: the mode's usual number; three rows deep on a wide (landscape) screen;
        never so many that a key is narrower than the mode's touch target."""
        width = self.width()
        columns = 6 if self.mode in ("digits", "numbers") else (8 if self.showing_provinces else 10)
        if width >= WIDE_PX:  # three rows, the backspace in the last one
            columns = max(columns, -(-(len(keys) + 2) // 3))
        spacing = self.grid.spacing()
        fit = (width + spacing) // (theme.metrics(self.elder).target + spacing)
        return max(3, min(columns, fit))

    def show_for(self, text: str) -> None:
        """Provinces for an empty plate, the rest after."""
        provinces = self.mode == "plate" and not text
        if provinces != self.showing_provinces:
            self.showing_provinces = provinces
            self._build()

    def _clicked(self) -> None:
        button = self.sender()
        for key, b in self.buttons.items():
            if b is button and key != "⌫":
                self.key_pressed.emit(key)
                return

    def _keys(self) -> list[str]:
        if self.mode == "digits":
            return list(DIGITS + "X")
        if self.mode == "numbers":
            return list(DIGITS)
        if self.mode == "alnum":
            return list(DIGITS + ALNUM_ALL)
        if self.showing_provinces:
            return list(PROVINCES)
        return list(DIGITS + LETTERS + SUFFIXES)

    def _build(self) -> None:
        for b in self.buttons.values():
            self.grid.removeWidget(b)
            b.hide()  # gone now, not at the next event loop turn
            b.deleteLater()
        self.buttons = {}
        keys = self._keys()
        columns = self.columns = self._columns(keys)
        for i, key in enumerate(keys):
            b = QPushButton(key)
            b.setObjectName(f"key_{key}")
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            b.setProperty("role", "key")
            # a bound method, not a lambda holding self: a lambda on a child's signal keeps
            # a parentless keyboard alive until PySide's own clean-up at exit, which then
            # deletes it mid-way and crashes (measured with PySide6 6.12)
            b.clicked.connect(self._clicked)
            self.grid.addWidget(b, i // columns, i % columns)
            self.buttons[key] = b
        back = QPushButton("⌫")
        back.setObjectName("key_backspace")
        back.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        back.setProperty("role", "key")
        back.clicked.connect(self.backspace)
        # beside the last keys when two places are free there, else on a row of its own
        fits = len(keys) % columns and columns - len(keys) % columns >= 2
        row = len(keys) // columns if fits else (len(keys) + columns - 1) // columns
        self.grid.addWidget(back, row, columns - 2, 1, 2)
        self.buttons["⌫"] = back
