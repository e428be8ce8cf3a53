"""The application screen and the status screen: one page per flow state."""

from __future__ import annotations

from typing import ClassVar

from ui.application.pages import PAGES, STATUS_PAGES, STEP_NAMES, STEP_OF, EntryPage
from ui.framework.flow_screen import FlowScreen


class ApplicationScreen(FlowScreen):
    """Renders an ``ApplicationFlow``; every touch becomes a flow event."""

    name = "application"
    title_key = "application.title"
    home_key = "application.home"
    home_name = "application_home"
    pages_types = PAGES
    steps: ClassVar[dict[str, int]] = {state: n for state, n in STEP_OF.items() if n}
    step_names: ClassVar[dict[int, str]] = {
        i: f"application.step.{name}" for i, name in enumerate(STEP_NAMES, 1)
    }

    def show_flow(self) -> None:
        """Shows the page of the flow's state; the typed fields of the other steps forget
        what they held (a mobile, an address, an ID number)."""
        super().show_flow()
        current = self.stack.currentWidget()
        for page in self.pages.values():
            if isinstance(page, EntryPage) and page is not current:
                page.forget_typed()

    def prompt_text(self) -> str:
        """What the voice reads: the state's own words (``Step.say``: why the counter, the
        card's problem, an application waiting for the network)."""
        flow = self.flow
        if flow is None or not flow.state:
            return ""
        return flow.current.speech(flow, self.language)

    def set_elder(self, elder: bool) -> None:
        """Elder mode reaches the typed fields (handwriting first, large keys)."""
        super().set_elder(elder)  # the home icon's size
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
