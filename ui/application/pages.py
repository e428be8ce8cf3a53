"""One page per state of the resident-ID application flow, and of the status look-up. Pages
render the flow and send its events; the rules live in ``kiosk.application``.

After the card is read or the number typed, personal data shows masked: the review shows
``张**`` and ``110***********1234``, never the whole number.
"""

from __future__ import annotations

from typing import Any, ClassVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QStackedWidget

from kiosk.application import flow as steps
from kiosk.application.flow import ApplicationFlow
from kiosk.application.status import StatusFlow
from kiosk.framework.masking import mask_address, mask_id_number, mask_mobile, mask_name
from ui.framework.flow_screen import ActionButtons, Choice, FlowPage, Send
from ui.framework.screen import button, label
from ui.framework.text_entry.entry import FieldKind, TextEntry
from ui.framework.widgets.qr import qr_pixmap

STEP_OF = {
    steps.GUIDE: 0,
    steps.READ_CARD: 1,
    steps.CARD_PROBLEM: 1,
    steps.CARD: 1,
    steps.ID_ENTRY: 1,
    steps.NAME_ENTRY: 1,
    steps.BUSINESS: 2,
    steps.CONTACT: 3,
    steps.PICKUP: 3,
    steps.ADDRESS: 3,
    steps.PHOTO: 4,
    steps.REVIEW: 5,
    steps.SUBMITTING: 5,
    steps.REFUSED: 5,
    steps.FEE: 6,
    steps.RECEIPT: 6,
}
STEP_NAMES = ("identify", "business", "contact", "photo", "review", "fee")


class Page(FlowPage):
    """A page of the application screen: a title and a body (the step is in the header)."""

    prefix = "application"
    title_key = ""

    def __init__(self, send: Send) -> None:
        super().__init__(send)
        self.title = label("", "title")
        self.box.addWidget(self.title)

    def show_flow(self, flow: Any) -> None:
        self.title.setText(self.t(self.title_key or flow.current.prompt))
        self.fill(flow)

    def fill(self, flow: Any) -> None:
        """Shows this state's data."""

    def wipe(self) -> None:
        for w in self.findChildren(QLabel):
            if w.property("personal"):
                w.clear()


def personal(widget: QLabel) -> QLabel:
    """Marks a label as showing personal data (cleared by ``wipe``)."""
    widget.setProperty("personal", True)
    return widget


class GuidePage(Page):
    """The steps, the materials, the fee, and who may apply here."""

    state = steps.GUIDE

    def __init__(self, send: Send) -> None:
        super().__init__(send)
        self.steps_text = label("", "lead")
        self.materials = label("")
        self.fee = label("")
        self.who = label("", "muted")
        for w in (self.steps_text, self.materials, self.fee, self.who):
            self.box.addWidget(w)
        self.box.addStretch(1)
        self.choices = ActionButtons(column=True)
        self.footer.addLayout(self.choices)

    def fill(self, flow: ApplicationFlow) -> None:
        self.steps_text.setText(self.t("application.guide.steps"))
        self.materials.setText(self.t("application.guide.materials"))
        fees = sorted({c.fee_yuan for b in flow.settings.offered if (c := flow.config_of(b))})
        self.fee.setText(self.t("application.guide.fee", fee=" / ".join(fees)))
        self.who.setText(self.t("application.guide.who"))
        items: list[Choice] = [
            (self.t("application.guide.renew"), "application_renew", "renew", {}),
            (self.t("application.guide.replace"), "application_replace", "replace", {}),
            (self.t("application.guide.counter"), "application_counter", "counter", {}),
        ]
        if not flow.offers("replace_lost"):
            items.pop(1)
        self.choices.set(self.send, items)


class CounterPage(Page):
    """The window takes this one; why, and how."""

    state = steps.COUNTER

    def __init__(self, send: Send) -> None:
        super().__init__(send)
        self.detail = label("", "lead")
        self.box.addWidget(self.detail)
        self.box.addStretch(1)
        self.row = ActionButtons()
        self.footer.addLayout(self.row)

    def fill(self, flow: ApplicationFlow) -> None:
        self.detail.setText(self.t(flow.data.counter_reason or "application.counter.detail"))
        self.row.set(
            self.send,
            [
                (self.t("application.done"), "application_counter_done", "done", {}),
                (self.t("application.back"), "application_counter_back", "back", {}),
            ],
        )


