"""The ID photo feature: its tile, the flow with the camera, live guidance, its screen and
receipt, and the outbox of photos waiting for the photo service. Guidance runs on its own
thread and only ever analyses the newest frame."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from devices.camera import Camera, Frame
from devices.health import HealthLevel
from kiosk.framework.flow import Flow
from kiosk.framework.jobs import ThreadRunner
from kiosk.framework.session import EndReason
from kiosk.photo import SERVICE
from kiosk.photo.flow import IdPhotoFlow
from kiosk.photo.outbox import PhotoOutbox
from kiosk.photo.presets import load_presets
from kiosk.platform.config_schema import PhotoConfig
from ui.framework.feature import Feature, Host
from ui.photo.screen import IdPhotoScreen

if TYPE_CHECKING:
    from kiosk.photo.guidance import GuidanceResult
    from kiosk.photo.pipeline import IdPhotoMaker, PhotoResult

log = logging.getLogger(__name__)

OUTBOX_RETRY_S = 60.0


class GuidanceWorker:
    """Analyses the newest camera frame on a worker thread; results go to ``on_result`` on
    the GUI thread. Older frames are dropped, never queued."""

    def __init__(
        self,
        camera: Camera,
        preset: str,
        post: Callable[[Callable[[], None]], None],
        on_result: Callable[[GuidanceResult, Any], None],
    ) -> None:
        self.camera, self.preset, self.post, self.on_result = camera, preset, post, on_result
        self._slot: Frame | None = None
        self._wake = threading.Condition()
        self._stopping = False
        self._unsubscribe = camera.subscribe(self._on_frame)
        self.analysed = 0
        self._thread = threading.Thread(target=self._loop, name="photo-guidance", daemon=True)
        self._thread.start()

    def _on_frame(self, frame: Frame) -> None:
        with self._wake:
            self._slot = frame
            self._wake.notify()

    def _loop(self) -> None:
        from kiosk.photo.guidance import Guidance  # mediapipe loads here, off the GUI thread

        guidance = Guidance(self.preset)  # mediapipe graphs live on this thread
        try:
            while True:
                with self._wake:
                    while self._slot is None and not self._stopping:
                        self._wake.wait()
                    frame, self._slot = self._slot, None
                    if self._stopping or frame is None:
                        return
                try:
                    result = guidance.analyse(frame.image)
                except Exception:
                    log.exception("guidance failed on a frame")
                    continue
                self.analysed += 1
                image = frame.image
                self.post(lambda r=result, i=image: self.on_result(r, i))  # type: ignore[misc]
        finally:
            guidance.close()

    def stop(self) -> None:
        """Stops analysing and waits for the thread."""
        self._unsubscribe()
        with self._wake:
            self._stopping = True
            self._wake.notify()
        self._thread.join(timeout=10)


class _ConfiguredMaker:
    """The still pipeline with the terminal's photo settings applied."""

    def __init__(self, maker: IdPhotoMaker, config: PhotoConfig) -> None:
        self.maker, self.config = maker, config

    def make(self, image_bgr: Any, preset: str | None = None) -> PhotoResult:
        return self.maker.make(
            image_bgr,
            preset,
            replace_background=self.config.replace_background,
            background=self.config.background,
        )


