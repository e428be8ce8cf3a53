"""The request screen and the status screen: one page per flow state."""

from __future__ import annotations

from kiosk.requests.flow import STEP_COUNT, STEPS
from ui.framework.flow_screen import FlowScreen
from ui.framework.widgets.camera_view import CameraView
from ui.requests.pages import PAGES, STATUS_PAGES, EntryPage, PhotoPage


class RequestsScreen(FlowScreen):
    """Renders a ``RequestFlow``; every touch becomes a flow event. The header reads
    "第 n 步 / 共 7 步" (category, place, description, photo, contact, review, receipt)."""

    name = "requests"
    title_key = "requests.title"
    home_key = "requests.home"
    home_name = "requests_home"
    pages_types = PAGES

    def step_of(self, state: str) -> tuple[int, int] | None:
        n = STEPS.get(state)
        return None if n is None else (n, STEP_COUNT)

    def set_elder(self, elder: bool) -> None:
        """Elder mode reaches the typed fields (handwriting first, large keys)."""
        super().set_elder(elder)
        for page in self.pages.values():
            if isinstance(page, EntryPage):
                page.set_elder(elder)

    @property
    def photo_view(self) -> CameraView:
        """The camera preview of the photo page."""
        page = self.pages["photo"]
        assert isinstance(page, PhotoPage)
        return page.view


class RequestStatusScreen(FlowScreen):
    """Renders a ``RequestStatusFlow`` (a scanned receipt QR)."""

    name = "requests_status"
    title_key = "requests.status_title"
    home_key = "requests.home"
    home_name = "requests_status_home"
    pages_types = STATUS_PAGES
