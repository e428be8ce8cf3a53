"""Accessibility audit (适老化, 无障碍环境建设法 §33): the main screens, measured from the live
widgets in standard and elder mode, portrait and landscape.

What is measured, per visible text or touch target:

- contrast: the text colour Qt draws with (the widget's palette after the stylesheet is
  applied, in the widget's enabled/disabled group) against the background actually rendered
  behind it (the most common colour of the widget's pixels in a grab of the window); WCAG 2.x
  ratio, at least 4.5:1;
- text size: the font's pixel size (a point size is converted at the terminals' ~96 dpi
  logical, 1 pt = 96/72 px). The legal floor is 18 pt = 24 px for elder main text; the house
  floors are stricter and are what is asserted: 28 px standard, 36 px elder, for every text;
- touch targets: every visible button (and touchable card) at least 88 px standard and 120 px
  elder in its smaller dimension; the legal floor, 60 dp, is 36 px at 96 dpi;
- clipping: a label or button smaller than its size hint (wrapped labels: than the height
  its text needs at its width), or reaching outside the window.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtGui import QColor, QImage, QPalette
from PySide6.QtWidgets import QAbstractButton, QFrame, QLabel, QWidget
from pytestqt.qtbot import QtBot

from tests.unit.ui.helpers import settle, touch
from ui.framework import theme
from ui.shell.window import Shell

MIN_CONTRAST = 4.5
LEGAL_ELDER_TEXT_PX = theme.pt_to_px(18)  # 24 px
LEGAL_TARGET_PX = theme.dp_to_px(60)  # 36 px
MIN_TEXT_PX = {False: 28, True: 36}
MIN_TARGET_PX = {False: 88, True: 120}


@dataclass
class Findings:
    """Violations and the worst values seen."""

    problems: list[str] = field(default_factory=list)
    min_contrast: float = 21.0
    min_text_px: float = 1000.0
    min_target_px: float = 10000.0
    texts: int = 0
    targets: int = 0

    def summary(self) -> str:
        return (
            f"{self.texts} texts, {self.targets} targets; min contrast {self.min_contrast:.2f}, "
            f"min text {self.min_text_px:.0f} px, min target {self.min_target_px:.0f} px"
        )


def window_rect(widget: QWidget, window: QWidget) -> QRect:
    return QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())


def rendered_background(image: QImage, rect: QRect) -> QColor:
    """The most common colour in ``rect`` of the grab: what the text sits on."""
    counts: Counter[int] = Counter()
    rect = rect.intersected(image.rect())
    step = max(1, min(rect.width(), rect.height()) // 24)
    for y in range(rect.top(), rect.bottom() + 1, step):
        for x in range(rect.left(), rect.right() + 1, step):
            counts[image.pixel(x, y) & 0xFFFFFF] += 1
    if not counts:
        return QColor("white")
    return QColor.fromRgb(counts.most_common(1)[0][0] | 0xFF000000)


def text_px(widget: QWidget) -> float:
    font = widget.font()
    return font.pixelSize() if font.pixelSize() > 0 else theme.pt_to_px(font.pointSizeF())


def is_target(widget: QWidget) -> bool:
    if isinstance(widget, QAbstractButton):
        return True
    return isinstance(widget, QFrame) and widget.property("role") == "cardButton"


def audit(root: QWidget, window: QWidget, elder: bool, where: str, found: Findings) -> None:
    """Measures every visible text and target under ``root``; adds to ``found``."""
    settle()
    image = window.grab().toImage()
    scale = image.width() / max(1, window.width())
    for w in [root, *root.findChildren(QWidget)]:
        if not w.isVisible() or w.width() <= 0 or w.height() <= 0:
            continue
        name = f"{where}: {type(w).__name__} {w.objectName() or ''}".rstrip()
        rect = window_rect(w, window)
        if is_target(w):
            found.targets += 1
            side = min(w.width(), w.height())
            found.min_target_px = min(found.min_target_px, side)
            if side < MIN_TARGET_PX[elder]:
                found.problems.append(f"{name}: target {w.width()}x{w.height()} px")
        if not isinstance(w, QLabel | QAbstractButton):
            continue
        text = w.text().strip()
        if not text:
            continue
        label = f"{name} {text[:16]!r}"
        found.texts += 1
        if not window.rect().contains(rect):
            found.problems.append(f"{label}: outside the window")
        # contrast: the palette colour Qt draws the text with, on the rendered background
        group = QPalette.ColorGroup.Active if w.isEnabled() else QPalette.ColorGroup.Disabled
        fg = w.palette().color(group, w.foregroundRole())
        scaled = QRect(
            round(rect.x() * scale),
            round(rect.y() * scale),
            round(rect.width() * scale),
            round(rect.height() * scale),
        )
        bg = rendered_background(image, scaled)
        ratio = theme.contrast_ratio(fg, bg)
        found.min_contrast = min(found.min_contrast, ratio)
        if ratio < MIN_CONTRAST:
            found.problems.append(f"{label}: contrast {ratio:.2f} ({fg.name()} on {bg.name()})")
        # size
        px = text_px(w)
        found.min_text_px = min(found.min_text_px, px)
        if px < MIN_TEXT_PX[elder]:
            found.problems.append(f"{label}: text {px:.0f} px")
        # clipping
        hint = w.sizeHint()
        if isinstance(w, QLabel) and w.wordWrap():
            need = w.heightForWidth(w.width())
            if need > w.height() + 1:
                found.problems.append(f"{label}: cut off ({w.height()} of {need} px high)")
        elif hint.width() > w.width() + 1 or hint.height() > w.height() + 1:
            found.problems.append(
                f"{label}: cut off ({w.width()}x{w.height()} for {hint.width()}x{hint.height()})"
            )


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
    from PySide6.QtWidgets import QPushButton, QVBoxLayout

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
