"""One page per state of the violations flow. Pages render the flow and send its events;
they hold no rules (eligibility, plates, errors all come from ``kiosk``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QStackedWidget,
    QVBoxLayout,
)

from kiosk.framework.i18n import tr
from kiosk.violations.flow import RecordView, ViolationsFlow
from kiosk.violations.regions import SecretKind
from ui.framework.flow_screen import ChoiceGridPage, FlowPage, Send
from ui.framework.screen import button, clear_layout, label
from ui.framework.text_entry.entry import FieldKind, TextEntry
from ui.framework.text_entry.plate_keyboard import PlateKeyboard
from ui.framework.theme import Tone
from ui.framework.widgets.card_button import CardButton
from ui.framework.widgets.qr import qr_pixmap
from ui.framework.widgets.scroll_area import TouchScroll
from ui.framework.widgets.status_view import StatusView


def yuan(fen: int | None, language: str) -> str:
    """Money for people: 200元, or "unknown"."""
    if fen is None:
        return tr("violations.value.unknown", language)
    amount = f"{fen / 100:.2f}".rstrip("0").rstrip(".")
    return tr("violations.value.yuan", language, amount=amount)


def points(value: int | None, language: str) -> str:
    """Points for people, or "unknown"."""
    if value is None:
        return tr("violations.value.unknown", language)
    return tr("violations.value.points", language, points=value)


class Page(FlowPage):
    """A page of this screen."""

    prefix = "violations"

    def show_flow(self, flow: ViolationsFlow) -> None:
        """Shows the flow's current data."""

    def wipe(self) -> None:
        """Clears anything personal the page shows."""
        for w in self.findChildren(QLabel):
            if w.property("personal"):
                w.clear()


def personal(widget: QLabel) -> QLabel:
    """Marks a label as showing personal data (cleared by ``wipe``)."""
    widget.setProperty("personal", True)
    return widget


class ChooseModePage(Page):
    """By vehicle or by driving licence."""

    state = "choose_mode"

    def __init__(self, send: Send) -> None:
        super().__init__(send)
        self.title = label("", "title", center=True)
        self.vehicle = button(role="tile", name="viol_mode_vehicle")
        self.licence = button(role="tile", name="viol_mode_licence")
        self.vehicle.clicked.connect(lambda: self.send("vehicle"))
        self.licence.clicked.connect(lambda: self.send("licence"))
        for w in (self.title, self.vehicle, self.licence):
            self.box.addWidget(w)
        self.box.addStretch(1)

    def show_flow(self, flow: ViolationsFlow) -> None:
        self.title.setText(self.t("violations.title"))
        self.vehicle.setText(
            self.t("violations.mode.vehicle") + "\n" + self.t("violations.mode.vehicle.sub")
        )
        self.licence.setText(
            self.t("violations.mode.licence") + "\n" + self.t("violations.mode.licence.sub")
        )


class PlateTypePage(ChoiceGridPage):
    """号牌种类: the codes residents need, most common first."""

    state = "plate_type"
    prefix = "violations"
    title_key = "violations.prompt.plate_type"
    button_height = 140

    def choices(self, flow: ViolationsFlow) -> list[tuple[str, str, str, dict[str, Any]]]:
        out = []
        for t in flow.plate_types:
            name = t.name_zh if self.language == "zh_CN" else t.name_en
            out.append((f"{name}\n{t.code}", f"viol_type_{t.code}", "choose", {"code": t.code}))
        return out


class EntryPage(Page):
    """Typing with the plate keyboard into one visible field."""

    keyboard_mode = "plate"

    def __init__(self, send: Send) -> None:
        super().__init__(send)
        self.title = label("", "title", center=True)
        self.hint = label("", "muted", center=True)
        self.field = personal(label("", "hero", center=True))
        self.field.setObjectName(f"viol_{self.state}_field")
        self.problem = label("", "", center=True)
        self.problem.setObjectName(f"viol_{self.state}_problem")
        self.problem.setProperty("role", "problem")
        self.keyboard = PlateKeyboard(mode=self.keyboard_mode)
        self.keyboard.key_pressed.connect(self._key)
        self.keyboard.backspace.connect(self._backspace)
        row = QHBoxLayout()
        self.next = button(role="primary", name=f"viol_{self.state}_next")
        row.addWidget(self.next)
        self.next.clicked.connect(self._submit)
        for w in (self.title, self.hint, self.field, self.problem, self.keyboard):
            self.box.addWidget(w)
        self.box.addStretch(1)
        self.footer.addLayout(row)
        self.text = ""

    def _key(self, key: str) -> None:
        self.text += key
        self._show()

    def _backspace(self) -> None:
        self.text = self.text[:-1]
        self._show()

    def _show(self) -> None:
        self.field.setText(self.text or "—")
        self.keyboard.show_for(self.text)

    def _submit(self) -> None:
        self.send("submit", text=self.text)

    def wipe(self) -> None:
        super().wipe()
        self.text = ""
        self._show()


