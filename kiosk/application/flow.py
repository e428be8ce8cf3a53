"""户籍自助办理: the resident-ID application (换领/补领) as a plain state machine (no Qt).

States and the events each accepts (every state also takes ``cancel`` / ``home``)::

    guide         renew | replace | counter          the steps, materials, fee, who may apply
    counter       done | back                        what the kiosk cannot take: the window
    read_card     back                               waits for the card (a job on the reader)
    card_problem  retry | typed | counter | back     no card, unreadable, pulled, reader offline
    card          choose(business=...) | reread | back   the card read, masked; its validity
    id_entry      submit(text=...) | back            补领 (or a damaged card): the number, MOD 11-2
    name_entry    submit(text=...) | back            the name as on the card
    business      confirm | back                     the business with its rules and fee
    contact       submit(text=...) | back            a mobile number for the office's call
    pickup        window | post | back
    address       submit(text=...) | back            the postal address for 邮寄
    photo         photo_taken(jpeg=...) | photo_cancelled   the ID-photo flow runs meanwhile
    review        submit | edit(step=...) | back     everything entered, masked, editable
    submitting    (the job)                          to the center; if unreachable, the outbox
    refused       back | done                        the center refused it: the reason, the window
    fee           next                               the official payment channel as a QR code
    receipt       receipt_queued | print_failed | done   prints on arrival
    done

Everything personal lives in :class:`ApplicationData`. Once the application is handed over
(to the center, or sealed in the outbox), the flow keeps only masked text and the number.
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
from kiosk.application.card import CardReader, CardReadError, CardValidity, IdCard
from kiosk.application.model import PHOTO_PRESET, ApplicationSubmission, SubmitReceipt
from kiosk.application.service import ApplicationService, ApplicationServiceError
from kiosk.framework.clock import Clock
from kiosk.framework.flow import DONE, Busy, Event, FailsafeMonitor, Flow, HandOver, Step, on
from kiosk.framework.i18n import tr
from kiosk.framework.id_numbers import birth_date, validate_id_number
from kiosk.framework.jobs import Job, Runner
from kiosk.framework.masking import mask_address, mask_id_number, mask_mobile, mask_name
from kiosk.framework.receipts import service_receipt
from kiosk.platform.application_config import ApplicationConfig, BusinessConfig

log = logging.getLogger(__name__)

GUIDE = "guide"
COUNTER = "counter"
READ_CARD = "read_card"
CARD_PROBLEM = "card_problem"
CARD = "card"
ID_ENTRY = "id_entry"
NAME_ENTRY = "name_entry"
BUSINESS = "business"
CONTACT = "contact"
PICKUP = "pickup"
ADDRESS = "address"
PHOTO = "photo"
REVIEW = "review"
SUBMITTING = "submitting"
REFUSED = "refused"
FEE = "fee"
RECEIPT = "receipt"

RENEW_BY_VALIDITY = {
    CardValidity.EXPIRED: ("renew_expired",),
    CardValidity.EXPIRING: ("renew_expiring",),
    CardValidity.VALID: ("renew_damaged", "renew_changed"),
    CardValidity.NOT_YET_VALID: (),
}
TYPED_BUSINESSES = ("replace_lost", "renew_damaged")
EDITABLE = (CONTACT, PICKUP, PHOTO, BUSINESS)
PICKUP_KINDS = ("window", "post")
STATUS_PREFIX = "AP1."
CARD_TIMEOUT_S = 15.0


def status_payload(application_no: str, token: str) -> str:
    """What the receipt's QR code holds: scanned at any kiosk, it shows the status."""
    return f"{STATUS_PREFIX}{application_no}.{token}"


def parse_status_payload(text: str) -> tuple[str, str] | None:
    """(application number, token) from a scanned status code, or None."""
    if not text.startswith(STATUS_PREFIX):
        return None
    number, _, token = text[len(STATUS_PREFIX) :].partition(".")
    if not number or not token or len(text) > 200:
        return None
    return number, token


class Outbox(Protocol):
    """Where an application waits, sealed, while the center cannot be reached."""

    def put(self, application: ApplicationSubmission, idempotency_key: str) -> str:
        """Stores it; returns the outbox id."""
        ...


