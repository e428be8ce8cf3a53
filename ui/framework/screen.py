"""What every screen has: a name, a spoken prompt, translation and a wipe."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLayout, QLineEdit, QPushButton, QVBoxLayout, QWidget

from kiosk.framework.i18n import tr


class Screen(QWidget):
    """Base of every full-window screen.

    Attributes:
        name: stable screen name (used for idle timeouts, the tour and logs).
        prompt_key: translation key of the short spoken prompt.
        language: the language the screen is showing.
    """

    name = "screen"
    prompt_key = ""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"screen_{self.name}")
        self.setProperty("screen", True)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.language = "zh_CN"

    def tr_(self, key: str, **fields: object) -> str:
        """Translates into the screen's language."""
        return tr(key, self.language, **fields)

    def retranslate(self, language: str) -> None:
        """Redraws every text in ``language``; subclasses extend ``_apply_texts``."""
        self.language = language
        self._apply_texts()

    def _apply_texts(self) -> None:
        """Sets every visible text; called on language change."""

    def prompt_text(self) -> str:
        """The spoken prompt for this screen now."""
        return self.tr_(self.prompt_key) if self.prompt_key else ""

    def wipe(self) -> None:
        """Clears anything a resident entered (called when the session ends)."""
        for edit in self.findChildren(QLineEdit):
            edit.clear()

    def set_elder(self, elder: bool) -> None:
        """Adapts the layout to elder mode (bigger, fewer items)."""

    def show_idle_countdown(self, seconds: float | None) -> None:
        """The seconds left before the idle warning, once it is near (the shell calls this
        on every tick); None hides it. Screens with a header show it there; others ignore it."""


def column(widget: QWidget, margins: tuple[int, int], spacing: int) -> QVBoxLayout:
    """The vertical layout of ``widget`` with ``margins`` (horizontal, vertical) and
    ``spacing`` between its items, in pixels."""
    layout = QVBoxLayout(widget)
    layout.setContentsMargins(margins[0], margins[1], margins[0], margins[1])
    layout.setSpacing(spacing)
    return layout


def label(text: str = "", role: str = "", *, wrap: bool = True, center: bool = False) -> QLabel:
    """A label with a theme role."""
    widget = QLabel(text)
    if role:
        widget.setProperty("role", role)
    widget.setWordWrap(wrap)
    if center:
        widget.setAlignment(Qt.AlignmentFlag.AlignCenter)
    return widget


def button(text: str = "", role: str = "", name: str = "") -> QPushButton:
    """A touch button with a theme role; touch screens have no hover, so no hover styling."""
    widget = QPushButton(text)
    if role:
        widget.setProperty("role", role)
    if name:
        widget.setObjectName(name)
    widget.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    return widget


def clear_layout(layout: QLayout) -> None:
    """Removes every widget from ``layout`` at once (hidden now, deleted later)."""
    while layout.count():
        item = layout.takeAt(0)
        widget = item.widget() if item is not None else None
        if widget is not None:
            widget.hide()
            widget.deleteLater()