class PlateEntryPage(EntryPage):
    """The plate, with the reason a plate cannot exist before any lookup."""

    state = "plate_entry"

    def show_flow(self, flow: ViolationsFlow) -> None:
        self.title.setText(self.t("violations.plate.label"))
        self.hint.setText(self.t("violations.plate.hint"))
        self.next.setText(self.t("violations.action.next"))
        self.problem.setText(self.t(flow.plate_problem) if flow.plate_problem else "")
        if not self.text and flow.data.plate_text:
            self.text = flow.data.plate_text
        self._show()


class SecretPage(EntryPage):
    """The region's extra secret: engine number or VIN digits on the plate keyboard, or the
    owner's name through the text-entry component (pinyin or handwriting)."""

    state = "secret"
    keyboard_mode = "alnum"

    def __init__(self, send: Send) -> None:
        super().__init__(send)
        self.name_entry: TextEntry | None = None  # made the first time a region asks a name
        self.elder = False
        self.say: Callable[[str], None] | None = None

    def show_flow(self, flow: ViolationsFlow) -> None:
        kind = flow.secret_kind
        self.title.setText(self.t(kind.prompt_key))
        name_needed = kind is SecretKind.OWNER_NAME
        self.hint.setText("")
        self.hint.setVisible(not name_needed)  # room for the name entry's pad
        self.keyboard.setVisible(not name_needed)
        self.field.setVisible(not name_needed)
        self.next.setVisible(not name_needed)
        self.next.setText(self.t("violations.action.search"))
        self.problem.setText(self.t(flow.secret_problem) if flow.secret_problem else "")
        self.problem.setVisible(not name_needed or bool(flow.secret_problem))
        if name_needed:
            entry = self._name_entry()
            entry.retranslate(self.language)
            stack = self.parentWidget()
            arriving = not isinstance(stack, QStackedWidget) or stack.currentWidget() is not self
            if arriving or not entry.isVisibleTo(self):
                entry.show()
                # the shell speaks the screen's prompt, which is the entry's (screen.py)
                entry.open(flow.data.secret, prompt_key=kind.prompt_key, announce=False)
        elif self.name_entry is not None:
            self.name_entry.hide()
        self.box.setStretch(self.box.count() - 1, 0 if name_needed else 1)
        self._show()

    def _name_entry(self) -> TextEntry:
        if self.name_entry is None:
            entry = TextEntry(
                FieldKind.NAME,
                elder_mode=self.elder,
                language=self.language,
                on_done=lambda text: self.send("submit", text=text),
                on_cancel=lambda: self.send("back"),
                speak=lambda text: self.say(text) if self.say is not None else None,
            )
            entry.setObjectName("viol_owner_name")
            self.box.insertWidget(self.box.indexOf(self.keyboard) + 1, entry, 1)
            self.name_entry = entry
        return self.name_entry

    def set_elder(self, elder: bool) -> None:
        """Elder mode: the name entry opens on the handwriting pad, with large candidates."""
        self.elder = elder
        if self.name_entry is not None:
            self.name_entry.set_elder(elder)

    def prompt_text(self) -> str:
        """The name entry's prompt (with how to use its method), or "" when it is not shown."""
        entry = self.name_entry
        return entry.prompt_text() if entry is not None and entry.isVisibleTo(self) else ""

    def wipe(self) -> None:
        super().wipe()
        if self.name_entry is not None:
            self.name_entry.wipe()
            self.name_entry.hide()