@dataclass
class ApplicationData:
    """Everything personal in one application; :meth:`wipe` forgets it.

    After hand-over only the ``*_masked`` fields, the number and the token remain.
    """

    card: IdCard | None = None
    validity: CardValidity | None = None
    card_problem: str = ""
    counter_reason: str = ""  # translation key: why the window must take this one
    typed: bool = False  # identified by typed number and name (补领), not by the card
    id_number: str = ""
    name: str = ""
    business: str = ""
    mobile: str = ""
    pickup: str = ""
    post_address: str = ""
    photo_jpeg: bytes = b""
    problem: str = ""  # translation key of the last entry's problem
    editing: bool = False  # came from review: go back there after the step
    idempotency_key: str = ""
    submitted_key: bytes = b""  # what the key was used for (a digest)
    receipt: SubmitReceipt | None = None
    queued_id: str = ""
    refusal: str = ""
    name_masked: str = ""
    id_masked: str = ""
    mobile_masked: str = ""
    address_masked: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def wipe(self) -> None:
        """Forgets everything."""
        fresh = ApplicationData()
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(fresh, name))

    def forget_personal(self) -> None:
        """After hand-over: keep masked text for the screens and receipt, drop the rest."""
        self.name_masked = mask_name(self.name)
        self.id_masked = mask_id_number(self.id_number)
        self.mobile_masked = mask_mobile(self.mobile)
        self.address_masked = mask_address(self.post_address) if self.post_address else ""
        self.card = None
        self.id_number = self.name = self.mobile = self.post_address = ""
        self.photo_jpeg = b""


class Guide(Step["ApplicationFlow"]):
    """The steps, materials, fee and who can apply here."""

    name = GUIDE
    prompt = "application.prompt.guide"
    moves = on(counter=COUNTER)

    def arrive(self, flow: ApplicationFlow) -> None:
        flow.wipe()

    def handle(self, flow: ApplicationFlow, event: Event) -> None:
        if event.name == "renew":
            flow.go(READ_CARD)
        elif event.name == "replace":
            flow.data.typed = True
            flow.data.business = "replace_lost"
            flow.go(ID_ENTRY)


class Counter(Step["ApplicationFlow"]):
    """First applications and anything else the kiosk cannot take: the window (and why)."""

    name = COUNTER
    prompt = "application.prompt.counter"
    moves = on(back=GUIDE, done=DONE)

    def say(self, flow: ApplicationFlow, language: str) -> str:
        reason = flow.data.counter_reason or "application.counter.detail"
        return tr(self.prompt, language) + tr(reason, language)


class ReadCard(Busy["ApplicationFlow"]):
    """Waits for the card on the reader and reads it."""

    name = READ_CARD
    prompt = "application.prompt.read_card"
    moves = on(back=GUIDE)

    def job(self, flow: ApplicationFlow) -> Job[IdCard]:
        reader, timeout = flow.reader, flow.card_wait_s
        return lambda: reader.read_card(timeout)

    def arrived(self, flow: ApplicationFlow, value: Any) -> str | None:
        card: IdCard = value
        flow.data.card = card
        flow.data.typed = False
        flow.data.id_number, flow.data.name = card.id_number, card.name
        flow.data.validity = card.validity(
            flow.clock.now().date(), flow.settings.renew_expiring_days
        )
        choices = flow.renewals()
        flow.data.business = choices[0] if len(choices) == 1 else ""
        log.info("card read (%s); %s", mask_id_number(card.id_number), flow.data.validity)
        reason = flow.not_here(card.id_number, card.address)
        if reason:
            flow.data.counter_reason = reason
            return COUNTER
        return CARD

    def failed(self, flow: ApplicationFlow, error: BaseException) -> str | None:
        if not isinstance(error, CardReadError):
            raise error
        flow.data.card_problem = error.reason
        log.info("card not read: %s", error.reason)
        return CARD_PROBLEM

    def deadline_s(self, flow: ApplicationFlow) -> float:
        return flow.card_wait_s + 5.0

    def timed_out(self, flow: ApplicationFlow) -> str | None:
        flow.data.card_problem = "offline"
        return CARD_PROBLEM


