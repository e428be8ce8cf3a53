"""The handwriting pad: a square with a 米字格 guide where a finger writes one character.

Each stroke is drawn as the finger moves. When the finger has been up for ``pause_ms`` the
pad says so (``paused``) and the component asks the recogniser; writing again stops the
wait, so a slow writer's next stroke joins the same character. Nothing is committed here:
the resident picks a candidate.

Strokes are in the pad's pixels (y grows downward), in the order written, as the recogniser
takes them.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPainterPath, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from ui.framework import theme

Stroke = list[tuple[float, float]]

PAUSE_MS = 700  # long enough for an older hand between strokes, short enough not to wait
MIN_STEP_PX = 2.0  # points closer than this to the last one add nothing but work
GUIDE = QColor("#C9D6E8")
INK = QColor(theme.TEXT)


class HandwritingPad(QWidget):
    """Collects strokes and draws them.

    Signals:
        strokes_changed(): a stroke was finished, undone or cleared.
        paused(): the finger has been up for ``pause_ms`` after writing: time to recognise.

    Attributes:
        strokes: the finished strokes, in the order written.
        pause_timer: the single-shot timer behind ``paused`` (tests fire it with
            :meth:`fire_pause` instead of waiting).
    """

    strokes_changed = Signal()
    paused = Signal()

    def __init__(self, parent: QWidget | None = None, pause_ms: int = PAUSE_MS) -> None:
        super().__init__(parent)
        self.setObjectName("handwriting_pad")
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, True)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(320, 320)
        self.strokes: list[Stroke] = []
        self._current: Stroke | None = None
        self.ink_width = 12.0
        self.hint = ""
        self.pause_timer = QTimer(self)
        self.pause_timer.setObjectName("handwritingPause")
        self.pause_timer.setSingleShot(True)
        self.pause_timer.setInterval(pause_ms)
        self.pause_timer.timeout.connect(self.paused)

    # -- what the component does ---------------------------------------------------------------

    def undo(self) -> None:
        """Takes back the last stroke."""
        self._current = None
        if self.strokes:
            self.strokes.pop()
        self.pause_timer.stop()
        self.update()
        self.strokes_changed.emit()

    def clear(self) -> None:
        """Forgets every stroke (also what the session wipe calls)."""
        self._current = None
        self.strokes = []
        self.pause_timer.stop()
        self.update()
        self.strokes_changed.emit()

    def fire_pause(self) -> bool:
        """Ends a pending wait now (as if the pause had passed); True if one was pending."""
        if not self.pause_timer.isActive():
            return False
        self.pause_timer.stop()
        self.paused.emit()
        return True

    def set_pause_ms(self, ms: int) -> None:
        """How long the finger stays up before the pad asks for recognition."""
        self.pause_timer.setInterval(ms)

    # -- input ---------------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        self.pause_timer.stop()  # still writing this character
        p = event.position()
        self._current = [(p.x(), p.y())]
        self.update()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        stroke = self._current
        if stroke is None:
            return
        p = event.position()
        x, y = min(max(p.x(), 0.0), float(self.width())), min(max(p.y(), 0.0), float(self.height()))
        lx, ly = stroke[-1]
        if abs(x - lx) + abs(y - ly) < MIN_STEP_PX:
            return
        stroke.append((x, y))
        pad = self.ink_width
        self.update(
            QRectF(
                min(x, lx) - pad, min(y, ly) - pad, abs(x - lx) + 2 * pad, abs(y - ly) + 2 * pad
            ).toAlignedRect()
        )

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        stroke = self._current
        if stroke is None or event.button() != Qt.MouseButton.LeftButton:
            return
        self._current = None
        self.strokes.append(stroke)  # a tap is a stroke too: the dot of 主, 六
        self.update()
        self.strokes_changed.emit()
        self.pause_timer.start()

    # -- drawing -------------------------------------------------------------------------------

    def sizeHint(self) -> QSize:
        return QSize(720, 640)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        rect = QRectF(self.rect())
        painter.fillRect(rect, QColor(theme.SURFACE))
        guide = QPen(GUIDE, 2, Qt.PenStyle.DashLine)
        painter.setPen(guide)
        w, h = rect.width(), rect.height()
        painter.drawLine(QPointF(w / 2, 0), QPointF(w / 2, h))
        painter.drawLine(QPointF(0, h / 2), QPointF(w, h / 2))
        painter.drawLine(QPointF(0, 0), QPointF(w, h))
        painter.drawLine(QPointF(w, 0), QPointF(0, h))
        painter.setPen(QPen(QColor(theme.PRIMARY), 4))
        painter.drawRect(rect.adjusted(2, 2, -2, -2))
        if self.hint and not self.strokes and self._current is None:
            painter.setPen(QColor(theme.MUTED))
            font = painter.font()
            font.setPixelSize(max(28, round(min(w, h) / 12)))
            painter.setFont(font)
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, self.hint)
        pen = QPen(
            INK,
            self.ink_width,
            Qt.PenStyle.SolidLine,
            Qt.PenCapStyle.RoundCap,
            Qt.PenJoinStyle.RoundJoin,
        )
        painter.setPen(pen)
        for stroke in [*self.strokes, *([self._current] if self._current else [])]:
            if len(stroke) == 1:
                painter.drawPoint(QPointF(*stroke[0]))
                continue
            path = QPainterPath(QPointF(*stroke[0]))
            for x, y in stroke[1:]:
                path.lineTo(x, y)
            painter.drawPath(path)
        painter.end()
