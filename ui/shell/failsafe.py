"""The failsafe screen: an apology, the staff hint, and the way home."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from ui.framework.screen import Screen, button, column, label


class FailsafeScreen(Screen):
    """Shown when a flow fails; nothing the resident entered is kept.

    Signals:
        home_requested()
    """

    name = "failsafe"
    prompt_key = "failsafe.prompt"
    home_requested = Signal()

    def __init__(self, staff_hint: dict[str, str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.staff_hint = staff_hint
        layout = column(self, (64, 64), 40)
        layout.addStretch(1)
        self.title = label("", "hero", center=True)
        self.body = label("", "", center=True)
        self.hint = label("", "caption", center=True)
        self.hint.setObjectName("failsafe_staff_hint")
        self.home_button = button(role="primary", name="failsafe_home")
        for w in (self.title, self.body, self.hint, self.home_button):
            layout.addWidget(w)
        layout.addStretch(1)
        self.home_button.clicked.connect(self.home_requested)
        self._apply_texts()

    def _apply_texts(self) -> None:
        self.title.setText(self.tr_("failsafe.title"))
        self.body.setText(self.tr_("failsafe.body"))
        self.hint.setText(self.staff_hint.get(self.language, ""))
        self.home_button.setText(self.tr_("home.back"))
