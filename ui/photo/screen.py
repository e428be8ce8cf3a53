"""The ID photo screen: one page per flow state."""

from __future__ import annotations

from typing import ClassVar

from kiosk.photo.flow import IdPhotoFlow
from ui.framework.flow_screen import FlowScreen
from ui.photo.pages import PAGES, LivePage


class IdPhotoScreen(FlowScreen):
    """Renders an ``IdPhotoFlow``; every touch becomes a flow event."""

    name = "id_photo"
    title_key = "idphoto.title"
    home_name = "idphoto_home"
    pages_types = PAGES
    #: 同意 → 选规格 → 拍照 → 确认照片; the apology states (no consent, no camera) and the
    #: reference code at the end show no step
    steps: ClassVar[dict[str, int]] = {
        "consent": 1,
        "preset": 2,
        "live": 3,
        "processing": 3,
        "result": 4,
        "refused": 4,
        "submitting": 4,
    }

    def step_of(self, state: str) -> tuple[int, int] | None:
        """No step while the photo is a part of another service (the application counts its
        own steps, of which the photo is one)."""
        flow = self.flow
        if isinstance(flow, IdPhotoFlow) and flow.fixed_preset:
            return None
        return super().step_of(state)

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
