"""The resident's volunteer-points redemption as a plain state machine (no Qt), on
:mod:`kiosk.framework.flow`.

States and the events each accepts (every state also takes ``cancel`` / ``home``, which end
the flow as ``cancelled``)::

    scan           scan(text=...)                     verifies the member token here
    identifying    back                               member + catalogue lookup (runner)
    member         browse | reprint(code=...) | cancel_voucher(code=...) | done
    catalogue      add(item_id=..., quantity=1) | remove(item_id=...) | cart | back
    cart           set(item_id=..., quantity=n) | remove(item_id=...) | confirm | back
    confirm        ok | back                          total and balance after, once more
    issuing        (none)                             the redemption runs through ``submit``
    voucher        printed | print_failed | done      ``data.receipt`` is the document
    cancelling     (none)                             a resident's cancellation (policy)
    token_refused  again | done                       ``problem``: expired, forged, unknown...
    refused        back | done                        ``problem``: not enough points, out of
                                                      stock, limit reached; data refreshed
    error          retry | done                       ``error.message_key``; ``retry`` repeats
                                                      the same call with the same key
    done           (finishes the flow as ``completed``)

Adding to the cart is checked here first against what the catalogue and balance say
(``cart_problem`` names why an item cannot be added); the service decides for good. A
refused redemption writes nothing. A redemption whose answer is lost (unreachable, timeout)
has an unknown outcome: ``retry`` sends the same idempotency key, so it can never charge
twice; if the resident leaves instead, a voucher that was issued after all shows up under
"your unprinted vouchers" the next time they scan their card (and, never picked up, expires
and gives its points back).

Printing is the shell's: in ``voucher`` it prints ``data.receipt`` (from
:func:`voucher_receipt`) and sends ``printed`` (the flow then tells the service, so the
voucher leaves the unprinted list) or ``print_failed`` (the voucher stays listed for a
reprint; ``print_failed`` is shown). A reprint from ``member`` goes through ``voucher`` too
and returns to ``member`` when printed.

Service calls run through the flow's ``Runner`` (:meth:`Flow.run`, :class:`Busy`): never on
the caller's thread unless the caller wants it. A call that never reports back ends in
``error`` after ``job_deadline_s`` by the injected clock.

Everything personal (token, member, balance, cart, voucher, receipt) lives in ``flow.data``
(:class:`PointsData`), which :meth:`PointsFlow.wipe` clears; the flow wipes itself when it
finishes, so print before sending ``printed``.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import UnionType
from typing import Any, ClassVar

from devices.receipt.document import Align, Block, QRCode, Receipt, Rule, Text
from devices.scan_payload import PayloadKind, classify
from kiosk.framework.clock import Clock
from kiosk.framework.flow import DONE, Busy, Event, FailsafeMonitor, Flow, Step, on
from kiosk.framework.i18n import tr
from kiosk.framework.jobs import Job, Mailbox, Runner
from kiosk.framework.masking import mask_member_id
from kiosk.framework.receipts import service_receipt
from kiosk.platform.points_config import PointsConfig
from kiosk.platform.service_errors import ServiceError, ServiceTimeout
from kiosk.points.errors import (
    LimitReached,
    MemberTokenError,
    NotEnoughPoints,
    OutOfStock,
    PointsRejected,
    UnknownItem,
)
from kiosk.points.model import (
    Balance,
    CancelledBy,
    CartLine,
    Catalogue,
    CatalogueItem,
    LedgerEntry,
    MemberSummary,
    Voucher,
    mask_name,
)
from kiosk.points.service import PointsService
from kiosk.points.tokens import MemberToken, verify_member_token

log = logging.getLogger(__name__)

SCAN = "scan"
IDENTIFYING = "identifying"
MEMBER = "member"
CATALOGUE = "catalogue"
CART = "cart"
CONFIRM = "confirm"
ISSUING = "issuing"
VOUCHER = "voucher"
CANCELLING = "cancelling"
TOKEN_REFUSED = "token_refused"
REFUSED = "refused"
ERROR = "error"
STATE_NAMES = (
    SCAN,
    IDENTIFYING,
    MEMBER,
    CATALOGUE,
    CART,
    CONFIRM,
    ISSUING,
    VOUCHER,
    CANCELLING,
    TOKEN_REFUSED,
    REFUSED,
    ERROR,
    DONE,
)
NOT_A_CARD = "points.token.not_a_card"
_ERROR_KEYS = {
    "timeout": "points.error.timeout",
    "unreachable": "points.error.unreachable",
    "server_error": "points.error.server",
    "malformed_response": "points.error.server",
    "tls": "points.error.unreachable",
    "unauthorised": "points.error.terminal",
    "store_error": "points.error.store",
    "invalid_query": "points.error.generic",
}


@dataclass(frozen=True)
class CartView:
    """One cart line as the screens show it."""

    item: CatalogueItem
    quantity: int

    @property
    def points(self) -> int:
        """Points for the line."""
        return self.item.points * self.quantity


@dataclass
class PointsData:
    """Everything personal the flow holds; :meth:`wipe` forgets it all.

    Attributes:
        token: the verified member token.
        member: the member's account as last fetched.
        catalogue: the catalogue with the member's remaining allowances.
        cart: item id -> quantity, in the order added.
        redeem_key: the idempotency key of the cart being redeemed (kept across retries,
            renewed when the cart changes).
        voucher: the voucher issued, or the one being reprinted.
        reprint: whether ``voucher`` is a reprint.
        receipt: the voucher's receipt once built.
        print_failed: the shell reported the receipt did not print.
        receipt_queued: the receipt went to the print queue; "done" then reports it printed.
        trimmed: item ids whose quantity was reduced after a refusal (refreshed data).
    """

    token: MemberToken | None = None
    member: MemberSummary | None = None
    catalogue: Catalogue | None = None
    cart: dict[str, int] = field(default_factory=dict)
    redeem_key: str | None = None
    voucher: Voucher | None = None
    reprint: bool = False
    receipt: Receipt | None = None
    print_failed: bool = False
    receipt_queued: bool = False
    trimmed: list[str] = field(default_factory=list)

    def wipe(self) -> None:
        """Forgets everything."""
        fresh = PointsData()
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(fresh, name))


class _Busy(Busy["PointsFlow"]):
    """A state waiting for a service call; ``arrived`` decides where its answer leads.

    ``refusals`` name the refusals the resident can act on, in order: the error types and
    the state that explains them (``flow.problem`` says what and what to do). Any other
    service error is the error state, with ``retry``.
    """

    refusals: ClassVar[tuple[tuple[type[ServiceError] | UnionType, str], ...]] = ()

    def failed(self, flow: PointsFlow, error: BaseException) -> str | None:
        if not isinstance(error, ServiceError):
            raise error  # a defect, not a service failure: the failsafe takes it
        for kinds, target in self.refusals:
            if isinstance(error, kinds):
                log.info("%s refused: %s", self.name, error.code)
                flow.problem = error.message_key
                self.refused(flow, error)
                return target
        return flow._failed_call(error, self.name)

    def refused(self, flow: PointsFlow, error: ServiceError) -> None:
        """Runs for a refusal the resident can act on, before its state."""

    def arrived(self, flow: PointsFlow, value: Any) -> str | None:
        """By default the answer is the member's account and catalogue: the member screen."""
        flow._take_account(value)
        return MEMBER

    def deadline_s(self, flow: PointsFlow) -> float:
        return flow.job_deadline_s

    def timed_out(self, flow: PointsFlow) -> str | None:
        return flow._failed_call(ServiceTimeout("no answer within the flow's deadline"), self.name)


