"""The attract screen: a slideshow, the time, and "touch to start"."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPaintEvent, QPixmap
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget

from kiosk.attract_content import Slide
from ui.screens.base import Screen, label


class AttractScreen(Screen):
    """Shown while nobody uses the terminal. Any touch or scan starts a session (the shell
    handles that); this screen only shows slides.

    Signals:
        first_painted(): emitted once, after the first paint (start-up measurement).
    """

    name = "attract"
    prompt_key = "attract.prompt"
    first_painted = Signal()

    def __init__(self, slides: list[Slide], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.slides = slides
        self.index = 0
        self._slide_started = 0.0
        self._painted = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(64, 64, 64, 64)
        layout.setSpacing(32)
        self.title = label("", "title", center=True)
        self.clock = label("", "clock", center=True)
        layout.addWidget(self.title)
        layout.addWidget(self.clock)
        self.card = QFrame()
        self.card.setProperty("role", "card")
        card_layout = QVBoxLayout(self.card)
        card_layout.setContentsMargins(48, 48, 48, 48)
        self.slide_title = label("", "hero", center=True)
        self.slide_image = QLabel()
        self.slide_image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.slide_body = label("", "lead", center=True)
        card_layout.addStretch(1)
        card_layout.addWidget(self.slide_title)
        card_layout.addWidget(self.slide_image)
        card_layout.addWidget(self.slide_body)
        card_layout.addStretch(1)
        layout.addWidget(self.card, 1)
        self.start_hint = label("", "hero", center=True)
        self.start_hint.setObjectName("touch_to_start")
        layout.addWidget(self.start_hint)
        self._apply_texts()

    def _apply_texts(self) -> None:
        self.title.setText(self.tr_("app.title"))
        self.start_hint.setText(self.tr_("attract.touch_to_start"))
        self._show_slide()

    def set_time(self, now: datetime) -> None:
        """Shows the wall-clock time."""
        self.clock.setText(now.strftime("%Y-%m-%d  %H:%M"))

    def advance(self, monotonic: float) -> None:
        """Moves to the next slide when the current one has been shown long enough."""
        if not self.slides:
            return
        if self._slide_started == 0.0:
            self._slide_started = monotonic
        if monotonic - self._slide_started >= self.slides[self.index].seconds:
            self.index = (self.index + 1) % len(self.slides)
            self._slide_started = monotonic
            self._show_slide()

    def restart(self) -> None:
        """Back to the first slide (when a session ends)."""
        self.index = 0
        self._slide_started = 0.0
        self._show_slide()

    def _show_slide(self) -> None:
        if not self.slides:
            self.slide_title.setText(self.tr_("app.title"))
            self.slide_body.clear()
            self.slide_image.clear()
            self.slide_image.hide()
            return
        slide = self.slides[self.index]
        lang = self.language
        self.slide_title.setText(slide.title.get(lang, ""))
        self.slide_title.setVisible(bool(slide.title))
        body = slide.caption if slide.kind == "image" else slide.body
        self.slide_body.setText(body.get(lang, ""))
        self.slide_body.setProperty("role", "caption" if slide.kind == "image" else "lead")
        self.slide_body.style().unpolish(self.slide_body)
        self.slide_body.style().polish(self.slide_body)
        if slide.kind == "image" and slide.image is not None:
            pixmap = QPixmap(str(slide.image))
            width = max(200, min(self.width() - 256, 900))
            self.slide_image.setPixmap(
                pixmap.scaledToWidth(width, Qt.TransformationMode.SmoothTransformation)
            )
            self.slide_image.show()
        else:
            self.slide_image.clear()
            self.slide_image.hide()

    def resizeEvent(self, event: object) -> None:
        super().resizeEvent(event)  # type: ignore[arg-type]
        self._show_slide()

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if not self._painted:
            self._painted = True
            self.first_painted.emit()
