"""Accessibility audit (适老化, 无障碍环境建设法 §33): the main screens, measured from the live
widgets in standard and elder mode, portrait and landscape, with the measuring code of
``kiosk audit`` (ui/audit.py), which walks every tour screen.

What is measured, and the floors asserted, are in ui/audit.py's docstring.
"""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from tests.unit.ui.helpers import settle, touch
from ui.audit import (
    LEGAL_ELDER_TEXT_PX,
    LEGAL_TARGET_PX,
    MIN_CONTRAST,
    MIN_TARGET_PX,
    MIN_TEXT_PX,
    Findings,
    audit,
)
from ui.framework import theme
from ui.shell.window import Shell


def go_home(qtbot: QtBot, shell: Shell) -> None:
    if not shell.ctx.sessions.active:
        touch(qtbot, shell.attract)
    shell.show_screen("home")
    settle()


def walk(qtbot: QtBot, shell: Shell, elder: bool) -> Findings:
    """Attract, home, each feature's first screen, a refusal and the apology."""
    found = Findings()
    settle()
    audit(shell.current, shell, False, "attract", found)  # elder mode is chosen after waking
    touch(qtbot, shell.attract)
    shell.set_elder(elder)
    settle()
    audit(shell.current, shell, elder, "home", found)
    for service_id, feature in shell.features.items():
        go_home(qtbot, shell)
        if not shell.home.tiles[service_id].isEnabled():
            found.problems.append(f"home: tile {service_id} is off on simulated devices")
            continue
        feature.start()
        settle()
        audit(shell.current, shell, elder, f"{service_id} (first screen)", found)
    # a refusal: a points card that is not valid here
    go_home(qtbot, shell)
    points = shell.features["points"]
    points.start()
    points.card_scanned("not-a-points-card")  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: points.flow is not None and points.flow.state == "token_refused")
    settle()
    audit(shell.current, shell, elder, "points refusal", found)
    shell.show_failsafe()
    settle()
    audit(shell.current, shell, elder, "failsafe", found)
    return found


Orientation = tuple[int, int]


@pytest.mark.parametrize("size", [(1080, 1920), (1920, 1080)], ids=["portrait", "landscape"])
@pytest.mark.parametrize("elder", [False, True], ids=["standard", "elder"])
def test_main_screens_meet_the_accessibility_floors(
    qtbot: QtBot, shell: Shell, elder: bool, size: Orientation
) -> None:
    shell.resize(*size)
    settle()
    found = walk(qtbot, shell, elder)
    print(f"\naudit {'elder' if elder else 'standard'} {size}: {found.summary()}")
    assert found.texts > 20 and found.targets > 10, found.summary()  # it did look
    assert not found.problems, "\n".join([found.summary(), *found.problems])


def test_the_house_floors_are_above_the_legal_ones() -> None:
    assert MIN_TEXT_PX[True] >= LEGAL_ELDER_TEXT_PX == 24
    assert MIN_TARGET_PX[False] >= LEGAL_TARGET_PX == 36


@pytest.mark.parametrize("pair", theme.CONTRAST_PAIRS, ids=lambda p: p[0])
def test_every_token_pair_has_enough_contrast(pair: tuple[str, str, str]) -> None:
    _name, fg, bg = pair
    assert theme.contrast_ratio(fg, bg) >= MIN_CONTRAST


def test_the_audit_catches_low_contrast_small_text_small_targets_and_clipping(
    qtbot: QtBot,
) -> None:
    """The audit can fail: a deliberately bad screen is reported on every count."""
    from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

    window = QWidget()
    qtbot.addWidget(window)
    window.setStyleSheet(f"QWidget {{ background: {theme.SURFACE}; }}")
    box = QVBoxLayout(window)
    faint = QLabel("浅灰色的小字")
    faint.setStyleSheet("color: #B0B0B0; font-size: 16px;")
    small = QPushButton("确定")
    small.setFixedSize(60, 40)
    clipped = QLabel("一段很长很长很长很长很长很长的文字")
    clipped.setStyleSheet(f"color: {theme.TEXT}; font-size: 40px;")
    clipped.setFixedWidth(120)
    for w in (faint, small, clipped):
        box.addWidget(w)
    window.resize(600, 400)
    window.show()
    qtbot.waitExposed(window)
    found = Findings()
    audit(window, window, True, "bad", found)
    report = "\n".join(found.problems)
    assert "contrast" in report and "text 16 px" in report
    assert "target 60x40" in report and "cut off" in report
    assert found.min_contrast < 4.5


def test_the_audit_scrolls_to_what_a_page_scrolls_and_measures_it_there(qtbot: QtBot) -> None:
    """A faint text below the fold is found (the audit steps through the scroll area), is
    measured once, and the area is put back where it was."""
    from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

    from ui.framework.widgets.scroll_area import scrolling_column

    window = QWidget()
    qtbot.addWidget(window)
    window.setStyleSheet(f"QWidget {{ background: {theme.SURFACE}; }}")
    outer = QVBoxLayout(window)
    page = QWidget()
    outer.addWidget(page)
    _frame, box, area = scrolling_column(page, "page", 20)
    for i in range(12):
        fine = QLabel(f"第 {i} 行")
        fine.setStyleSheet(f"color: {theme.TEXT}; font-size: 40px; min-height: 80px;")
        box.addWidget(fine)
    faint = QLabel("页面底部的浅灰色文字")
    faint.setObjectName("faint")
    faint.setStyleSheet("color: #C8C8C8; font-size: 40px;")
    box.addWidget(faint)
    window.resize(600, 500)
    window.show()
    qtbot.waitExposed(window)
    settle()
    bar = area.verticalScrollBar()
    assert bar.maximum() > 0, "the content must be taller than the view for this test"
    assert faint.mapTo(window, faint.rect().topLeft()).y() > window.height()  # below the fold
    found = Findings()
    audit(window, window, False, "long", found)
    faint_problems = [p for p in found.problems if "faint" in p]
    assert len(faint_problems) == 1 and "contrast" in faint_problems[0], found.problems
    assert found.texts == 13, found.summary()  # every line once, none twice
    assert bar.value() == 0
