"""The self-service ID photo flow as a state machine (no Qt).

consent → preset → live → processing → result → submitting → done, with ``refused`` (the
photo does not comply: retake), ``staffed`` (no consent: how to get a person) and
``camera_lost`` (a way home). Heavy work (the still pipeline, the submission) runs through
the injected ``Runner``; the flow never blocks its caller. Everything personal lives in
``IdPhotoData`` and is wiped with the session.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from devices.receipt.document import Align, Block, QRCode, Receipt, Rule, Text
from kiosk.framework.clock import Clock
from kiosk.framework.flow import Event, FailsafeMonitor, Flow, State
from kiosk.framework.i18n import tr
from kiosk.framework.jobs import Runner
from kiosk.framework.receipts import service_receipt
from kiosk.photo.autocapture import AutoCapture, CaptureState
from kiosk.photo.guidance import GuidanceResult
from kiosk.photo.outbox import PhotoOutbox
from kiosk.photo.pipeline import PhotoResult
from kiosk.photo.presets import PhotoPresets
from kiosk.photo.service import PhotoService, PhotoSubmission

log = logging.getLogger(__name__)

Image = npt.NDArray[np.uint8]


class PhotoMaker(Protocol):
    """The still pipeline (``kiosk.photo.pipeline.IdPhotoMaker``)."""

    def make(self, image_bgr: Image, preset: str | None = None) -> PhotoResult:
        """One ID photo from one picture."""
        ...


@dataclass
class IdPhotoData:
    """Everything personal in one visit; ``wipe()`` forgets it."""

    preset_id: str = ""
    under_14: bool = False
    guardian_confirmed: bool = False
    guidance: GuidanceResult | None = None
    capture: CaptureState | None = None
    captured: Image | None = None
    result: PhotoResult | None = None
    reference: str = ""
    queued_id: str = ""
    taken_at: datetime | None = None
    last_face_at: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    def wipe(self) -> None:
        """Drops every frame, photo and code (the session calls this at its end)."""
        if self.captured is not None:
            self.captured.fill(0)
        self.__init__()  # type: ignore[misc]


class Consent(State):
    """PIPL consent: purpose, recipient, retention, deletion; a guardian for under-14s."""

    name = "consent"
    prompt = "idphoto.consent.prompt"

    def do(self, flow: Flow[Any], event: Event) -> None:
        f = _flow(flow)
        if event.name == "agree":
            f.data.under_14 = bool(event.data.get("under_14", False))
            f.data.guardian_confirmed = bool(event.data.get("guardian", False))
            f.needs_guardian = f.data.under_14 and not f.data.guardian_confirmed
            if not f.needs_guardian:
                f.audit_consent()
                f.after_consent()
        elif event.name == "disagree":
            f.go("staffed")


class Staffed(State):
    """No consent: the staffed counter takes the photo; nothing was recorded."""

    name = "staffed"
    prompt = "idphoto.staffed.prompt"

    def do(self, flow: Flow[Any], event: Event) -> None:
        if event.name == "home":
            flow.finish("cancelled")


class ChoosePreset(State):
    """Which photo: resident ID (default) or another preset."""

    name = "preset"
    prompt = "idphoto.preset.prompt"

    def do(self, flow: Flow[Any], event: Event) -> None:
        f = _flow(flow)
        if event.name == "choose":
            f.data.preset_id = str(event.data["preset"])
            f.go("live")
        elif event.name == "back":
            f.go("consent")


class Live(State):
    """Guidance on every analysed frame; auto-capture after a countdown, or by hand."""

    name = "live"
    prompt = "idphoto.live.prompt"

    def enter(self, flow: Flow[Any]) -> None:
        f = _flow(flow)
        f.autocapture.reset()
        f.data.guidance = None
        f.data.capture = None
        f.data.last_face_at = f.clock.monotonic()

    def do(self, flow: Flow[Any], event: Event) -> None:
        f = _flow(flow)
        if event.name == "guidance":
            result: GuidanceResult = event.data["result"]
            f.data.guidance = result
            if result.face_count > 0:
                f.data.last_face_at = f.clock.monotonic()
            f.data.capture = f.autocapture.update(result.all_ok)
            if f.data.capture.capture_now:
                f.take(event.data["frame"])
        elif event.name == "capture" and event.data.get("frame") is not None:
            f.take(event.data["frame"])
        elif event.name == "camera_lost":
            f.go("camera_lost")
        elif event.name == "back":
            f.go("consent" if f.fixed_preset else "preset")


class Processing(State):
    """The still pipeline runs off the caller's thread."""

    name = "processing"
    prompt = "idphoto.processing.prompt"

    def enter(self, flow: Flow[Any]) -> None:
        f = _flow(flow)
        frame = f.data.captured
        assert frame is not None
        preset = f.data.preset_id
        maker = f.maker

        def processed(result: PhotoResult) -> None:
            f.data.result = result
            f.go("result" if result.ok else "refused")

        def process_failed(error: BaseException) -> None:
            raise RuntimeError(f"photo pipeline failed: {error!r}")

        f.run(lambda: maker.make(frame, preset), processed, process_failed)