class CardProblem(Step["ApplicationFlow"]):
    """The card was not read: why, and what to do (read again, type the number, the window)."""

    name = CARD_PROBLEM
    prompt = "application.prompt.card_problem"
    moves = on(retry=READ_CARD, counter=COUNTER, back=GUIDE)

    def handle(self, flow: ApplicationFlow, event: Event) -> None:
        if event.name == "typed":  # a damaged card that cannot be read: 换领 by number
            flow.data.typed = True
            flow.data.business = "renew_damaged"
            flow.go(ID_ENTRY)

    def say(self, flow: ApplicationFlow, language: str) -> str:
        return tr(f"application.card_problem.{flow.data.card_problem}", language)


class Card(Step["ApplicationFlow"]):
    """The card's details (masked) and its validity; the resident confirms the business."""

    name = CARD
    prompt = "application.prompt.card"
    moves = on(reread=READ_CARD, back=GUIDE)

    def handle(self, flow: ApplicationFlow, event: Event) -> None:
        if event.name == "choose":
            business = str(event.data.get("business", ""))
            if business in flow.renewals():
                flow.data.business = business
                flow.go(BUSINESS)


class IdEntry(Step["ApplicationFlow"]):
    """The ID number, typed on the digit pad (with X); checked with MOD 11-2."""

    name = ID_ENTRY
    prompt = "application.prompt.id_entry"
    moves = on(back=GUIDE)

    def handle(self, flow: ApplicationFlow, event: Event) -> None:
        if event.name != "submit":
            return
        check = validate_id_number(str(event.data.get("text", "")), flow.clock.now().date())
        if check.problem is not None:
            flow.data.problem = check.problem.key
            return
        flow.data.problem = ""
        flow.data.id_number = check.number
        reason = flow.not_here(check.number, "")
        if reason:
            flow.data.counter_reason = reason
            flow.go(COUNTER)
            return
        flow.go(NAME_ENTRY)


class NameEntry(Step["ApplicationFlow"]):
    """The name as on the card, through the Chinese text input."""

    name = NAME_ENTRY
    prompt = "application.prompt.name_entry"
    moves = on(back=ID_ENTRY)

    def handle(self, flow: ApplicationFlow, event: Event) -> None:
        if event.name != "submit":
            return
        text = str(event.data.get("text", "")).strip()
        problem = flow.check_name(text)
        if problem:
            flow.data.problem = problem
            return
        flow.data.problem = ""
        flow.data.name = text
        flow.go(BUSINESS)


class BusinessStep(Step["ApplicationFlow"]):
    """The business with its rule and fee, from the configuration."""

    name = BUSINESS
    prompt = "application.prompt.business"

    def handle(self, flow: ApplicationFlow, event: Event) -> None:
        if event.name == "confirm" and flow.business is not None:
            flow.next_after(CONTACT)
        elif event.name == "back":
            flow.go(NAME_ENTRY if flow.data.typed else CARD)


class Contact(Step["ApplicationFlow"]):
    """A mobile number: the office calls or texts when the card is ready."""

    name = CONTACT
    prompt = "application.prompt.contact"
    moves = on(back=BUSINESS)

    def handle(self, flow: ApplicationFlow, event: Event) -> None:
        if event.name != "submit":
            return
        mobile = "".join(str(event.data.get("text", "")).split())
        if not valid_mobile(mobile):
            flow.data.problem = "application.problem.mobile"
            return
        flow.data.problem = ""
        flow.data.mobile = mobile
        flow.next_after(PICKUP)


class Pickup(Step["ApplicationFlow"]):
    """At the window, or by post."""

    name = PICKUP
    prompt = "application.prompt.pickup"
    moves = on(back=CONTACT)

    def handle(self, flow: ApplicationFlow, event: Event) -> None:
        if event.name == "window" and "window" in flow.settings.pickup:
            flow.data.pickup, flow.data.post_address = "window", ""
            flow.next_after(PHOTO)
        elif event.name == "post" and "post" in flow.settings.pickup:
            flow.data.pickup = "post"
            flow.go(ADDRESS)


