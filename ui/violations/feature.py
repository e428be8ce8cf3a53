"""The violations feature: its tile, its screen, one lookup flow per visit, the receipt."""

from __future__ import annotations

import logging
from typing import Any

from kiosk.framework.flow import Flow
from kiosk.violations import SERVICE
from kiosk.violations.flow import ViolationsFlow
from ui.framework.feature import Feature, Host
from ui.violations.screen import ViolationsScreen

log = logging.getLogger(__name__)


class ViolationsFeature(Feature):
    """Starts a lookup flow per visit on the configured back end."""

    service = SERVICE

    def __init__(self, host: Host) -> None:
        super().__init__(host)
        self.screen = ViolationsScreen()
        self.add_screen(self.screen)
        self.flow: ViolationsFlow | None = None

    def start(self) -> None:
        """A resident chose the service."""
        ctx = self.host.ctx
        flow = ViolationsFlow(
            ctx.clock,
            ctx.failsafes,
            ctx.backends.violations(),
            runner=self.host.runner,
            terminal_id=ctx.config.terminal.id,
            language=self.host.language,
        )
        self.flow = flow
        self.run_flow(
            flow, self.screen, entered=self._entered, finished=lambda _f, _o: self._finished()
        )
        self.screen.show_flow()

    def _entered(self, flow: Flow[Any], _old: str, new: str) -> None:
        assert isinstance(flow, ViolationsFlow)
        self.screen.show_flow()
        if new == "receipt" and flow.data.receipt is not None:
            # print before "printed": the flow wipes itself when it finishes
            self.host.print_receipt(flow.data.receipt)
            self.host.notify("receipt.take_it")
            flow.send("printed")
            return
        if self.host.voice_on():
            self.host.speak_prompt()

    def _finished(self) -> None:
        self.flow = None
        self.screen.wipe()

    def tick(self) -> None:
        """Lets the flow move on with time (pending countdown, lookup deadline)."""
        if self.flow is not None and self.host.current is self.screen:
            self.flow.tick()
            if self.flow is not None and self.flow.state in ("pending", "looking_up"):
                self.screen.show_flow()
