"""Safe mode: the app kept crashing; residents are sent to the counter, maintenance stays
reachable through the corner gesture."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from ui.framework.screen import Screen, column
from ui.framework.widgets.status_view import StatusView


class SafeModeScreen(Screen):
    """ "暂停服务" as a warning status (icon, headline, why, and the counter as the next
    step); nothing to press."""

    name = "safe_mode"
    prompt_key = "safe.prompt"

    def __init__(self, staff_hint: dict[str, str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.staff_hint = staff_hint
        layout = column(self, (64, 64), 0)
        self.status = StatusView("warning", name="safe")
        self.title = self.status.title
        layout.addStretch(1)
        layout.addWidget(self.status)
        layout.addStretch(1)
        self._apply_texts()

    def set_elder(self, elder: bool) -> None:
        self.status.set_elder(elder)

    def _apply_texts(self) -> None:
        self.status.show_status(
            self.tr_("safe.title"),
            self.tr_("safe.body"),
            self.staff_hint.get(self.language, ""),
        )
