"""Vouchers: staff scan a resident's voucher and fulfil (核销) or cancel it."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout

from devices.scan_payload import PayloadKind
from kiosk.app import AppContext
from kiosk.framework.masking import mask_member_id
from kiosk.platform.service_errors import ServiceError
from kiosk.points.errors import PointsRejected
from kiosk.points.model import CancelledBy, Voucher
from kiosk.points.vouchers import normalize_code
from ui.framework.maintenance_page import MaintenancePage
from ui.framework.screen import button, label

PointsServiceGetter = Callable[[], Any]


class VouchersPage(MaintenancePage):
    """The staff side of points: every action goes to the ledger with the staff member.

    Signals:
        answered(object): a voucher or an error from the worker, for the GUI thread.
    """

    key = "vouchers"
    claims = frozenset({PayloadKind.VOUCHER})
    answered = Signal(object)

    def __init__(
        self, ctx: AppContext, service: PointsServiceGetter, run: Callable[..., None]
    ) -> None:
        super().__init__(ctx)
        self.service, self.run = service, run
        self.voucher: Voucher | None = None
        self.prompt = label("", "caption")
        self.details = label("")
        self.details.setObjectName("maint_voucher_details")
        self.result = label("")
        self.result.setObjectName("maint_voucher_result")
        row = QHBoxLayout()
        self.fulfil = button(role="primary", name="maint_voucher_fulfil")
        self.cancel = button(name="maint_voucher_cancel")
        row.addWidget(self.fulfil)
        row.addWidget(self.cancel)
        for w in (self.prompt, self.details, self.result):
            self.layout_.addWidget(w)
        self.layout_.addLayout(row)
        self.layout_.addStretch(1)
        self.fulfil.clicked.connect(lambda: self._act("fulfil"))
        self.cancel.clicked.connect(lambda: self._act("cancel"))
        self.refresh()

    def refresh(self) -> None:
        self.prompt.setText(self.tr_("maint.vouchers.scan"))
        self.fulfil.setText(self.tr_("maint.vouchers.fulfil"))
        self.cancel.setText(self.tr_("maint.vouchers.cancel"))
        v = self.voucher
        open_ = v is not None and str(v.status) == "held"
        self.fulfil.setEnabled(open_)
        self.cancel.setEnabled(open_)
        if v is None:
            self.details.clear()
            return
        items = "、".join(f"{line.name_zh} × {line.quantity}" for line in v.lines)
        self.details.setText(
            self.tr_(
                "maint.vouchers.details",
                code=v.code,
                status=v.status,
                member=mask_member_id(v.member_id),
                points=v.points,
                items=items,
            )
        )

    def scanned(self, text: str) -> None:
        """A voucher QR read by the scanner while this page is up."""
        code = normalize_code(text)
        if code is None:
            self.result.setText(
                self.tr_("maint.vouchers.failed", reason=self.tr_("points.voucher_error.not_found"))
            )
            return
        self.ctx.maintenance.action("voucher_scanned")
        self.run(lambda: self.service().voucher(code), self._show, self._failed)

    def _act(self, action: str) -> None:
        v = self.voucher
        if v is None:
            return
        staff = self.ctx.maintenance.who or "maintenance"
        key = f"staff-{action}-{secrets.token_hex(8)}"
        service = self.service()
        if action == "fulfil":
            work: Callable[[], Voucher] = lambda: service.fulfil(v.code, staff, key)  # noqa: E731
        else:
            work = lambda: service.cancel(v.code, key, CancelledBy(staff=staff))  # noqa: E731
        self.ctx.maintenance.action(f"voucher_{action}", by_staff=staff)
        self.run(work, lambda voucher: self._done(action, voucher), self._failed)

    def _show(self, voucher: Voucher) -> None:
        self.voucher = voucher
        self.result.clear()
        self.refresh()

    def _done(self, action: str, voucher: Voucher) -> None:
        self.voucher = voucher
        key = "maint.vouchers.fulfilled" if action == "fulfil" else "maint.vouchers.cancelled"
        self.result.setText(self.tr_(key, code=voucher.code))
        self.refresh()

    def _failed(self, error: BaseException) -> None:
        if isinstance(error, PointsRejected | ServiceError):
            reason = self.tr_(getattr(error, "message_key", "points.error.generic"))
        else:
            reason = self.tr_("points.error.generic")
        self.result.setText(self.tr_("maint.vouchers.failed", reason=reason))
        self.refresh()