class LicencePage(Page):
    """Driving licence number (18 characters) and file number (12 digits)."""

    state = "licence_entry"

    def __init__(self, send: Send) -> None:
        super().__init__(send)
        self.title = label("", "title", center=True)
        self.number_button = button(name="viol_licence_number")
        self.file_button = button(name="viol_licence_file")
        self.problem = label("", "", center=True)
        self.problem.setObjectName("viol_licence_problem")
        self.problem.setProperty("role", "problem")
        self.values: list[str] = ["", ""]
        self.focus = 0
        self.keyboard = PlateKeyboard(mode="digits")
        self.keyboard.key_pressed.connect(self._key)
        self.keyboard.backspace.connect(self._backspace)
        self.next = button(role="primary", name="viol_licence_next")
        self.next.clicked.connect(
            lambda: self.send("submit", licence_number=self.values[0], file_number=self.values[1])
        )
        self.number_button.clicked.connect(lambda: self._focus(0))
        self.file_button.clicked.connect(lambda: self._focus(1))
        for w in (
            self.title,
            self.number_button,
            self.file_button,
            self.problem,
            self.keyboard,
            self.next,
        ):
            self.box.addWidget(w)
        self.box.addStretch(1)

    def _focus(self, index: int) -> None:
        self.focus = index
        self._show()

    def _key(self, key: str) -> None:
        self.values[self.focus] += key
        if self.focus == 0 and len(self.values[0]) >= 18:
            self.focus = 1
        self._show()

    def _backspace(self) -> None:
        self.values[self.focus] = self.values[self.focus][:-1]
        self._show()

    def _show(self) -> None:
        marks = ["▶ " if self.focus == i else "" for i in range(2)]
        self.number_button.setText(
            f"{marks[0]}{self.t('violations.licence.number_label')}：{self.values[0]}"
        )
        self.file_button.setText(
            f"{marks[1]}{self.t('violations.licence.file_number_label')}：{self.values[1]}"
        )
        self.number_button.setAccessibleName("")
        self.file_button.setAccessibleName("")

    def show_flow(self, flow: ViolationsFlow) -> None:
        self.title.setText(self.t("violations.prompt.licence_entry"))
        self.next.setText(self.t("violations.action.search"))
        self.problem.setText(self.t(flow.licence_problem) if flow.licence_problem else "")
        self._show()

    def wipe(self) -> None:
        super().wipe()
        self.values = ["", ""]
        self.focus = 0
        self._show()
        self.number_button.setText("")
        self.file_button.setText("")


class PlateConfirmPage(Page):
    """An O or I typed where a digit belongs (or the reverse): asked, never changed."""

    state = "plate_confirm"

    def __init__(self, send: Send) -> None:
        super().__init__(send)
        self.question = personal(label("", "title", center=True))
        self.question.setObjectName("viol_question")
        self.yes = button(role="primary", name="viol_answer_yes")
        self.no = button(name="viol_answer_no")
        for w in (self.question, self.yes, self.no):
            self.box.addWidget(w)
        self.box.addStretch(1)
        self._q: Any = None
        self.yes.clicked.connect(lambda: self._q and self.send("answer", char=self._q.suggestion))
        self.no.clicked.connect(lambda: self._q and self.send("answer", char=self._q.typed))

    def show_flow(self, flow: ViolationsFlow) -> None:
        q = flow.question
        self._q = q
        if q is None:
            return
        fields = {"position": q.index + 1, "typed": q.typed, "suggestion": q.suggestion}
        self.question.setText(self.t(q.key, **fields))
        self.yes.setText(self.t("plate.ask_yes", **fields))
        self.no.setText(self.t("plate.ask_no", **fields))


class MessagePage(Page):
    """A message and a few actions (looking up, still fetching, errors); with a ``tone``,
    the message sits in a status screen (icon, headline, the message, the next step)."""

    tone: Tone | None = None

    def __init__(self, send: Send) -> None:
        super().__init__(send)
        self.status: StatusView | None = None
        if self.tone is not None:
            self.status = StatusView(self.tone, name=f"viol_{self.state}")
            self.message = self.status.body
        else:
            self.message = label("", "title", center=True)
        self.message.setObjectName(f"viol_{self.state}_message")
        self.retry = button(role="primary", name=f"viol_{self.state}_retry")
        self.back = button(name=f"viol_{self.state}_back")
        self.done = button(name=f"viol_{self.state}_done")
        self.retry.clicked.connect(lambda: self.send("retry"))
        self.back.clicked.connect(lambda: self.send("back"))
        self.done.clicked.connect(lambda: self.send("done"))
        self.box.addStretch(1)
        top = self.status if self.status is not None else self.message
        for w in (top, self.retry, self.back, self.done):
            self.box.addWidget(w)
        self.box.addStretch(1)


