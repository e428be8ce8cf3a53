"""The traffic-violation lookup as a plain state machine (no Qt), on :mod:`kiosk.framework.flow`.

States and the events each accepts (every state also takes ``cancel`` / ``home``, which end
the flow as ``cancelled``)::

    choose_mode    vehicle | licence
    plate_type     choose(code=...) | back
    plate_entry    submit(text=...) | back          invalid: stays, ``plate_problem`` set
    plate_confirm  answer(char=...) | back          one question per look-alike (O/0, I/1)
    secret         submit(text=...) | back          skipped where the region asks nothing
    licence_entry  submit(licence_number=..., file_number=...) | back
    looking_up     back                             the lookup runs through ``submit``
    results        open(index=...) | print | again | back | done
    pending        retry | again | done             "still fetching": retry after a while
    error          retry | back | again | done      ``error.message_key`` says what to do
    record_detail  print | back | done
    receipt        printed | back | done            ``data.receipt`` is the document
    done           (finishes the flow as ``completed``)

The lookup runs through the flow's ``Runner`` (:meth:`Flow.run`): the UI's runs it on a
worker and answers on the UI thread; tests pass an inline or a manual runner. A lookup that
never reports back ends in ``error`` (timeout) after ``lookup_deadline_s``, by the injected
clock; an answer that comes after the resident went back is dropped.

Everything personal (plate, secret, licence, results, receipt) lives in ``flow.data``
(:class:`ViolationsData`), which :meth:`ViolationsFlow.wipe` clears; the flow wipes itself when
it finishes, so print the receipt before sending ``printed``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from devices.receipt.document import Align, Block, QRCode, Receipt, Rule, Text
from kiosk.framework.clock import Clock
from kiosk.framework.flow import DONE, Busy, Event, FailsafeMonitor, Flow, Step, on
from kiosk.framework.i18n import tr
from kiosk.framework.id_numbers import validate_id_number
from kiosk.framework.jobs import Job, Mailbox, Runner
from kiosk.framework.masking import mask_id_number, mask_plate
from kiosk.framework.receipts import service_receipt
from kiosk.platform.service_errors import InvalidQuery, NotMatched, ServiceError, ServiceTimeout
from kiosk.violations.plates import (
    PLATE_TYPES,
    Ambiguity,
    PlateType,
    ambiguities,
    normalize_plate,
    replace_at,
    validate_plate,
)
from kiosk.violations.regions import (
    RegionTable,
    SecretKind,
    load_regions,
    normalize_secret,
    secret_format_ok,
)
from kiosk.violations.rules import (
    Eligibility,
    ViolationRules,
    check_eligibility,
    format_yuan,
    load_rules,
    payment_url,
)
from kiosk.violations.service import (
    LicenceQuery,
    LookupResult,
    StillFetching,
    VehicleQuery,
    ViolationRecord,
    ViolationService,
)

log = logging.getLogger(__name__)

CHOOSE_MODE = "choose_mode"
PLATE_TYPE = "plate_type"
PLATE_ENTRY = "plate_entry"
PLATE_CONFIRM = "plate_confirm"
SECRET = "secret"
LICENCE_ENTRY = "licence_entry"
LOOKING_UP = "looking_up"
RESULTS = "results"
PENDING = "pending"
ERROR = "error"
RECORD_DETAIL = "record_detail"
RECEIPT = "receipt"
STATE_NAMES = (
    CHOOSE_MODE,
    PLATE_TYPE,
    PLATE_ENTRY,
    PLATE_CONFIRM,
    SECRET,
    LICENCE_ENTRY,
    LOOKING_UP,
    RESULTS,
    PENDING,
    ERROR,
    RECORD_DETAIL,
    RECEIPT,
    DONE,
)
RECEIPT_MAX_RECORDS = 20  # a longer list is summarised: the window has the rest


class LookupMode(StrEnum):
    """What the resident looks up by."""

    VEHICLE = "vehicle"
    LICENCE = "licence"


@dataclass(frozen=True)
class RecordView:
    """One record as the screens show it.

    Attributes:
        record: the record (personal: its plate is the resident's).
        eligibility: self-service eligibility with every rule's outcome.
        payment_url: the official payment link (for a QR code) if payable, else None.
        masked_plate: the record's plate, masked for the screen after entry.
        status_key: translation key of the record's handling/payment state.
    """

    record: ViolationRecord
    eligibility: Eligibility
    payment_url: str | None
    masked_plate: str
    status_key: str


def status_key(record: ViolationRecord) -> str:
    """Translation key of a record's state: unhandled, handled and unpaid, paid, or unknown."""
    if record.handled is None:
        return "violations.status.unknown"
    if not record.handled:
        return "violations.status.unhandled"
    if record.paid is None:
        return "violations.status.paid_unknown"
    return "violations.status.paid" if record.paid else "violations.status.unpaid"


@dataclass
class ViolationsData:
    """Everything personal the flow holds; :meth:`wipe` forgets it all.

    Attributes:
        mode: vehicle or licence lookup.
        plate_type: the chosen 号牌种类 code.
        plate_text: the plate as typed (normalised), before validation.
        plate: the validated plate.
        ambiguities: look-alike characters still to ask about.
        secret: the region's extra secret (normalised).
        licence_number, file_number: for a licence lookup.
        outcome: the last lookup's answer.
        views: the records with eligibility and payment links, newest first.
        selected: index into ``views`` of the record shown in detail.
        receipt: the receipt document once built.
    """

    mode: LookupMode | None = None
    plate_type: str = ""
    plate_text: str = ""
    plate: str = ""
    ambiguities: list[Ambiguity] = field(default_factory=list)
    secret: str = ""
    licence_number: str = ""
    file_number: str = ""
    outcome: LookupResult | StillFetching | None = None
    views: list[RecordView] = field(default_factory=list)
    selected: int | None = None
    receipt: Receipt | None = None

    def wipe(self) -> None:
        """Forgets everything."""
        fresh = ViolationsData()
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(fresh, name))


