"""The points feature: its tile, a scanned card starting a visit, the redemption flow, the
voucher receipt, and the staff's voucher page in maintenance mode."""

from __future__ import annotations

import logging
from typing import Any

from devices.scan_payload import PayloadKind, ScanEvent
from kiosk.framework.flow import Flow
from kiosk.points import SERVICE
from kiosk.points.flow import PointsFlow
from ui.framework.feature import Feature, Host
from ui.points.pages import PointsScreen
from ui.points.vouchers_page import VouchersPage

log = logging.getLogger(__name__)


class PointsFeature(Feature):
    """One redemption flow per visit on the configured back end; a points card scanned on
    the attract or home screen starts one."""

    service = SERVICE
    starts_on = frozenset({PayloadKind.MEMBER_TOKEN})

    def __init__(self, host: Host) -> None:
        super().__init__(host)
        self.screen = PointsScreen()
        self.add_screen(self.screen)
        self.flow: PointsFlow | None = None
        ctx = host.ctx
        self.vouchers = VouchersPage(ctx, ctx.backends.points, host.runner.submit)
        host.add_maintenance_page(self.vouchers)

    def start_with_scan(self, event: ScanEvent) -> bool:
        self.start(scanned=event.text)
        return True

    def scanned(self, event: ScanEvent) -> bool:
        return event.kind is PayloadKind.MEMBER_TOKEN and self.card_scanned(event.text)

    def start(self, scanned: str = "") -> None:
        """A resident chose the service (or scanned a card at home)."""
        ctx = self.host.ctx
        flow = PointsFlow(
            ctx.clock,
            ctx.failsafes,
            ctx.backends.points(),
            ctx.config.points,
            runner=self.host.runner,
            terminal_id=ctx.config.terminal.id,
            language=self.host.language,
        )
        self.flow = flow
        self.run_flow(flow, self.screen, entered=self._entered)
        if scanned:
            self.card_scanned(scanned)

    def card_scanned(self, text: str) -> bool:
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
        self.speak()