class ResultState(State):
    """The finished photo and each check in plain words: retake or confirm."""

    name = "result"
    prompt = "idphoto.result.prompt"

    def do(self, flow: Flow[Any], event: Event) -> None:
        f = _flow(flow)
        if event.name == "retake":
            f.data.result = None
            f.go("live")
        elif event.name == "confirm":
            if f.deliver is not None:  # part of another service: the photo goes back to it
                result = f.data.result
                assert result is not None and result.jpeg is not None
                f.deliver(result.jpeg)
                f.finish("completed")
            else:
                f.go("submitting")


class Refused(State):
    """The photo does not comply; the reasons and a retake."""

    name = "refused"
    prompt = "idphoto.refused.prompt"

    def do(self, flow: Flow[Any], event: Event) -> None:
        f = _flow(flow)
        if event.name == "retake":
            f.data.result = None
            f.go("live")
        elif event.name == "home":
            f.finish("cancelled")


class Submitting(State):
    """Hands the photo to the PhotoService; if that fails, to the encrypted outbox."""

    name = "submitting"
    prompt = "idphoto.submitting.prompt"

    def enter(self, flow: Flow[Any]) -> None:
        f = _flow(flow)
        result = f.data.result
        assert result is not None and result.jpeg is not None
        submission = PhotoSubmission(
            result.jpeg, result.preset_id, f.terminal_id, f.data.taken_at or f.clock.now()
        )
        key, service = f.idempotency_key, f.service

        def submitted(reference: str) -> None:
            f.data.reference = str(reference)
            f.go("done")

        def submit_failed(error: BaseException) -> None:
            log.warning("photo submission failed, queued in the outbox: %r", error)
            f.data.queued_id = f.outbox.put(submission, key)
            f.go("done")

        f.run(lambda: service.submit(submission, key), submitted, submit_failed)


class Done(State):
    """The receipt is printed by the shell; "finish" ends the visit."""

    name = "done"
    prompt = "idphoto.done.prompt"
    prints = True

    def do(self, flow: Flow[Any], event: Event) -> None:
        if event.name in ("finish", "home"):
            flow.finish("completed")


class CameraLost(State):
    """The camera went away mid-flow: say so and offer the way home."""

    name = "camera_lost"
    prompt = "idphoto.camera_lost.prompt"

    def do(self, flow: Flow[Any], event: Event) -> None:
        f = _flow(flow)
        if event.name == "home":
            f.finish("cancelled")
        elif event.name == "camera_back":
            f.go("live")