class LookingUpPage(MessagePage):
    """While the lookup runs (off the GUI thread)."""

    state = "looking_up"

    def show_flow(self, flow: ViolationsFlow) -> None:
        self.message.setText(self.t("violations.looking_up.message"))
        self.back.setText(self.t("violations.action.back"))
        self.retry.hide()
        self.done.hide()


class PendingPage(MessagePage):
    """The provider is still fetching: check back later."""

    state = "pending"

    def show_flow(self, flow: ViolationsFlow) -> None:
        seconds = int(flow.retry_in_s() + 0.999)
        outcome = flow.data.outcome
        wait = int(getattr(outcome, "retry_after_s", 0) or 0)
        self.message.setText(self.t("violations.pending.message", seconds=seconds or wait))
        self.retry.setText(self.t("violations.action.retry"))
        self.retry.setEnabled(seconds == 0)
        self.back.hide()
        self.done.setText(self.t("violations.action.done"))


class ErrorPage(MessagePage):
    """Timeouts, unreachable, server errors, not matched: a plain message and a way back."""

    state = "error"
    tone = "refusal"

    def show_flow(self, flow: ViolationsFlow) -> None:
        key = flow.error.message_key if flow.error is not None else "violations.error.generic"
        assert self.status is not None
        self.status.show_status(
            self.t("violations.error.title"), self.t(key), self.t("violations.error.next")
        )
        self.retry.setText(self.t("violations.action.retry"))
        self.retry.setVisible(flow.can_retry)
        self.back.setText(self.t("violations.action.back"))
        self.done.setText(self.t("violations.action.done"))


def record_lines(view: RecordView, language: str) -> list[tuple[str, str]]:
    """Every field of a record as (label, value), unknowns said as such."""
    r = view.record
    t = lambda key, **f: tr(key, language, **f)  # noqa: E731
    capture = t(f"violations.capture.{r.capture.value}")
    lines = [
        (t("violations.detail.time"), f"{r.occurred_at:%Y-%m-%d %H:%M}"),
        (t("violations.detail.place"), r.place),
        (t("violations.detail.behaviour"), f"{r.behaviour_text}（{r.behaviour_code}）"),
        (t("violations.detail.fine"), yuan(r.fine_fen, language)),
        (t("violations.detail.late_fee"), yuan(r.late_fee_fen, language)),
        (t("violations.detail.points"), points(r.points, language)),
        (t("violations.detail.status"), t(view.status_key)),
        (t("violations.detail.authority"), r.authority),
        (t("violations.detail.capture"), capture),
    ]
    if r.decision_number:
        lines.append((t("violations.detail.decision_number"), r.decision_number))
    return lines


class ResultsPage(Page):
    """Records newest first, totals, and whether each can be handled here."""

    state = "results"

    def __init__(self, send: Send) -> None:
        super().__init__(send)
        self.summary = personal(label("", "title", center=True))
        self.summary.setObjectName("viol_results_summary")
        self.snapshot = label("", "muted", center=True)
        self.area = TouchScroll(name="viol_results_list")
        self.list = self.area.content
        self.list_box = QVBoxLayout(self.list)
        self.list_box.setSpacing(12)
        row = QHBoxLayout()
        self.print = button(role="primary", name="viol_results_print")
        self.again = button(name="viol_results_again")
        self.done = button(name="viol_results_done")
        # the primary (print) on the right, as in every footer
        for b, event in ((self.done, "done"), (self.again, "again"), (self.print, "print")):
            b.clicked.connect(lambda _=False, e=event: self.send(e))
            row.addWidget(b)
        self.box.addWidget(self.summary)
        self.box.addWidget(self.snapshot)
        self.box.addWidget(self.area, 1)
        self.footer.addLayout(row)

    def show_flow(self, flow: ViolationsFlow) -> None:
        views = flow.data.views
        unhandled = sum(1 for v in views if v.record.handled is False)
        head = f"{flow.masked_subject} · " + self.t(
            "violations.results.count", count=len(views), unhandled=unhandled
        )
        if flow.licence_points is not None:
            head += "\n" + self.t("violations.results.licence_points", points=flow.licence_points)
        self.summary.setText(
            head if views else f"{flow.masked_subject} · {self.t('violations.results.none')}"
        )
        outcome = flow.data.outcome
        at = getattr(outcome, "fetched_at", None)
        self.snapshot.setText(
            self.t("violations.results.snapshot", at=f"{at:%Y-%m-%d %H:%M}") if at else ""
        )
        self.print.setText(self.t("violations.action.print"))
        self.again.setText(self.t("violations.action.again"))
        self.done.setText(self.t("violations.action.done"))
        clear_layout(self.list_box)
        for i, view in enumerate(views):
            r = view.record
            verdict = self.t(view.eligibility.verdict.key)
            text = (
                f"{r.occurred_at:%Y-%m-%d} {r.behaviour_text}\n"
                f"{yuan(r.fine_fen, self.language)} · {points(r.points, self.language)} · "
                f"{self.t(view.status_key)}\n{verdict}"
            )
            b = CardButton(text, name=f"viol_record_{i}")
            b.clicked.connect(lambda index=i: self.send("open", index=index))
            self.list_box.addWidget(b)
        self.list_box.addStretch(1)

    def wipe(self) -> None:
        super().wipe()
        clear_layout(self.list_box)


