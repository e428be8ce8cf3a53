"""我要反映 / 您来点单: a resident request as a plain state machine (no Qt).

States and the events each accepts (every state also takes ``cancel`` / ``home``)::

    category       choose(category=...)               from ``[requests] categories``
    compound       choose(compound=...) | back        from ``[requests] compounds``
    building       submit(text=...) | back            the building number, on the digit pad
    unit           submit(text=...) | none | back     the unit ("" or ``none``: no units)
    description    submit(text=...) | back            the text input; the length is bounded
    photo_consent  agree | skip | back                optional: a picture of the problem
    photo          shoot | skip | back                the camera's preview
    capturing      (the job)                          a still frame, and whether a face fills it
    photo_check    use | retake | skip                the picture; "a face fills it" says so
    contact        submit(text=...) | skip | back     an optional mobile number
    callback       yes | no | back                    whether the resident wants a call back
    review         submit | edit(step=...) | back     everything entered, masked, editable
    submitting     (the job)                          to the center; if unreachable, the outbox
    refused        back | done                        the center refused it: why
    receipt        receipt_queued | print_failed | done   prints on arrival

Everything the resident entered lives in :class:`RequestData`; once the request is handed
over (to the center, or sealed in the outbox) only masked text and the receipt remain, and
the session's end wipes those too.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any, Protocol

from devices.receipt.document import Align, Block, QRCode, Receipt, Rule, Text
from kiosk.framework.clock import Clock
from kiosk.framework.flow import DONE, Busy, Event, FailsafeMonitor, Flow, HandOver, Step, on
from kiosk.framework.i18n import tr
from kiosk.framework.jobs import Job, Runner
from kiosk.framework.masking import mask_mobile
from kiosk.framework.receipts import service_receipt
from kiosk.platform.requests_config import Compound, RequestCategory, RequestsConfig
from kiosk.requests.model import (
    RequestSubmission,
    SubmitReceipt,
    queued_receipt,
    status_payload,
)
from kiosk.requests.rules import (
    BUILDING,
    MOBILE,
    UNIT,
    description_problem,
    photo_problem,
)
from kiosk.requests.service import RequestService, RequestServiceError
from kiosk.requests.snapshot import Snapshot, SnapshotError

log = logging.getLogger(__name__)

CATEGORY = "category"
COMPOUND = "compound"
BUILDING_STEP = "building"
UNIT_STEP = "unit"
DESCRIPTION = "description"
PHOTO_CONSENT = "photo_consent"
PHOTO = "photo"
CAPTURING = "capturing"
PHOTO_CHECK = "photo_check"
CONTACT = "contact"
CALLBACK = "callback"
REVIEW = "review"
SUBMITTING = "submitting"
REFUSED = "refused"
RECEIPT = "receipt"

STEPS: dict[str, int] = {
    CATEGORY: 1,
    COMPOUND: 2,
    BUILDING_STEP: 2,
    UNIT_STEP: 2,
    DESCRIPTION: 3,
    PHOTO_CONSENT: 4,
    PHOTO: 4,
    CAPTURING: 4,
    PHOTO_CHECK: 4,
    CONTACT: 5,
    CALLBACK: 5,
    REVIEW: 6,
    SUBMITTING: 6,
    REFUSED: 6,
    RECEIPT: 7,
}
"""The step each state belongs to, for "第 n 步 / 共 m 步"."""
STEP_COUNT = 7
EDITABLE = (CATEGORY, COMPOUND, DESCRIPTION, PHOTO_CONSENT, CONTACT)
"""What review may send the resident back to change."""
SUBMIT_DEADLINE_S = 20.0
PHOTO_DEADLINE_S = 15.0

Snapshooter = Callable[[], Snapshot]
"""Takes a still picture of the problem (on a worker thread); ``SnapshotError`` if none."""


class Outbox(Protocol):
    """Where a request waits, sealed, while the center cannot be reached."""

    def put(self, request: RequestSubmission, idempotency_key: str) -> str:
        """Stores it; returns the outbox id."""
        ...


@dataclass
class RequestData:
    """Everything one request holds; :meth:`wipe` forgets it.

    After hand-over the description, the mobile number and the photo are dropped; the
    receipt, the masked mobile number and the description's length remain for the screens.
    """

    category: str = ""
    compound: str = ""
    building: str = ""
    unit: str = ""
    description: str = ""
    photo_jpeg: bytes = b""
    photo_face: bool = False  # the picture on show has a face filling it
    photo_problem: str = ""  # translation key: why no picture was taken
    mobile: str = ""
    callback: bool = False
    problem: str = ""  # translation key of the last entry's problem
    problem_fields: dict[str, object] = field(default_factory=dict)
    editing: bool = False  # came from review: go back there after the step
    idempotency_key: str = ""
    submitted_key: bytes = b""  # what the key was used for (a digest)
    receipt: SubmitReceipt | None = None
    queued_id: str = ""
    refusal: str = ""
    mobile_masked: str = ""
    had_photo: bool = False
    description_chars: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def wipe(self) -> None:
        """Forgets everything."""
        fresh = RequestData()
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(fresh, name))

    def forget_personal(self) -> None:
        """After hand-over: keep masked text for the screens and receipt, drop the rest."""
        self.mobile_masked = mask_mobile(self.mobile) if self.mobile else ""
        self.had_photo = bool(self.photo_jpeg)
        self.description_chars = len(self.description)
        self.description = self.mobile = ""
        self.photo_jpeg = b""
        self.extra.clear()


class CategoryStep(Step["RequestFlow"]):
    """What kind of need or problem, each with its department and promised response."""

    name = CATEGORY
    prompt = "requests.prompt.category"

    def arrive(self, flow: RequestFlow) -> None:
        if not flow.data.editing:
            flow.data.problem = ""

    def handle(self, flow: RequestFlow, event: Event) -> None:
        if event.name == "choose":
            chosen = str(event.data.get("category", ""))
            if flow.settings.category(chosen) is not None:
                flow.data.category = chosen
                flow.next_after(COMPOUND)


class CompoundStep(Step["RequestFlow"]):
    """Which residential compound, from the center's list."""

    name = COMPOUND
    prompt = "requests.prompt.compound"
    moves = on(back=CATEGORY)

    def handle(self, flow: RequestFlow, event: Event) -> None:
        if event.name == "choose":
            chosen = str(event.data.get("compound", ""))
            if flow.settings.compound(chosen) is not None:
                flow.data.compound = chosen
                flow.go(BUILDING_STEP)