class IdPhotoFlow(Flow[IdPhotoData]):
    """Self-service ID photo.

    Attributes:
        data: the visit's personal data (wiped with the session).
        needs_guardian: consent was given for a child without the guardian's confirmation.
    """

    name = "id_photo"
    initial = "consent"

    def __init__(
        self,
        clock: Clock,
        monitor: FailsafeMonitor,
        *,
        presets: PhotoPresets,
        maker: PhotoMaker,
        service: PhotoService,
        outbox: PhotoOutbox,
        runner: Runner,
        terminal_id: str,
        nobody_help_s: float = 30.0,
        audit: Any = None,
        fixed_preset: str = "",
        deliver: Callable[[bytes], None] | None = None,
    ) -> None:
        super().__init__(
            clock,
            monitor,
            [
                Consent(),
                Staffed(),
                ChoosePreset(),
                Live(),
                Processing(),
                ResultState(),
                Refused(),
                Submitting(),
                Done(),
                CameraLost(),
            ],
            IdPhotoData(),
            runner=runner,
        )
        self.presets = presets
        self.maker, self.service, self.outbox = maker, service, outbox
        self.terminal_id = terminal_id
        self.nobody_help_s = nobody_help_s
        self.autocapture = AutoCapture.from_policy(clock, presets.guidance)
        self.needs_guardian = False
        self.staff_hint: dict[str, str] = {}
        self.idempotency_key = secrets.token_hex(12)
        self.fixed_preset = fixed_preset
        self.deliver = deliver
        """Set when the photo is part of another service (the ID-card application): the
        preset is fixed, and the confirmed JPEG goes to ``deliver`` instead of the photo
        service; nothing is printed."""

    def after_consent(self) -> None:
        """Consent given: the preset choice, or straight to the camera with a fixed one."""
        if self.fixed_preset:
            self.data.preset_id = self.fixed_preset
            self.go("live")
        else:
            self.go("preset")

    def take(self, frame: Image) -> None:
        """Keeps this frame as the picture and moves on to processing."""
        self.data.captured = frame.copy()
        self.data.taken_at = self.clock.now()
        self.go("processing")

    @property
    def nobody_too_long(self) -> bool:
        """No face in front of the camera for ``nobody_help_s``: show help and the staff hint."""
        return (
            self.state == "live"
            and self.clock.monotonic() - self.data.last_face_at >= self.nobody_help_s
        )

    def audit_consent(self) -> None:
        """Consent is logged without anything personal (what, when, guardian)."""
        log.info(
            "photo consent given (under 14: %s, guardian confirmed: %s)",
            self.data.under_14,
            self.data.guardian_confirmed,
        )

    def receipt(self) -> Receipt:
        """The receipt: reference code (or the outbox number), photo type, time, a QR code."""
        language = self.language
        preset = self.presets.preset(self.data.preset_id or None)
        when = self.data.taken_at or self.clock.now()
        body: list[Block] = [
            Text(tr("idphoto.receipt.type", language, type=tr(preset.name_key, language))),
            Text(tr("idphoto.receipt.time", language, time=f"{when:%Y-%m-%d %H:%M}")),
        ]
        if self.data.reference:
            body += [
                Text(tr("idphoto.receipt.reference", language), bold=True),
                Text(self.data.reference, bold=True, align=Align.CENTER),  # 18 chars: one line
                QRCode(self.data.reference),
                Text(tr("idphoto.receipt.next", language)),
            ]
        else:
            body += [
                Text(tr("idphoto.receipt.queued", language), bold=True),
                Text(f"Q-{self.data.queued_id.upper()}", bold=True, align=Align.CENTER),
                Text(tr("idphoto.receipt.queued_next", language)),
            ]
        body += [Rule(), Text(tr("idphoto.receipt.deleted", language))]
        return service_receipt(
            "idphoto.receipt.title",
            body,
            language=language,
            now=self.clock.now(),
            terminal_id=self.terminal_id,
        )


def _flow(flow: Flow[Any]) -> IdPhotoFlow:
    assert isinstance(flow, IdPhotoFlow)
    return flow