class RecordDetailPage(Page):
    """One record: every field, the self-service verdict with the rule that failed, and the
    official payment hand-off (a QR code) when there is a decision number to pay."""

    state = "record_detail"

    def __init__(self, send: Send) -> None:
        super().__init__(send)
        self.fields = personal(label("", ""))
        self.fields.setObjectName("viol_detail_fields")
        self.verdict = personal(label("", "caption"))
        self.verdict.setObjectName("viol_detail_verdict")
        self.rules = personal(label("", ""))
        self.rules.setObjectName("viol_detail_rules")
        self.pay_text = label("", "", center=True)
        self.pay_qr = QLabel()
        self.pay_qr.setObjectName("viol_pay_qr")
        self.pay_qr.setAlignment(Qt.AlignmentFlag.AlignCenter)
        row = QHBoxLayout()
        self.back = button(name="viol_detail_back")
        self.print = button(role="primary", name="viol_detail_print")
        self.back.clicked.connect(lambda: self.send("back"))
        self.print.clicked.connect(lambda: self.send("print"))
        row.addWidget(self.back)
        row.addWidget(self.print)
        for w in (self.fields, self.verdict, self.rules, self.pay_text, self.pay_qr):
            self.box.addWidget(w)
        self.box.addStretch(1)
        self.footer.addLayout(row)

    def show_flow(self, flow: ViolationsFlow) -> None:
        view = flow.selected_view
        self.back.setText(self.t("violations.action.back"))
        self.print.setText(self.t("violations.action.print"))
        if view is None:
            return
        self.fields.setText("\n".join(f"{k}：{v}" for k, v in record_lines(view, self.language)))
        e = view.eligibility
        self.verdict.setText(f"{self.t('violations.detail.self_service')}：{self.t(e.verdict.key)}")
        reasons = [self.t(c.key, limit=getattr(c, "limit", "")) for c in (*e.failed, *e.undecided)]
        self.rules.setText("\n".join(f"· {r}" for r in reasons))
        if view.payment_url:
            self.pay_text.setText(self.t("violations.detail.pay_qr"))
            self.pay_qr.setPixmap(qr_pixmap(view.payment_url))
            self.pay_qr.show()
            self.pay_text.show()
        else:
            self.pay_qr.clear()
            self.pay_qr.hide()
            self.pay_text.hide()

    def wipe(self) -> None:
        super().wipe()
        self.pay_qr.clear()


class ReceiptPage(MessagePage):
    """The summary is printing (the plate masked on paper)."""

    state = "receipt"

    def show_flow(self, flow: ViolationsFlow) -> None:
        failed = flow.print_failed  # the printer went offline: say so, keep the way home
        self.message.setText(
            self.t("receipt.print_failed" if failed else "violations.prompt.receipt")
        )
        self.retry.hide()
        self.back.hide()
        self.done.setText(self.t("violations.action.done"))


PAGES: tuple[type[FlowPage], ...] = (
    ChooseModePage,
    PlateTypePage,
    PlateEntryPage,
    PlateConfirmPage,
    SecretPage,
    LicencePage,
    LookingUpPage,
    ResultsPage,
    PendingPage,
    ErrorPage,
    RecordDetailPage,
    ReceiptPage,
)
