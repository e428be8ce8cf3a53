"""Safe mode: the app kept crashing; residents are sent to the counter, maintenance stays
reachable through the corner gesture."""

from __future__ import annotations

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QWidget

from ui.framework.screen import Screen, column
from ui.framework.widgets.status_view import StatusView


class SafeModeScreen(Screen):
    """ "暂停服务" as a warning status (icon, headline, why, and the counter as the next
    step); nothing to press. The status is built when the screen is first shown: its icon
    loads the icon font, which a kiosk that never enters safe mode should not pay for at
    start-up."""

    name = "safe_mode"
    prompt_key = "safe.prompt"

    def __init__(self, staff_hint: dict[str, str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.staff_hint = staff_hint
        self.layout_ = column(self, (64, 64), 0)
        self.status: StatusView | None = None
        self._elder = False

    def showEvent(self, event: QShowEvent) -> None:
        if self.status is None:
            self.status = StatusView("warning", name="safe")
            self.status.set_elder(self._elder)
            self.layout_.addStretch(1)
            self.layout_.addWidget(self.status)
            self.layout_.addStretch(1)
            self._apply_texts()
        super().showEvent(event)

    def set_elder(self, elder: bool) -> None:
        self._elder = elder
        if self.status is not None:
            self.status.set_elder(elder)

    def _apply_texts(self) -> None:
        if self.status is not None:
            self.status.show_status(
                self.tr_("safe.title"),
                self.tr_("safe.body"),
                self.staff_hint.get(self.language, ""),
            )
