"""One page per state of the request flow (我要反映 / 您来点单), and of the status look-up.
Pages render the flow and send its events; the rules live in ``kiosk.requests``.

Once entered, a mobile number shows masked (``138****5678``); the description shows on
review only (the resident checks their own words) and is wiped with the session.
"""

from __future__ import annotations

from typing import Any, ClassVar

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QStackedWidget,
)

from kiosk.framework.masking import mask_mobile
from kiosk.requests import flow as steps
from kiosk.requests import status as status_steps
from kiosk.requests.flow import RequestFlow
from kiosk.requests.model import STATUSES
from kiosk.requests.status import PROGRESS, RequestStatusFlow, rateable
from ui.framework.flow_screen import ActionButtons, Choice, FlowPage, Send
from ui.framework.screen import button, clear_layout, label
from ui.framework.text_entry.entry import FieldKind, TextEntry
from ui.framework.widgets.camera_view import CameraView
from ui.framework.widgets.card_button import CardButton
from ui.framework.widgets.status_view import StatusView


def personal(widget: QLabel) -> QLabel:
    """Marks a label as showing what the resident entered (cleared by ``wipe``)."""
    widget.setProperty("personal", True)
    return widget


class Page(FlowPage):
    """A page of the request screen: a title (the state's prompt), the problem with the last
    entry, a body and a row of buttons."""

    prefix = "requests"
    column = False

    def __init__(self, send: Send) -> None:
        super().__init__(send)
        self.title = label("", "title")
        self.title.setObjectName(f"requests_{self.state}_title")
        self.problem = label("", "problem")
        self.problem.setObjectName(f"requests_{self.state}_problem")
        self.problem.hide()
        self.box.addWidget(self.title)
        self.box.addWidget(self.problem)
        self.body()
        self.row = ActionButtons(column=self.column)
        self.footer.addLayout(self.row)

    def body(self) -> None:
        """Adds the page's own widgets (between the problem and the buttons)."""
        self.box.addStretch(1)

    def show_flow(self, flow: Any) -> None:
        self.title.setText(self.t(flow.current.prompt))
        problem = flow.problem_text(self.language) if isinstance(flow, RequestFlow) else ""
        self.problem.setText(problem)
        self.problem.setVisible(bool(problem))
        self.fill(flow)
        self.row.set(self.send, self.buttons(flow))

    def fill(self, flow: Any) -> None:
        """Shows this state's data."""

    def buttons(self, flow: Any) -> list[Choice]:
        """The buttons under the page."""
        return []

    def choice(self, key: str, event: str, **data: Any) -> Choice:
        """A button that sends ``event``, named ``requests_<state>_<event>``."""
        return (self.t(key), f"requests_{self.state}_{event}", event, data)

    def wipe(self) -> None:
        self.problem.clear()
        for w in self.findChildren(QLabel):
            if w.property("personal"):
                w.clear()


