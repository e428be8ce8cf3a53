"""An area that scrolls what does not fit, by finger (kinetic) or by its wide bar.

Used wherever content can be taller than the screen: a flow page's content in elder mode or
in landscape, long lists, the maintenance pages' reports. A flow page's actions stay outside
it (see ``FlowPage.footer``), so 提交 and 返回 never scroll away.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QFrame, QScrollArea, QScroller, QVBoxLayout, QWidget


class Content(QWidget):
    """What a ``TouchScroll`` holds by default: as tall as the area when its layout fits in
    it, else as tall as the layout's minimum at the area's width.

    QScrollArea sizes a widget whose layout has a height-for-width (wrapped text has one) to
    that height, which a layout reports as its preferred height: a page would scroll
    whenever it was shorter than its preferred height, even with room to lay it out."""

    def heightForWidth(self, width: int) -> int:
        layout = self.layout()
        if layout is None or not layout.hasHeightForWidth():
            return super().heightForWidth(width)
        return layout.totalMinimumHeightForWidth(width)


class TouchScroll(QScrollArea):
    """A frameless scroll area holding ``content`` (a new plain widget if None), stretched to
    the area's width, scrolling vertically only when it is taller than the area.

    Attributes:
        content: the widget scrolled.
    """

    def __init__(self, content: QWidget | None = None, name: str = "") -> None:
        super().__init__()
        if name:
            self.setObjectName(name)
        self.setProperty("role", "scroll")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.content = content if content is not None else Content()
        self.content.setProperty("role", self.content.property("role") or "scroll_content")
        self.setWidget(self.content)
        self._grabbed = False

    def showEvent(self, event: QShowEvent) -> None:
        # the finger gesture is set up when first shown, not at start-up (a hundred pages
        # are built then, most never shown in a session; grabbing costs ~0.3 ms each)
        if not self._grabbed:
            QScroller.grabGesture(self.viewport(), QScroller.ScrollerGestureType.TouchGesture)
            self._grabbed = True
        super().showEvent(event)


def scrolling_column(
    owner: QWidget, name: str, spacing: int
) -> tuple[QVBoxLayout, QVBoxLayout, TouchScroll]:
    """Gives ``owner`` a vertical layout (``frame``) holding a ``TouchScroll`` named ``name``,
    and answers (frame, the vertical layout inside the area, the area), both layouts without
    margins and ``spacing`` apart. What is added to the inner layout scrolls when it needs
    more height than ``owner`` has; until then it is laid out as usual, stretches included.
    What is added to ``frame`` after the area stays in view under it."""
    frame = QVBoxLayout(owner)
    frame.setContentsMargins(0, 0, 0, 0)
    frame.setSpacing(spacing)
    area = TouchScroll(name=name)
    frame.addWidget(area, 1)
    box = QVBoxLayout(area.content)
    box.setContentsMargins(0, 0, 0, 0)
    box.setSpacing(spacing)
    return frame, box, area
