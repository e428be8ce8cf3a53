"""A screen that follows one flow, in the frame every flow screen shares: a header with the
service's name, "第 n 步 / 共 m 步" where the flow has steps, a quiet countdown when the idle
warning is near, and 返回首页; then a page per flow state.

Pages render the flow and send its events; they hold no rules.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QBoxLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk.framework.flow import Flow
from kiosk.framework.i18n import tr
from ui.framework import icons, theme
from ui.framework.screen import Screen, button, clear_layout, column, label
from ui.framework.text_entry.plate_keyboard import PlateKeyboard
from ui.framework.widgets.idle_countdown import IdleCountdown
from ui.framework.widgets.scroll_area import scrolling_column
from ui.framework.widgets.status_view import StatusView

Send = Callable[..., None]


class FlowPage(QWidget):
    """The page for one flow state (``state``): its content in ``box``, which scrolls when it
    is taller than the screen (elder mode, landscape), and its actions in ``footer``, which
    stays in view under it."""

    state = ""
    prefix = "flow"

    def __init__(self, send: Send) -> None:
        super().__init__()
        self.send = send
        self.language = "zh_CN"
        self.setObjectName(f"{self.prefix}_{self.state}")
        frame, self.box, self.content_area = scrolling_column(
            self, f"{self.prefix}_{self.state}_scroll", 20
        )
        self.footer = QVBoxLayout()
        self.footer.setSpacing(16)
        frame.addLayout(self.footer)

    def t(self, key: str, **fields: object) -> str:
        """Translates into the page's language."""
        return tr(key, self.language, **fields)

    def show_flow(self, flow: Any) -> None:
        """Shows the flow's current data."""

    def wipe(self) -> None:
        """Forgets anything personal the page shows."""


class StepChip(QLabel):
    """ "第 n 步 / 共 m 步 · 名称": on one line where the header has room for it, wrapped
    rather than push 返回首页 off where it has not (a named step in elder mode)."""

    def __init__(self) -> None:
        super().__init__()
        self.setProperty("role", "step")
        self.setWordWrap(True)

    def sizeHint(self) -> QSize:
        # a wrapped label's own hint is narrower than its text: it would wrap with room to spare
        # the padding, and a character's slack: wrapping measures CJK a little wider
        padding = 2 * theme.CHIP_PADDING[1] + self.fontMetrics().horizontalAdvance("字")
        one_line = self.fontMetrics().horizontalAdvance(self.text()) + padding
        return QSize(one_line, self.heightForWidth(one_line))


class FlowHeader(QFrame):
    """The header of every service screen: the service's name, the step chip and the quiet
    idle countdown under it, then the screen's own buttons (``add_button``) and 返回首页 with
    its icon. Object names start with the screen's ``name``.

    Attributes:
        heading, step_label, countdown, home_button.
    """

    def __init__(self, name: str, home_name: str = "") -> None:
        super().__init__()
        self.setObjectName(f"{name}_header")
        self.setProperty("role", "header")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.row = QHBoxLayout(self)
        self.row.setContentsMargins(28, 16, 16, 16)
        self.row.setSpacing(20)
        self.heading = label("", "title")
        self.step_label = StepChip()
        self.step_label.setObjectName(f"{name}_step")
        self.step_label.hide()
        self.countdown = IdleCountdown(f"{name}_countdown")
        self.home_button = button(name=home_name or f"{name}_home")
        texts = QVBoxLayout()
        texts.setSpacing(8)
        texts.addWidget(self.heading)
        chips = QHBoxLayout()
        chips.setSpacing(12)
        chips.addWidget(self.step_label)
        chips.addWidget(self.countdown)
        chips.addStretch(1)
        texts.addLayout(chips)
        self.row.addLayout(texts, 1)
        self.row.addWidget(self.home_button, 0, Qt.AlignmentFlag.AlignVCenter)
        self.set_elder(False)

    def add_button(self, widget: QWidget) -> None:
        """A button of the screen's own, left of 返回首页."""
        self.row.insertWidget(self.row.count() - 1, widget, 0, Qt.AlignmentFlag.AlignVCenter)

    def set_elder(self, elder: bool) -> None:
        """The home icon at the mode's size."""
        icons.set_icon(self.home_button, "home", theme.metrics(elder).icon)


Choice = tuple[str, str, str, dict[str, Any]]
"""A page's button: (text, object name, event, event data)."""


class ActionButtons(QBoxLayout):
    """A page's actions, the first one primary: in a row, the primary on the right (where it
    is in every footer) and the others to its left; in a column (choices), the primary on
    top. Rebuilt only when their texts change."""

    def __init__(self, *, column: bool = False) -> None:
        super().__init__(
            QBoxLayout.Direction.TopToBottom if column else QBoxLayout.Direction.RightToLeft
        )
        self.column = column
        self.setSpacing(16)
        self._built: tuple[tuple[str, str], ...] = ()

    def set(self, send: Send, items: list[Choice]) -> None:
        """(text, object name, event, event data) for each button."""
        key = tuple((text, name) for text, name, _, _ in items)
        if key == self._built:
            return
        clear_layout(self)
        for i, (text, name, event, data) in enumerate(items):
            b = button(text, "primary" if i == 0 else "", name=name)
            if self.column:
                b.setMinimumHeight(130)
            b.clicked.connect(lambda _=False, e=event, d=data: send(e, **d))
            self.addWidget(b)
        self._built = key


