"""Nothing under 28 px, nothing cut off, nothing overlapping: both orientations, both modes,
both languages."""

from __future__ import annotations

import itertools

import pytest
from PySide6.QtCore import QRect
from PySide6.QtWidgets import QAbstractButton, QLabel, QWidget
from pytestqt.qtbot import QtBot

from tests.unit.ui.helpers import find, settle, touch
from ui.shell.window import Shell

MIN_TEXT_PX = 28
BUTTON_PADDING_PX = 2 * 28 + 6  # QSS horizontal padding plus border


def rect_in(widget: QWidget, ancestor: QWidget) -> QRect:
    return QRect(widget.mapTo(ancestor, widget.rect().topLeft()), widget.size())


def check_layout(root: QWidget, window: QWidget) -> list[str]:
    problems: list[str] = []
    boxes: list[tuple[str, QRect]] = []
    for w in root.findChildren(QWidget):
        if not w.isVisible() or not isinstance(w, QLabel | QAbstractButton):
            continue
        text = w.text()
        name = f"{type(w).__name__}({w.objectName() or text[:12]!r})"
        if not window.rect().contains(rect_in(w, window)):
            problems.append(f"{name} is outside the window")
        if text and w.font().pixelSize() < MIN_TEXT_PX:
            problems.append(f"{name} text is {w.font().pixelSize()} px")
        if isinstance(w, QAbstractButton):
            if text and w.fontMetrics().horizontalAdvance(text) > w.width() - BUTTON_PADDING_PX:
                problems.append(f"{name} text is cut off ({w.width()} px wide)")
            boxes.append((name, rect_in(w, window)))
        elif text:
            if w.wordWrap():
                if w.heightForWidth(w.width()) > w.height() + 2:
                    problems.append(f"{name} wrapped text is cut off")
            elif w.fontMetrics().horizontalAdvance(text) > w.width():
                problems.append(f"{name} text is cut off")
    for (a, ra), (b, rb) in itertools.combinations(boxes, 2):
        if ra.intersects(rb):
            problems.append(f"{a} overlaps {b}")
    return problems


@pytest.mark.parametrize("size", [(1080, 1920), (1920, 1080)], ids=["portrait", "landscape"])
@pytest.mark.parametrize("elder", [False, True], ids=["standard", "elder"])
@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_every_screen_lays_out(
    qtbot: QtBot, shell: Shell, size: tuple[int, int], elder: bool, language: str
) -> None:
    shell.resize(*size)
    settle()
    checks: dict[str, list[str]] = {"attract": check_layout(shell.current, shell)}
    touch(qtbot, shell.attract)
    shell.set_language(language)
    shell.set_elder(elder)
    settle()
    checks["home"] = check_layout(shell.current, shell)
    touch(qtbot, find(shell, "help"))
    checks["help"] = check_layout(shell.help.card, shell)
    touch(qtbot, find(shell, "help_close"))
    shell.ctx.sessions.phase  # noqa: B018 - the warning is shown through the session
    shell._on_warn(shell.ctx.sessions.session)  # type: ignore[arg-type]
    checks["idle"] = check_layout(shell.idle_warning.card, shell)
    shell.show_failsafe()
    settle()
    checks["failsafe"] = check_layout(shell.current, shell)
    problems = {k: v for k, v in checks.items() if v}
    assert not problems
