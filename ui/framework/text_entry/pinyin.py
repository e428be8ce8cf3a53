"""The pinyin keyboard: Qt Virtual Keyboard's ``InputPanel`` in a ``QQuickWidget``.

The panel types into whichever widget has focus (the component keeps its line edit focused:
every other control takes no focus). Its own candidate strip is hidden; the candidates reach
Python through a small bridge object and the component shows them in its large row.

Only one ``InputPanel`` may exist in an application, so there is one keyboard, shared: the
component that shows pinyin takes it into its own layout (:func:`shared_pinyin_keyboard`).
Set the process up with :func:`~ui.framework.text_entry.input_method.prepare_input_method`
before the ``QApplication`` is made.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QPoint, QPointF, QSize, Qt, QUrl, Signal, Slot
from PySide6.QtGui import QGuiApplication, QResizeEvent
from PySide6.QtQuick import QQuickItem
from PySide6.QtQuickWidgets import QQuickWidget
from PySide6.QtWidgets import QSizePolicy, QVBoxLayout, QWidget

log = logging.getLogger(__name__)

QML_FILE = Path(__file__).with_name("pinyin_panel.qml")
KEYBOARD_MAX_WIDTH = 1240  # wider than this (landscape) the keys only grow taller, not easier
KEYS_ASPECT = 331 / 1058  # the default style's keys, measured (height at a width)


class _Bridge(QObject):
    """What the QML side calls: the candidates of the current spelling."""

    candidates_changed = Signal(list)

    @Slot("QVariantList")
    def setCandidates(self, items: list[Any]) -> None:  # the name QML calls
        self.candidates_changed.emit([str(i) for i in items])


class PinyinKeyboard(QWidget):
    """Qt Virtual Keyboard with 简体中文 first (and English behind its language key).

    Signals:
        candidates_changed(list[str]): the engine's candidates for what is spelt so far.

    Attributes:
        candidates: the current candidates, best first.
    """

    candidates_changed = Signal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pinyin_keyboard")
        self.candidates: list[str] = []
        self.bridge = _Bridge(self)
        self.bridge.candidates_changed.connect(self._on_candidates)
        self.view = QQuickWidget(self)
        self.view.setObjectName("pinyin_view")
        self.view.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the line edit keeps the focus
        self.view.setResizeMode(QQuickWidget.ResizeMode.SizeRootObjectToView)
        self.view.setClearColor(Qt.GlobalColor.transparent)
        self.view.rootContext().setContextProperty("bridge", self.bridge)
        self.view.setSource(QUrl.fromLocalFile(str(QML_FILE)))
        if self.view.status() != QQuickWidget.Status.Ready:
            errors = "; ".join(e.toString() for e in self.view.errors())
            raise RuntimeError(f"the pinyin keyboard did not load: {errors}")
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.view, 0, Qt.AlignmentFlag.AlignHCenter)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    # -- what the component asks ---------------------------------------------------------------

    @property
    def root(self) -> QQuickItem:
        """The QML root item."""
        item = self.view.rootObject()
        assert item is not None
        return item

    def _call(self, name: str, *args: Any) -> Any:
        method = getattr(self.root, name, None)
        if method is None:  # PySide resolves QML functions on the object at run time
            raise AttributeError(name)
        return method(*args)

    def select(self, index: int) -> None:
        """Picks a candidate: the engine commits it to the focused field."""
        if 0 <= index < len(self.candidates):
            self._call("select", index)

    def reset(self) -> None:
        """Forgets the spelling and candidates, back to a fresh 简体中文 keyboard."""
        QGuiApplication.inputMethod().reset()  # the engine drops its spelling and candidates
        self._call("resetKeyboard")

    def locale(self) -> str:
        """The keyboard's language now (``zh_CN`` or ``en_US``)."""
        return str(self._call("locale"))

    def preedit(self) -> str:
        """What is spelt and not yet chosen."""
        return str(self._call("preedit"))

    def key_position(self, text: str = "", key: int | None = None) -> QPoint | None:
        """The centre of the visible key showing ``text`` (or with Qt key code ``key``), in
        this widget's coordinates; None when no such key is on show. Tests and the tour touch
        keys there, as a finger would."""
        item = self._find_key(self.root, text, key)
        if item is None:
            return None
        centre = item.mapToScene(QPointF(item.width() / 2, item.height() / 2))
        return self.view.mapTo(self, QPoint(round(centre.x()), round(centre.y())))

    def _find_key(self, item: QQuickItem, text: str, key: int | None) -> QQuickItem | None:
        for child in item.childItems():
            if not child.isVisible():
                continue
            if child.property("keyType") is not None and child.width() > 0:
                matches = child.property("key") == key if key is not None else None
                if matches or (key is None and child.property("text") == text):
                    return child
            found = self._find_key(child, text, key)
            if found is not None:
                return found
        return None

    # -- size ----------------------------------------------------------------------------------

    def set_key_scale(self, scale: float) -> None:
        """Larger keys and letters (1.0 is Qt's own size for the width)."""
        self.root.setProperty("keyScale", scale)
        self._fit(self.width())

    def sizeHint(self) -> QSize:
        width = min(self.width() or KEYBOARD_MAX_WIDTH, KEYBOARD_MAX_WIDTH)
        return QSize(width, self.view.height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit(event.size().width())

    def _fit(self, width: int) -> None:
        """The view as wide as allowed and exactly as tall as the keys at that width."""
        width = max(1, min(width, KEYBOARD_MAX_WIDTH))
        if self.view.width() != width:
            self.view.setFixedWidth(width)
        keys = self.root.property("keysHeight")
        height = round(float(keys)) if keys else round(width * KEYS_ASPECT)
        if self.view.height() != height:
            self.view.setFixedHeight(height)
        if self.height() != height:
            self.setFixedHeight(height)

    def _on_candidates(self, items: list[str]) -> None:
        self.candidates = items
        self.candidates_changed.emit(items)


_shared: PinyinKeyboard | None = None


def shared_pinyin_keyboard() -> PinyinKeyboard:
    """The application's one pinyin keyboard (made on first use, again if it was deleted)."""
    global _shared
    if _shared is None or not shiboken6.isValid(_shared):
        _shared = PinyinKeyboard()
    return _shared
