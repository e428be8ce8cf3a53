"""The ID photo screen: one page per flow state."""

from __future__ import annotations

from kiosk.photo.flow import IdPhotoFlow
from ui.framework.flow_screen import FlowScreen
from ui.photo.pages import PAGES, LivePage


class IdPhotoScreen(FlowScreen):
    """Renders an ``IdPhotoFlow``; every touch becomes a flow event."""

    name = "id_photo"
    title_key = "idphoto.title"
    home_name = "idphoto_home"
    pages_types = PAGES

    @property
    def live(self) -> LivePage:
        """The live camera page."""
        page = self.pages["live"]
        assert isinstance(page, LivePage)
        return page

    def home(self) -> None:
        """Home: cancels, except where the page itself offers the way home."""
        flow = self.flow
        if flow is None:
            return
        if flow.state in ("staffed", "refused", "camera_lost", "done"):
            self.send("home")
        else:
            flow.finish("cancelled")

    def prompt_text(self) -> str:
        flow = self.flow
        if isinstance(flow, IdPhotoFlow) and flow.state == "live" and flow.data.guidance:
            return self.tr_(flow.data.guidance.message_key)
        return super().prompt_text()
