"""A status screen: an icon, a headline, one sentence of explanation and the next step."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget

from ui.framework import icons, theme
from ui.framework.screen import label

ICON_FOR_TONE = {
    "success": "success",
    "warning": "warning",
    "refusal": "refusal",
    "waiting": "waiting",
    "info": "info",
}


class StatusView(QFrame):
    """Success, warning, refusal or waiting, shown the same way everywhere: a coloured band,
    a large icon in a soft disc, the headline in the tone's colour, one sentence, and the
    next step in a box of its own. Buttons go below it (the page owns them).

    Attributes:
        tone: ``success`` | ``warning`` | ``refusal`` | ``waiting`` | ``info``.
        icon_label, title, body, next_step: the parts, for tests and screen readers.
    """

    def __init__(self, tone: theme.Tone = "info", name: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        if name:
            self.setObjectName(name)
        self.setProperty("role", "status")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        box = QVBoxLayout(self)
        box.setContentsMargins(48, 56, 48, 48)
        box.setSpacing(28)
        self.icon_label = QLabel()
        self.icon_label.setProperty("role", "status_icon")
        self.icon_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title = label("", "status_title", center=True)
        self.body = label("", "status_body", center=True)
        self.next_step = label("", "status_next", center=True)
        box.addWidget(self.icon_label, 0, Qt.AlignmentFlag.AlignHCenter)
        for w in (self.title, self.body, self.next_step):
            box.addWidget(w)
        if name:
            self.title.setObjectName(f"{name}_title")
            self.body.setObjectName(f"{name}_body")
            self.next_step.setObjectName(f"{name}_next")
        self.tone = ""
        self._elder = False
        self.set_tone(tone)

    def set_tone(self, tone: str) -> None:
        """Colours and icon for ``tone``."""
        if tone == self.tone:
            return
        self.tone = tone
        for w in (self, self.icon_label):
            w.setProperty("tone", tone)
            w.style().unpolish(w)
            w.style().polish(w)
        self._draw_icon()

    def set_elder(self, elder: bool) -> None:
        """A larger icon in elder mode."""
        self._elder = elder
        self._draw_icon()

    def _draw_icon(self) -> None:
        size = theme.metrics(self._elder).icon_large
        fg, _bg = theme.tone_colors(self.tone)
        self.icon_label.setPixmap(icons.pixmap(ICON_FOR_TONE.get(self.tone, "info"), size, fg))
        self.icon_label.setFixedSize(size + 48, size + 48)

    def show_status(self, title: str, body: str = "", next_step: str = "") -> None:
        """Sets the texts; an empty part is hidden rather than left as a gap."""
        for part, text in ((self.title, title), (self.body, body), (self.next_step, next_step)):
            part.setText(text)
            part.setVisible(bool(text))
        self.setAccessibleName(" ".join(t for t in (title, body, next_step) if t))
