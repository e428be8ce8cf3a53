"""Small tools for UI tests: touching things, reading what is on screen."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QLineEdit, QWidget
from pytestqt.qtbot import QtBot

from ui.shell.window import Shell


def settle() -> None:
    """Handles what is already posted (layout requests, queued signals, repaints) without
    waiting for any time to pass."""
    for _ in range(3):
        QApplication.sendPostedEvents()
        QApplication.processEvents()


def touch(qtbot: QtBot, widget: QWidget, pos: QPoint | None = None) -> None:
    """A tap on ``widget``, delivered the way real input is: to the window, which hands it on.

    (QTest on a widget would skip the window, and with it the shell's touch handling.)
    """
    window = widget.window()
    handle = window.windowHandle()
    assert handle is not None, "the window is not shown"
    at = widget.mapTo(window, pos or widget.rect().center())
    QTest.mouseClick(handle, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at)
    settle()


def touch_at(qtbot: QtBot, window: QWidget, at: QPoint) -> None:
    """A tap at a point of the window, whatever is there."""
    handle = window.windowHandle()
    assert handle is not None, "the window is not shown"
    QTest.mouseClick(handle, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at)
    settle()


def find(shell: Shell, name: str) -> QWidget:
    """The one widget with this object name (the visible one if several share it)."""
    found = [w for w in shell.findChildren(QWidget, name)]
    if len(found) > 1:  # e.g. a key on two keyboards: the one on screen
        found = [w for w in found if w.isVisible()]
    assert len(found) == 1, f"{len(found)} widgets named {name!r}"
    return found[0]


def text_of(shell: Shell, name: str) -> str:
    """The text of the label called ``name``."""
    widget = find(shell, name)
    assert isinstance(widget, QLabel), name
    return widget.text()


def visible_texts(root: QWidget) -> list[tuple[QWidget, str]]:
    """Every non-empty text a person can see under ``root``."""
    out: list[tuple[QWidget, str]] = []
    for w in [root, *root.findChildren(QWidget)]:
        if not w.isVisibleTo(root.window()) or not w.isVisible():
            continue
        if isinstance(w, QLabel | QAbstractButton | QLineEdit) and w.text().strip():
            out.append((w, w.text()))
    return out


def all_texts(root: QWidget) -> list[str]:
    """Every text held by any widget under ``root``, visible or not."""
    out: list[str] = []
    for w in root.findChildren(QWidget):
        if isinstance(w, QLabel | QAbstractButton | QLineEdit) and w.text():
            out.append(w.text())
        out.append(w.accessibleName())
    return [t for t in out if t]
