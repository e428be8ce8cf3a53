"""Logs: the audit trail and the application's recent log entries (already masked)."""

from __future__ import annotations

from kiosk.app import AppContext
from kiosk.platform.diag_report import recent_log_entries
from ui.framework.maintenance_page import MaintenancePage, scrolling_text
from ui.framework.screen import label


class LogsPage(MaintenancePage):
    """Recent entries, newest last."""

    key = "logs"

    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx)
        self.audit_title = label("", "caption")
        self.audit_area, self.audit_text = scrolling_text("maint_audit")
        self.log_title = label("", "caption")
        self.log_area, self.log_text = scrolling_text("maint_log")
        for w in (self.audit_title, self.audit_area, self.log_title, self.log_area):
            self.layout_.addWidget(w)
        self.refresh()

    def refresh(self) -> None:
        self.audit_title.setText(self.tr_("maint.logs.audit"))
        self.log_title.setText(self.tr_("maint.logs.app"))
        audit = self.ctx.maintenance.audit.read_recent(30)
        self.audit_text.setText(  # type: ignore[attr-defined]
            "\n".join(
                f"{e.get('at', '')} {e.get('event', '')} "
                + " ".join(f"{k}={v}" for k, v in e.items() if k not in ("at", "event"))
                for e in audit
            )
        )
        entries = recent_log_entries(
            self.ctx.data_dir / "logs" / "kiosk.log", 40, ("INFO", "WARNING", "ERROR")
        )
        self.log_text.setText(  # type: ignore[attr-defined]
            "\n".join(
                f"{e.get('at', '')[11:19]} {e.get('level', '')} {e.get('msg', '')}" for e in entries
            )
        )
