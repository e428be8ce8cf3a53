"""我要反映 / 您来点单 as the shell sees it: its tile, the request flow with the camera's
still picture, the status of a scanned receipt QR (``RQ1.``), and the outbox of requests
waiting for the center.

The face check of the problem's picture uses the photo pipeline's detector, handed in by
``ui/features.py`` (``face_detector``): features do not import each other."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from devices.health import HealthLevel
from devices.scan_payload import PayloadKind, ScanEvent
from kiosk.framework.flow import Flow
from kiosk.framework.jobs import ThreadRunner
from kiosk.framework.session import EndReason
from kiosk.requests import SERVICE
from kiosk.requests.factory import build_requests_outbox
from kiosk.requests.flow import PHOTO, RequestFlow
from kiosk.requests.model import parse_status_payload
from kiosk.requests.snapshot import CameraSnapshot, FaceDetector, FaceShare
from kiosk.requests.status import RequestStatusFlow
from ui.framework.feature import Feature, Host

__all__ = ["FaceDetector", "RequestsFeature"]
from ui.requests.screen import RequestsScreen, RequestStatusScreen

log = logging.getLogger(__name__)

OUTBOX_RETRY_S = 60.0


class RequestsFeature(Feature):
    """One request per visit; a scanned receipt QR shows its progress and takes the
    resident's rating."""

    service = SERVICE
    starts_on = frozenset({PayloadKind.REQUEST})
    redraw_in = frozenset({"capturing", "submitting", "looking", "rating"})

    def __init__(self, host: Host, face_detector: Callable[[], FaceDetector] | None = None) -> None:
        super().__init__(host)
        self.face_detector = face_detector
        self.screen = RequestsScreen()
        self.status_screen = RequestStatusScreen()
        self.add_screen(self.screen)
        self.add_screen(self.status_screen)
        ctx = host.ctx
        self.outbox = build_requests_outbox(ctx.config.requests, data_dir=ctx.data_dir)
        self._snapshot: CameraSnapshot | None = None
        self._next_retry = 0.0
        self._outbox_worker: ThreadRunner | None = None

    def snapshot(self) -> CameraSnapshot:
        """Takes the problem's picture from the kiosk camera (the face detector loads on the
        first picture)."""
        if self._snapshot is None:
            faces = FaceShare(self.face_detector) if self.face_detector is not None else None
            self._snapshot = CameraSnapshot(self.host.ctx.devices.camera, faces)
        return self._snapshot

    def start(self) -> None:
        """A resident chose the service."""
        ctx = self.host.ctx
        flow = RequestFlow(
            ctx.clock,
            ctx.failsafes,
            settings=ctx.config.requests,
            service=ctx.backends.requests(),
            outbox=self.outbox,
            terminal_id=ctx.config.terminal.id,
            snapshot=self.snapshot() if ctx.config.requests.photo_allowed else None,
            runner=self.host.runner,
        )
        self.flow = flow
        self.run_flow(flow, self.screen, entered=self._entered, finished=self._finished)

    def _entered(self, flow: Flow[Any], old: str, new: str) -> None:
        if new == PHOTO:
            camera = self.host.ctx.devices.camera
            self.screen.photo_view.attach(camera)
            if camera.health.level is not HealthLevel.READY:
                flow.send("camera_lost")
        elif old == PHOTO:
            self.screen.photo_view.detach()  # the last frame may show a face
        self.screen.show_flow()
        self.speak()

    def _finished(self, _flow: Flow[Any], outcome: str) -> None:
        self.screen.photo_view.detach()
        if outcome == "completed":
            self.host.end_session(EndReason.COMPLETED)

    # -- the status of a scanned receipt --------------------------------------------------
    def start_with_scan(self, event: ScanEvent) -> bool:
        """A receipt's status QR on the attract or home screen."""
        code = parse_status_payload(event.text)
        if code is None:
            return False
        ctx = self.host.ctx
        flow = RequestStatusFlow(
            ctx.clock,
            ctx.failsafes,
            service=ctx.backends.requests(),
            code=code[0],
            token=code[1],
            settings=ctx.config.requests,
            runner=self.host.runner,
        )
        self.flow = flow
        self.run_flow(flow, self.status_screen, entered=self._status_entered)
        return True

    def _status_entered(self, _flow: Flow[Any], _old: str, _new: str) -> None:
        self.status_screen.show_flow()
        self.speak()

    # -- the camera and the outbox --------------------------------------------------------
    def tick(self) -> None:
        """The flow's answers and deadlines, a camera lost during the preview; outbox
        retries once a minute."""
        flow = self.flow
        camera = self.host.ctx.devices.camera
        if (
            isinstance(flow, RequestFlow)
            and flow.state == PHOTO
            and not flow.data.photo_problem
            and camera.health.level is not HealthLevel.READY
        ):
            flow.send("camera_lost")
            self.screen.show_flow()
        super().tick()
        ctx = self.host.ctx
        now = ctx.clock.monotonic()
        if now < self._next_retry or not self.outbox.pending():
            return
        self._next_retry = now + OUTBOX_RETRY_S
        if self._outbox_worker is None:
            self._outbox_worker = ThreadRunner(
                self.host.runner.delivery.post, name="request-outbox"
            )
        self._outbox_worker.submit(
            lambda: self.outbox.retry(ctx.backends.requests()),
            lambda outcome: log.info("request outbox: %d sent", len(outcome.sent)),
            lambda error: log.warning("request outbox retry failed: %r", error),
        )

    def close(self) -> None:
        """Stops the outbox worker and the preview; releases the face detector."""
        self.screen.photo_view.detach()
        if self._outbox_worker is not None:
            self._outbox_worker.stop()
            self._outbox_worker = None
        if self._snapshot is not None:
            self._snapshot.close()
            self._snapshot = None