class ChooseMode(Step["ViolationsFlow"]):
    """Vehicle or driving licence."""

    name = CHOOSE_MODE
    prompt = "violations.prompt.choose_mode"

    def arrive(self, flow: ViolationsFlow) -> None:
        flow.wipe()

    def handle(self, flow: ViolationsFlow, event: Event) -> None:
        if event.name == "vehicle":
            flow.data.mode = LookupMode.VEHICLE
            flow.go(PLATE_TYPE)
        elif event.name == "licence":
            flow.data.mode = LookupMode.LICENCE
            flow.go(LICENCE_ENTRY)


class ChoosePlateType(Step["ViolationsFlow"]):
    """The plate-type chooser; ``flow.plate_types`` lists the choices in order."""

    name = PLATE_TYPE
    prompt = "violations.prompt.plate_type"
    moves = on(back=CHOOSE_MODE)

    def handle(self, flow: ViolationsFlow, event: Event) -> None:
        if event.name == "choose":
            code = str(event.data.get("code", ""))
            if code in PLATE_TYPES:
                flow.data.plate_type = code
                flow.go(PLATE_ENTRY)


class PlateEntry(Step["ViolationsFlow"]):
    """Typing the plate. ``flow.plate_problem`` is the translation key of what is wrong."""

    name = PLATE_ENTRY
    prompt = "violations.prompt.plate_entry"
    moves = on(back=PLATE_TYPE)

    def handle(self, flow: ViolationsFlow, event: Event) -> None:
        if event.name == "submit":
            text = str(event.data.get("text", ""))
            flow.data.plate_text = normalize_plate(text)
            found = ambiguities(text, flow.data.plate_type)
            # Ask only when the look-alikes are all that is wrong; otherwise name the
            # other problem first (asking "1 or I?" about a plate with no province is noise).
            resolved = flow.data.plate_text
            for a in found:
                resolved = replace_at(resolved, a.index, a.suggestion)
            if found and validate_plate(resolved, flow.data.plate_type).ok:
                flow.data.ambiguities = found
                flow.plate_problem = None
                flow.go(PLATE_CONFIRM)
            elif found:
                problem = validate_plate(resolved, flow.data.plate_type).problem
                flow.plate_problem = problem.key if problem else None
            else:
                flow._accept_plate()


