"""Usage counters: sessions per service, completions, failsafes, receipts, paper used."""

from __future__ import annotations

from kiosk.app import AppContext
from ui.framework.maintenance_page import MaintenancePage
from ui.framework.screen import label


class CountersPage(MaintenancePage):
    """Counts since installation."""

    key = "counters"

    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx)
        self.title = label("", "caption")
        self.body = label("")
        self.body.setObjectName("maint_counters")
        self.layout_.addWidget(self.title)
        self.layout_.addWidget(self.body)
        self.layout_.addStretch(1)
        self.refresh()

    def refresh(self) -> None:
        self.title.setText(self.tr_("maint.counters.title"))
        counts = self.ctx.counters.all()
        counts["failsafes.since_start"] = self.ctx.failsafes.total
        lines = [f"{name}: {value}" for name, value in sorted(counts.items())]
        paper = self.ctx.devices.printer.store.paper_used_mm()
        lines.append(self.tr_("maint.counters.paper", mm=int(paper)))
        self.body.setText("\n".join(lines) if counts else self.tr_("maint.counters.none"))
