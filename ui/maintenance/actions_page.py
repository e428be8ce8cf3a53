"""Actions: reprint, restart, leave safe mode, and the only way out to the desktop."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Signal

from kiosk.app import AppContext
from ui.framework.maintenance_page import MaintenancePage
from ui.framework.screen import button, label

EXIT_RESTART = 75  # systemd restarts the unit (Restart=always)
EXIT_TO_DESKTOP = 64  # the unit's RestartPreventExitStatus: stay stopped


class ActionsPage(MaintenancePage):
    """Signals:
    exit_requested(int): quit the app with this exit code.
    safe_mode_cleared()
    """

    key = "actions"
    exit_requested = Signal(int)
    safe_mode_cleared = Signal()

    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx)
        self.jobs_title = label("", "caption")
        self.jobs = label("")
        self.jobs.setObjectName("maint_jobs")
        self.reprint = button(role="primary", name="maint_reprint")
        self.restart = button(name="maint_restart")
        self.desktop = button(name="maint_desktop")
        self.clear_safe = button(name="maint_clear_safe_mode")
        for w in (
            self.jobs_title,
            self.jobs,
            self.reprint,
            self.clear_safe,
            self.restart,
            self.desktop,
        ):
            self.layout_.addWidget(w)
        self.layout_.addStretch(1)
        self.reprint.clicked.connect(self._reprint)
        self.restart.clicked.connect(lambda: self._exit("restart", EXIT_RESTART))
        self.desktop.clicked.connect(lambda: self._exit("exit_to_desktop", EXIT_TO_DESKTOP))
        self.clear_safe.clicked.connect(self._clear_safe)
        self.refresh()

    def refresh(self) -> None:
        self.jobs_title.setText(self.tr_("maint.actions.recent"))
        self.reprint.setText(self.tr_("maint.actions.reprint"))
        self.restart.setText(self.tr_("maint.actions.restart"))
        self.desktop.setText(self.tr_("maint.actions.desktop"))
        self.clear_safe.setText(self.tr_("maint.actions.clear_safe_mode"))
        self.clear_safe.setVisible(self.ctx.safe_mode)
        jobs = self.ctx.devices.printer.recent_jobs(5)
        self.reprint.setEnabled(bool(jobs))
        self.jobs.setText(
            "\n".join(
                f"{datetime.fromtimestamp(j.created_at):%H:%M} "
                + self.tr_(
                    "maint.actions.job",
                    id=int(j.id),
                    title=j.title,
                    state=self.tr_(f"maint.job_state.{j.state.value}"),
                )
                for j in jobs
            )
            or self.tr_("maint.actions.no_jobs")
        )

    def _reprint(self) -> None:
        jobs = self.ctx.devices.printer.recent_jobs(1)
        if jobs:
            new = self.ctx.devices.printer.reprint(jobs[0].id)
            self.ctx.maintenance.action("reprint", job=int(jobs[0].id), new_job=int(new))
        self.refresh()

    def _exit(self, action: str, code: int) -> None:
        self.ctx.maintenance.action(action)
        self.exit_requested.emit(code)

    def _clear_safe(self) -> None:
        self.ctx.maintenance.action("clear_safe_mode")
        self.safe_mode_cleared.emit()