class Address(Step["ApplicationFlow"]):
    """The postal address, through the Chinese text input."""

    name = ADDRESS
    prompt = "application.prompt.address"
    moves = on(back=PICKUP)

    def handle(self, flow: ApplicationFlow, event: Event) -> None:
        if event.name != "submit":
            return
        text = str(event.data.get("text", "")).strip()
        problem = flow.check_address(text)
        if problem:
            flow.data.problem = problem
            return
        flow.data.problem = ""
        flow.data.post_address = text
        flow.next_after(PHOTO)


class Photo(Step["ApplicationFlow"]):
    """The ID-photo flow runs (its consent, the resident-ID preset); its JPEG comes back."""

    name = PHOTO
    prompt = "application.prompt.photo"

    def handle(self, flow: ApplicationFlow, event: Event) -> None:
        if event.name == "photo_taken":
            jpeg = event.data.get("jpeg")
            if isinstance(jpeg, bytes) and jpeg:
                flow.data.photo_jpeg = jpeg
                flow.data.editing = False
                flow.go(REVIEW)
        elif event.name in ("photo_cancelled", "back"):
            flow.go(REVIEW if flow.data.photo_jpeg else PICKUP)


class Review(Step["ApplicationFlow"]):
    """Everything entered, masked; each part can be changed."""

    name = REVIEW
    prompt = "application.prompt.review"
    moves = on(back=PICKUP)

    def arrive(self, flow: ApplicationFlow) -> None:
        flow.data.editing = False

    def handle(self, flow: ApplicationFlow, event: Event) -> None:
        if event.name == "submit" and flow.complete():
            flow.go(SUBMITTING)
        elif event.name == "edit":
            step = str(event.data.get("step", ""))
            if step in EDITABLE:
                flow.data.editing = True
                flow.go(step)


class Submitting(HandOver["ApplicationFlow"]):
    """Hands the application to the center; if it cannot be reached, seals it in the outbox."""

    name = SUBMITTING
    prompt = "application.prompt.submitting"
    error_type = ApplicationServiceError
    refused = REFUSED

    def received(self, flow: ApplicationFlow, receipt: Any) -> str:
        flow.data.receipt = receipt
        log.info("application %s submitted", receipt.application_no)
        return FEE


class Refused(Step["ApplicationFlow"]):
    """The center refused the application: say so; the window can help."""

    name = REFUSED
    prompt = "application.prompt.refused"
    moves = on(back=REVIEW, done=DONE)


class Fee(Step["ApplicationFlow"]):
    """The official payment channel as a QR code; the terminal never takes money."""

    name = FEE
    prompt = "application.prompt.fee"
    queued_prompt = "application.prompt.fee_queued"
    moves = on(next=RECEIPT)

    def say(self, flow: ApplicationFlow, language: str) -> str:
        return tr(self.queued_prompt if flow.data.queued_id else self.prompt, language)


class ReceiptStep(Step["ApplicationFlow"]):
    """Prints the receipt on arrival: number, next steps, where and when, a status QR."""

    name = RECEIPT
    prompt = "application.prompt.receipt"
    queued_prompt = "application.prompt.receipt_queued"
    prints = True
    moves = on(done=DONE, finish=DONE)

    def say(self, flow: ApplicationFlow, language: str) -> str:
        return tr(self.queued_prompt if flow.data.queued_id else self.prompt, language)


def valid_mobile(text: str) -> bool:
    """A mainland mobile number: 11 digits starting 13-19."""
    return (
        len(text) == 11
        and text.isascii()
        and text.isdigit()
        and text[:2] in {f"1{d}" for d in "3456789"}
    )


NameCheck = Callable[[str], str]
"""Returns the translation key of a problem with a name or an address, or ""."""


def _basic_name_check(text: str) -> str:
    if not text:
        return "application.problem.name_empty"
    if len(text) > 30 or not all("\u4e00" <= c <= "\u9fff" or c == "·" for c in text):
        return "application.problem.name_counter"
    return ""


def _basic_address_check(text: str) -> str:
    if len(text) < 6:
        return "application.problem.address_short"
    if len(text) > 80:
        return "application.problem.address_long"
    return ""