class BuildingStep(Step["RequestFlow"]):
    """The building number on the digit pad (1-9999)."""

    name = BUILDING_STEP
    prompt = "requests.prompt.building"
    moves = on(back=COMPOUND)

    def handle(self, flow: RequestFlow, event: Event) -> None:
        if event.name != "submit":
            return
        text = "".join(str(event.data.get("text", "")).split())
        if not BUILDING.fullmatch(text):
            flow.problem("requests.problem.building")
            return
        flow.problem("")
        flow.data.building = text
        flow.go(UNIT_STEP)


class UnitStep(Step["RequestFlow"]):
    """The unit on the digit pad (1-999), or none where the building has no units."""

    name = UNIT_STEP
    prompt = "requests.prompt.unit"
    moves = on(back=BUILDING_STEP)

    def handle(self, flow: RequestFlow, event: Event) -> None:
        if event.name == "none":
            text = ""
        elif event.name == "submit":
            text = "".join(str(event.data.get("text", "")).split())
        else:
            return
        if not UNIT.fullmatch(text):
            flow.problem("requests.problem.unit")
            return
        flow.problem("")
        flow.data.unit = text
        flow.next_after(DESCRIPTION)


class DescriptionStep(Step["RequestFlow"]):
    """What happened, in the resident's words; at most ``description_max_chars``."""

    name = DESCRIPTION
    prompt = "requests.prompt.description"

    def handle(self, flow: RequestFlow, event: Event) -> None:
        if event.name == "back":
            flow.go(REVIEW if flow.data.editing else UNIT_STEP)
            return
        if event.name != "submit":
            return
        text = str(event.data.get("text", "")).strip()
        problem = description_problem(text, flow.max_description)
        if problem:
            flow.problem(problem, max=flow.max_description)
            log.info("description refused: %s (%d chars)", problem, len(text))
            return
        flow.problem("")
        flow.data.description = text
        flow.next_after(PHOTO_CONSENT if flow.settings.photo_allowed else CONTACT)


class PhotoConsentStep(Step["RequestFlow"]):
    """Optional: a picture of the problem, what it is for and who sees it."""

    name = PHOTO_CONSENT
    prompt = "requests.prompt.photo_consent"

    def arrive(self, flow: RequestFlow) -> None:
        flow.data.photo_problem = ""

    def handle(self, flow: RequestFlow, event: Event) -> None:
        if event.name == "agree" and flow.can_take_photos:
            flow.go(PHOTO)
        elif event.name == "skip":
            flow.drop_photo()
            flow.next_after(CONTACT)
        elif event.name == "back":
            flow.go(REVIEW if flow.data.editing else DESCRIPTION)


