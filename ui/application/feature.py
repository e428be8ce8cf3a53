"""户籍自助办理 as the shell sees it: its tile, the application flow with the card reader and
the ID-photo steps, the status of a scanned receipt QR (``AP1.``), and the outbox of
applications waiting for the center."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from devices.scan_payload import PayloadKind, ScanEvent
from kiosk.application import SERVICE
from kiosk.application.card import DeviceCardReader
from kiosk.application.factory import build_application_outbox
from kiosk.application.flow import PHOTO, ApplicationFlow, parse_status_payload
from kiosk.application.model import PHOTO_PRESET
from kiosk.application.status import StatusFlow
from kiosk.framework.flow import Flow
from kiosk.framework.jobs import ThreadRunner
from kiosk.framework.session import EndReason
from ui.application.screen import ApplicationScreen, ApplicationStatusScreen
from ui.framework.feature import Feature, Host

log = logging.getLogger(__name__)

OUTBOX_RETRY_S = 60.0

PhotoTaker = Callable[[str, Callable[[bytes | None], None]], None]
"""Runs the ID-photo steps with a preset; hands back the JPEG, or None if the resident left
(the photo feature's ``take_photo``, handed over by ``ui/features.py``)."""


class ApplicationFeature(Feature):
    """One application flow per visit; a scanned receipt QR shows the status."""

    service = SERVICE
    starts_on = frozenset({PayloadKind.APPLICATION})
    scan_needs = ()
    """A status look-up (a scanned receipt QR) needs neither the camera nor the printer: the
    shell may start it while the tile is off for them (``Feature.scan_needs``)."""
    redraw_in = frozenset({"read_card", "submitting", "looking"})
    card_wait_s = 15.0
    """How long the reader looks for a card the resident places after touching 换领."""

    def __init__(self, host: Host, take_photo: PhotoTaker | None = None) -> None:
        super().__init__(host)
        self.take_photo = take_photo
        self.screen = ApplicationScreen()
        self.status_screen = ApplicationStatusScreen()
        self.add_screen(self.screen)
        self.add_screen(self.status_screen)
        ctx = host.ctx
        self.outbox = build_application_outbox(ctx.config.application, data_dir=ctx.data_dir)
        self._next_retry = 0.0
        self._outbox_worker: ThreadRunner | None = None

    def start(self) -> None:
        """A resident chose the service."""
        ctx = self.host.ctx
        flow = ApplicationFlow(
            ctx.clock,
            ctx.failsafes,
            settings=ctx.config.application,
            reader=DeviceCardReader(ctx.devices.idcard),
            service=ctx.backends.application(),
            outbox=self.outbox,
            terminal_id=ctx.config.terminal.id,
            runner=self.host.runner,
            card_wait_s=self.card_wait_s,
        )
        self.flow = flow
        self.run_flow(flow, self.screen, entered=self._entered, finished=self._finished)

    def _entered(self, flow: Flow[Any], _old: str, new: str) -> None:
        self.screen.show_flow()
        self.speak()
        if new == PHOTO and isinstance(flow, ApplicationFlow):
            self._photo_for(flow)

    def _photo_for(self, flow: ApplicationFlow) -> None:
        if self.take_photo is None:  # no photo feature on this terminal: the window
            flow.finish("cancelled")
            return

        def back(jpeg: bytes | None) -> None:
            if flow.finished is not None:
                return
            if jpeg is None:  # the resident left the photo steps (home, no consent)
                flow.finish("cancelled")
                return
            self.host.attach_flow(flow)  # the current flow again
            self.host.show_screen(self.screen.name)
            flow.send("photo_taken", jpeg=jpeg)
            self.screen.show_flow()

        self.take_photo(PHOTO_PRESET, back)

    def _finished(self, _flow: Flow[Any], outcome: str) -> None:
        if outcome == "completed":
            self.host.end_session(EndReason.COMPLETED)

    # -- the status of a scanned receipt --------------------------------------------------
    def start_with_scan(self, event: ScanEvent) -> bool:
        """A receipt's status QR on the attract or home screen."""
        code = parse_status_payload(event.text)
        if code is None:
            return False
        ctx = self.host.ctx
        flow = StatusFlow(
            ctx.clock,
            ctx.failsafes,
            service=ctx.backends.application(),
            application_no=code[0],
            token=code[1],
            runner=self.host.runner,
        )
        self.flow = flow
        self.run_flow(flow, self.status_screen, entered=self._status_entered)
        return True

    def _status_entered(self, _flow: Flow[Any], _old: str, _new: str) -> None:
        self.status_screen.show_flow()
        self.speak()

    # -- the outbox -----------------------------------------------------------------------
    def tick(self) -> None:
        """The flow's answers and deadlines; outbox retries once a minute."""
        super().tick()
        ctx = self.host.ctx
        now = ctx.clock.monotonic()
        if now < self._next_retry or not self.outbox.pending():
            return
        self._next_retry = now + OUTBOX_RETRY_S
        if self._outbox_worker is None:
            self._outbox_worker = ThreadRunner(
                self.host.runner.delivery.post, name="application-outbox"
            )
        self._outbox_worker.submit(
            lambda: self.outbox.retry(ctx.backends.application()),
            lambda outcome: log.info("application outbox: %d sent", len(outcome.sent)),
            lambda error: log.warning("application outbox retry failed: %r", error),
        )

    def close(self) -> None:
        """Stops the outbox worker."""
        if self._outbox_worker is not None:
            self._outbox_worker.stop()
            self._outbox_worker = None
