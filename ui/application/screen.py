"""The application screen and the status screen: one page per flow state."""

from __future__ import annotations

from ui.application.pages import PAGES, STATUS_PAGES, EntryPage
from ui.framework.flow_screen import FlowScreen


class ApplicationScreen(FlowScreen):
    """Renders an ``ApplicationFlow``; every touch becomes a flow event."""

    name = "application"
    title_key = "application.title"
    home_key = "application.home"
    home_name = "application_home"
    pages_types = PAGES

    def set_elder(self, elder: bool) -> None:
        """Elder mode reaches the typed fields (handwriting first, large keys)."""
        for page in self.pages.values():
            if isinstance(page, EntryPage):
                page.set_elder(elder)


class ApplicationStatusScreen(FlowScreen):
    """Renders a ``StatusFlow`` (a scanned receipt QR)."""

    name = "application_status"
    title_key = "application.title"
    home_key = "application.home"
    home_name = "application_status_home"
    pages_types = STATUS_PAGES