class PhotoStep(Step["RequestFlow"]):
    """The camera's preview and 拍照."""

    name = PHOTO
    prompt = "requests.prompt.photo"
    moves = on(back=PHOTO_CONSENT)

    def handle(self, flow: RequestFlow, event: Event) -> None:
        if event.name == "shoot":
            flow.go(CAPTURING)
        elif event.name == "skip":
            flow.drop_photo()
            flow.next_after(CONTACT)
        elif event.name == "camera_lost":
            flow.data.photo_problem = "requests.photo.no_camera"


class Capturing(Busy["RequestFlow"]):
    """Takes the newest frame as a JPEG and looks for a face filling it."""

    name = CAPTURING
    prompt = "requests.prompt.capturing"

    def job(self, flow: RequestFlow) -> Job[Snapshot]:
        snap = flow.snapshot
        assert snap is not None
        return snap

    def arrived(self, flow: RequestFlow, value: Any) -> str | None:
        snapshot: Snapshot = value
        if photo_problem(snapshot.jpeg):
            flow.data.photo_problem = "requests.photo.failed"
            return PHOTO
        flow.data.photo_jpeg = snapshot.jpeg
        flow.data.photo_face = snapshot.face_fills
        flow.data.photo_problem = ""
        return PHOTO_CHECK

    def failed(self, flow: RequestFlow, error: BaseException) -> str | None:
        if not isinstance(error, SnapshotError | OSError | ValueError):
            raise error
        log.warning("request photo not taken: %r", error)
        flow.data.photo_problem = "requests.photo.failed"
        return PHOTO

    def deadline_s(self, flow: RequestFlow) -> float:
        return PHOTO_DEADLINE_S

    def timed_out(self, flow: RequestFlow) -> str | None:
        flow.data.photo_problem = "requests.photo.failed"
        return PHOTO


class PhotoCheck(Step["RequestFlow"]):
    """The picture: use it, take it again, or go on without. A face filling it cannot be
    used: the resident is told so."""

    name = PHOTO_CHECK
    prompt = "requests.prompt.photo_check"

    def handle(self, flow: RequestFlow, event: Event) -> None:
        if event.name == "use" and flow.data.photo_jpeg and not flow.data.photo_face:
            flow.next_after(CONTACT)
        elif event.name == "retake":
            flow.drop_photo()
            flow.go(PHOTO)
        elif event.name in ("skip", "back"):
            flow.drop_photo()
            flow.next_after(CONTACT)


class ContactStep(Step["RequestFlow"]):
    """An optional mobile number (the digit pad), or none."""

    name = CONTACT
    prompt = "requests.prompt.contact"

    def handle(self, flow: RequestFlow, event: Event) -> None:
        if event.name == "back":
            if flow.data.editing:
                flow.go(REVIEW)
            else:
                flow.go(PHOTO_CONSENT if flow.settings.photo_allowed else DESCRIPTION)
        elif event.name == "skip":
            flow.problem("")
            flow.data.mobile, flow.data.callback = "", False
            flow.data.editing = False
            flow.go(REVIEW)
        elif event.name == "submit":
            mobile = "".join(str(event.data.get("text", "")).split())
            if not mobile:
                self.handle(flow, Event("skip", {}))
                return
            if not MOBILE.fullmatch(mobile):
                flow.problem("requests.problem.mobile")
                return
            flow.problem("")
            flow.data.mobile = mobile
            flow.go(CALLBACK)


class CallbackStep(Step["RequestFlow"]):
    """Whether the resident wants a call back on that number."""

    name = CALLBACK
    prompt = "requests.prompt.callback"
    moves = on(back=CONTACT)

    def handle(self, flow: RequestFlow, event: Event) -> None:
        if event.name in ("yes", "no"):
            flow.data.callback = event.name == "yes"
            flow.data.editing = False
            flow.go(REVIEW)


class Review(Step["RequestFlow"]):
    """Everything entered, masked; each part can be changed."""

    name = REVIEW
    prompt = "requests.prompt.review"
    moves = on(back=CONTACT)

    def arrive(self, flow: RequestFlow) -> None:
        flow.data.editing = False
        flow.data.problem = ""

    def handle(self, flow: RequestFlow, event: Event) -> None:
        if event.name == "submit" and flow.complete():
            flow.go(SUBMITTING)
        elif event.name == "edit":
            step = str(event.data.get("step", ""))
            if step in EDITABLE and (step != PHOTO_CONSENT or flow.settings.photo_allowed):
                flow.data.editing = True
                flow.go(step)