class ReadCardPage(Page):
    """Waiting for the card on the reader."""

    state = steps.READ_CARD

    def __init__(self, send: Send) -> None:
        super().__init__(send)
        self.picture = label("🪪", "hero", center=True)
        self.waiting = label("", "lead", center=True)
        self.box.addWidget(self.picture)
        self.box.addWidget(self.waiting)
        self.box.addStretch(1)
        self.row = ActionButtons()
        self.footer.addLayout(self.row)

    def fill(self, flow: ApplicationFlow) -> None:
        self.waiting.setText(self.t("application.read_card.waiting"))
        self.row.set(self.send, [(self.t("application.back"), "application_read_back", "back", {})])


class CardProblemPage(Page):
    """The card was not read: why, and the next step."""

    state = steps.CARD_PROBLEM

    def __init__(self, send: Send) -> None:
        super().__init__(send)
        self.detail = label("", "lead")
        self.detail.setObjectName("application_card_problem_detail")
        self.box.addWidget(self.detail)
        self.box.addStretch(1)
        self.row = ActionButtons(column=True)
        self.footer.addLayout(self.row)

    def fill(self, flow: ApplicationFlow) -> None:
        reason = flow.data.card_problem
        # shown with no reason (the flow's data wiped at the end of a session): no line
        self.detail.setText(self.t(f"application.card_problem.{reason}") if reason else "")
        items: list[Choice] = [(self.t("application.retry_read"), "application_retry", "retry", {})]
        if reason in ("unreadable", "offline") and flow.offers("renew_damaged"):
            items.append((self.t("application.typed"), "application_typed", "typed", {}))
        items += [
            (self.t("application.to_counter"), "application_to_counter", "counter", {}),
            (self.t("application.back"), "application_problem_back", "back", {}),
        ]
        self.row.set(self.send, items)


class CardPage(Page):
    """The card read (masked), its validity, and the renewals it allows."""

    state = steps.CARD

    def __init__(self, send: Send) -> None:
        super().__init__(send)
        self.details = personal(label("", "lead"))
        self.details.setObjectName("application_card_details")
        self.validity = label("")
        self.box.addWidget(self.details)
        self.box.addWidget(self.validity)
        self.box.addStretch(1)
        self.row = ActionButtons(column=True)
        self.footer.addLayout(self.row)

    def fill(self, flow: ApplicationFlow) -> None:
        card = flow.data.card
        if card is not None:
            self.details.setText(
                self.t(
                    "application.card.details",
                    name=mask_name(card.name),
                    id=mask_id_number(card.id_number),
                    until=card.valid_until,
                )
            )
        self.validity.setText(self.t(f"application.card.{flow.data.validity or 'valid'}"))
        items: list[Choice] = [
            (flow.name_of(b, self.language), f"application_choose_{b}", "choose", {"business": b})
            for b in flow.renewals()
        ]
        items += [
            (self.t("application.retry_read"), "application_reread", "reread", {}),
            (self.t("application.back"), "application_card_back", "back", {}),
        ]
        self.row.set(self.send, items)