class Scan(Step["PointsFlow"]):
    """Waiting for the member's QR code (points app or card)."""

    name = SCAN
    prompt = "points.prompt.scan"

    def arrive(self, flow: PointsFlow) -> None:
        flow.wipe()

    def handle(self, flow: PointsFlow, event: Event) -> None:
        if event.name != "scan":
            return
        text = str(event.data.get("text", ""))
        if classify(text) is not PayloadKind.MEMBER_TOKEN:
            flow.problem = NOT_A_CARD
            flow.go(TOKEN_REFUSED)
            return
        try:
            flow.data.token = verify_member_token(text, flow.config, now=flow.epoch())
        except MemberTokenError as e:
            log.info("member token refused: %s", e.code)
            flow.problem = e.message_key
            flow.go(TOKEN_REFUSED)
            return
        flow.go(IDENTIFYING)


class Identifying(_Busy):
    """Fetching the member's account and the catalogue."""

    name = IDENTIFYING
    prompt = "points.prompt.identifying"
    moves = on(back=SCAN)
    refusals = ((MemberTokenError, TOKEN_REFUSED),)  # unknown member, card replaced

    def job(self, flow: PointsFlow) -> Job[Any]:
        flow.error = None
        return flow._member_and_catalogue()


class Member(Step["PointsFlow"]):
    """The member's masked name, balance, recent entries and unprinted vouchers."""

    name = MEMBER
    prompt = "points.prompt.member"
    moves = on(browse=CATALOGUE, done=DONE)

    def handle(self, flow: PointsFlow, event: Event) -> None:
        if event.name == "reprint":
            voucher = flow._open_voucher(str(event.data.get("code", "")))
            if voucher is not None:
                flow._show_voucher(voucher, reprint=True)
                flow.go(VOUCHER)
        elif event.name == "cancel_voucher" and flow.residents_may_cancel:
            voucher = flow._open_voucher(str(event.data.get("code", "")))
            if voucher is not None:
                flow._cancel_code = voucher.code
                flow._cancel_key = f"cancel-{uuid.uuid4().hex}"
                flow.go(CANCELLING)