class PlateConfirm(Step["ViolationsFlow"]):
    """Asks about one look-alike at a time (``flow.question``): "is this O the digit 0?".

    ``answer(char=...)`` takes the typed character or the suggested one; nothing is changed
    without the resident's answer.
    """

    name = PLATE_CONFIRM
    prompt = "violations.prompt.plate_confirm"

    def handle(self, flow: ViolationsFlow, event: Event) -> None:
        data = flow.data
        if event.name == "answer" and data.ambiguities:
            question = data.ambiguities[0]
            char = str(event.data.get("char", ""))
            if char not in (question.typed, question.suggestion):
                return
            if char != question.typed:
                data.plate_text = replace_at(data.plate_text, question.index, char)
            data.ambiguities.pop(0)
            if not data.ambiguities:
                flow._accept_plate()
        elif event.name == "back":
            data.ambiguities = []
            flow.go(PLATE_ENTRY)


class SecretEntry(Step["ViolationsFlow"]):
    """The region's extra secret; ``flow.secret_kind`` says which (its ``prompt_key``)."""

    name = SECRET
    prompt = "violations.prompt.secret"
    moves = on(back=PLATE_ENTRY)

    def handle(self, flow: ViolationsFlow, event: Event) -> None:
        kind = flow.secret_kind
        if event.name == "submit":
            text = str(event.data.get("text", ""))
            if secret_format_ok(kind, text) and normalize_secret(kind, text):
                flow.data.secret = normalize_secret(kind, text)
                flow.secret_problem = None
                flow.go(LOOKING_UP)
            else:
                flow.secret_problem = f"violations.secret.invalid_{kind.value}"


class LicenceEntry(Step["ViolationsFlow"]):
    """Licence number (identity number) and the 12-digit file number."""

    name = LICENCE_ENTRY
    prompt = "violations.prompt.licence_entry"
    moves = on(back=CHOOSE_MODE)

    def handle(self, flow: ViolationsFlow, event: Event) -> None:
        if event.name == "submit":
            check = validate_id_number(
                str(event.data.get("licence_number", "")), flow.clock.now().date()
            )
            file_number = "".join(str(event.data.get("file_number", "")).split())
            if not check.ok and check.problem is not None:
                flow.licence_problem = check.problem.key
            elif len(file_number) != 12 or not (file_number.isascii() and file_number.isdigit()):
                flow.licence_problem = "violations.licence.invalid_file_number"
            else:
                flow.licence_problem = None
                flow.data.licence_number = check.number
                flow.data.file_number = file_number
                flow.go(LOOKING_UP)


class LookingUp(Busy["ViolationsFlow"]):
    """The lookup is running off the caller's thread; the screen shows progress."""

    name = LOOKING_UP
    prompt = "violations.prompt.looking_up"

    def job(self, flow: ViolationsFlow) -> Job[LookupResult | StillFetching]:
        query, service = flow._query(), flow.service
        if isinstance(query, LicenceQuery):
            return lambda: service.lookup_licence(query)
        return lambda: service.lookup_vehicle(query)

    def arrived(self, flow: ViolationsFlow, value: Any) -> str | None:
        if isinstance(value, StillFetching):
            flow.data.outcome = value
            return PENDING
        if isinstance(value, LookupResult):
            flow._show(value)
            return RESULTS
        raise TypeError(f"lookup returned {type(value).__name__}")

    def failed(self, flow: ViolationsFlow, error: BaseException) -> str | None:
        if not isinstance(error, ServiceError):
            raise error  # a defect, not a service failure: the failsafe takes it
        flow.error = error
        log.info("violation lookup failed: %s", error.code)
        return ERROR

    def deadline_s(self, flow: ViolationsFlow) -> float:
        return flow.lookup_deadline_s

    def timed_out(self, flow: ViolationsFlow) -> str | None:
        return self.failed(flow, ServiceTimeout("no answer within the flow's deadline"))

    def handle(self, flow: ViolationsFlow, event: Event) -> None:
        if event.name == "back":
            flow.go(flow.entry_state())