class ApplicationFlow(Flow[ApplicationData]):
    """One resident-ID application.

    Attributes:
        reader: the ID-card reader; service: where applications go; outbox: where they wait.
        check_name, check_address: the text-input rules (problem key or "").
    """

    name = "application"
    initial = GUIDE
    done_prompt = "application.prompt.done"

    def __init__(
        self,
        clock: Clock,
        monitor: FailsafeMonitor,
        *,
        settings: ApplicationConfig,
        reader: CardReader,
        service: ApplicationService,
        outbox: Outbox,
        terminal_id: str,
        runner: Runner | None = None,
        check_name: NameCheck = _basic_name_check,
        check_address: NameCheck = _basic_address_check,
        card_wait_s: float = CARD_TIMEOUT_S,
    ) -> None:
        super().__init__(
            clock,
            monitor,
            [
                Guide(),
                Counter(),
                ReadCard(),
                CardProblem(),
                Card(),
                IdEntry(),
                NameEntry(),
                BusinessStep(),
                Contact(),
                Pickup(),
                Address(),
                Photo(),
                Review(),
                Submitting(),
                Refused(),
                Fee(),
                ReceiptStep(),
            ],
            ApplicationData(),
            runner=runner,
        )
        self.settings = settings
        self.reader, self.service, self.outbox = reader, service, outbox
        self.terminal_id = terminal_id
        self.check_name, self.check_address = check_name, check_address
        self.card_wait_s = card_wait_s  # how long the reader looks for a card placed late

    # -- rules ----------------------------------------------------------------------------
    def renewals(self) -> tuple[str, ...]:
        """The 换领 businesses the card read allows (and this terminal offers)."""
        validity = self.data.validity
        if validity is None:
            return ()
        return tuple(b for b in RENEW_BY_VALIDITY[validity] if b in self.settings.offered)

    def offers(self, business: str) -> bool:
        """Whether this terminal takes ``business``."""
        return business in self.settings.offered

    def config_of(self, business_id: str) -> BusinessConfig | None:
        """A business as configured, if this terminal offers it."""
        if not self.offers(business_id):
            return None
        for known, business in self.settings.businesses.items():
            if known == business_id:
                return business
        return None

    @property
    def business(self) -> BusinessConfig | None:
        """The chosen business, as configured (None if not offered here)."""
        return self.config_of(self.data.business)

    def name_of(self, business_id: str, language: str | None = None) -> str:
        """A business's name in ``language`` (else the flow's)."""
        business = self.config_of(business_id)
        if business is None:
            return ""
        return business.name_zh if (language or self.language) == "zh_CN" else business.name_en

    def business_name(self, language: str | None = None) -> str:
        """The chosen business's name in ``language`` (else the flow's)."""
        return self.name_of(self.data.business, language)

    def not_here(self, id_number: str, card_address: str) -> str:
        """Why the window must take this resident ("" if the kiosk may): too young to apply
        alone, or registered elsewhere where the terminal takes only local residents."""
        born = birth_date(id_number)
        today = self.clock.now().date()
        if born is not None:
            age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
            if age < self.settings.min_age_years:
                return "application.counter.minor"
        prefixes = self.settings.card_address_prefixes
        if card_address and prefixes and not any(card_address.startswith(p) for p in prefixes):
            return "application.counter.elsewhere"
        return ""

    def next_after(self, step: str) -> None:
        """Moves on to ``step``, or back to review when the resident came from there."""
        self.go(REVIEW if self.data.editing and self.data.photo_jpeg else step)

    def complete(self) -> bool:
        """Whether everything the application needs is there."""
        d = self.data
        return bool(
            d.id_number
            and d.name
            and self.business is not None
            and valid_mobile(d.mobile)
            and d.pickup in PICKUP_KINDS
            and (d.pickup != "post" or d.post_address)
            and d.photo_jpeg
        )

    # -- hand-over ------------------------------------------------------------------------
    def submission(self) -> ApplicationSubmission:
        """The application as it goes to the center."""
        d, business, card = self.data, self.business, self.data.card
        assert business is not None
        return ApplicationSubmission(
            business=d.business,
            id_number=d.id_number,
            name=d.name,
            sex=card.sex if card else "",
            nation=card.nation if card else "",
            birth_date=card.birth_date.isoformat() if card else "",
            card_address=card.address if card else "",
            card_valid_until=card.valid_until_text if card else "",
            mobile=d.mobile,
            pickup=d.pickup,
            post_address=d.post_address,
            fee_yuan=business.fee_yuan,
            photo_jpeg=d.photo_jpeg,
            photo_preset=PHOTO_PRESET,
            terminal_id=self.terminal_id,
            submitted_at=self.clock.now().astimezone(UTC),
        )

    def key_for(self, submission: ApplicationSubmission) -> str:
        """The idempotency key: the same application sent again (a retry) keeps its key;
        an application changed after a refusal gets a new one."""
        digest = hashlib.sha256(
            "|".join(
                (
                    submission.business,
                    submission.id_number,
                    submission.name,
                    submission.mobile,
                    submission.pickup,
                    submission.post_address,
                )
            ).encode()
            + submission.photo_jpeg
        ).digest()
        if not self.data.idempotency_key or digest != self.data.submitted_key:
            self.data.idempotency_key = secrets.token_hex(16)
            self.data.submitted_key = digest
        return self.data.idempotency_key

    def queue(self, error: BaseException) -> str:
        """The center cannot be reached: the application waits, sealed, in the outbox."""
        submission = self.data.extra.get("submission")
        assert isinstance(submission, ApplicationSubmission)
        self.data.queued_id = self.outbox.put(submission, self.data.idempotency_key)
        log.warning("center unreachable, application queued: %r", error)
        self.handed_over()
        return FEE

    def handed_over(self) -> None:
        """The center (or the outbox) has it: keep only masked text from now on."""
        self.data.extra.pop("submission", None)
        self.data.forget_personal()

    def outbox_hours(self) -> str:
        """How long a queued application waits before it is deleted, in hours (text)."""
        return f"{self.settings.outbox_lifetime_h:g}"

    def pickup_place(self) -> str:
        """Where the window is, in the flow's language."""
        s = self.settings
        return s.pickup_place_zh if self.language == "zh_CN" else s.pickup_place_en

    # -- the receipt ----------------------------------------------------------------------
    def payment_link(self) -> str:
        """The payment QR's address ("" when queued: pay at the window)."""
        receipt, business = self.data.receipt, self.business
        template = self.settings.payment_url_template
        if receipt is None or business is None or not receipt.application_no or not template:
            return ""
        fee = business.fee_yuan
        return template.format(application_no=receipt.application_no, fee_yuan=fee, fee=fee)

    def receipt(self) -> Receipt:
        """Application number, what happens next, where and when to collect, a status QR."""
        language, d, business = self.language, self.data, self.business
        now = self.clock.now()
        body: list[Block] = [
            Text(tr("application.receipt.business", language, business=self.business_name())),
            Text(tr("application.receipt.applicant", language, name=d.name_masked, id=d.id_masked)),
            Text(tr("application.receipt.time", language, time=f"{now:%Y-%m-%d %H:%M}")),
        ]
        receipt = d.receipt
        if receipt is not None and receipt.application_no:
            body += [
                Text(tr("application.receipt.number", language), bold=True),
                Text(receipt.application_no, bold=True, align=Align.CENTER),
                QRCode(status_payload(receipt.application_no, receipt.status_token)),
                Text(tr("application.receipt.scan_status", language)),
            ]
        else:
            body += [
                Text(tr("application.receipt.queued", language), bold=True),
                Text(f"Q-{d.queued_id.upper()}", bold=True, align=Align.CENTER),
                Text(tr("application.receipt.queued_next", language, hours=self.outbox_hours())),
            ]
        if business is not None:
            body.append(Text(tr("application.receipt.fee", language, fee=business.fee_yuan)))
        if d.pickup == "post":
            body.append(Text(tr("application.receipt.post", language, address=d.address_masked)))
        else:
            body.append(
                Text(
                    tr(
                        "application.receipt.window",
                        language,
                        place=self.pickup_place(),
                        days=self.settings.production_working_days,
                    )
                )
            )
        body += [Rule(), Text(tr("application.receipt.next", language))]
        return service_receipt(
            "application.receipt.title",
            body,
            language=language,
            now=now,
            terminal_id=self.terminal_id,
        )
