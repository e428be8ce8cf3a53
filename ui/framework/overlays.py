"""Things shown over the current screen: the idle warning, help, and short notices."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QVBoxLayout, QWidget

from kiosk.framework.i18n import tr
from ui.framework.screen import button, label


class Overlay(QFrame):
    """A scrim over the whole window with a centred card; hidden until shown."""

    def __init__(self, name: str, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setProperty("role", "scrim")
        self.language = "zh_CN"
        outer = QVBoxLayout(self)
        outer.setContentsMargins(64, 64, 64, 64)
        outer.addStretch(1)
        self.card = QFrame()
        self.card.setProperty("role", "card")
        self.card_layout = QVBoxLayout(self.card)
        self.card_layout.setContentsMargins(48, 48, 48, 48)
        self.card_layout.setSpacing(32)
        outer.addWidget(self.card)
        outer.addStretch(1)
        self.hide()

    def cover(self) -> None:
        """Shows the overlay over the whole parent."""
        parent = self.parentWidget()
        if parent is not None:
            self.setGeometry(parent.rect())
        self.show()
        self.raise_()

    def retranslate(self, language: str) -> None:
        """Redraws texts in ``language``."""
        self.language = language
        self._apply_texts()

    def _apply_texts(self) -> None:
        pass


class IdleWarning(Overlay):
    """ "Are you still there?" with a countdown; any touch keeps the session going.

    Signals:
        keep_going(), finish()
    """

    keep_going = Signal()
    finish = Signal()
    prompt_key = "idle.prompt"

    def __init__(self, parent: QWidget) -> None:
        super().__init__("idle_warning", parent)
        self.seconds = 30
        self.title = label("", "title", center=True)
        self.body = label("", "", center=True)
        self.body.setObjectName("idle_countdown")
        row = QHBoxLayout()
        self.end_button = button(name="idle_end")
        self.continue_button = button(role="primary", name="idle_continue")
        row.addWidget(self.end_button)
        row.addWidget(self.continue_button)
        for w in (self.title, self.body):
            self.card_layout.addWidget(w)
        self.card_layout.addLayout(row)
        self.continue_button.clicked.connect(self.keep_going)
        self.end_button.clicked.connect(self.finish)
        self._apply_texts()

    def set_remaining(self, seconds: float) -> None:
        """Updates the visible countdown."""
        whole = max(0, int(seconds + 0.999))
        if whole != self.seconds:
            self.seconds = whole
            self._apply_texts()

    def _apply_texts(self) -> None:
        self.title.setText(tr("idle.title", self.language))
        self.body.setText(tr("idle.body", self.language, seconds=self.seconds))
        self.continue_button.setText(tr("idle.continue", self.language))
        self.end_button.setText(tr("idle.end", self.language))


class HelpOverlay(Overlay):
    """How to get a person: every service also exists at a staffed counter.

    Signals:
        closed()
    """

    closed = Signal()
    prompt_key = "help.prompt"

    def __init__(self, parent: QWidget, staff_hint: dict[str, str]) -> None:
        super().__init__("help_overlay", parent)
        self.staff_hint = staff_hint
        self.title = label("", "title", center=True)
        self.body = label("", "", center=True)
        self.hint = label("", "caption", center=True)
        self.hint.setObjectName("help_staff_hint")
        self.close_button = button(role="primary", name="help_close")
        for w in (self.title, self.body, self.hint, self.close_button):
            self.card_layout.addWidget(w)
        self.close_button.clicked.connect(self.closed)
        self._apply_texts()

    def _apply_texts(self) -> None:
        self.title.setText(tr("help.title", self.language))
        self.body.setText(tr("help.body", self.language))
        self.hint.setText(self.staff_hint.get(self.language, ""))
        self.close_button.setText(tr("help.close", self.language))


#: the notice's top edge: below the header of every screen (margin 40 + header), over the
#: page's title rather than its actions
TOAST_TOP = 220


class Toast(QFrame):
    """A short notice under the header that goes away by itself (the shell times it)."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("toast")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.text = label("", "toast", center=True)
        layout.addWidget(self.text)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
        self.hide_at = 0.0
        self.hide()

    def show_text(self, text: str, now: float, seconds: float = 5.0) -> None:
        """Shows ``text`` until ``now + seconds``."""
        self.text.setText(text)
        parent = self.parentWidget()
        if parent is not None:
            width = parent.width() - 128
            self.setFixedWidth(width)
            self.adjustSize()
            # under the screen's header, not at the bottom: every page's actions live in
            # its footer there, and a notice must not hide 提交 or 返回 (touches go through
            # it, but a resident does not see what is under it)
            self.move(64, TOAST_TOP)
        self.hide_at = now + seconds
        self.show()
        self.raise_()

    def expire(self, now: float) -> None:
        """Hides the notice once its time is up."""
        if self.isVisible() and now >= self.hide_at:
            self.hide()
            self.text.clear()
