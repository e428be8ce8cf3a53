"""Network: can the backend and the fleet server be reached, and how fast."""

from __future__ import annotations

import threading

from PySide6.QtCore import Signal

from kiosk.app import AppContext
from kiosk.platform.network_check import Reachability, check_url
from ui.framework.maintenance_page import MaintenancePage
from ui.framework.screen import button, label


class NetworkPage(MaintenancePage):
    """Checks run on a worker thread; the result comes back as a queued signal.

    Signals:
        checked(object): the list of ``Reachability`` results.
    """

    key = "network"
    checked = Signal(object)

    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx)
        self.check_button = button(role="primary", name="maint_network_check")
        self.result = label("")
        self.result.setObjectName("maint_network_result")
        self.layout_.addWidget(self.check_button)
        self.layout_.addWidget(self.result)
        self.layout_.addStretch(1)
        self.check_button.clicked.connect(self.start_check)
        self.checked.connect(self._show)
        self._thread: threading.Thread | None = None
        self.refresh()

    def refresh(self) -> None:
        self.check_button.setText(self.tr_("maint.network.check"))

    def start_check(self) -> None:
        """Runs both checks off the GUI thread."""
        if self._thread is not None and self._thread.is_alive():
            return
        m = self.ctx.config.maintenance
        targets = [("maint.network.backend", m.backend_url), ("maint.network.fleet", m.fleet_url)]
        self.result.setText(self.tr_("maint.network.checking"))

        def work() -> None:
            self.checked.emit([check_url(name, url) for name, url in targets])

        self._thread = threading.Thread(target=work, name="network-check", daemon=True)
        self._thread.start()

    def wait(self, timeout: float = 10.0) -> None:
        """Waits for a running check (tests, shutdown)."""
        if self._thread is not None:
            self._thread.join(timeout)

    def _show(self, results: list[Reachability]) -> None:
        lines = []
        for r in results:
            name = self.tr_(r.name)
            if r.reason == "not_configured":
                lines.append(self.tr_("maint.network.local", name=name))
            elif r.reachable:
                lines.append(
                    self.tr_(
                        "maint.network.ok", name=name, target=r.target, ms=f"{r.latency_ms:.1f}"
                    )
                )
            else:
                lines.append(
                    self.tr_("maint.network.fail", name=name, target=r.target, reason=r.reason)
                )
        self.result.setText("\n".join(lines))
        self.ctx.maintenance.action("network_check")
