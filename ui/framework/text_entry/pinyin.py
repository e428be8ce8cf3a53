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

import atexit
import logging
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import QEventLoop, QObject, QPoint, QPointF, QSize, Qt, QUrl, Signal, Slot
from PySide6.QtGui import QGuiApplication, QResizeEvent

# The keyboard's QML imports Qt Multimedia (key sounds). Loading that library prints warnings
# (no PipeWire here); loaded here, on the GUI thread, rather than by Qt's QML loader thread
# (see PinyinKeyboard._compile).
import PySide6.QtMultimedia  # noqa: F401  isort: skip
from PySide6.QtQml import QQmlComponent
from PySide6.QtQuick import QQuickItem
from PySide6.QtQuickWidgets import QQuickWidget
from PySide6.QtWidgets import QSizePolicy, QWidget

log = logging.getLogger(__name__)

QML_FILE = Path(__file__).with_name("pinyin_panel.qml")
KEYBOARD_MAX_WIDTH = 1240  # wider than this (landscape) the keys only grow taller, not easier
MIN_WIDTH = 480
KEYS_ASPECT = 331 / 1058  # the default style's keys, measured (height at a width)


class _Bridge(QObject):
    """What the QML side calls: the candidates of the current spelling."""

    candidates_changed = Signal(list)
    keys_resized = Signal()

    @Slot()
    def keysResized(self) -> None:  # the name QML calls
        self.keys_resized.emit()

    @Slot("QVariantList")
    def setCandidates(self, items: list[Any]) -> None:  # the name QML calls
        self.candidates_changed.emit([str(i) for i in items])


class PinyinKeyboard(QWidget):
    """Qt Virtual Keyboard with 简体中文 first (and English behind its language key).

    Signals:
        candidates_changed(list[str]): the engine's candidates for what is spelt so far.
        height_changed(int): the keys' height changed (width or key scale).

    Attributes:
        candidates: the current candidates, best first.
    """

    candidates_changed = Signal(list)
    height_changed = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pinyin_keyboard")
        self.candidates: list[str] = []
        self.bridge = _Bridge(self)
        self.bridge.candidates_changed.connect(self._on_candidates)
        self.bridge.keys_resized.connect(self._refit)
        self.view = QQuickWidget(self)
        self.view.setObjectName("pinyin_view")
        self.view.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the line edit keeps the focus
        self.view.setResizeMode(QQuickWidget.ResizeMode.SizeRootObjectToView)
        self.view.setClearColor(Qt.GlobalColor.transparent)
        self.view.rootContext().setContextProperty("bridge", self.bridge)
        url = QUrl.fromLocalFile(str(QML_FILE))
        self._compile(url)
        self.view.setSource(url)  # compiled already: no wait on the loader thread
        if self.view.status() != QQuickWidget.Status.Ready:
            errors = "; ".join(e.toString() for e in self.view.errors())
            raise RuntimeError(f"the pinyin keyboard did not load: {errors}")
        # placed by hand (_fit), centred: a layout would make its width our minimum width
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def _compile(self, url: QUrl) -> None:
        """Compiles the keyboard's QML off the GUI thread, the GUI thread's event loop running
        meanwhile (user input held back). ``setSource`` alone blocks the GUI thread, holding
        Python's lock, while Qt's QML loader thread compiles; a warning that thread prints
        (Qt's own PopupList.qml prints one) then waits for that lock if a Python message
        handler is installed (pytest-qt's is): a deadlock, measured."""
        component = QQmlComponent(
            self.view.engine(), url, QQmlComponent.CompilationMode.Asynchronous
        )
        if component.isLoading():
            loop = QEventLoop()
            component.statusChanged.connect(loop.quit)
            loop.exec(QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents)
        if component.isError():
            errors = "; ".join(e.toString() for e in component.errors())
            raise RuntimeError(f"the pinyin keyboard did not compile: {errors}")

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

    def keyboard_locale(self) -> str:
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

    def minimumSizeHint(self) -> QSize:
        return QSize(MIN_WIDTH, self.view.height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit(event.size().width())

    def _refit(self) -> None:
        self._fit(self.width())

    def _fit(self, width: int) -> None:
        """The view as wide as allowed, centred, and exactly as tall as the keys at that
        width. The root item is sized here too: the view resizes it only on its own resize
        events, which come later than a key's position may be asked (measured: a stale root
        put the top row of keys above the view)."""
        width = max(1, min(width, KEYBOARD_MAX_WIDTH))
        root = self.root
        if root.width() != width:
            root.setWidth(width)
        keys = root.property("keysHeight")
        height = round(float(keys)) if keys else round(width * KEYS_ASPECT)
        if root.height() != height:
            root.setHeight(height)
        self.view.setGeometry((self.width() - width) // 2, 0, width, height)
        if self.height() != height:
            self.setFixedHeight(height)
            self.height_changed.emit(height)

    def _on_candidates(self, items: list[str]) -> None:
        self.candidates = items
        self.candidates_changed.emit(items)


_shared: PinyinKeyboard | None = None
_release_at_exit = False


def shared_pinyin_keyboard(window: QWidget | None = None) -> PinyinKeyboard:
    """The application's one pinyin keyboard (made on first use, again if it was deleted).

    A keyboard shown in another top-level ``window`` is replaced, not moved: moved between
    windows, it went on spelling but its choices reached no field (measured; the kiosk has
    one window, tests make one per test)."""
    global _shared
    if (
        window is not None
        and _shared is not None
        and shiboken6.isValid(_shared)
        and _shared.parentWidget() is not None
        and _shared.window() is not window
    ):
        release_pinyin_keyboard()
    if _shared is None or not shiboken6.isValid(_shared):
        global _release_at_exit
        if not _release_at_exit:
            atexit.register(release_pinyin_keyboard)
            _release_at_exit = True
        _shared = PinyinKeyboard()
    return _shared


def release_pinyin_keyboard() -> None:
    """Deletes the keyboard while the application still exists (registered to run at exit:
    a Qt Quick view that outlives the QApplication crashes the process on its way out,
    measured with a text entry left to Python's final clean-up)."""
    global _shared
    keyboard, _shared = _shared, None
    if keyboard is not None and shiboken6.isValid(keyboard):
        QGuiApplication.inputMethod().reset()
        shiboken6.delete(keyboard)
