"""The violations screen: hosts one page per flow state and follows the flow."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QHBoxLayout, QStackedWidget, QVBoxLayout, QWidget

from kiosk.flows.violations import ViolationsFlow
from ui.screens.base import Screen, button, label
from ui.screens.violations.pages import PAGES, Page

ENTRY_STATES = ("plate_entry", "secret", "licence_entry", "plate_confirm")


class ViolationsScreen(Screen):
    """Renders a ``ViolationsFlow``; every touch becomes a flow event."""

    name = "violations"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.flow: ViolationsFlow | None = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(48, 40, 48, 40)
        outer.setSpacing(24)
        top = QHBoxLayout()
        self.heading = label("", "title")
        self.home_button = button(name="viol_home")
        self.home_button.clicked.connect(lambda: self.send("cancel"))
        top.addWidget(self.heading, 1)
        top.addWidget(self.home_button)
        outer.addLayout(top)
        self.stack = QStackedWidget()
        self.pages: dict[str, Page] = {}
        for page_type in PAGES:
            page = page_type(self.send)
            self.pages[page.state] = page
            self.stack.addWidget(page)
        outer.addWidget(self.stack, 1)
        self._apply_texts()

    def bind(self, flow: ViolationsFlow) -> None:
        """Follows ``flow`` from now on."""
        self.flow = flow
        self.wipe()
        self.show_flow()

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
        if flow.state not in ENTRY_STATES:
            # past entry: what was typed stays only in the flow (masked on screen from now on)
            for state in ENTRY_STATES:
                self.pages[state].wipe()
        page = self.pages[flow.state]
        page.language = self.language
        page.show_flow(flow)
        self.stack.setCurrentWidget(page)

    def prompt_text(self) -> str:
        if self.flow is None or not self.flow.state:
            return ""
        return self.tr_(self.flow.current.prompt)

    def _apply_texts(self) -> None:
        self.heading.setText(self.tr_("violations.title"))
        self.home_button.setText(self.tr_("violations.home"))
        self.show_flow()

    def wipe(self) -> None:
        super().wipe()
        for page in self.pages.values():
            page.wipe()
