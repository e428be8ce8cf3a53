"""Connects the violations flow to its screen, the printer and the session."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from kiosk.framework.flow import Flow
from kiosk.framework.i18n import tr
from kiosk.violations.factory import build_violation_service
from kiosk.violations.flow import ViolationsFlow
from kiosk.violations.service import ViolationService
from ui.violations.screen import ViolationsScreen

if TYPE_CHECKING:
    from ui.shell.window import Shell

log = logging.getLogger(__name__)


class ViolationsController:
    """Starts a lookup flow per visit; the service is built on first use and kept."""

    service_id = "violations"

    def __init__(self, shell: Shell) -> None:
        self.shell = shell
        self.screen = ViolationsScreen()
        shell.add_screen(self.screen)
        self.flow: ViolationsFlow | None = None
        self._service: ViolationService | None = None

    def service(self) -> ViolationService:
        """The configured violation service (local demo store or the center)."""
        if self._service is None:
            ctx = self.shell.ctx
            self._service = build_violation_service(
                ctx.config.backend,
                data_dir=ctx.data_dir,
                terminal_id=ctx.config.terminal.id,
                clock=ctx.clock,
            )
        return self._service

    def start(self) -> None:
        """A resident chose the service."""
        ctx = self.shell.ctx
        flow = ViolationsFlow(
            ctx.clock,
            ctx.failsafes,
            self.service(),
            runner=self.shell.runner,
            terminal_id=ctx.config.terminal.id,
            language=self.shell.language,
        )
        self.flow = flow
        flow.flow_did_enter_state.append(self._entered)
        flow.flow_did_finish.append(lambda _f, _o: self._finished())
        session = ctx.sessions.session
        if session is not None:
            session.on_wipe(flow.wipe)
        self.shell.attach_flow(flow)
        self.screen.bind(flow)
        self.shell.show_screen(self.screen.name)
        flow.start()
        self.screen.show_flow()

    def _entered(self, flow: Flow[Any], _old: str, new: str) -> None:
        assert isinstance(flow, ViolationsFlow)
        self.screen.show_flow()
        if new == "receipt" and flow.data.receipt is not None:
            # print before "printed": the flow wipes itself when it finishes
            self.shell.print_receipt(flow.data.receipt)
            self.shell.toast.show_text(
                tr("receipt.take_it", self.shell.language), self.shell.ctx.clock.monotonic()
            )
            flow.send("printed")
            return
        if self.shell.voice_on():
            self.shell.speak_prompt()

    def _finished(self) -> None:
        self.flow = None
        self.screen.wipe()

    def tick(self) -> None:
        """Lets the flow move on with time (pending countdown, lookup deadline)."""
        if self.flow is not None and self.shell.current is self.screen:
            self.flow.tick()
            if self.flow is not None and self.flow.state in ("pending", "looking_up"):
                self.screen.show_flow()

    def close(self) -> None:
        """Closes the service."""
        if self._service is not None:
            self._service.close()
            self._service = None
