"""Layouts hold on the terminal's fixed screen: a flow page's content scrolls when it is taller
than the screen while its actions stay in view; choice grids take a column more in landscape;
a poster shrinks to fit; an answer of any length wraps on its card."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QRect, QSize
from PySide6.QtGui import QColor, QPixmap
from PySide6.QtWidgets import QLabel, QPushButton, QScroller, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from tests.unit.ui.helpers import settle
from ui.framework.flow_screen import ChoiceGridPage, FlowPage
from ui.framework.screen import button, label
from ui.framework.widgets.card_button import CardButton
from ui.framework.widgets.picture import Picture


class LongPage(FlowPage):
    """``lines`` lines of text, then a submit button in the footer."""

    state = "long"

    def __init__(self, lines: int) -> None:
        super().__init__(lambda *_a, **_k: None)
        for i in range(lines):
            line = label(f"第 {i} 项：内容", "lead")
            line.setMinimumHeight(80)
            self.box.addWidget(line)
        self.box.addStretch(1)
        self.submit = button("提交", "primary", name="submit")
        self.footer.addWidget(self.submit)


def inside(widget: QWidget, window: QWidget) -> bool:
    top_left = widget.mapTo(window, widget.rect().topLeft())
    return window.rect().contains(QRect(top_left, widget.size()))


def hosted(qtbot: QtBot, page: QWidget, width: int, height: int) -> QWidget:
    window = QWidget()
    qtbot.addWidget(window)
    QVBoxLayout(window).addWidget(page)
    window.setFixedSize(width, height)
    window.show()
    qtbot.waitExposed(window)
    settle()
    return window


def test_a_page_taller_than_the_screen_scrolls_and_its_actions_stay_in_view(
    qtbot: QtBot,
) -> None:
    page = LongPage(lines=30)
    assert not QScroller.hasScroller(page.content_area.viewport())  # set up when first shown
    window = hosted(qtbot, page, 1920, 1080)
    assert QScroller.hasScroller(page.content_area.viewport())  # a finger scrolls it
    assert page.content_area.verticalScrollBar().maximum() > 0
    assert inside(page.submit, window)
    assert window.minimumSizeHint().height() < 1080  # the page does not hold the window taller


def test_a_page_that_fits_does_not_scroll_and_fills_the_screen(qtbot: QtBot) -> None:
    page = LongPage(lines=3)
    window = hosted(qtbot, page, 1080, 1920)
    bar = page.content_area.verticalScrollBar()
    assert bar.maximum() == 0
    assert page.content_area.content.height() == page.content_area.viewport().height()
    assert inside(page.submit, window)


class Roomy(QWidget):
    """Would like 3000 px of height; makes do with 200 (as a keyboard or a camera view)."""

    def sizeHint(self) -> QSize:
        return QSize(400, 3000)

    def minimumSizeHint(self) -> QSize:
        return QSize(400, 200)


def test_a_page_with_wrapped_text_scrolls_only_when_its_minimum_does_not_fit(
    qtbot: QtBot,
) -> None:
    """Wrapped text gives a layout a height for its width, which Qt's scroll area takes as the
    content's height: that is the preferred height, so a page would scroll whenever it had
    less than it would like. It scrolls only when it has less than it needs."""
    page = LongPage(lines=0)
    page.box.insertWidget(0, Roomy(), 1)
    text = label("一段会换行的说明文字。" * 12)
    text.setStyleSheet("font-size: 42px;")  # five lines or so at this width
    page.box.insertWidget(0, text)
    window = hosted(qtbot, page, 1080, 1920)
    assert page.content_area.verticalScrollBar().maximum() == 0
    assert inside(page.submit, window)
    window.setFixedSize(1080, 500)  # less than its minimum: now it scrolls
    settle()
    assert page.content_area.verticalScrollBar().maximum() > 0


class Grid(ChoiceGridPage):
    state = "grid"
    title_key = "home.back"

    def choices(self, flow: Any) -> list[tuple[str, str, str, dict[str, Any]]]:
        return [(f"选项 {i}", f"choice_{i}", "choose", {"i": i}) for i in range(6)]


def columns_used(page: Grid) -> int:
    return 1 + max(
        page.grid.getItemPosition(page.grid.indexOf(b))[1] for b in page.findChildren(QPushButton)
    )


def test_a_choice_grid_takes_one_column_more_in_landscape(qtbot: QtBot) -> None:
    page = Grid(lambda *_a, **_k: None)
    page.show_flow(None)
    window = hosted(qtbot, page, 1080, 1920)
    assert columns_used(page) == 2
    window.setFixedSize(1920, 1080)
    settle()
    assert columns_used(page) == 3


def test_a_poster_shrinks_to_fit_and_keeps_its_shape(qtbot: QtBot) -> None:
    tall = QPixmap(900, 1600)
    tall.fill(QColor("#0b4f9c"))
    picture = Picture("poster")
    picture.set_pixmap(tall)
    holder = QWidget()
    box = QVBoxLayout(holder)
    box.addWidget(QLabel("标题"))
    box.addWidget(picture, 1)
    window = hosted(qtbot, holder, 1920, 1080)
    assert window.minimumSizeHint().height() < 1080
    assert picture.height() < 1080
    image = picture.grab().toImage()
    # drawn whole, centred: the middle is the picture, the far left edge is not
    assert image.pixelColor(image.width() // 2, image.height() // 2) == QColor("#0b4f9c")
    assert image.pixelColor(0, image.height() // 2) != QColor("#0b4f9c")


def test_a_long_answer_wraps_on_its_card(qtbot: QtBot) -> None:
    from ui.antifraud.pages import fill_actions

    holder = QWidget()
    box = QVBoxLayout(holder)
    answer = "挂断电话，拨打官方客服电话核实，不要点对方发来的任何链接，也不要转账" * 2
    picked: list[int] = []
    (card,) = fill_actions(box, [(answer, lambda: picked.append(1))], "quiz_action", True)
    window = hosted(qtbot, holder, 1080, 1920)
    assert isinstance(card, CardButton)
    assert card.label.height() >= card.label.heightForWidth(card.label.width())  # not cut
    assert card.width() <= window.width()
    card.clicked.emit()
    assert picked == [1]


def test_the_camera_view_always_shows_the_frame_from_top_to_bottom(qtbot: QtBot) -> None:
    from ui.framework.widgets.camera_view import CameraView

    view = CameraView()
    qtbot.addWidget(view)
    for size in ((1824, 430), (984, 1270)):  # landscape page, portrait page
        view.resize(*size)
        rect = view.frame_rect(1280, 720)
        assert rect.top() == 0 and rect.height() == size[1]  # head and chin in view
        assert abs(rect.center().x() - size[0] / 2) < 1
        assert abs(rect.width() / rect.height() - 1280 / 720) < 1e-6
