"""One page per state of the points flow."""

from __future__ import annotations

from typing import ClassVar

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from kiosk.platform.project import CONFIG_DIR
from kiosk.points.flow import PointsFlow
from kiosk.points.model import CatalogueItem
from ui.framework import icons, theme
from ui.framework.flow_screen import FlowPage, FlowScreen, Send
from ui.framework.screen import button, clear_layout, label
from ui.framework.widgets.card_button import CardButton
from ui.framework.widgets.scroll_area import TouchScroll
from ui.framework.widgets.status_view import StatusView


class Page(FlowPage):
    """A page of the points screen."""

    prefix = "points"

    def show_flow(self, flow: PointsFlow) -> None:
        """Shows the flow's current data."""


class MessagePage(Page):
    """A message and the actions the state accepts."""

    events: tuple[tuple[str, str], ...] = ()  # (event, translation key)
    #: a status screen (icon, headline, the message, the next step) instead of a lone line
    tone = ""
    headline_key = ""
    next_key = ""
    #: icon per event's button
    event_icons: ClassVar[dict[str, str]] = {
        "again": "scan",
        "retry": "retry",
        "back": "back",
        "done": "done",
        "ok": "done",
    }

    def __init__(self, send: Send) -> None:
        super().__init__(send)
        self.status: StatusView | None = None
        self.box.addStretch(1)
        if self.tone:
            self.status = StatusView(self.tone, name=f"points_{self.state}")  # type: ignore[arg-type]
            self.message = self.status.body
            self.box.addWidget(self.status)
        else:
            self.message = label("", "title", center=True)
            self.box.addWidget(self.message)
        self.message.setObjectName(f"points_{self.state}_message")
        self.buttons: dict[str, QPushButton] = {}
        row = QHBoxLayout()
        row.setSpacing(24)
        for i, (event, _key) in enumerate(self.events):
            # the last action is the primary one, on the right, as in every footer
            last = i == len(self.events) - 1 and len(self.events) > 1
            b = button(role="primary" if last else "", name=f"points_{self.state}_{event}")
            icons.set_icon(
                b,
                self.event_icons.get(event, "done"),
                theme.metrics(False).icon,
                theme.ON_PRIMARY if last else theme.PRIMARY,
            )
            b.clicked.connect(lambda _=False, e=event: self.send(e))
            self.buttons[event] = b
            row.addWidget(b)
        self.box.addLayout(row)
        self.box.addStretch(1)

    def text(self, flow: PointsFlow) -> str:
        """The message for the flow's state."""
        return self.t(flow.current.prompt)

    def show_flow(self, flow: PointsFlow) -> None:
        if self.status is not None:
            self.status.show_status(
                self.t(self.headline_key),
                self.text(flow),
                self.t(self.next_key) if self.next_key else "",
            )
        else:
            self.message.setText(self.text(flow))
        for event, key in self.events:
            self.buttons[event].setText(self.t(key))


class ScanPage(MessagePage):
    """Show the points card or the app's QR code to the scanner."""

    state = "scan"


class IdentifyingPage(MessagePage):
    """Fetching the member's account."""

    state = "identifying"
    tone = "waiting"
    headline_key = "points.status.waiting"


class IssuingPage(MessagePage):
    """The redemption runs."""

    state = "issuing"
    tone = "waiting"
    headline_key = "points.status.waiting"


class CancellingPage(MessagePage):
    """A voucher is being cancelled."""

    state = "cancelling"
    tone = "waiting"
    headline_key = "points.status.waiting"


class TokenRefusedPage(MessagePage):
    """Expired, forged or unknown card."""

    state = "token_refused"
    tone = "refusal"
    headline_key = "points.status.token_refused"
    next_key = "points.status.next_card"
    events = (("again", "points.action.again"), ("done", "antifraud.done"))

    def text(self, flow: PointsFlow) -> str:
        return self.t(flow.problem or "points.token.invalid")