class EntryPage(Page):
    """One typed field through the text-entry component (digit pad, pinyin, handwriting);
    the flow's own problem with what was typed (a wrong check digit) above it."""

    kind = FieldKind.ID_NUMBER

    def __init__(self, send: Send) -> None:
        super().__init__(send)
        self.problem = label("")
        self.problem.setObjectName(f"application_{self.state}_problem")
        self.problem.setProperty("role", "problem")
        self.box.addWidget(self.problem)
        self.entry: TextEntry | None = None  # made when first shown (it loads its engines)
        self.elder = False

    def fill(self, flow: ApplicationFlow) -> None:
        self.problem.setText(self.t(flow.data.problem) if flow.data.problem else "")
        entry = self._entry()
        entry.retranslate(self.language)
        stack = self.parentWidget()
        arriving = not isinstance(stack, QStackedWidget) or stack.currentWidget() is not self
        if arriving:  # typed again from empty: nothing personal is put back on screen
            entry.open("", prompt_key=flow.current.prompt, announce=False)

    def _entry(self) -> TextEntry:
        if self.entry is None:
            self.entry = TextEntry(
                self.kind,
                elder_mode=self.elder,
                language=self.language,
                on_done=lambda text: self.send("submit", text=text),
                on_cancel=lambda: self.send("back"),
            )
            self.entry.setObjectName(f"application_{self.state}_entry")
            self.box.addWidget(self.entry, 1)
        return self.entry

    def set_elder(self, elder: bool) -> None:
        """Elder mode: handwriting first, large keys and candidates."""
        self.elder = elder
        if self.entry is not None:
            self.entry.set_elder(elder)

    def wipe(self) -> None:
        super().wipe()
        self.problem.clear()
        if self.entry is not None:
            self.entry.wipe()

    def forget_typed(self) -> None:
        """The resident has left this step: its field forgets what was typed (the page
        opens empty when it is shown again), so no hidden widget holds it meanwhile."""
        if self.entry is not None and self.entry.field.text():
            self.entry.wipe()


class IdEntryPage(EntryPage):
    state = steps.ID_ENTRY
    kind = FieldKind.ID_NUMBER


class NameEntryPage(EntryPage):
    state = steps.NAME_ENTRY
    kind = FieldKind.NAME


class ContactPage(EntryPage):
    state = steps.CONTACT
    kind = FieldKind.DIGITS


class AddressPage(EntryPage):
    state = steps.ADDRESS
    kind = FieldKind.ADDRESS


class BusinessPage(Page):
    """The business, its fee, and Confirm."""

    state = steps.BUSINESS

    def __init__(self, send: Send) -> None:
        super().__init__(send)
        self.name = label("", "hero")
        self.fee = label("", "lead")
        self.note = label("", "muted")
        for w in (self.name, self.fee, self.note):
            self.box.addWidget(w)
        self.box.addStretch(1)
        self.row = ActionButtons()
        self.footer.addLayout(self.row)

    def fill(self, flow: ApplicationFlow) -> None:
        business = flow.business
        self.name.setText(flow.business_name(self.language))
        self.fee.setText(
            self.t("application.business.fee", fee=business.fee_yuan) if business else ""
        )
        self.note.setText(self.t("application.guide.materials"))
        self.row.set(
            self.send,
            [
                (self.t("application.confirm"), "application_confirm", "confirm", {}),
                (self.t("application.back"), "application_business_back", "back", {}),
            ],
        )


class PickupPage(Page):
    """At the window, or by post."""

    state = steps.PICKUP

    def __init__(self, send: Send) -> None:
        super().__init__(send)
        self.place = label("", "lead")
        self.box.addWidget(self.place)
        self.box.addStretch(1)
        self.row = ActionButtons(column=True)
        self.footer.addLayout(self.row)

    def fill(self, flow: ApplicationFlow) -> None:
        self.place.setText(flow.pickup_place())
        items: list[Choice] = []
        if "window" in flow.settings.pickup:
            items.append((self.t("application.pickup.window"), "application_window", "window", {}))
        if "post" in flow.settings.pickup:
            items.append((self.t("application.pickup.post"), "application_post", "post", {}))
        items.append((self.t("application.back"), "application_pickup_back", "back", {}))
        self.row.set(self.send, items)


class PhotoPage(Page):
    """Between the form and the camera: the ID-photo screens take over from here."""

    state = steps.PHOTO

    def __init__(self, send: Send) -> None:
        super().__init__(send)
        self.box.addStretch(1)