class CatalogueState(Step["PointsFlow"]):
    """Items with picture, price, stock and what the member may still take."""

    name = CATALOGUE
    prompt = "points.prompt.catalogue"
    moves = on(back=MEMBER)

    def arrive(self, flow: PointsFlow) -> None:
        flow.cart_problem = None

    def handle(self, flow: PointsFlow, event: Event) -> None:
        if event.name == "add":
            quantity = event.data.get("quantity", 1)
            if isinstance(quantity, int) and quantity >= 1:
                flow.add(str(event.data.get("item_id", "")), quantity)
        elif event.name == "remove":
            flow.set_quantity(str(event.data.get("item_id", "")), 0)
        elif event.name == "cart" and flow.data.cart:
            flow.go(CART)


class Cart(Step["PointsFlow"]):
    """The chosen items, their points, the total and the balance after."""

    name = CART
    prompt = "points.prompt.cart"
    moves = on(back=CATALOGUE)

    def handle(self, flow: PointsFlow, event: Event) -> None:
        if event.name == "set":
            quantity = event.data.get("quantity")
            if isinstance(quantity, int) and quantity >= 0:
                flow.set_quantity(str(event.data.get("item_id", "")), quantity)
        elif event.name == "remove":
            flow.set_quantity(str(event.data.get("item_id", "")), 0)
        elif event.name == "confirm" and flow.data.cart and flow.cart_fits:
            flow.go(CONFIRM)


class Confirm(Step["PointsFlow"]):
    """One last look: items, total, balance after; ``ok`` redeems."""

    name = CONFIRM
    prompt = "points.prompt.confirm"
    moves = on(back=CART)

    def handle(self, flow: PointsFlow, event: Event) -> None:
        if event.name == "ok" and flow.data.cart:
            flow.go(ISSUING)


class Issuing(_Busy):
    """The redemption is running: points held and stock reserved, or nothing at all."""

    name = ISSUING
    prompt = "points.prompt.issuing"
    refusals = (
        (NotEnoughPoints | OutOfStock | LimitReached | UnknownItem, REFUSED),
        (MemberTokenError, TOKEN_REFUSED),
    )

    def job(self, flow: PointsFlow) -> Job[Any]:
        return flow._redeem_job()

    def arrived(self, flow: PointsFlow, value: Any) -> str | None:
        if not isinstance(value, Voucher):
            raise TypeError(f"redeem returned {type(value).__name__}")
        flow.data.cart = {}
        flow.data.redeem_key = None
        flow._show_voucher(value, reprint=False)
        return VOUCHER

    def refused(self, flow: PointsFlow, error: ServiceError) -> None:
        if not isinstance(error, MemberTokenError):
            flow.data.redeem_key = None  # nothing was written: a new attempt is a new key


