"""The violations screen: one page per flow state, following the flow."""

from __future__ import annotations

from ui.framework.flow_screen import FlowScreen
from ui.violations.pages import PAGES

ENTRY_STATES = ("plate_entry", "secret", "licence_entry", "plate_confirm")


class ViolationsScreen(FlowScreen):
    """Renders a ``ViolationsFlow``; every touch becomes a flow event."""

    name = "violations"
    title_key = "violations.title"
    home_key = "violations.home"
    home_name = "viol_home"
    pages_types = PAGES

    def show_flow(self) -> None:
        flow = self.flow
        if flow is not None and flow.state not in ENTRY_STATES:
            # past entry: what was typed stays only in the flow (masked on screen from now on)
            for state in ENTRY_STATES:
                self.pages[state].wipe()
        super().show_flow()
