"""The attract screen: the scheduled playlist as posters on a full-bleed stage, the center's
name and the time, and a large "轻触屏幕开始" that gently pulses, readable across the hall."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPaintEvent, QPixmap, QResizeEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QStackedWidget, QVBoxLayout, QWidget

from kiosk.content.library import ContentLibrary
from kiosk.content.model import AnyItem
from kiosk.content.playlist import Scheduler
from kiosk.framework.clock import Clock
from ui.framework import theme
from ui.framework.screen import Screen, column, label
from ui.framework.widgets.picture import Picture

if TYPE_CHECKING:
    from ui.framework.widgets.video_player import VideoPlayer

MAX_SKIPS = 8  # broken items in a row before falling back to the slogan slide
PULSE_S = 1.5  # the start hint changes shade this often: noticeable, never flashing


class AttractScreen(Screen):
    """Shown while nobody uses the terminal; a touch or a scan starts a session (the shell
    handles that). Plays the scheduler's items: text slides and fraud-type cards, images,
    and muted videos. A broken medium is reported to the scheduler (and so to health) and
    skipped, never shown as a blank. The video player (QtMultimedia) is made when the first
    video comes up, so the first frame does not wait for it.

    Signals:
        first_painted(): emitted once, after the first paint (start-up measurement).
        item_shown(str): the id of each item as it starts.
    """

    name = "attract"
    prompt_key = "attract.prompt"
    first_painted = Signal()
    item_shown = Signal(str)

    def __init__(
        self,
        scheduler: Scheduler,
        library: ContentLibrary,
        clock: Clock,
        parent: QWidget | None = None,
        *,
        muted: bool = True,
    ) -> None:
        super().__init__(parent)
        self.scheduler, self.library, self.clock = scheduler, library, clock
        self.item: AnyItem | None = None
        self.items_shown = 0
        self._started = 0.0
        self._painted = False
        self._muted = muted
        self._video: VideoPlayer | None = None
        self._pulse = False
        self.setProperty("role", "attract_stage")
        layout = column(self, (64, 56), 32)
        top = QHBoxLayout()
        self.title = label("", "attract_title")
        self.clock_label = label("", "attract_clock", wrap=False)
        self.clock_label.setObjectName("attract_clock")
        self.clock_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        top.addWidget(self.title, 1)
        top.addWidget(self.clock_label)
        layout.addLayout(top)
        self.stack = QStackedWidget()
        self.card = QFrame()
        self.card.setProperty("role", "card")
        card_layout = QVBoxLayout(self.card)
        card_layout.setContentsMargins(64, 64, 64, 64)
        card_layout.setSpacing(40)
        self.slide_title = label("", "display", center=True)
        self.slide_title.setObjectName("attract_slide_title")
        self.slide_image = Picture("attract_slide_image")
        self.slide_body = label("", "lead", center=True)
        self.slide_body.setObjectName("attract_slide_body")
        card_layout.addStretch(1)
        card_layout.addWidget(self.slide_title)
        card_layout.addWidget(self.slide_image, 4)
        card_layout.addWidget(self.slide_body)
        card_layout.addStretch(1)
        self.stack.addWidget(self.card)
        layout.addWidget(self.stack, 1)
        self.start_hint = label("", "attract_start", center=True, wrap=False)
        self.start_hint.setObjectName("touch_to_start")
        self.start_hint.setProperty("pulse", False)
        # its width is its text's; it must not hold the whole window wider when elder mode's
        # larger type is on while the attract screen waits hidden behind the home screen
        self.start_hint.setMinimumWidth(1)
        theme.elevate(self.start_hint, 3)
        layout.addWidget(self.start_hint, 0, Qt.AlignmentFlag.AlignHCenter)
        self.touch_hint = label("", "attract_hint", center=True)
        self.touch_hint.setObjectName("attract_touch_hint")
        layout.addWidget(self.touch_hint)
        self._apply_texts()

    @property
    def video(self) -> VideoPlayer:
        """The one video player, made on first use."""
        if self._video is None:
            from ui.framework.widgets.video_player import VideoPlayer

            self._video = VideoPlayer(muted=self._muted)
            self._video.setObjectName("attract_video")
            self._video.finished.connect(self._video_finished)
            self._video.failed.connect(self._video_failed)
            self.stack.addWidget(self._video)
        return self._video

    def _stop_video(self) -> None:
        if self._video is not None:
            self._video.stop()

    def _apply_texts(self) -> None:
        self.title.setText(self.tr_("app.title"))
        self.start_hint.setText(self.tr_("attract.touch_to_start"))
        self.touch_hint.setText(self.tr_("attract.touch_hint"))
        if self.item is not None and self.item.kind != "video":
            self._show(self.item)

    def set_time(self, now: datetime) -> None:
        """Shows the wall-clock time."""
        self.clock_label.setText(now.strftime("%Y-%m-%d  %H:%M"))

    def advance(self, monotonic: float) -> None:
        """Moves on when the item has had its time (a video also when it ends), and lets
        the start hint breathe: a gentle change of shade every ``PULSE_S`` (driven by the
        shell's tick, so no timer of its own)."""
        self._breathe(monotonic)
        if self.item is None or monotonic - self._started >= self.item.seconds:
            self.next_item()

    def next_item(self) -> None:
        """Asks the scheduler for the next item and shows it; skips what cannot be shown."""
        for _ in range(MAX_SKIPS):
            item = self.scheduler.next_item()
            if self._show(item):
                break
        else:
            self._show(self.scheduler.playlist.fallback)
            item = self.scheduler.playlist.fallback
        self.item = item
        self._started = self.clock.monotonic()
        self.scheduler.played(item.id)
        self.items_shown += 1
        self.item_shown.emit(item.id)

    def _breathe(self, monotonic: float) -> None:
        pulse = int(monotonic / PULSE_S) % 2 == 1
        if pulse != self._pulse:
            self._pulse = pulse
            self.start_hint.setProperty("pulse", pulse)
            self.start_hint.style().unpolish(self.start_hint)
            self.start_hint.style().polish(self.start_hint)

    def stop(self) -> None:
        """Stops any video (a session started)."""
        self._stop_video()
        self.item = None

    def restart(self) -> None:
        """Starts the loop again (a session ended)."""
        self.stop()
        self.next_item()

    def _show(self, item: AnyItem) -> bool:
        lang = self.language
        if item.kind == "video":
            path = self.scheduler.media_path(item)
            if path is None:
                return False
            self.slide_image.clear()
            self.stack.setCurrentWidget(self.video)
            self.video.play(path)
            return True
        self._stop_video()
        self.stack.setCurrentWidget(self.card)
        self.slide_image.clear()
        self.slide_image.hide()
        title, body = "", ""
        if item.kind == "image":
            path = self.scheduler.media_path(item)
            pixmap = QPixmap(str(path)) if path is not None else QPixmap()
            if pixmap.isNull():
                if path is not None:
                    self.scheduler.report_broken(item.id, "undecodable", path.name)
                return False
            width = max(200, min(self.width() - 256, 900))
            self.slide_image.set_pixmap(
                pixmap.scaledToWidth(width, Qt.TransformationMode.SmoothTransformation)
            )
            self.slide_image.show()
            body = item.caption.get(lang) if item.caption else ""
        elif item.kind == "text" and item.fraud_type:
            card = self.library.fraud_types[item.fraud_type]
            title = card.name.get(lang)
            signs = "\n".join(f"· {s.get(lang)}" for s in card.warning_signs)
            body = f"{card.how_it_starts.get(lang)}\n\n{signs}"
        elif item.kind in ("text", "quiz", "mirror"):
            title = item.title.get(lang)
            body = item.body.get(lang) if item.body else ""
        self.slide_title.setText(title)
        self.slide_title.setVisible(bool(title))
        self.slide_body.setText(body)
        return True

    def _video_finished(self) -> None:
        if self.isVisible():
            self.next_item()

    def _video_failed(self, reason: str) -> None:
        if self.item is not None:
            self.scheduler.report_broken(self.item.id, "undecodable", reason)
        if self.isVisible():
            self.next_item()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.item is not None and self.item.kind == "image":
            self._show(self.item)

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if not self._painted:
            self._painted = True
            self.first_painted.emit()