class Results(Step["ViolationsFlow"]):
    """The records, newest first (``flow.data.views``), with the holder's points if known."""

    name = RESULTS
    prompt = "violations.prompt.results"
    moves = on(again=CHOOSE_MODE, done=DONE)

    def handle(self, flow: ViolationsFlow, event: Event) -> None:
        if event.name == "open":
            index = event.data.get("index")
            if isinstance(index, int) and 0 <= index < len(flow.data.views):
                flow.data.selected = index
                flow.go(RECORD_DETAIL)
        elif event.name == "print":
            flow.data.selected = None
            flow.go(RECEIPT)
        elif event.name == "back":
            flow.go(flow.entry_state())


class Pending(Step["ViolationsFlow"]):
    """The provider is still fetching; ``retry`` works once ``flow.retry_in_s()`` is 0."""

    name = PENDING
    prompt = "violations.prompt.pending"
    moves = on(again=CHOOSE_MODE, done=DONE)

    def handle(self, flow: ViolationsFlow, event: Event) -> None:
        if event.name == "retry" and flow.retry_in_s() <= 0:
            flow.go(LOOKING_UP)


class ErrorState(Step["ViolationsFlow"]):
    """A lookup failed: ``flow.error.message_key`` names it and the next step.

    ``retry`` (when ``flow.can_retry``) repeats the same lookup; ``back`` returns to the
    input the error is about.
    """

    name = ERROR
    prompt = "violations.prompt.error"
    moves = on(again=CHOOSE_MODE, done=DONE)

    def handle(self, flow: ViolationsFlow, event: Event) -> None:
        if event.name == "retry" and flow.can_retry:
            flow.go(LOOKING_UP)
        elif event.name == "back":
            flow.go(flow.error_back_state())

    def leave(self, flow: ViolationsFlow) -> None:
        flow.error = None


class RecordDetail(Step["ViolationsFlow"]):
    """One record (``flow.selected_view``): eligibility with its reason, payment QR URL."""

    name = RECORD_DETAIL
    prompt = "violations.prompt.record_detail"
    moves = on(print=RECEIPT, done=DONE)

    def handle(self, flow: ViolationsFlow, event: Event) -> None:
        if event.name == "back":
            flow.data.selected = None
            flow.go(RESULTS)


class ReceiptState(Step["ViolationsFlow"]):
    """The receipt (``flow.data.receipt``): the selected record, or the whole list."""

    name = RECEIPT
    prompt = "violations.prompt.receipt"
    prints = True
    moves = on(receipt_queued=DONE, printed=DONE, done=DONE)

    def arrive(self, flow: ViolationsFlow) -> None:
        flow.data.receipt = flow.build_receipt()

    def handle(self, flow: ViolationsFlow, event: Event) -> None:
        if event.name == "back":
            flow.go(RECORD_DETAIL if flow.data.selected is not None else RESULTS)


