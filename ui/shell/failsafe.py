"""The failsafe screen: an apology, the staff hint, and the way home."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from ui.framework import icons, theme
from ui.framework.screen import Screen, button, column
from ui.framework.widgets.status_view import StatusView


class FailsafeScreen(Screen):
    """Shown when a flow fails; nothing the resident entered is kept. A status screen in the
    warning tone (it is our fault, not the resident's): the apology, that nothing was kept,
    the staff hint as the next step, and 返回首页.

    Signals:
        home_requested()

    Attributes:
        status: the status view; ``title``, ``body`` and ``hint`` are its parts.
    """

    name = "failsafe"
    prompt_key = "failsafe.prompt"
    home_requested = Signal()

    def __init__(self, staff_hint: dict[str, str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.staff_hint = staff_hint
        self._elder = False
        layout = column(self, (64, 64), 40)
        layout.addStretch(1)
        self.status = StatusView("warning", name="failsafe")
        self.title, self.body, self.hint = (
            self.status.title,
            self.status.body,
            self.status.next_step,
        )
        self.hint.setObjectName("failsafe_staff_hint")
        self.home_button = button(role="primary", name="failsafe_home")
        layout.addWidget(self.status)
        layout.addWidget(self.home_button)
        layout.addStretch(1)
        self.home_button.clicked.connect(self.home_requested)
        self._draw_icons()
        self._apply_texts()

    def set_elder(self, elder: bool) -> None:
        self._elder = elder
        self.status.set_elder(elder)
        self._draw_icons()

    def _draw_icons(self) -> None:
        icons.set_icon(self.home_button, "home", theme.metrics(self._elder).icon, theme.ON_PRIMARY)

    def _apply_texts(self) -> None:
        self.status.show_status(
            self.tr_("failsafe.title"),
            self.tr_("failsafe.body"),
            self.staff_hint.get(self.language, ""),
        )
        self.home_button.setText(self.tr_("home.back"))
