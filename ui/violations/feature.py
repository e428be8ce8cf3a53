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
    redraw_in = frozenset({"pending", "looking_up"})  # the retry countdown, the spinner

    def __init__(self, host: Host) -> None:
        super().__init__(host)
        self.screen = ViolationsScreen()
        self.screen.speak = self._say
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
        self.run_flow(flow, self.screen, entered=self._entered)
        self.screen.show_flow()

    def _entered(self, flow: Flow[Any], _old: str, new: str) -> None:
        assert isinstance(flow, ViolationsFlow)
        self.screen.show_flow()
        self.speak()

    def _say(self, text: str) -> None:
        """Speaks a text of the screen's own (the name entry's "how to write") when voice
        prompts are on."""
        if self.host.voice_on():
            self.host.ctx.voice.say(text, self.host.language)