class VoucherState(Step["PointsFlow"]):
    """The voucher: pickup code, QR, items; the shell prints ``data.receipt``."""

    name = VOUCHER
    prompt = "points.prompt.voucher"
    prints = True

    def handle(self, flow: PointsFlow, event: Event) -> None:
        if event.name == "receipt_queued":
            flow.data.receipt_queued = True
        elif event.name == "printed" or (event.name == "done" and flow.data.receipt_queued):
            flow._report_printed()
            flow.go(MEMBER if flow.data.reprint else DONE)
        elif event.name == "print_failed":
            flow.data.print_failed = True
        elif event.name == "done":
            flow.go(MEMBER if flow.data.reprint else DONE)

    def leave(self, flow: PointsFlow) -> None:
        flow.data.receipt = None
        flow.data.print_failed = False
        flow.data.receipt_queued = False


class Cancelling(_Busy):
    """A resident's cancellation of their own open voucher (where policy allows)."""

    name = CANCELLING
    prompt = "points.prompt.cancelling"
    refusals = ((PointsRejected, REFUSED),)

    def job(self, flow: PointsFlow) -> Job[Any]:
        return flow._cancel_job()


class TokenRefused(Step["PointsFlow"]):
    """The code cannot identify a member: ``flow.problem`` says why and what to do."""

    name = TOKEN_REFUSED
    prompt = "points.prompt.token_refused"
    moves = on(again=SCAN, done=DONE)


class Refused(Step["PointsFlow"]):
    """The redemption was refused and nothing was written (``flow.problem``); the member's
    balance and the catalogue are fetched again, and ``back`` returns to a cart trimmed to
    what now fits (``data.trimmed``)."""

    name = REFUSED
    prompt = "points.prompt.refused"
    moves = on(done=DONE)

    def arrive(self, flow: PointsFlow) -> None:
        def refreshed(value: Any) -> None:
            flow._take_account(value)
            flow._trim_cart()

        # The refusal stands whatever the refresh answers; a failed refresh changes nothing.
        flow.run(flow._member_and_catalogue(), refreshed, lambda _error: None)

    def handle(self, flow: PointsFlow, event: Event) -> None:
        if event.name == "back":
            flow.go(CART if flow.data.cart else MEMBER)

    def leave(self, flow: PointsFlow) -> None:
        flow.problem = None


class ErrorState(Step["PointsFlow"]):
    """The service could not be reached or failed: ``flow.error.message_key``.

    ``retry`` (when ``flow.can_retry``) repeats the call that failed, a redemption with the
    same idempotency key. ``flow.outcome_unknown`` says a redemption may have gone through.
    """

    name = ERROR
    prompt = "points.prompt.error"
    moves = on(done=DONE)

    def handle(self, flow: PointsFlow, event: Event) -> None:
        if event.name == "retry" and flow.can_retry and flow.failed_in:
            flow.go(flow.failed_in)


