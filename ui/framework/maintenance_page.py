"""What every maintenance page has."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QScrollArea, QWidget

from devices.scan_payload import PayloadKind
from kiosk.app import AppContext
from kiosk.framework.i18n import tr
from ui.framework.screen import label
from ui.framework.widgets.scroll_area import TouchScroll, scrolling_column


class MaintenancePage(QWidget):
    """One page; ``refresh()`` runs whenever the page is shown or the shell ticks."""

    key = ""
    claims: frozenset[PayloadKind] = frozenset()  # scans this page takes while it is up

    def scanned(self, text: str) -> None:
        """A scan of a claimed kind while the maintenance screen is up."""

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.language = "zh_CN"
        self.setObjectName(f"maint_page_{self.key}")
        _, self.layout_, self.content_area = scrolling_column(self, f"maint_{self.key}_scroll", 16)

    def tr_(self, key: str, **fields: object) -> str:
        """Translates into the page's language."""
        return tr(key, self.language, **fields)

    def retranslate(self, language: str) -> None:
        """Redraws every text in ``language``."""
        self.language = language
        self.refresh()

    def refresh(self) -> None:
        """Re-reads what the page shows."""

    def tick(self) -> None:
        """Called by the shell's timer while the page is visible."""


def scrolling_text(name: str) -> tuple[QScrollArea, QWidget]:
    """A touch-scrollable area holding one wrapped label; returns (area, label)."""
    text = label("", "muted")
    text.setObjectName(f"{name}_text")
    text.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
    return TouchScroll(text, name), text