class ViolationsFlow(Flow[ViolationsData]):
    """The violation lookup flow. See the module docstring for states and events.

    Attributes:
        data: the personal data (wiped at the end).
        plate_problem: translation key of the plate's problem, or None.
        secret_problem: translation key of the secret's problem, or None.
        licence_problem: translation key of the licence input's problem, or None.
        error: the failed lookup's error (in ``error``), or None.
        language: the resident's language, for the receipt.
    """

    name = "violations"
    initial = CHOOSE_MODE

    def __init__(
        self,
        clock: Clock,
        monitor: FailsafeMonitor,
        service: ViolationService,
        *,
        runner: Runner | None = None,
        mailbox: Mailbox | None = None,
        regions: RegionTable | None = None,
        rules: ViolationRules | None = None,
        lookup_deadline_s: float = 30.0,
        terminal_id: str = "",
        language: str = "zh_CN",
    ) -> None:
        super().__init__(
            clock,
            monitor,
            [
                ChooseMode(),
                ChoosePlateType(),
                PlateEntry(),
                PlateConfirm(),
                SecretEntry(),
                LicenceEntry(),
                LookingUp(),
                Results(),
                Pending(),
                ErrorState(),
                RecordDetail(),
                ReceiptState(),
            ],
            ViolationsData(),
            runner=runner,
            mailbox=mailbox,
        )
        self.service = service
        self.regions = regions or load_regions()
        self.rules = rules or load_rules()
        self.lookup_deadline_s = lookup_deadline_s
        self.terminal_id = terminal_id
        self.language = language
        self.plate_problem: str | None = None
        self.secret_problem: str | None = None
        self.licence_problem: str | None = None
        self.error: ServiceError | None = None

    # -- what screens read -------------------------------------------------------------

    @property
    def plate_types(self) -> list[PlateType]:
        """The plate types to offer, most common first."""
        return list(PLATE_TYPES.values())

    @property
    def secret_kind(self) -> SecretKind:
        """What the plate's region asks for besides the plate."""
        if not self.data.plate:
            return SecretKind.NONE
        return self.regions.for_plate(self.data.plate).secret

    @property
    def question(self) -> Ambiguity | None:
        """The look-alike to ask about now (in ``plate_confirm``)."""
        return self.data.ambiguities[0] if self.data.ambiguities else None

    @property
    def masked_subject(self) -> str:
        """The plate or licence number, masked, for the screen after entry."""
        if self.data.mode is LookupMode.LICENCE:
            return mask_id_number(self.data.licence_number)
        return mask_plate(self.data.plate)

    @property
    def can_retry(self) -> bool:
        """Whether ``retry`` is offered in the error state."""
        return self.error is not None and self.error.retryable

    @property
    def selected_view(self) -> RecordView | None:
        """The record shown in ``record_detail``."""
        i = self.data.selected
        return self.data.views[i] if i is not None and 0 <= i < len(self.data.views) else None

    @property
    def licence_points(self) -> int | None:
        """The holder's points in the cycle (licence lookups), None if unknown."""
        o = self.data.outcome
        return o.licence_points if isinstance(o, LookupResult) else None

    def retry_in_s(self) -> float:
        """Seconds until ``retry`` is accepted in ``pending`` (0 when it is)."""
        o = self.data.outcome
        if self.state != PENDING or not isinstance(o, StillFetching):
            return 0.0
        return max(0.0, o.retry_after_s - self.time_in_state())

    def entry_state(self) -> str:
        """Where the resident typed the last input."""
        if self.data.mode is LookupMode.LICENCE:
            return LICENCE_ENTRY
        return PLATE_ENTRY if self.secret_kind is SecretKind.NONE else SECRET

    def error_back_state(self) -> str:
        """The input an error is about (the plate for a bad plate, ...)."""
        e = self.error
        if isinstance(e, InvalidQuery) and e.field in ("plate", "plate_type"):
            return PLATE_ENTRY
        if isinstance(e, NotMatched | InvalidQuery):
            return self.entry_state()
        return CHOOSE_MODE

    # -- lifecycle ---------------------------------------------------------------------

    def receipt(self) -> Receipt | None:
        """The summary built on entering ``receipt`` (masked)."""
        return self.data.receipt

    def wipe(self) -> None:
        """Forgets everything personal and drops any lookup still running."""
        super().wipe()
        self.plate_problem = self.secret_problem = self.licence_problem = None
        self.error = None

    def _accept_plate(self) -> None:
        check = validate_plate(self.data.plate_text, self.data.plate_type)
        if not check.ok and check.problem is not None:
            self.plate_problem = check.problem.key
            self.go(PLATE_ENTRY)
            return
        self.plate_problem = None
        self.data.plate = check.plate
        self.go(LOOKING_UP if self.secret_kind is SecretKind.NONE else SECRET)

    # -- the lookup ----------------------------------------------------------------------

    def _query(self) -> VehicleQuery | LicenceQuery:
        d = self.data
        if d.mode is LookupMode.LICENCE:
            return LicenceQuery(licence_number=d.licence_number, file_number=d.file_number)
        return VehicleQuery(plate_type=d.plate_type, plate=d.plate, secret=d.secret)

    def _show(self, result: LookupResult) -> None:
        self.data.outcome = result
        self.data.views = [self._view(r, result.licence_points) for r in result.records]
        self.data.selected = None

    def _view(self, record: ViolationRecord, existing_points: int | None) -> RecordView:
        return RecordView(
            record=record,
            eligibility=check_eligibility(record, self.rules, existing_points),
            payment_url=payment_url(record, self.rules),
            masked_plate=mask_plate(record.plate),
            status_key=status_key(record),
        )

    def build_receipt(self) -> Receipt:
        """The receipt for the selected record, or for every record of the last lookup."""
        outcome = self.data.outcome
        fetched = outcome.fetched_at if outcome is not None else self.clock.now()
        view = self.selected_view
        return violations_receipt(
            [view] if view is not None else self.data.views,
            plate=self.data.plate if self.data.mode is LookupMode.VEHICLE else None,
            plate_type=self.data.plate_type or None,
            licence_number=(
                self.data.licence_number if self.data.mode is LookupMode.LICENCE else None
            ),
            licence_points=self.licence_points,
            fetched_at=fetched,
            now=self.clock.now(),
            language=self.language,
            terminal_id=self.terminal_id,
        )