class PointsFlow(Flow[PointsData]):
    """The redemption flow. See the module docstring for states and events.

    Attributes:
        data: the personal data (wiped at the end).
        problem: translation key of why a token or a redemption was refused, or None.
        cart_problem: translation key of why the last ``add``/``set`` was not taken.
        error: the failed call's error (in ``error``), or None.
        failed_in: the state whose call failed (``retry`` returns there).
        config: the points policy (token key, cancel policy).
        language: the resident's language, for the receipt.
    """

    name = "points"
    initial = SCAN

    def __init__(
        self,
        clock: Clock,
        monitor: FailsafeMonitor,
        service: PointsService,
        config: PointsConfig,
        *,
        runner: Runner | None = None,
        mailbox: Mailbox | None = None,
        job_deadline_s: float = 30.0,
        terminal_id: str = "",
        language: str = "zh_CN",
        epoch: Callable[[], float] | None = None,
    ) -> None:
        super().__init__(
            clock,
            monitor,
            [
                Scan(),
                Identifying(),
                Member(),
                CatalogueState(),
                Cart(),
                Confirm(),
                Issuing(),
                VoucherState(),
                Cancelling(),
                TokenRefused(),
                Refused(),
                ErrorState(),
            ],
            PointsData(),
            runner=runner,
            mailbox=mailbox,
        )
        self.service = service
        self.config = config
        self.job_deadline_s = job_deadline_s
        self.terminal_id = terminal_id
        self.language = language
        self.epoch = epoch or (lambda: self.clock.now().timestamp())
        self.problem: str | None = None
        self.cart_problem: str | None = None
        self.error: ServiceError | None = None
        self.failed_in: str | None = None
        self._cancel_code: str | None = None
        self._cancel_key: str | None = None

    # -- what screens read -------------------------------------------------------------

    @property
    def masked_name(self) -> str:
        """The member's name, masked."""
        m = self.data.member
        return mask_name(m.name) if m else ""

    @property
    def masked_id(self) -> str:
        """The member's id, masked."""
        m = self.data.member
        return mask_member_id(m.member_id) if m else ""

    @property
    def balance(self) -> Balance | None:
        """Available and held points, as last fetched."""
        return self.data.member.balance if self.data.member else None

    @property
    def hours(self) -> float:
        """Service hours recorded so far."""
        return self.data.member.hours_centi / 100 if self.data.member else 0.0

    @property
    def recent(self) -> tuple[LedgerEntry, ...]:
        """The latest ledger entries, newest first (their ``reason`` has a
        ``points.reason.<reason>`` key and their ``kind`` a ``points.entry.<kind>`` key)."""
        return self.data.member.recent if self.data.member else ()

    @property
    def unprinted_vouchers(self) -> tuple[Voucher, ...]:
        """Open vouchers whose receipt never printed (offer ``reprint(code=...)``)."""
        return self.data.member.unprinted_vouchers if self.data.member else ()

    @property
    def open_vouchers(self) -> tuple[Voucher, ...]:
        """Every open voucher (printed or not), newest first."""
        return self.data.member.open_vouchers if self.data.member else ()

    @property
    def residents_may_cancel(self) -> bool:
        """Whether ``cancel_voucher`` is offered (policy)."""
        return self.config.cancel_policy == "resident"

    @property
    def items(self) -> tuple[CatalogueItem, ...]:
        """The catalogue's items, in order (``picture`` relative to ``config/``)."""
        return self.data.catalogue.items if self.data.catalogue else ()

    @property
    def cart_lines(self) -> list[CartView]:
        """The cart, in the order items were added."""
        catalogue = self.data.catalogue
        if catalogue is None:
            return []
        views = []
        for item_id, quantity in self.data.cart.items():
            item = catalogue.item(item_id)
            if item is not None:
                views.append(CartView(item, quantity))
        return views

    @property
    def cart_total(self) -> int:
        """Points the cart costs."""
        return sum(v.points for v in self.cart_lines)

    @property
    def balance_after(self) -> int | None:
        """Available points left after redeeming the cart (None before identification)."""
        b = self.balance
        return None if b is None else b.available - self.cart_total

    @property
    def cart_fits(self) -> bool:
        """Whether the cart fits the balance, stock and limits as last fetched."""
        return (self.balance_after or 0) >= 0 and all(
            v.quantity <= v.item.may_take for v in self.cart_lines
        )

    @property
    def can_retry(self) -> bool:
        """Whether ``retry`` is offered in ``error``."""
        return self.error is not None and self.error.retryable

    @property
    def error_key(self) -> str | None:
        """Translation key of ``error`` for this flow's screen (what happened, what to do)."""
        e = self.error
        if e is None:
            return None
        if isinstance(e, PointsRejected):
            return e.message_key
        if self.outcome_unknown and e.code in ("timeout", "unreachable", "server_error"):
            return "points.error.outcome_unknown"
        return _ERROR_KEYS.get(e.code, "points.error.generic")

    @property
    def outcome_unknown(self) -> bool:
        """In ``error`` after a redemption: it may have gone through (see the docstring)."""
        return self.state == ERROR and self.failed_in == ISSUING

    def add_problem(self, item_id: str, quantity: int = 1) -> str | None:
        """Why ``quantity`` more of an item cannot go into the cart (a translation key), or
        None if it can. Screens grey out an item's add button with this."""
        item = self.data.catalogue.item(item_id) if self.data.catalogue else None
        if item is None:
            return "points.refused.unknown_item"
        wanted = self.data.cart.get(item_id, 0) + quantity
        if wanted > item.stock:
            return "points.refused.out_of_stock"
        if wanted > item.may_take:
            return "points.refused.limit_reached"
        if wanted > self.config.max_quantity:
            return "points.cart.too_many"
        if item_id not in self.data.cart and len(self.data.cart) >= self.config.max_lines:
            return "points.cart.too_many"
        balance = self.balance
        if balance is None or self.cart_total + item.points * quantity > balance.available:
            return "points.refused.not_enough_points"
        return None

    # -- cart --------------------------------------------------------------------------

    def add(self, item_id: str, quantity: int = 1) -> bool:
        """Adds to the cart if it fits; else sets ``cart_problem``. Whether it was added."""
        problem = self.add_problem(item_id, quantity)
        self.cart_problem = problem
        if problem is not None:
            return False
        self.data.cart[item_id] = self.data.cart.get(item_id, 0) + quantity
        self.data.redeem_key = None
        return True

    def set_quantity(self, item_id: str, quantity: int) -> bool:
        """Sets a line's quantity (0 removes it) if it fits; whether it was taken."""
        current = self.data.cart.get(item_id, 0)
        if quantity <= 0:
            self.cart_problem = None
            if item_id in self.data.cart:
                del self.data.cart[item_id]
                self.data.redeem_key = None
            return True
        if quantity > current:
            return self.add(item_id, quantity - current)
        self.cart_problem = None
        if quantity != current:
            self.data.cart[item_id] = quantity
            self.data.redeem_key = None
        return True

    def _trim_cart(self) -> None:
        """After a refusal and a refresh: each line cut to what may be taken now, then lines
        dropped from the end until the balance covers the cart."""
        trimmed: list[str] = []
        catalogue = self.data.catalogue
        for item_id, quantity in list(self.data.cart.items()):
            item = catalogue.item(item_id) if catalogue else None
            keep = min(quantity, item.may_take) if item else 0
            if keep != quantity:
                trimmed.append(item_id)
                if keep:
                    self.data.cart[item_id] = keep
                else:
                    del self.data.cart[item_id]
        while self.data.cart and (self.balance_after or 0) < 0:
            item_id = next(reversed(self.data.cart))
            del self.data.cart[item_id]
            trimmed.append(item_id)
        self.data.trimmed = trimmed
        self.data.redeem_key = None

    # -- lifecycle ---------------------------------------------------------------------

    def receipt(self) -> Receipt | None:
        """The voucher's receipt (built when the voucher is shown)."""
        return self.data.receipt

    def wipe(self) -> None:
        """Forgets everything personal and drops any call still running."""
        super().wipe()
        self.problem = self.cart_problem = None
        self.error = None
        self.failed_in = None
        self._cancel_code = self._cancel_key = None

    def _failed_call(self, error: ServiceError, state: str) -> str:
        log.info("points call failed in %s: %s", state, error.code)
        self.error = error
        self.failed_in = state
        return ERROR

    def _take_account(self, value: Any) -> None:
        member, catalogue = value
        if not isinstance(member, MemberSummary) or not isinstance(catalogue, Catalogue):
            raise TypeError("the account lookup returned something else")
        self.data.member, self.data.catalogue = member, catalogue

    def _open_voucher(self, code: str) -> Voucher | None:
        return next((v for v in self.open_vouchers if v.code == code), None)

    def _show_voucher(self, voucher: Voucher, *, reprint: bool) -> None:
        self.data.voucher = voucher
        self.data.reprint = reprint
        self.data.print_failed = False
        member = self.data.member
        self.data.receipt = voucher_receipt(
            voucher,
            member_name=member.name if member else "",
            now=self.clock.now(),
            language=self.language,
            terminal_id=self.terminal_id,
            reprint=reprint,
        )

    # -- service calls -----------------------------------------------------------------

    def _member_and_catalogue(self) -> Callable[[], tuple[MemberSummary, Catalogue]]:
        token = self.data.token
        if token is None:
            raise RuntimeError("no verified token")
        service, member_id, card_no = self.service, token.member_id, token.card_no

        def job() -> tuple[MemberSummary, Catalogue]:
            member = service.member(member_id, card_no=card_no)
            return member, service.catalogue(member_id)

        return job

    def _redeem_job(self) -> Job[Voucher]:
        token = self.data.token
        if token is None:
            raise RuntimeError("no verified token")
        self.error = None
        if self.data.redeem_key is None:
            self.data.redeem_key = f"redeem-{uuid.uuid4().hex}"
        key, member_id = self.data.redeem_key, token.member_id
        lines = [CartLine(item_id=i, quantity=q) for i, q in self.data.cart.items()]
        service = self.service
        return lambda: service.redeem(member_id, lines, key)

    def _cancel_job(self) -> Job[tuple[MemberSummary, Catalogue]]:
        token, code, key = self.data.token, self._cancel_code, self._cancel_key
        if token is None or code is None or key is None:
            raise RuntimeError("nothing to cancel")
        self.error = None
        member_id = token.member_id
        service = self.service
        refresh = self._member_and_catalogue()

        def job() -> tuple[MemberSummary, Catalogue]:
            service.cancel(code, key, CancelledBy(member_id=member_id))
            return refresh()

        return job

    def _report_printed(self) -> None:
        """Tells the service the receipt printed; its answer is not awaited (if it is lost,
        the voucher merely stays in the unprinted list)."""
        voucher = self.data.voucher
        if voucher is None:
            return
        code, key, service = voucher.code, f"printed-{uuid.uuid4().hex}", self.service
        member = self.data.member
        if member is not None:  # the member screen no longer lists it
            vouchers = tuple(
                v.model_copy(update={"printed": True}) if v.code == code else v
                for v in member.open_vouchers
            )
            self.data.member = member.model_copy(update={"open_vouchers": vouchers})

        def lost(error: BaseException) -> None:
            log.warning("could not record a printed voucher: %r", error)

        # Not awaited: the flow moves on at once, and any answer after that is dropped.
        self.runner.submit(lambda: service.mark_printed(code, key), lambda _v: None, lost)