class Submitting(HandOver["RequestFlow"]):
    """Hands the request to the center; if it cannot be reached, seals it in the outbox."""

    name = SUBMITTING
    prompt = "requests.prompt.submitting"
    error_type = RequestServiceError
    refused = REFUSED
    deadline = SUBMIT_DEADLINE_S

    def received(self, flow: RequestFlow, receipt: Any) -> str:
        flow.data.receipt = receipt
        log.info("request %s submitted", receipt.code)
        return RECEIPT


class Refused(Step["RequestFlow"]):
    """The center refused the request: say so; the service desk can help."""

    name = REFUSED
    prompt = "requests.prompt.refused"
    moves = on(back=REVIEW, done=DONE)


class ReceiptStep(Step["RequestFlow"]):
    """Prints the receipt on arrival: the tracking code, the promise, a status QR."""

    name = RECEIPT
    prompt = "requests.prompt.receipt"
    prints = True
    moves = on(done=DONE, finish=DONE)

    def say(self, flow: RequestFlow, language: str) -> str:
        if flow.data.queued_id:
            return tr("requests.error.queued", language)
        return tr(self.prompt, language)


class RequestFlow(Flow[RequestData]):
    """One resident request.

    Attributes:
        settings: ``[requests]``; service: where requests go; outbox: where they wait.
        snapshot: takes the problem's picture (None: this terminal takes no photos).
    """

    name = "requests"
    initial = CATEGORY
    done_prompt = "requests.prompt.done"

    def __init__(
        self,
        clock: Clock,
        monitor: FailsafeMonitor,
        *,
        settings: RequestsConfig,
        service: RequestService,
        outbox: Outbox,
        terminal_id: str,
        snapshot: Snapshooter | None = None,
        runner: Runner | None = None,
    ) -> None:
        super().__init__(
            clock,
            monitor,
            [
                CategoryStep(),
                CompoundStep(),
                BuildingStep(),
                UnitStep(),
                DescriptionStep(),
                PhotoConsentStep(),
                PhotoStep(),
                Capturing(),
                PhotoCheck(),
                ContactStep(),
                CallbackStep(),
                Review(),
                Submitting(),
                Refused(),
                ReceiptStep(),
            ],
            RequestData(),
            runner=runner,
        )
        self.settings = settings
        self.service, self.outbox = service, outbox
        self.terminal_id = terminal_id
        self.snapshot = snapshot

    # -- rules ----------------------------------------------------------------------------
    @property
    def max_description(self) -> int:
        """The longest description, in characters."""
        return self.settings.description_max_chars

    @property
    def can_take_photos(self) -> bool:
        """Whether a photo may be added here (allowed, and a camera to take it)."""
        return self.settings.photo_allowed and self.snapshot is not None

    @property
    def category(self) -> RequestCategory | None:
        """The chosen category, as configured."""
        return self.settings.category(self.data.category)

    @property
    def compound(self) -> Compound | None:
        """The chosen compound, as configured."""
        return self.settings.compound(self.data.compound)

    def category_name(self, category_id: str = "", language: str | None = None) -> str:
        """A category's name in ``language`` (else the flow's); the chosen one by default."""
        category = self.settings.category(category_id or self.data.category)
        if category is None:
            return ""
        return category.name_zh if (language or self.language) == "zh_CN" else category.name_en

    def place(self, language: str | None = None) -> str:
        """Compound, building and unit, as the resident reads them."""
        d, compound = self.data, self.compound
        name = compound.name if compound is not None else ""
        if not d.building:
            return name
        lang = language or self.language
        if d.unit:
            return tr("requests.place.unit", lang, compound=name, building=d.building, unit=d.unit)
        return tr("requests.place.building", lang, compound=name, building=d.building)

    def problem(self, key: str, **fields: object) -> None:
        """The problem with the last entry (a translation key and its fields), or none."""
        self.data.problem, self.data.problem_fields = key, dict(fields)

    def problem_text(self, language: str | None = None) -> str:
        """The last entry's problem in ``language`` (else the flow's), or ""."""
        d = self.data
        return tr(d.problem, language or self.language, **d.problem_fields) if d.problem else ""

    def drop_photo(self) -> None:
        """Forgets the picture taken (retake, or go on without one)."""
        self.data.photo_jpeg = b""
        self.data.photo_face = False

    def next_after(self, step: str) -> None:
        """Moves on to ``step``, or back to review when the resident came from there."""
        if self.data.editing:
            self.data.editing = False
            self.go(REVIEW)
        else:
            self.go(step)

    def complete(self) -> bool:
        """Whether everything a request needs is there (the photo and contact are optional)."""
        d = self.data
        return bool(
            self.category is not None
            and self.compound is not None
            and BUILDING.fullmatch(d.building)
            and UNIT.fullmatch(d.unit)
            and not description_problem(d.description, self.max_description)
            and (not d.mobile or MOBILE.fullmatch(d.mobile))
            and (not d.callback or d.mobile)
            and not (d.photo_jpeg and d.photo_face)
        )

    # -- hand-over ------------------------------------------------------------------------
    def submission(self) -> RequestSubmission:
        """The request as it goes to the center."""
        d = self.data
        return RequestSubmission(
            category=d.category,
            compound_id=d.compound,
            building=d.building,
            unit=d.unit,
            description=d.description,
            photo_jpeg=d.photo_jpeg or None,
            mobile=d.mobile,
            callback=d.callback and bool(d.mobile),
            terminal_id=self.terminal_id,
            submitted_at=self.clock.now().astimezone(UTC),
        )

    def key_for(self, submission: RequestSubmission) -> str:
        """The idempotency key: the same request sent again (a retry after a timeout) keeps
        its key; a request changed after a refusal gets a new one."""
        fields = submission.fields()
        fields.pop("submitted_at")
        digest = hashlib.sha256(
            repr(sorted(fields.items())).encode() + b"|" + submission.photo_sha256.encode()
        ).digest()
        if not self.data.idempotency_key or digest != self.data.submitted_key:
            self.data.idempotency_key = secrets.token_hex(16)
            self.data.submitted_key = digest
        return self.data.idempotency_key

    def queue(self, error: BaseException) -> str:
        """The center cannot be reached: the request waits, sealed, in the outbox."""
        submission = self.data.extra.get("submission")
        category = self.category
        assert isinstance(submission, RequestSubmission) and category is not None
        self.data.queued_id = self.outbox.put(submission, self.data.idempotency_key)
        self.data.receipt = queued_receipt(category)
        log.warning("center unreachable, request queued: %r", error)
        self.handed_over()
        return RECEIPT

    def handed_over(self) -> None:
        """The center (or the outbox) has it: keep only masked text from now on."""
        self.data.forget_personal()

    # -- the receipt ----------------------------------------------------------------------
    def tracking_text(self) -> str:
        """The tracking code, or the outbox's reference while it waits."""
        receipt = self.data.receipt
        if receipt is not None and receipt.code:
            return receipt.code
        return f"Q-{self.data.queued_id.upper()}" if self.data.queued_id else ""

    def status_qr(self) -> str:
        """What the receipt's QR holds ("" while the request waits in the outbox)."""
        receipt = self.data.receipt
        if receipt is None or not receipt.code or not receipt.status_token:
            return ""
        return status_payload(receipt.code, receipt.status_token)

    def receipt(self) -> Receipt:
        """Tracking code, category, department, the promised response, a status QR (or, when
        queued, that it will be sent when the network is back)."""
        language, d = self.language, self.data
        now = self.clock.now()
        receipt = d.receipt
        hours = receipt.promised_hours if receipt is not None else 0
        department = receipt.department if receipt is not None else ""
        body: list[Block] = [
            Text(tr("requests.receipt.category", language, category=self.category_name())),
            Text(tr("requests.receipt.place", language, place=self.place())),
            Text(tr("requests.receipt.department", language, department=department or "—")),
            Text(tr("requests.receipt.promise", language, hours=hours), bold=True),
            Text(tr("requests.receipt.time", language, time=f"{now:%Y-%m-%d %H:%M}")),
        ]
        if d.mobile_masked:
            key = "requests.receipt.callback" if d.callback else "requests.receipt.mobile"
            body.append(Text(tr(key, language, mobile=d.mobile_masked)))
        qr = self.status_qr()
        if qr:
            body += [
                Text(tr("requests.receipt.code", language), bold=True),
                Text(self.tracking_text(), bold=True, align=Align.CENTER),
                QRCode(qr),
                Text(tr("requests.receipt.scan_status", language)),
            ]
        else:
            body += [
                Text(tr("requests.receipt.queued", language), bold=True),
                Text(self.tracking_text(), bold=True, align=Align.CENTER),
                Text(tr("requests.receipt.queued_next", language)),
            ]
        body += [Rule(), Text(tr("requests.receipt.next", language))]
        return service_receipt(
            "requests.receipt.title",
            body,
            language=language,
            now=now,
            terminal_id=self.terminal_id,
        )