class IdPhotoFeature(Feature):
    """One ID photo flow per visit; photos go to the configured photo service."""

    service = SERVICE

    def __init__(self, host: Host) -> None:
        super().__init__(host)
        self.screen = IdPhotoScreen()
        self.add_screen(self.screen)
        self.flow: IdPhotoFlow | None = None
        self.worker: GuidanceWorker | None = None
        self._maker: IdPhotoMaker | None = None
        ctx = host.ctx
        self.outbox = PhotoOutbox(
            ctx.data_dir / "photo_outbox",
            ctx.data_dir / "keys" / "photo_outbox.key",
            lifetime_s=ctx.config.photo.outbox_lifetime_h * 3600,
        )
        self._next_retry = 0.0
        # Its own worker: retries to a slow center must not hold up a resident's lookup or
        # redemption behind them on the shared one. Started on the first retry.
        self._outbox_worker: ThreadRunner | None = None
        self._last_spoken = ""

    def maker(self) -> _ConfiguredMaker:
        """The still pipeline (its models load on first use, on the worker thread)."""
        if self._maker is None:
            from kiosk.photo.pipeline import IdPhotoMaker

            self._maker = IdPhotoMaker()
        return _ConfiguredMaker(self._maker, self.host.ctx.config.photo)

    def start(self) -> None:
        """A resident chose the service."""
        flow = self._new_flow()
        self.flow = flow
        self.run_flow(flow, self.screen, entered=self._entered, finished=self._finished)

    def take_photo(self, preset: str, done: Callable[[bytes | None], None]) -> None:
        """The photo steps for another service (the ID-card application): consent, the
        camera, the checks, with ``preset`` fixed. The confirmed JPEG goes to ``done``, and
        nothing is submitted or printed here; ``done(None)`` if the resident left."""
        taken: list[bytes] = []
        flow = self._new_flow(fixed_preset=preset, deliver=taken.append)

        def finished(_flow: Flow[Any], outcome: str) -> None:
            self._stop_live()
            photo = taken[0] if outcome == "completed" and taken else None
            taken.clear()
            done(photo)

        self.flow = flow
        self.run_flow(flow, self.screen, entered=self._entered, finished=finished, home=None)

    def _new_flow(
        self, *, fixed_preset: str = "", deliver: Callable[[bytes], None] | None = None
    ) -> IdPhotoFlow:
        ctx = self.host.ctx
        flow = IdPhotoFlow(
            ctx.clock,
            ctx.failsafes,
            presets=load_presets(),
            maker=self.maker(),
            service=ctx.backends.photo(),
            outbox=self.outbox,
            runner=self.host.runner,
            terminal_id=ctx.config.terminal.id,
            nobody_help_s=ctx.config.photo.nobody_help_s,
            fixed_preset=fixed_preset,
            deliver=deliver,
        )
        flow.staff_hint = dict(ctx.config.ui.staff_hint)
        return flow

    def _entered(self, flow: Flow[Any], old: str, new: str) -> None:
        assert isinstance(flow, IdPhotoFlow)
        if new == "live":
            self._start_live(flow)
        elif old == "live":
            self._stop_live()
        self.screen.show_flow()
        self.speak()

    def _start_live(self, flow: IdPhotoFlow) -> None:
        camera = self.host.ctx.devices.camera
        self.screen.live.view.attach(camera)
        if camera.health.level is not HealthLevel.READY:
            flow.send("camera_lost")
            return
        if self.worker is None:
            self.worker = GuidanceWorker(
                camera, flow.data.preset_id, self.host.runner.delivery.post, self._on_guidance
            )

    def _stop_live(self) -> None:
        if self.worker is not None:
            self.worker.stop()
            self.worker = None
        self.screen.live.view.detach()

    def _on_guidance(self, result: GuidanceResult, image: Any) -> None:
        flow = self.flow
        if flow is None or flow.state != "live":
            return
        flow.send("guidance", result=result, frame=image)
        self.screen.show_flow()
        if self.host.voice_on() and result.message_key != self._last_spoken:
            self._last_spoken = result.message_key
            self.host.speak_prompt()

    def _finished(self, _flow: Flow[Any], outcome: str) -> None:
        self._stop_live()
        if outcome == "completed":
            # "then the session ends": the photo, the code and the screens are wiped
            self.host.end_session(EndReason.COMPLETED)

    def tick(self) -> None:
        """Camera loss, the nobody-there hint, and outbox retries."""
        ctx = self.host.ctx
        flow = self.flow
        if flow is not None and flow.state == "live":
            if ctx.devices.camera.health.level is not HealthLevel.READY:
                flow.send("camera_lost")
            flow.tick()
            self.screen.show_flow()
        now = ctx.clock.monotonic()
        if now >= self._next_retry and self.outbox.pending():
            self._next_retry = now + OUTBOX_RETRY_S
            if self._outbox_worker is None:
                self._outbox_worker = ThreadRunner(
                    self.host.runner.delivery.post, name="photo-outbox"
                )
            self._outbox_worker.submit(
                lambda: self.outbox.retry(ctx.backends.photo()),
                lambda outcome: log.info("photo outbox: %d sent", len(outcome.sent)),
                lambda error: log.warning("photo outbox retry failed: %r", error),
            )

    def close(self) -> None:
        """Stops guidance and releases the pipeline's models."""
        self._stop_live()
        if self._outbox_worker is not None:
            self._outbox_worker.stop()
            self._outbox_worker = None
        if self._maker is not None:
            self._maker.close()