def voucher_receipt(
    voucher: Voucher,
    *,
    member_name: str,
    now: datetime,
    language: str = "zh_CN",
    terminal_id: str = "",
    reprint: bool = False,
) -> Receipt:
    """The pickup voucher's receipt: pickup code, QR ``VC1.<code>``, items, points, the
    member masked. The title (shown in the maintenance job list) is generic."""

    def t(key: str, **fields: object) -> str:
        return tr(key, language, **fields)

    last_day = (voucher.expires_at - timedelta(seconds=1)).date()
    banner = [Text(t("points.receipt.reprint"), bold=True, align=Align.CENTER)] if reprint else []
    body: list[Block] = [
        Text(t("points.receipt.pickup_code"), align=Align.CENTER),
        Text(voucher.code, size=2, bold=True, align=Align.CENTER),
        QRCode(voucher.qr_payload),
        Rule(),
        Text(
            t(
                "points.receipt.member",
                name=mask_name(member_name),
                member=mask_member_id(voucher.member_id),
            )
        ),
    ]
    for line in voucher.lines:
        item = t(
            "points.receipt.line",
            name=line.name(language),
            quantity=line.quantity,
            points=line.points,
        )
        body.append(Text(item))
    body += [
        Rule(),
        Text(t("points.receipt.total", points=voucher.points), bold=True),
        Text(t("points.receipt.issued_at", at=f"{voucher.issued_at:%Y-%m-%d %H:%M}")),
        Text(t("points.receipt.valid_until", day=f"{last_day:%Y-%m-%d}")),
        Rule(),
        Text(t("points.receipt.how_to_pick_up")),
    ]
    return service_receipt(
        "points.receipt.title",
        body,
        language=language,
        now=now,
        terminal_id=terminal_id,
        banner=banner,
    )