class RefusedPage(MessagePage):
    """Not enough points, out of stock, limit reached: nothing was held."""

    state = "refused"
    tone = "warning"
    headline_key = "points.status.refused"
    next_key = "points.status.next_staff"
    events = (("back", "idphoto.back"), ("done", "antifraud.done"))

    def text(self, flow: PointsFlow) -> str:
        return self.t(flow.problem or "points.error.rejected")


class ErrorPage(MessagePage):
    """The backend is unreachable: the redemption was refused and nothing is half-done."""

    state = "error"
    tone = "refusal"
    headline_key = "points.status.error"
    next_key = "points.status.next_staff"
    events = (("retry", "violations.action.retry"), ("done", "antifraud.done"))

    def text(self, flow: PointsFlow) -> str:
        return self.t(flow.error_key or "points.error.generic")

    def show_flow(self, flow: PointsFlow) -> None:
        super().show_flow(flow)
        self.buttons["retry"].setVisible(flow.can_retry)


class MemberPage(Page):
    """Masked name, balance, hours, recent entries, unprinted vouchers."""

    state = "member"

    def __init__(self, send: Send) -> None:
        super().__init__(send)
        self.who = label("", "title")
        self.who.setObjectName("points_member_who")
        self.balance = label("", "hero")
        self.balance.setObjectName("points_member_balance")
        self.details = label("")
        self.details.setObjectName("points_member_details")
        self.unprinted = QVBoxLayout()
        self.browse = button(role="primary", name="points_browse")
        self.done = button(name="points_member_done")
        self.browse.clicked.connect(lambda: self.send("browse"))
        self.done.clicked.connect(lambda: self.send("done"))
        for w in (self.who, self.balance, self.details):
            self.box.addWidget(w)
        self.box.addLayout(self.unprinted)
        self.box.addStretch(1)
        self.footer.addWidget(self.browse)
        self.footer.addWidget(self.done)

    def show_flow(self, flow: PointsFlow) -> None:
        self.who.setText(f"{flow.masked_name} · {flow.masked_id}")
        b = flow.balance
        self.balance.setText(self.t("points.member.available", points=b.available if b else 0))
        lines = [self.t("points.member.held", points=b.held if b else 0)]
        lines.append(self.t("points.member.hours", hours=f"{flow.hours:g}"))
        for e in flow.recent:
            change = f"{e.available:+d}" if e.available else f"{e.held:+d}"
            lines.append(f"{e.at:%m-%d} {self.t(f'points.entry.{e.kind}')} {change}")
        self.details.setText("\n".join(lines))
        clear_layout(self.unprinted)
        for v in flow.unprinted_vouchers:
            r = button(
                f"{self.t('points.member.unprinted')} {v.code} · {self.t('points.member.reprint')}",
                name=f"points_reprint_{v.code}",
            )
            r.clicked.connect(lambda _=False, code=v.code: self.send("reprint", code=code))
            self.unprinted.addWidget(r)
        self.browse.setText(self.t("points.action.browse"))
        self.done.setText(self.t("antifraud.done"))


def item_text(page: Page, item: CatalogueItem) -> str:
    """Name, price, stock and limits of a catalogue item."""
    lines = [
        item.name(page.language),
        page.t("points.catalogue.price", points=item.points),
        page.t("points.catalogue.stock", stock=item.stock),
    ]
    if item.per_day or item.per_month:
        per_day, per_month = item.per_day or "-", item.per_month or "-"
        lines.append(page.t("points.catalogue.limit", per_day=per_day, per_month=per_month))
    return "\n".join(lines)


