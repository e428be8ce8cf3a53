"""Safe mode: the app kept crashing; residents are sent to the counter, maintenance stays
reachable through the corner gesture."""

from __future__ import annotations

from PySide6.QtWidgets import QVBoxLayout, QWidget

from ui.framework.screen import Screen, label


class SafeModeScreen(Screen):
    """ "暂停服务" with the staff hint; nothing to press."""

    name = "safe_mode"
    prompt_key = "safe.prompt"

    def __init__(self, staff_hint: dict[str, str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.staff_hint = staff_hint
        layout = QVBoxLayout(self)
        layout.setContentsMargins(64, 64, 64, 64)
        layout.addStretch(1)
        self.title = label("", "hero", center=True)
        self.title.setObjectName("safe_title")
        self.body = label("", "", center=True)
        self.hint = label("", "caption", center=True)
        for w in (self.title, self.body, self.hint):
            layout.addWidget(w)
        layout.addStretch(1)
        self._apply_texts()

    def _apply_texts(self) -> None:
        self.title.setText(self.tr_("safe.title"))
        self.body.setText(self.tr_("safe.body"))
        self.hint.setText(self.staff_hint.get(self.language, ""))