def _money(fen: int | None, language: str) -> str:
    text = format_yuan(fen)
    if text is None:
        return tr("violations.value.unknown", language)
    return tr("violations.value.yuan", language, amount=text)


def _points(points: int | None, language: str) -> str:
    if points is None:
        return tr("violations.value.unknown", language)
    return tr("violations.value.points", language, points=points)


def violations_receipt(
    views: Sequence[RecordView],
    *,
    plate: str | None,
    plate_type: str | None,
    licence_number: str | None,
    licence_points: int | None,
    fetched_at: datetime,
    now: datetime,
    language: str = "zh_CN",
    terminal_id: str = "",
) -> Receipt:
    """The printed summary of a lookup. Plates and licence numbers are masked here, so no
    caller can forget to; the title (shown in the maintenance job list) is generic.
    """

    def t(key: str, **fields: object) -> str:
        return tr(key, language, **fields)

    body: list[Block] = []

    def add(*blocks: Block) -> None:
        body.extend(blocks)

    if plate:
        ptype = PLATE_TYPES.get(plate_type or "")
        type_name = ptype.name(language) if ptype else ""
        add(Text(t("violations.receipt.plate", plate=mask_plate(plate), type=type_name)))
    if licence_number:
        add(Text(t("violations.receipt.licence", licence=mask_id_number(licence_number))))
        add(Text(t("violations.receipt.licence_points", points=_points(licence_points, language))))
    unhandled = sum(1 for v in views if v.record.handled is False)
    add(
        Text(t("violations.receipt.fetched_at", at=f"{fetched_at:%Y-%m-%d %H:%M}")),
        Text(t("violations.receipt.count", count=len(views), unhandled=unhandled)),
        Rule(),
    )
    for n, v in enumerate(views[:RECEIPT_MAX_RECORDS], start=1):
        r = v.record
        add(
            Text(f"{n}. {r.occurred_at:%Y-%m-%d %H:%M}", bold=True),
            Text(f"{r.behaviour_text} ({r.behaviour_code})"),
            Text(t("violations.receipt.place", place=r.place)),
        )
        if licence_number:
            add(Text(t("violations.receipt.vehicle", plate=mask_plate(r.plate))))
        add(
            Text(
                t(
                    "violations.receipt.fine_points",
                    fine=_money(r.fine_fen, language),
                    points=_points(r.points, language),
                )
            ),
            Text(t("violations.receipt.status", status=t(v.status_key))),
        )
        if r.late_fee_fen:
            add(Text(t("violations.receipt.late_fee", fee=_money(r.late_fee_fen, language))))
        if r.decision_number:
            add(Text(t("violations.receipt.decision", number=r.decision_number)))
        add(Text(t("violations.receipt.self_service", verdict=t(v.eligibility.verdict.key))))
        if v.payment_url:
            add(
                Text(t("violations.receipt.pay_here"), align=Align.CENTER),
                QRCode(v.payment_url),
            )
        add(Rule())
    if len(views) > RECEIPT_MAX_RECORDS:
        add(Text(t("violations.receipt.more", count=len(views) - RECEIPT_MAX_RECORDS)), Rule())
    add(Text(t("violations.receipt.disclaimer")), Text(t("violations.receipt.no_payment_here")))
    return service_receipt(
        "violations.receipt.title", body, language=language, now=now, terminal_id=terminal_id
    )