def item_card(page: Page, item: CatalogueItem, can_add: bool) -> CardButton:
    """A catalogue card: the name, the price large and warm, then stock and limits; an item
    with nothing left reads 已兑完 and looks unavailable."""
    card = CardButton(item.name(page.language), name=f"points_item_{item.id}")
    card.label.setProperty("role", "tile_title")
    layout = card.layout()
    assert isinstance(layout, QVBoxLayout)
    price = label(page.t("points.catalogue.price", points=item.points), "price")
    price.setObjectName(f"points_item_{item.id}_price")
    sold_out = item.stock <= 0
    stock_text = (
        page.t("points.catalogue.sold_out")
        if sold_out
        else page.t("points.catalogue.stock", stock=item.stock)
    )
    stock = label(stock_text, "stock")
    stock.setObjectName(f"points_item_{item.id}_stock")
    stock.setProperty("level", "out" if sold_out else "")
    parts = [price, stock]
    if item.per_day or item.per_month:
        per_day, per_month = item.per_day or "-", item.per_month or "-"
        parts.append(
            label(page.t("points.catalogue.limit", per_day=per_day, per_month=per_month), "muted")
        )
    for part in parts:
        part.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
        layout.addWidget(part)
    card.setAccessibleName(item_text(page, item))
    card.setEnabled(can_add and not sold_out)
    return card


