"""A live, mirrored camera picture with a guidance outline.

Frames arrive on the camera's thread and only replace a one-frame slot; the widget repaints
from the slot on its own timer, so a slow consumer never queues frames and the preview
never lags behind the person in front of it.
"""

from __future__ import annotations

import threading
import time

from PySide6.QtCore import QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QImage, QPainter, QPaintEvent, QPen, QTransform
from PySide6.QtWidgets import QWidget

from devices.camera import Camera, Frame
from ui.framework import theme


class CameraView(QWidget):
    """Shows the newest frame, mirrored like a looking-glass, its whole height, centred.

    Attributes:
        outline: where the head belongs, as a rectangle in frame pixels (None: no outline).
        outline_ok: draw the outline green (all checks pass) instead of white.
        painted: frames painted so far (the preview-fps benchmark reads it).
    """

    def __init__(self, parent: QWidget | None = None, fps: int = 30) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, True)
        self.outline: tuple[float, float, float, float] | None = None
        self.outline_ok = False
        self.mirror = True
        self.painted = 0
        self._slot: Frame | None = None
        self._shown_seq = -1
        self._lock = threading.Lock()
        self._camera: Camera | None = None
        self._unsubscribe: list[object] = []
        self._timer = QTimer(self)
        self._timer.setObjectName("cameraViewRepaint")
        self._timer.timeout.connect(self._maybe_repaint)
        self._interval_ms = max(1, int(1000 / fps))

    def attach(self, camera: Camera) -> None:
        """Starts showing ``camera``'s frames."""
        self.detach()
        self._camera = camera
        self._unsubscribe = [camera.subscribe(self._on_frame)]
        self._timer.start(self._interval_ms)

    def detach(self) -> None:
        """Stops showing frames and forgets the last one (it may show a face)."""
        for unsubscribe in self._unsubscribe:
            unsubscribe()  # type: ignore[operator]
        self._unsubscribe = []
        self._camera = None
        self._timer.stop()
        with self._lock:
            self._slot = None
        self._shown_seq = -1
        self.update()

    def latest(self) -> Frame | None:
        """The newest frame received."""
        with self._lock:
            return self._slot

    def _on_frame(self, frame: Frame) -> None:  # camera thread
        with self._lock:
            self._slot = frame

    def _maybe_repaint(self) -> None:
        frame = self.latest()
        if frame is not None and frame.seq != self._shown_seq:
            self.update()

    def frame_rect(self, frame_w: int, frame_h: int) -> QRectF:
        """Where the frame is drawn in widget coordinates: its whole height, aspect kept,
        centred. A view taller than the frame's shape crops its sides (the face is in the
        middle); a wider one shows bars beside it, never cutting off the head or the chin
        (filling a wide landscape view cut the outline's top and bottom off)."""
        scale = self.height() / frame_h
        w, h = frame_w * scale, frame_h * scale
        return QRectF((self.width() - w) / 2, (self.height() - h) / 2, w, h)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(theme.CAMERA_BACKDROP))
        frame = self.latest()
        if frame is None:
            painter.end()
            return
        image = frame.image
        h, w = image.shape[:2]
        qimage = QImage(image.data, w, h, int(image.strides[0]), QImage.Format.Format_BGR888)
        target = self.frame_rect(w, h)
        if self.mirror:
            painter.setTransform(QTransform(-1, 0, 0, 1, self.width(), 0))
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        painter.drawImage(target, qimage)
        if self.outline is not None:
            x, y, ow, oh = self.outline
            sx, sy = target.width() / w, target.height() / h
            rect = QRectF(target.x() + x * sx, target.y() + y * sy, ow * sx, oh * sy)
            pen = QPen(QColor(theme.OUTLINE_OK if self.outline_ok else theme.OUTLINE_IDLE))
            pen.setWidth(8)
            pen.setStyle(Qt.PenStyle.DashLine if not self.outline_ok else Qt.PenStyle.SolidLine)
            painter.setPen(pen)
            painter.drawEllipse(rect)
        painter.end()
        self._shown_seq = frame.seq
        self.painted += 1
        self.last_paint_at = time.monotonic()

    last_paint_at = 0.0
