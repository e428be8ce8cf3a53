"""Devices: live status with reasons, a camera preview, a test print, a scan test, and the
paper-replaced button."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QGridLayout, QLabel

from devices.scan_payload import ScanEvent, ScanRejected
from kiosk.app import AppContext
from kiosk.framework.receipts import technician_test_receipt
from ui.framework.maintenance_page import MaintenancePage
from ui.framework.screen import button, label


class DevicesPage(MaintenancePage):
    """Device health, preview and tests."""

    key = "devices"

    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx)
        self.status = label("")
        self.status.setObjectName("maint_device_status")
        self.preview = QLabel()
        self.preview.setObjectName("maint_camera_preview")
        self.preview.setFixedSize(480, 270)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setStyleSheet("background: #20262E; color: white;")
        self.scan_result = label("")
        self.scan_result.setObjectName("maint_scan_result")
        self.print_result = label("")
        self.print_result.setObjectName("maint_print_result")
        self.test_print = button(role="primary", name="maint_test_print")
        self.paper_replaced = button(name="maint_paper_replaced")
        grid = QGridLayout()
        grid.addWidget(self.test_print, 0, 0)
        grid.addWidget(self.paper_replaced, 0, 1)
        for w in (self.status, self.preview):
            self.layout_.addWidget(w)
        self.layout_.addLayout(grid)
        for w in (self.print_result, self.scan_result):
            self.layout_.addWidget(w)
        self.layout_.addStretch(1)
        self.test_print.clicked.connect(self._test_print)
        self.paper_replaced.clicked.connect(self._paper_replaced)
        self.refresh()

    def refresh(self) -> None:
        self.test_print.setText(self.tr_("maint.devices.test_print"))
        self.paper_replaced.setText(self.tr_("maint.devices.paper_replaced"))
        if not self.scan_result.text():
            self.scan_result.setText(self.tr_("maint.devices.scan_test"))
        lines = []
        for name, device in self.ctx.devices.all().items():
            h = device.health
            line = (
                f"{self.tr_('device.' + name)}：{self.tr_('health.' + str(h.level))} · {h.reason}"
            )
            if h.detail:
                line += f" · {h.detail}"
            lines.append(line)
        remaining = self.ctx.devices.printer.paper_remaining_mm()
        if remaining is not None:
            lines.append(self.tr_("maint.devices.paper_left", mm=int(remaining)))
        self.status.setText("\n".join(lines))

    def tick(self) -> None:
        self.refresh()
        frame = self.ctx.devices.camera.latest()
        if frame is None:
            self.preview.setText(self.tr_("maint.devices.no_frame"))
            return
        rgb = frame.image[:, :, ::-1].copy()
        h, w = rgb.shape[:2]
        image = QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888)
        self.preview.setPixmap(
            QPixmap.fromImage(image).scaled(self.preview.size(), Qt.AspectRatioMode.KeepAspectRatio)
        )

    def show_scan(self, event: ScanEvent) -> None:
        """The scan test: what was read, by which source, and its kind."""
        self.ctx.maintenance.action("scan_test", kind=str(event.kind), source=event.source)
        self.scan_result.setText(
            self.tr_(
                "maint.devices.scan_result",
                source=event.source,
                kind=event.kind,
                text=event.text[:80],
            )
        )

    def show_rejected(self, rejected: ScanRejected) -> None:
        """The scan test: a refused read and why."""
        self.scan_result.setText(
            self.tr_(
                "maint.devices.scan_rejected",
                source=rejected.source,
                reason=self.tr_(rejected.reason),
            )
        )

    def _test_print(self) -> None:
        config = self.ctx.config
        receipt = technician_test_receipt(config.terminal.id, config.config_version, datetime.now())
        job = self.ctx.devices.printer.submit(receipt)
        self.ctx.counters.add("receipts.test")
        self.ctx.maintenance.action("test_print", job=int(job))
        self.print_result.setText(self.tr_("maint.devices.printed", job=int(job)))

    def _paper_replaced(self) -> None:
        self.ctx.devices.printer.paper_replaced()
        self.ctx.maintenance.action("paper_replaced")
        self.refresh()