class CataloguePage(Page):
    """Pictures, prices, stock and limits; a touch adds one to the cart."""

    state = "catalogue"

    def __init__(self, send: Send) -> None:
        super().__init__(send)
        self.problem = label("")
        self.problem.setObjectName("points_catalogue_problem")
        self.problem.setProperty("level", "problem")
        area = TouchScroll(name="points_catalogue_items")
        self.grid = QGridLayout(area.content)
        self.grid.setSpacing(12)
        row = QHBoxLayout()
        self.back = button(name="points_catalogue_back")
        self.cart = button(role="primary", name="points_to_cart")
        self.back.clicked.connect(lambda: self.send("back"))
        self.cart.clicked.connect(lambda: self.send("cart"))
        row.addWidget(self.back)
        row.addWidget(self.cart)
        self.box.addWidget(self.problem)
        self.box.addWidget(area, 1)
        self.footer.addLayout(row)

    def show_flow(self, flow: PointsFlow) -> None:
        self.problem.setText(self.t(flow.cart_problem) if flow.cart_problem else "")
        clear_layout(self.grid)
        for i, item in enumerate(flow.items):
            card = item_card(self, item, flow.add_problem(item.id) is None)
            if item.picture:
                picture = QLabel()
                picture.setPixmap(
                    QPixmap(str(CONFIG_DIR / item.picture)).scaledToHeight(
                        96, Qt.TransformationMode.SmoothTransformation
                    )
                )
                picture.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
                card.layout().insertWidget(0, picture)  # type: ignore[union-attr]
            card.clicked.connect(lambda item_id=item.id: self.send("add", item_id=item_id))
            self.grid.addWidget(card, i // 2, i % 2)
        count = sum(line.quantity for line in flow.cart_lines)
        self.cart.setText(f"{self.t('points.action.cart')} ({count})")
        self.back.setText(self.t("idphoto.back"))
        icons.set_icon(self.cart, "cart", theme.metrics(False).icon, theme.ON_PRIMARY)
        icons.set_icon(self.back, "back", theme.metrics(False).icon)


class CartPage(Page):
    """What was chosen, the total, what is left after; confirm."""

    state = "cart"

    def __init__(self, send: Send) -> None:
        super().__init__(send)
        self.lines = QVBoxLayout()
        self.total = label("", "title")
        self.total.setObjectName("points_cart_total")
        self.after = label("")
        self.after.setObjectName("points_cart_after")
        row = QHBoxLayout()
        self.back = button(name="points_cart_back")
        self.confirm = button(role="primary", name="points_cart_confirm")
        self.back.clicked.connect(lambda: self.send("back"))
        self.confirm.clicked.connect(lambda: self.send("confirm"))
        row.addWidget(self.back)
        row.addWidget(self.confirm)
        self.box.addLayout(self.lines)
        self.box.addWidget(self.total)
        self.box.addWidget(self.after)
        self.box.addStretch(1)
        self.footer.addLayout(row)

    def show_flow(self, flow: PointsFlow) -> None:
        clear_layout(self.lines)
        for line in flow.cart_lines:
            row = QWidget()
            h = QHBoxLayout(row)
            h.setContentsMargins(0, 0, 0, 0)
            h.addWidget(label(f"{line.item.name(self.language)} × {line.quantity}"), 1)
            minus = button("−", name=f"points_minus_{line.item.id}")
            plus = button("+", name=f"points_plus_{line.item.id}")
            minus.clicked.connect(
                lambda _=False, i=line.item.id, q=line.quantity: self.send(
                    "set", item_id=i, quantity=q - 1
                )
            )
            plus.clicked.connect(
                lambda _=False, i=line.item.id, q=line.quantity: self.send(
                    "set", item_id=i, quantity=q + 1
                )
            )
            h.addWidget(minus)
            h.addWidget(plus)
            self.lines.addWidget(row)
        self.total.setText(self.t("points.cart.total", points=flow.cart_total))
        after = flow.balance_after
        self.after.setText(
            self.t("points.cart.balance_after", points=after) if after is not None else ""
        )
        self.confirm.setEnabled(flow.cart_fits)
        self.back.setText(self.t("idphoto.back"))
        self.confirm.setText(self.t("points.action.confirm"))


class ConfirmPage(MessagePage):
    """The last word before the points are held."""

    state = "confirm"
    events = (("ok", "points.action.confirm"), ("back", "idphoto.back"))

    def text(self, flow: PointsFlow) -> str:
        return (
            f"{self.t(flow.current.prompt)}\n{self.t('points.cart.total', points=flow.cart_total)}"
        )


class VoucherPage(Page):
    """The pickup code; the receipt prints."""

    state = "voucher"

    def __init__(self, send: Send) -> None:
        super().__init__(send)
        self.message = label("", "title", center=True)
        self.code = label("", "hero", center=True)
        self.code.setObjectName("points_pickup_code")
        self.note = label("", "", center=True)
        self.note.setObjectName("points_voucher_note")
        self.done = button(role="primary", name="points_voucher_done")
        self.done.clicked.connect(lambda: self.send("done"))
        self.box.addStretch(1)
        for w in (self.message, self.code, self.note, self.done):
            self.box.addWidget(w)
        self.box.addStretch(1)

    def show_flow(self, flow: PointsFlow) -> None:
        v = flow.data.voucher
        self.message.setText(self.t(flow.current.prompt))
        self.code.setText(self.t("points.voucher.pickup_code", code=v.code) if v else "")
        self.note.setText(self.t("points.voucher.print_failed") if flow.data.print_failed else "")
        self.done.setText(self.t("antifraud.done"))

    def wipe(self) -> None:
        self.code.clear()


PAGES: tuple[type[FlowPage], ...] = (
    ScanPage,
    IdentifyingPage,
    MemberPage,
    CataloguePage,
    CartPage,
    ConfirmPage,
    IssuingPage,
    VoucherPage,
    CancellingPage,
    TokenRefusedPage,
    RefusedPage,
    ErrorPage,
)


class PointsScreen(FlowScreen):
    """Renders a ``PointsFlow``."""

    name = "points"
    title_key = "service.points"
    pages_types = PAGES
    #: 出示积分卡 → 查看积分 → 选择礼品 → 确认兑换 → 取货码; a refusal shows the step it
    #: happened at; an error (any time) and a cancellation show none
    steps: ClassVar[dict[str, int]] = {
        "scan": 1,
        "identifying": 1,
        "token_refused": 1,
        "member": 2,
        "catalogue": 3,
        "cart": 4,
        "confirm": 4,
        "issuing": 4,
        "refused": 4,
        "voucher": 5,
    }