class ChoiceGridPage(FlowPage):
    """A title and a grid of large choice buttons, built once per language."""

    title_key = ""
    columns = 2
    button_height = 150
    #: from this page width on (a landscape screen), one column more
    WIDE = 1400

    def __init__(self, send: Send) -> None:
        super().__init__(send)
        self.title = label("", "title", center=True)
        self.grid = QGridLayout()
        self.grid.setSpacing(16)
        self.box.addWidget(self.title)
        self.box.addLayout(self.grid)
        self.box.addStretch(1)
        self._built = ""
        self._buttons: list[QWidget] = []
        self._placed_columns = 0

    def choices(self, flow: Any) -> list[tuple[str, str, str, dict[str, Any]]]:
        """(text, object name, event, event data) for each button."""
        return []

    def show_flow(self, flow: Any) -> None:
        self.title.setText(self.t(self.title_key))
        if self._built == self.language:
            return
        clear_layout(self.grid)
        self._buttons = []
        for text, name, event, data in self.choices(flow):
            b = button(text, name=name)
            b.setMinimumHeight(self.button_height)
            b.clicked.connect(lambda _=False, e=event, d=data: self.send(e, **d))
            self._buttons.append(b)
        self._place()
        self._built = self.language

    def _columns(self) -> int:
        return self.columns + 1 if self.width() >= self.WIDE else self.columns

    def _place(self) -> None:
        """Puts the buttons in rows of as many columns as the page's width takes."""
        columns = self._placed_columns = self._columns()
        for i, b in enumerate(self._buttons):
            self.grid.addWidget(b, i // columns, i % columns)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._placed_columns != self._columns():
            self._place()


class FlowScreen(Screen):
    """Hosts ``pages`` and shows the one of the bound flow's state, in the common frame.

    Subclasses set ``name``, ``title_key`` and ``pages``, and may override ``home()``.
    A flow with steps maps each state that belongs to a step to its number in ``steps``
    (several states may share a step; states not in it show no step), or overrides
    ``step_of``; the header then reads "第 n 步 / 共 m 步". ``show_idle_countdown`` shows
    the seconds left before the idle warning (the shell calls it once the warning is near;
    None hides it).

    Attributes:
        heading, step_label, countdown, home_button: the header's parts.
        stack, pages: the pages, by state.
    """

    title_key = ""
    home_key = "home.back"
    home_name = ""
    pages_types: tuple[type[FlowPage], ...] = ()
    #: state -> step number (1-based); the count is the highest number
    steps: ClassVar[dict[str, int]] = {}
    #: step number -> the translation key of its name, shown after the count where given
    step_names: ClassVar[dict[int, str]] = {}

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.flow: Flow[Any] | None = None
        self._elder = False
        outer = column(self, (48, 40), 20)
        self.header = FlowHeader(self.name, self.home_name)
        self.heading = self.header.heading
        self.step_label = self.header.step_label
        self.countdown = self.header.countdown
        self.home_button = self.header.home_button
        self.home_button.clicked.connect(self.home)
        outer.addWidget(self.header)
        self.stack = QStackedWidget()
        self.pages: dict[str, FlowPage] = {}
        for page_type in self.pages_types:
            page = page_type(self.send)
            self.pages[page.state] = page
            self.stack.addWidget(page)
        outer.addWidget(self.stack, 1)
        self._apply_texts()

    def step_of(self, state: str) -> tuple[int, int] | None:
        """(step, of steps) for ``state``, or None where the flow shows no step."""
        if state in self.steps:
            return self.steps[state], max(self.steps.values())
        return None

    def show_idle_countdown(self, seconds: float | None) -> None:
        """Shows the seconds left before the idle warning; None hides it."""
        self.countdown.show_left(seconds, self.language)

    def set_elder(self, elder: bool) -> None:
        self._elder = elder
        self.header.set_elder(elder)
        for view in self.findChildren(StatusView):  # a larger status icon
            view.set_elder(elder)
        for keys in self.findChildren(PlateKeyboard):  # larger keys, fewer across
            keys.set_elder(elder)

    def _show_step(self) -> None:
        flow = self.flow
        step = self.step_of(flow.state) if flow is not None and flow.state else None
        if step is not None:
            n, m = step
            name = self.step_names.get(n)
            self.step_label.setText(
                self.tr_("flow.step_named", n=n, m=m, name=self.tr_(name))
                if name
                else self.tr_("flow.step", n=n, m=m)
            )
        self.step_label.setVisible(step is not None)

    def bind(self, flow: Flow[Any]) -> None:
        """Follows ``flow`` from now on."""
        self.flow = flow
        self.show_flow()

    def home(self) -> None:
        """The home button: the flow is cancelled."""
        self.send("cancel")

    def send(self, name: str, **data: Any) -> None:
        """A touch on a page: an event for the flow."""
        if self.flow is not None:
            self.flow.send(name, **data)
            self.show_flow()

    def show_flow(self) -> None:
        """Shows the page of the flow's state."""
        flow = self.flow
        if flow is None or flow.state not in self.pages:
            return
        page = self.pages[flow.state]
        page.language = self.language
        page.show_flow(flow)
        self.stack.setCurrentWidget(page)
        self._show_step()

    def prompt_text(self) -> str:
        if self.flow is None or not self.flow.state:
            return ""
        return self.tr_(self.flow.current.prompt)

    def _apply_texts(self) -> None:
        self.heading.setText(self.tr_(self.title_key))
        self.home_button.setText(self.tr_(self.home_key))
        self.countdown.retranslate(self.language)
        self._show_step()
        self.show_flow()

    def wipe(self) -> None:
        super().wipe()
        for page in self.pages.values():
            page.wipe()