class ReviewPage(Page):
    """Everything entered, masked, each with Change; then Submit."""

    state = steps.REVIEW
    rows = ("identity", "business", "contact", "pickup", "photo")
    edits: ClassVar[dict[str, str]] = {
        "business": steps.BUSINESS,
        "contact": steps.CONTACT,
        "pickup": steps.PICKUP,
        "photo": steps.PHOTO,
    }

    def __init__(self, send: Send) -> None:
        super().__init__(send)
        self.lines: dict[str, QLabel] = {}
        self.edit_buttons: dict[str, Any] = {}
        for row in self.rows:
            line = QHBoxLayout()
            text = personal(label("", "lead"))
            text.setObjectName(f"application_review_{row}")
            line.addWidget(text, 1)
            self.lines[row] = text
            if row in self.edits:
                b = button("", name=f"application_edit_{row}")
                b.clicked.connect(lambda _=False, s=self.edits[row]: self.send("edit", step=s))
                line.addWidget(b)
                self.edit_buttons[row] = b
            self.box.addLayout(line)
        self.box.addStretch(1)
        self.row = ActionButtons()
        self.footer.addLayout(self.row)

    def fill(self, flow: ApplicationFlow) -> None:
        d, business = flow.data, flow.business
        self.lines["identity"].setText(
            self.t(
                "application.review.identity",
                name=mask_name(d.name),
                id=mask_id_number(d.id_number),
            )
        )
        self.lines["business"].setText(
            self.t(
                "application.review.business",
                business=flow.business_name(self.language),
                fee=business.fee_yuan if business else "",
            )
        )
        self.lines["contact"].setText(
            self.t("application.review.mobile", mobile=mask_mobile(d.mobile))
        )
        if d.pickup == "post":
            self.lines["pickup"].setText(
                self.t("application.review.pickup_post", address=mask_address(d.post_address))
            )
        else:
            self.lines["pickup"].setText(self.t("application.review.pickup_window"))
        self.lines["photo"].setText(self.t("application.review.photo"))
        for b in self.edit_buttons.values():
            b.setText(self.t("application.edit"))
        self.row.set(
            self.send,
            [
                (self.t("application.submit"), "application_submit", "submit", {}),
                (self.t("application.back"), "application_review_back", "back", {}),
            ],
        )


class MessagePage(Page):
    """A sentence and a row of buttons."""

    buttons: tuple[tuple[str, str], ...] = ()  # (translation key, event)

    def __init__(self, send: Send) -> None:
        super().__init__(send)
        self.detail = label("", "lead")
        self.detail.setObjectName(f"application_{self.state}_detail")
        self.box.addWidget(self.detail)
        self.box.addStretch(1)
        self.row = ActionButtons()
        self.footer.addLayout(self.row)

    def detail_text(self, flow: Any) -> str:
        return ""

    def fill(self, flow: Any) -> None:
        self.detail.setText(self.detail_text(flow))
        self.row.set(
            self.send,
            [
                (self.t(key), f"{self.prefix}_{self.state}_{event}", event, {})
                for key, event in self.buttons
            ],
        )


class SubmittingPage(MessagePage):
    state = steps.SUBMITTING


class RefusedPage(MessagePage):
    state = steps.REFUSED
    buttons = (("application.back", "back"), ("application.done", "done"))

    def detail_text(self, flow: ApplicationFlow) -> str:
        return self.t("application.refused.detail", code=flow.data.refusal)


class FeePage(Page):
    """The official payment channel as a QR code (or: pay at the window)."""

    state = steps.FEE

    def __init__(self, send: Send) -> None:
        super().__init__(send)
        self.amount = label("", "hero", center=True)
        self.qr = QLabel()
        self.qr.setObjectName("application_fee_qr")
        self.qr.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.note = label("", "lead", center=True)
        self.note.setObjectName("application_fee_note")
        for w in (self.amount, self.qr, self.note):
            self.box.addWidget(w)
        self.box.addStretch(1)
        self.row = ActionButtons()
        self.footer.addLayout(self.row)

    def fill(self, flow: ApplicationFlow) -> None:
        if flow.data.queued_id:  # not submitted yet: it waits in the outbox
            self.title.setText(self.t(steps.Fee.queued_prompt))
        business = flow.business
        self.amount.setText(
            self.t("application.fee.amount", fee=business.fee_yuan) if business else ""
        )
        link = flow.payment_link()
        if link:
            self.qr.setPixmap(qr_pixmap(link, 320))
            self.qr.show()
            self.note.setText("")
        else:
            self.qr.clear()
            self.qr.hide()
            self.note.setText(
                self.t(
                    "application.fee.queued"
                    if flow.data.queued_id
                    else "application.fee.no_channel"
                )
            )
        self.row.set(self.send, [(self.t("application.next"), "application_fee_next", "next", {})])

    def wipe(self) -> None:
        super().wipe()
        self.qr.clear()