class GridPage(Page):
    """Large cards to choose from, two to a row, built once per language and list."""

    def body(self) -> None:
        self.grid = QGridLayout()
        self.grid.setSpacing(16)
        self.box.addLayout(self.grid)
        self.box.addStretch(1)
        self._built: tuple[str, ...] = ()

    def cards(self, flow: RequestFlow) -> list[tuple[str, str, dict[str, Any]]]:
        """(text, object name, event data) for each card."""
        return []

    def fill(self, flow: RequestFlow) -> None:
        cards = self.cards(flow)
        key = (self.language, *(name for _, name, _ in cards))
        if key == self._built:
            return
        clear_layout(self.grid)
        for i, (text, name, data) in enumerate(cards):
            card = CardButton(text, name=name)
            card.setMinimumHeight(140)
            card.label.setProperty("role", "lead")
            card.clicked.connect(lambda d=data: self.send("choose", **d))
            self.grid.addWidget(card, i // 2, i % 2)
        self._built = key


class CategoryPage(GridPage):
    """The categories, each with who handles it and how soon they respond."""

    state = steps.CATEGORY

    def cards(self, flow: RequestFlow) -> list[tuple[str, str, dict[str, Any]]]:
        return [
            (
                flow.category_name(c.id, self.language)
                + "\n"
                + self.t(
                    "requests.category.promise", department=c.department, hours=c.response_hours
                ),
                f"requests_category_{c.id}",
                {"category": c.id},
            )
            for c in flow.settings.categories
        ]


class CompoundPage(GridPage):
    """The compounds the center serves."""

    state = steps.COMPOUND

    def cards(self, flow: RequestFlow) -> list[tuple[str, str, dict[str, Any]]]:
        return [
            (c.name, f"requests_compound_{c.id}", {"compound": c.id})
            for c in flow.settings.compounds
        ]

    def buttons(self, flow: RequestFlow) -> list[Choice]:
        return [self.choice("requests.back", "back")]


class EntryPage(Page):
    """One typed field through the text-entry component (digit pad, pinyin, handwriting)."""

    kind = FieldKind.DIGITS
    hint_key = ""

    def body(self) -> None:
        self.hint = label("", "muted")
        self.hint.setObjectName(f"requests_{self.state}_hint")
        self.box.addWidget(self.hint)
        self.entry: TextEntry | None = None  # made when first shown (it loads its engines)
        self.elder = False
        self.max_len: int | None = None

    def fill(self, flow: RequestFlow) -> None:
        self.hint.setText(self.hint_text(flow))
        self.hint.setVisible(bool(self.hint.text()))
        entry = self._entry(flow)
        entry.retranslate(self.language)
        stack = self.parentWidget()
        arriving = not isinstance(stack, QStackedWidget) or stack.currentWidget() is not self
        if arriving:
            entry.open(self.start_text(flow), prompt_key=flow.current.prompt, announce=False)

    def hint_text(self, flow: RequestFlow) -> str:
        return self.t(self.hint_key) if self.hint_key else ""

    def start_text(self, flow: RequestFlow) -> str:
        """What the field holds on arrival (typed again from empty unless editing)."""
        return ""

    def entry_max_len(self, flow: RequestFlow) -> int | None:
        return None

    def _entry(self, flow: RequestFlow) -> TextEntry:
        if self.entry is None:
            self.entry = TextEntry(
                self.kind,
                max_len=self.entry_max_len(flow),
                elder_mode=self.elder,
                language=self.language,
                on_done=lambda text: self.send("submit", text=text),
                on_cancel=lambda: self.send("back"),
            )
            self.entry.setObjectName(f"requests_{self.state}_entry")
            self.box.addWidget(self.entry, 1)
        return self.entry

    def set_elder(self, elder: bool) -> None:
        """Elder mode: handwriting first, large keys and candidates."""
        self.elder = elder
        if self.entry is not None:
            self.entry.set_elder(elder)

    def wipe(self) -> None:
        super().wipe()
        if self.entry is not None:
            self.entry.wipe()


class BuildingPage(EntryPage):
    state = steps.BUILDING_STEP
    hint_key = "requests.building.hint"


class UnitPage(EntryPage):
    state = steps.UNIT_STEP
    hint_key = "requests.unit.hint"

    def buttons(self, flow: RequestFlow) -> list[Choice]:
        return [self.choice("requests.unit.none", "none")]


class DescriptionPage(EntryPage):
    state = steps.DESCRIPTION
    kind = FieldKind.DESCRIPTION

    def hint_text(self, flow: RequestFlow) -> str:
        return self.t("requests.description.hint", max=flow.max_description)

    def start_text(self, flow: RequestFlow) -> str:
        return flow.data.description if flow.data.editing else ""

    def entry_max_len(self, flow: RequestFlow) -> int | None:
        # one more than allowed: the flow, not a silent stop, says what to do
        return flow.max_description + 1


class ContactPage(EntryPage):
    state = steps.CONTACT
    hint_key = "requests.contact.hint"

    def buttons(self, flow: RequestFlow) -> list[Choice]:
        return [self.choice("requests.contact.skip", "skip")]


class PhotoConsentPage(Page):
    """What the photo is for, who sees it, and that it should show the problem, not a face."""

    state = steps.PHOTO_CONSENT

    def body(self) -> None:
        self.view = StatusView("info", name="requests_photo_consent_view")
        self.box.addWidget(self.view)
        self.box.addStretch(1)

    def fill(self, flow: RequestFlow) -> None:
        if flow.can_take_photos:
            self.view.show_status(
                self.t("requests.photo_consent.headline"),
                self.t("requests.photo_consent.detail"),
                self.t("requests.photo_consent.next"),
            )
        else:
            self.view.show_status(
                self.t("requests.photo_consent.headline"), self.t("requests.photo.no_camera")
            )

    def buttons(self, flow: RequestFlow) -> list[Choice]:
        items = [self.choice("requests.photo.skip", "skip"), self.choice("requests.back", "back")]
        if flow.can_take_photos:
            items.insert(0, self.choice("requests.photo_consent.agree", "agree"))
        return items


class PhotoPage(Page):
    """The camera's preview (mirrored, as a looking-glass) and 拍照."""

    state = steps.PHOTO

    def body(self) -> None:
        self.view = CameraView()
        self.view.setObjectName("requests_photo_view")
        self.view.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.view.setMinimumHeight(480)
        self.note = label("", "lead", center=True)
        self.note.setObjectName("requests_photo_note")
        self.box.addWidget(self.view, 1)
        self.box.addWidget(self.note)

    def fill(self, flow: RequestFlow) -> None:
        problem = flow.data.photo_problem
        self.note.setText(self.t(problem) if problem else self.t("requests.photo.hint"))
        self.note.setProperty("role", "problem" if problem else "lead")
        self.note.style().polish(self.note)

    def buttons(self, flow: RequestFlow) -> list[Choice]:
        return [
            self.choice("requests.photo.shoot", "shoot"),
            self.choice("requests.photo.skip", "skip"),
            self.choice("requests.back", "back"),
        ]


class WaitingPage(Page):
    """A job is running: the state's prompt, waiting."""

    def body(self) -> None:
        self.view = StatusView("waiting", name=f"requests_{self.state}_view")
        self.box.addWidget(self.view)
        self.box.addStretch(1)

    def fill(self, flow: Any) -> None:
        self.view.show_status(self.t(flow.current.prompt), self.t("requests.wait"))


class CapturingPage(WaitingPage):
    state = steps.CAPTURING


class PhotoCheckPage(Page):
    """The picture taken; a face filling it is said plainly and cannot be sent."""

    state = steps.PHOTO_CHECK

    def body(self) -> None:
        self.picture = QLabel()
        self.picture.setObjectName("requests_photo_check_picture")
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.picture.setMinimumHeight(420)
        self.verdict = label("", "lead", center=True)
        self.verdict.setObjectName("requests_photo_check_verdict")
        self.box.addWidget(self.picture, 1)
        self.box.addWidget(self.verdict)
        self._shown = b""

    def fill(self, flow: RequestFlow) -> None:
        jpeg = flow.data.photo_jpeg
        if jpeg != self._shown:
            pixmap = QPixmap()
            if jpeg and pixmap.loadFromData(jpeg, "JPEG"):
                self.picture.setPixmap(
                    pixmap.scaled(
                        860,
                        560,
                        Qt.AspectRatioMode.KeepAspectRatio,
                        Qt.TransformationMode.SmoothTransformation,
                    )
                )
            else:
                self.picture.clear()
            self._shown = jpeg
        face = flow.data.photo_face
        self.verdict.setText(
            self.t("requests.photo_check.face" if face else "requests.photo_check.ok")
        )
        self.verdict.setProperty("role", "problem" if face else "lead")
        self.verdict.style().polish(self.verdict)

    def buttons(self, flow: RequestFlow) -> list[Choice]:
        items = [
            self.choice("requests.photo_check.retake", "retake"),
            self.choice("requests.photo.skip", "skip"),
        ]
        if not flow.data.photo_face:
            items.insert(0, self.choice("requests.photo_check.use", "use"))
        return items

    def wipe(self) -> None:
        super().wipe()
        self.picture.clear()
        self._shown = b""


class CallbackPage(Page):
    """Call back on that number, or not."""

    state = steps.CALLBACK

    def body(self) -> None:
        self.number = personal(label("", "lead"))
        self.number.setObjectName("requests_callback_number")
        self.box.addWidget(self.number)
        self.box.addStretch(1)

    def fill(self, flow: RequestFlow) -> None:
        self.number.setText(
            self.t("requests.callback.number", mobile=mask_mobile(flow.data.mobile))
        )

    def buttons(self, flow: RequestFlow) -> list[Choice]:
        return [
            self.choice("requests.callback.yes", "yes"),
            self.choice("requests.callback.no", "no"),
            self.choice("requests.back", "back"),
        ]


class ReviewPage(Page):
    """Everything entered (the number masked), each with 修改; then 提交."""

    state = steps.REVIEW
    rows = ("category", "place", "description", "photo", "contact")
    edits: ClassVar[dict[str, str]] = {
        "category": steps.CATEGORY,
        "place": steps.COMPOUND,
        "description": steps.DESCRIPTION,
        "photo": steps.PHOTO_CONSENT,
        "contact": steps.CONTACT,
    }

    def body(self) -> None:
        self.lines: dict[str, QLabel] = {}
        self.edit_buttons: dict[str, Any] = {}
        for row in self.rows:
            line = QHBoxLayout()
            text = personal(label("", "lead"))
            text.setObjectName(f"requests_review_{row}")
            line.addWidget(text, 1)
            self.lines[row] = text
            b = button("", name=f"requests_edit_{row}")
            b.clicked.connect(lambda _=False, s=self.edits[row]: self.send("edit", step=s))
            line.addWidget(b, 0, Qt.AlignmentFlag.AlignTop)
            self.edit_buttons[row] = b
            self.box.addLayout(line)
        self.box.addStretch(1)

    def fill(self, flow: RequestFlow) -> None:
        d, category = flow.data, flow.category
        self.lines["category"].setText(
            self.t(
                "requests.review.category",
                category=flow.category_name(language=self.language),
                department=category.department if category else "",
                hours=category.response_hours if category else "",
            )
        )
        self.lines["place"].setText(
            self.t("requests.review.place", place=flow.place(self.language))
        )
        self.lines["description"].setText(self.t("requests.review.description", text=d.description))
        self.lines["photo"].setText(
            self.t("requests.review.photo_yes" if d.photo_jpeg else "requests.review.photo_no")
        )
        if d.mobile:
            callback = self.t(
                "requests.review.callback_yes" if d.callback else "requests.review.callback_no"
            )
            contact = self.t(
                "requests.review.contact", mobile=mask_mobile(d.mobile), callback=callback
            )
        else:
            contact = self.t("requests.review.contact_none")
        self.lines["contact"].setText(contact)
        self.edit_buttons["photo"].setVisible(flow.settings.photo_allowed)
        for b in self.edit_buttons.values():
            b.setText(self.t("requests.edit"))

    def buttons(self, flow: RequestFlow) -> list[Choice]:
        return [self.choice("requests.submit", "submit"), self.choice("requests.back", "back")]


class SubmittingPage(WaitingPage):
    state = steps.SUBMITTING


class RefusedPage(Page):
    """The center refused it: why, and what to do."""

    state = steps.REFUSED

    def body(self) -> None:
        self.view = StatusView("refusal", name="requests_refused_view")
        self.box.addWidget(self.view)
        self.box.addStretch(1)

    def fill(self, flow: RequestFlow) -> None:
        self.view.show_status(
            self.t("requests.prompt.refused"),
            self.t("requests.refused.detail", code=flow.data.refusal),
            self.t("requests.refused.next"),
        )

    def buttons(self, flow: RequestFlow) -> list[Choice]:
        return [self.choice("requests.back", "back"), self.choice("requests.done", "done")]


class ReceiptPage(Page):
    """The tracking code and the promise (or: kept encrypted, sent when the network is
    back); the receipt prints on arrival."""

    state = steps.RECEIPT

    def body(self) -> None:
        self.view = StatusView("success", name="requests_receipt_view")
        self.box.addWidget(self.view)
        self.box.addStretch(1)

    def fill(self, flow: RequestFlow) -> None:
        d, receipt = flow.data, flow.data.receipt
        code = flow.tracking_text()
        hours = receipt.promised_hours if receipt else 0
        department = (receipt.department if receipt else "") or "—"
        if d.queued_id:
            self.view.set_tone("warning")
            title = self.t("requests.receipt_page.queued_title")
            body = self.t("requests.error.queued")
        else:
            self.view.set_tone("success")
            title = self.t("requests.receipt_page.title")
            body = self.t("requests.receipt_page.code", code=code)
        next_step = self.t("requests.receipt_page.promise", department=department, hours=hours)
        if flow.print_failed:
            next_step = self.t("requests.print_failed", code=code) + "\n" + next_step
        elif not d.queued_id:
            next_step += "\n" + self.t("requests.receipt_page.scan")
        self.view.show_status(title, body, next_step)

    def buttons(self, flow: RequestFlow) -> list[Choice]:
        return [self.choice("requests.finish", "done")]


PAGES: tuple[type[FlowPage], ...] = (
    CategoryPage,
    CompoundPage,
    BuildingPage,
    UnitPage,
    DescriptionPage,
    PhotoConsentPage,
    PhotoPage,
    CapturingPage,
    PhotoCheckPage,
    ContactPage,
    CallbackPage,
    ReviewPage,
    SubmittingPage,
    RefusedPage,
    ReceiptPage,
)


# -- the status look-up ---------------------------------------------------------------------
class StatusPage(Page):
    """A page of the status screen."""

    prefix = "requests_status"


class LookingPage(WaitingPage):
    prefix = "requests_status"
    state = status_steps.LOOKING


class RatingPage(WaitingPage):
    prefix = "requests_status"
    state = status_steps.RATING


class ShownPage(StatusPage):
    """Where the request is (received → assigned → in hand → done, or closed), its steps,
    what was done or why it was closed, masked contact; then 满意 / 不满意 once finished."""

    state = status_steps.STATUS

    def body(self) -> None:
        self.view = StatusView("info", name="requests_status_view")
        self.progress = label("", "lead")
        self.progress.setObjectName("requests_status_progress")
        self.history = personal(label("", "muted"))
        self.history.setObjectName("requests_status_history")
        self.rating = label("", "lead", center=True)
        self.rating.setObjectName("requests_status_rating")
        for w in (self.view, self.progress, self.history, self.rating):
            self.box.addWidget(w)
        self.box.addStretch(1)

    def fill(self, flow: RequestStatusFlow) -> None:
        status = flow.data.status
        if status is None:
            return
        final = status.status in ("done", "closed")
        self.view.set_tone("success" if status.status == "done" else "info")
        lines = [
            self.t("requests.progress.category", category=self._category(flow, status.category))
        ]
        lines.append(self.t("requests.progress.department", department=status.department or "—"))
        if status.status == "done" and status.result:
            lines.append(self.t("requests.progress.result_done", result=status.result))
        if status.status == "closed" and status.result:
            lines.append(self.t("requests.progress.result_closed", result=status.result))
        if status.overdue:
            lines.append(self.t("requests.progress.overdue"))
        if status.mobile_masked:
            lines.append(self.t("requests.progress.contact", mobile=status.mobile_masked))
        self.view.show_status(
            self.t(
                "requests.progress.headline",
                code=status.code,
                status=self.t(f"requests.status.{status.status}"),
            ),
            "\n".join(lines),
            self.t("requests.progress.respond_by", time=_local_time(status.respond_by))
            if not final
            else "",
        )
        path = [*PROGRESS[:-1], "closed"] if status.status == "closed" else list(PROGRESS)
        reached = path.index(status.status) if status.status in path else 0
        self.progress.setText(
            "  →  ".join(
                ("● " if i <= reached else "○ ") + self.t(f"requests.status.{s}")
                for i, s in enumerate(path)
            )
        )
        self.history.setText(
            "\n".join(
                self.t(
                    "requests.progress.step",
                    time=_local_time(step.at),
                    status=self.t(f"requests.status.{step.status}")
                    if step.status in STATUSES
                    else step.status,
                    text=step.text,
                ).rstrip(" ：:")
                for step in status.steps
            )
        )
        self.rating.setText(self._rating_text(flow))

    def _category(self, flow: RequestStatusFlow, category_id: str) -> str:
        category = flow.settings.category(category_id) if flow.settings is not None else None
        if category is None:
            return category_id
        return category.name_zh if self.language == "zh_CN" else category.name_en

    def _rating_text(self, flow: RequestStatusFlow) -> str:
        d, status = flow.data, flow.data.status
        if d.rating_problem:
            return self.t(d.rating_problem)
        if status is None:
            return ""
        if status.satisfied is not None:
            key = (
                "requests.progress.rated_yes" if status.satisfied else "requests.progress.rated_no"
            )
            return self.t(key)
        if rateable(status):
            return self.t("requests.progress.ask")
        return self.t("requests.progress.rate_later")

    def buttons(self, flow: RequestStatusFlow) -> list[Choice]:
        items: list[Choice] = []
        if rateable(flow.data.status):
            items += [
                (
                    self.t("requests.progress.satisfied"),
                    "requests_status_satisfied",
                    "rate",
                    {"satisfied": True},
                ),
                (
                    self.t("requests.progress.unsatisfied"),
                    "requests_status_unsatisfied",
                    "rate",
                    {"satisfied": False},
                ),
            ]
        items.append((self.t("requests.done"), "requests_status_done", "done", {}))
        return items

    def wipe(self) -> None:
        super().wipe()
        self.view.show_status("")
        self.progress.clear()
        self.rating.clear()


class NotFoundPage(StatusPage):
    state = status_steps.NOT_FOUND

    def body(self) -> None:
        self.view = StatusView("refusal", name="requests_status_not_found_view")
        self.box.addWidget(self.view)
        self.box.addStretch(1)

    def fill(self, flow: RequestStatusFlow) -> None:
        self.view.show_status(self.t(flow.current.prompt), self.t("requests.error.not_found"))

    def buttons(self, flow: RequestStatusFlow) -> list[Choice]:
        return [(self.t("requests.done"), "requests_status_done", "done", {})]


class UnreachablePage(StatusPage):
    state = status_steps.UNREACHABLE

    def body(self) -> None:
        self.view = StatusView("warning", name="requests_status_unreachable_view")
        self.box.addWidget(self.view)
        self.box.addStretch(1)

    def fill(self, flow: RequestStatusFlow) -> None:
        self.view.show_status(self.t(flow.current.prompt), self.t("requests.error.unreachable"))

    def buttons(self, flow: RequestStatusFlow) -> list[Choice]:
        return [
            (self.t("requests.retry"), "requests_status_retry", "retry", {}),
            (self.t("requests.done"), "requests_status_done", "done", {}),
        ]


STATUS_PAGES: tuple[type[FlowPage], ...] = (
    LookingPage,
    ShownPage,
    RatingPage,
    NotFoundPage,
    UnreachablePage,
)


def _local_time(iso: str) -> str:
    """An ISO 8601 instant as local ``YYYY-MM-DD HH:MM``."""
    from datetime import datetime

    try:
        return f"{datetime.fromisoformat(iso).astimezone():%Y-%m-%d %H:%M}"
    except ValueError:
        return iso[:16].replace("T", " ")
