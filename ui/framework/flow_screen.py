"""A screen that follows one flow: a page per flow state under a title and a home button.

Pages render the flow and send its events; they hold no rules.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QStackedWidget, QVBoxLayout, QWidget

from kiosk.framework.flow import Flow
from kiosk.framework.i18n import tr
from ui.framework.screen import Screen, button, clear_layout, column, label

Send = Callable[..., None]


class FlowPage(QWidget):
    """The page for one flow state (``state``)."""

    state = ""
    prefix = "flow"

    def __init__(self, send: Send) -> None:
        super().__init__()
        self.send = send
        self.language = "zh_CN"
        self.setObjectName(f"{self.prefix}_{self.state}")
        self.box = QVBoxLayout(self)
        self.box.setContentsMargins(0, 0, 0, 0)
        self.box.setSpacing(20)

    def t(self, key: str, **fields: object) -> str:
        """Translates into the page's language."""
        return tr(key, self.language, **fields)

    def show_flow(self, flow: Any) -> None:
        """Shows the flow's current data."""

    def wipe(self) -> None:
        """Forgets anything personal the page shows."""


class ChoiceGridPage(FlowPage):
    """A title and a grid of large choice buttons, built once per language."""

    title_key = ""
    columns = 2
    button_height = 150

    def __init__(self, send: Send) -> None:
        super().__init__(send)
        self.title = label("", "title", center=True)
        self.grid = QGridLayout()
        self.grid.setSpacing(16)
        self.box.addWidget(self.title)
        self.box.addLayout(self.grid)
        self.box.addStretch(1)
        self._built = ""

    def choices(self, flow: Any) -> list[tuple[str, str, str, dict[str, Any]]]:
        """(text, object name, event, event data) for each button."""
        return []

    def show_flow(self, flow: Any) -> None:
        self.title.setText(self.t(self.title_key))
        if self._built == self.language:
            return
        clear_layout(self.grid)
        for i, (text, name, event, data) in enumerate(self.choices(flow)):
            b = button(text, name=name)
            b.setMinimumHeight(self.button_height)
            b.clicked.connect(lambda _=False, e=event, d=data: self.send(e, **d))
            self.grid.addWidget(b, i // self.columns, i % self.columns)
        self._built = self.language


class FlowScreen(Screen):
    """Hosts ``pages`` and shows the one of the bound flow's state.

    Subclasses set ``name``, ``title_key`` and ``pages``, and may override ``home()``.
    """

    title_key = ""
    home_key = "home.back"
    home_name = ""
    pages_types: tuple[type[FlowPage], ...] = ()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.flow: Flow[Any] | None = None
        outer = column(self, (48, 40), 20)
        top = QHBoxLayout()
        self.heading = label("", "title")
        self.home_button = button(name=self.home_name or f"{self.name}_home")
        self.home_button.clicked.connect(self.home)
        top.addWidget(self.heading, 1)
        top.addWidget(self.home_button)
        outer.addLayout(top)
        self.stack = QStackedWidget()
        self.pages: dict[str, FlowPage] = {}
        for page_type in self.pages_types:
            page = page_type(self.send)
            self.pages[page.state] = page
            self.stack.addWidget(page)
        outer.addWidget(self.stack, 1)
        self._apply_texts()

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

    def prompt_text(self) -> str:
        if self.flow is None or not self.flow.state:
            return ""
        return self.tr_(self.flow.current.prompt)

    def _apply_texts(self) -> None:
        self.heading.setText(self.tr_(self.title_key))
        self.home_button.setText(self.tr_(self.home_key))
        self.show_flow()

    def wipe(self) -> None:
        super().wipe()
        for page in self.pages.values():
            page.wipe()
