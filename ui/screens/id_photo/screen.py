"""The ID photo screen: one page per flow state."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QHBoxLayout, QStackedWidget, QVBoxLayout, QWidget

from kiosk.flows.id_photo import IdPhotoFlow
from ui.screens.base import Screen, button, label
from ui.screens.id_photo.pages import PAGES, LivePage, Page


class IdPhotoScreen(Screen):
    """Renders an ``IdPhotoFlow``; every touch becomes a flow event."""

    name = "id_photo"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.flow: IdPhotoFlow | None = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(48, 40, 48, 40)
        outer.setSpacing(20)
        top = QHBoxLayout()
        self.heading = label("", "title")
        self.home_button = button(name="idphoto_home")
        self.home_button.clicked.connect(lambda: self.send("home"))
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

    @property
    def live(self) -> LivePage:
        """The live camera page."""
        page = self.pages["live"]
        assert isinstance(page, LivePage)
        return page

    def bind(self, flow: IdPhotoFlow) -> None:
        """Follows ``flow`` from now on."""
        self.flow = flow
        self.show_flow()

    def send(self, name: str, **data: Any) -> None:
        """A touch: an event for the flow ("home" from anywhere cancels)."""
        flow = self.flow
        if flow is None:
            return
        if name == "home" and flow.state not in ("staffed", "refused", "camera_lost", "done"):
            flow.finish("cancelled")
            return
        flow.send(name, **data)
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
        g = self.flow.data.guidance
        if self.flow.state == "live" and g is not None:
            return self.tr_(g.message_key)
        return self.tr_(self.flow.current.prompt)

    def _apply_texts(self) -> None:
        self.heading.setText(self.tr_("idphoto.title"))
        self.home_button.setText(self.tr_("home.back"))
        self.show_flow()

    def wipe(self) -> None:
        super().wipe()
        for page in self.pages.values():
            page.wipe()