class ReceiptPage(MessagePage):
    state = steps.RECEIPT
    buttons = (("application.finish", "done"),)

    def fill(self, flow: ApplicationFlow) -> None:
        if flow.data.queued_id:  # no number and no status QR yet: it waits in the outbox
            self.title.setText(self.t(steps.ReceiptStep.queued_prompt))
        super().fill(flow)

    def detail_text(self, flow: ApplicationFlow) -> str:
        receipt = flow.data.receipt
        number = receipt.application_no if receipt is not None else ""
        queued = not number
        if queued:
            number = f"Q-{flow.data.queued_id.upper()}"
        lines = []
        if flow.print_failed:
            lines.append(self.t("application.print_failed", number=number))
        if queued:
            lines.append(
                self.t(
                    "application.receipt_screen.queued", number=number, hours=flow.outbox_hours()
                )
            )
        return "\n".join(lines)


PAGES: tuple[type[FlowPage], ...] = (
    GuidePage,
    CounterPage,
    ReadCardPage,
    CardProblemPage,
    CardPage,
    IdEntryPage,
    NameEntryPage,
    BusinessPage,
    ContactPage,
    PickupPage,
    AddressPage,
    PhotoPage,
    ReviewPage,
    SubmittingPage,
    RefusedPage,
    FeePage,
    ReceiptPage,
)


# -- the status look-up ---------------------------------------------------------------------
class StatusPage(FlowPage):
    """A page of the status screen."""

    prefix = "application_status"
    detail_key = ""
    buttons: tuple[tuple[str, str], ...] = ()

    def __init__(self, send: Send) -> None:
        super().__init__(send)
        self.title = label("", "title")
        self.detail = personal(label("", "lead"))
        self.detail.setObjectName(f"application_status_{self.state}_detail")
        self.box.addWidget(self.title)
        self.box.addWidget(self.detail)
        self.box.addStretch(1)
        self.row = ActionButtons()
        self.footer.addLayout(self.row)

    def show_flow(self, flow: StatusFlow) -> None:
        self.title.setText(self.t(flow.current.prompt))
        self.detail.setText(self.detail_text(flow))
        self.row.set(
            self.send,
            [
                (self.t(key), f"application_status_{event}", event, {})
                for key, event in self.buttons
            ],
        )

    def detail_text(self, flow: StatusFlow) -> str:
        return ""

    def wipe(self) -> None:
        self.detail.clear()


class LookingPage(StatusPage):
    state = "looking"


class ShownPage(StatusPage):
    """The status in plain words, the reason of a return, where to collect."""

    state = "status"
    buttons = (("application.done", "done"),)

    def detail_text(self, flow: StatusFlow) -> str:
        status = flow.data.status
        if status is None:
            return ""
        lines = [
            self.t("application.status.title", number=status.application_no),
            self.t(f"application.status.{status.status}"),
        ]
        if status.status == "returned" and status.reason:
            lines.append(self.t("application.status.reason", reason=status.reason))
        if status.status == "ready":
            lines.append(self.t("application.status.place", place=status.pickup_place or "—"))
        lines.append(
            self.t(
                "application.status.applicant",
                name=status.name_masked,
                id=status.id_masked,
                time=status.updated_at[:16].replace("T", " "),
            )
        )
        return "\n".join(lines)


class NotFoundPage(StatusPage):
    state = "not_found"
    buttons = (("application.done", "done"),)


class UnreachablePage(StatusPage):
    state = "unreachable"
    buttons = (("application.retry", "retry"), ("application.done", "done"))


STATUS_PAGES: tuple[type[FlowPage], ...] = (LookingPage, ShownPage, NotFoundPage, UnreachablePage)
