"""Connects the points flow to its screen, the scanner, the printer and the session."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from devices.health import HealthLevel
from kiosk.framework.flow import Flow
from kiosk.points.factory import build_points_service
from kiosk.points.flow import PointsFlow
from kiosk.points.service import PointsService
from ui.points.pages import PointsScreen

if TYPE_CHECKING:
    from ui.shell.window import Shell

log = logging.getLogger(__name__)


class PointsController:
    """One redemption flow per visit; the service is built on first use and kept."""

    service_id = "points"

    def __init__(self, shell: Shell) -> None:
        self.shell = shell
        self.screen = PointsScreen()
        shell.add_screen(self.screen)
        self.flow: PointsFlow | None = None
        self._service: PointsService | None = None

    def service(self) -> PointsService:
        """The configured points service (embedded demo ledger or the center)."""
        if self._service is None:
            ctx = self.shell.ctx
            self._service = build_points_service(
                ctx.config.backend,
                ctx.config.points,
                data_dir=ctx.data_dir,
                terminal_id=ctx.config.terminal.id,
                clock=ctx.clock,
            )
        return self._service

    def start(self, scanned: str = "") -> None:
        """A resident chose the service (or scanned a card at home)."""
        ctx = self.shell.ctx
        flow = PointsFlow(
            ctx.clock,
            ctx.failsafes,
            self.service(),
            ctx.config.points,
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
        if scanned:
            self.scanned(scanned)

    def scanned(self, text: str) -> bool:
        """A member card scanned while the flow waits for one; True if it was taken."""
        flow = self.flow
        if flow is None or flow.state not in ("scan", "token_refused"):
            return False
        if flow.state == "token_refused":
            flow.send("again")
        flow.send("scan", text=text)
        self.screen.show_flow()
        return True

    def _entered(self, flow: Flow[Any], _old: str, new: str) -> None:
        assert isinstance(flow, PointsFlow)
        self.screen.show_flow()
        if new == "voucher" and flow.data.receipt is not None:
            printer = self.shell.ctx.devices.printer
            self.screen.receipt_printed = printer.health.level is not HealthLevel.OFFLINE
            if self.screen.receipt_printed:
                self.shell.print_receipt(flow.data.receipt)
            else:
                # not sent at all: the voucher stays "unprinted" and can be reprinted later
                flow.send("print_failed")
            self.screen.show_flow()
        if self.shell.voice_on():
            self.shell.speak_prompt()

    def _finished(self) -> None:
        self.flow = None
        self.screen.wipe()

    def tick(self) -> None:
        """Lets the flow notice background answers and deadlines."""
        if self.flow is not None and self.shell.current is self.screen:
            state = self.flow.state
            self.flow.tick()
            if self.flow is not None and self.flow.state != state:
                self.screen.show_flow()

    def close(self) -> None:
        """Closes the service."""
        if self._service is not None:
            self._service.close()
            self._service = None
