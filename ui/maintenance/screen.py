"""The maintenance screen: a row of tabs, the page, and the way out."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QPushButton,
    QStackedWidget,
    QWidget,
)

from devices.scan_payload import ScanEvent
from kiosk.app import AppContext
from ui.framework.maintenance_page import MaintenancePage
from ui.framework.screen import Screen, button, column, label
from ui.maintenance.actions_page import ActionsPage
from ui.maintenance.config_page import ConfigPage
from ui.maintenance.counters_page import CountersPage
from ui.maintenance.devices_page import DevicesPage
from ui.maintenance.logs_page import LogsPage
from ui.maintenance.network_page import NetworkPage


class MaintenanceScreen(Screen):
    """Technicians' pages: devices, logs, configuration, counters, network, actions.

    Signals:
        exit_requested(): leave maintenance mode.
    """

    name = "maintenance"
    prompt_key = "maint.prompt"
    exit_requested = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        outer = column(self, (32, 32), 16)
        top = QHBoxLayout()
        self.title = label("", "title")
        self.exit_button = button(role="primary", name="maint_exit")
        self.exit_button.clicked.connect(self.exit_requested)
        top.addWidget(self.title, 1)
        top.addWidget(self.exit_button)
        outer.addLayout(top)
        self.devices = DevicesPage(ctx)
        self.logs = LogsPage(ctx)
        self.config = ConfigPage(ctx)
        self.counters = CountersPage(ctx)
        self.network = NetworkPage(ctx)
        self.actions_page = ActionsPage(ctx)
        self.pages: list[MaintenancePage] = [
            self.devices,
            self.logs,
            self.config,
            self.counters,
            self.network,
            self.actions_page,
        ]
        self.tabs = QGridLayout()
        self.tabs.setSpacing(12)
        self.tab_buttons: dict[str, QPushButton] = {}
        outer.addLayout(self.tabs)
        self.stack = QStackedWidget()
        for page in list(self.pages):
            self._add_tab(page)
        outer.addWidget(self.stack, 1)
        self._apply_texts()
        self.show_page("devices")

    def _add_tab(self, page: MaintenancePage) -> None:
        i = len(self.tab_buttons)
        b = button(name=f"maint_tab_{page.key}")
        b.setCheckable(True)
        b.clicked.connect(lambda _=False, key=page.key: self.show_page(key))
        self.tab_buttons[page.key] = b
        self.tabs.addWidget(b, i // 4, i % 4)
        self.stack.addWidget(page)

    def scanned(self, event: ScanEvent) -> None:
        """A scan while the screen is up goes to the first page that claims its kind."""
        for page in self.pages:
            if event.kind in page.claims:
                self.show_page(page.key)
                page.scanned(event.text)
                return

    def add_page(self, page: MaintenancePage) -> None:
        """Adds a page that needs more than the context (e.g. a service)."""
        self.pages.append(page)
        self._add_tab(page)
        self._apply_texts()

    @property
    def page(self) -> MaintenancePage:
        """The page on show."""
        widget = self.stack.currentWidget()
        assert isinstance(widget, MaintenancePage)
        return widget

    def show_page(self, key: str) -> None:
        """Shows one page and refreshes it."""
        for page in self.pages:
            if page.key == key:
                self.stack.setCurrentWidget(page)
                page.refresh()
            self.tab_buttons[page.key].setChecked(page.key == key)
        self.ctx.maintenance.activity()

    def _apply_texts(self) -> None:
        self.title.setText(self.tr_("maint.title"))
        self.exit_button.setText(self.tr_("maint.exit"))
        for page in self.pages:
            self.tab_buttons[page.key].setText(self.tr_(f"maint.tab.{page.key}"))
            page.retranslate(self.language)

    def tick(self) -> None:
        """Live updates for the visible page (device status, camera preview)."""
        self.page.tick()

    def shutdown(self) -> None:
        """Waits for a running network check."""
        self.network.wait()
