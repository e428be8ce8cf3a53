"""Home: one large tile per service, language, elder mode, voice replay and help."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QGridLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from kiosk.framework.catalog import Availability, ServiceInfo
from kiosk.framework.i18n import has_translation
from ui.framework import icons, theme
from ui.framework.screen import Screen, button, column, label


class Tile(QPushButton):
    """A service tile: the service's icon, a big title and a smaller line beneath (what it
    is, or why it is off)."""

    def __init__(self, name: str, icon: str = "") -> None:
        super().__init__()
        self.setObjectName(name)
        self.icon_name = icon
        self.elder = False
        self.full_title = ""
        self.setProperty("role", "tile")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMaximumHeight(560)
        inner = QVBoxLayout(self)
        inner.setContentsMargins(24, 16, 24, 16)  # room for two lines of elder type
        inner.addStretch(1)
        self.icon_label = QLabel()
        self.icon_label.setObjectName(f"{name}_icon")
        self.icon_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title = label("", "tile_title", center=True)
        self.subtitle = label("", "muted", center=True)
        for part in (self.icon_label, self.title, self.subtitle):
            part.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
            inner.addWidget(part)
        inner.addStretch(1)
        theme.elevate(self, 1)
        self._draw_icon()

    def set_elder(self, elder: bool) -> None:
        """A larger icon in elder mode."""
        self.elder = elder
        self._draw_icon()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_title()

    def _fit_title(self) -> None:
        """A Chinese title too wide for the tile breaks into two balanced lines (证件照 /
        自助拍摄), never with one character left alone on the second line."""
        title = self.full_title
        room = self.width() - 2 * 24 - 16
        wide = self.title.fontMetrics().horizontalAdvance(title) > room
        if wide and len(title) >= 4 and " " not in title:
            half = len(title) // 2
            self.title.setText(f"{title[:half]}\n{title[half:]}")
        else:
            self.title.setText(title)

    def _draw_icon(self) -> None:
        if not self.icon_name:
            self.icon_label.hide()
            return
        size = round(theme.metrics(self.elder).icon_large * 0.6)
        color = theme.PRIMARY if self.isEnabled() else theme.DISABLED_TEXT
        self.icon_label.setPixmap(icons.pixmap(self.icon_name, size, color))

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.EnabledChange:
            # the parts' colours follow their own :disabled state; polish them again so a
            # tile that comes on redraws at once, and redraw the icon in the state's colour
            for part in (self.title, self.subtitle):
                part.style().unpolish(part)
                part.style().polish(part)
            self._draw_icon()

    def set_texts(self, title: str, subtitle: str) -> None:
        """Sets both lines; the accessible name carries both for screen readers."""
        self.full_title = title
        self._fit_title()
        self.subtitle.setText(subtitle)
        self.subtitle.setVisible(bool(subtitle))
        self.setAccessibleName(f"{title} {subtitle}".strip())


class HomeScreen(Screen):
    """The service menu.

    Signals:
        service_chosen(str): a service id.
        language_toggled(), elder_toggled(), help_requested(), replay_requested()
    """

    name = "home"
    prompt_key = "home.prompt"
    service_chosen = Signal(str)
    language_toggled = Signal()
    elder_toggled = Signal()
    help_requested = Signal()
    replay_requested = Signal()

    def __init__(self, services: Sequence[ServiceInfo], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = tuple(services)
        self.elder = False
        self.landscape = False
        self.availability: dict[str, Availability] = {
            s.id: Availability(False, "service.not_built") for s in self.services
        }
        layout = column(self, (48, 48), 32)
        self.bar = QGridLayout()
        self.bar.setSpacing(16)
        self.language_button = button(name="language")
        self.elder_button = button(name="elder")
        self.replay_button = button(name="replay")
        self.help_button = button(role="primary", name="help")
        layout.addLayout(self.bar)
        self.title = label("", "title", center=True)
        layout.addWidget(self.title)
        self.grid = QGridLayout()
        self.grid.setSpacing(32)
        self.tiles: dict[str, Tile] = {}
        for service in self.services:
            tile = Tile(f"tile_{service.id}", service.id if service.id in icons.GLYPHS else "")
            tile.clicked.connect(lambda _=False, sid=service.id: self.service_chosen.emit(sid))
            self.tiles[service.id] = tile
        layout.addLayout(self.grid, 1)
        self._place_tiles()
        self._draw_icons()
        self.language_button.clicked.connect(self.language_toggled)
        self.elder_button.clicked.connect(self.elder_toggled)
        self.help_button.clicked.connect(self.help_requested)
        self.replay_button.clicked.connect(self.replay_requested)
        self._apply_texts()

    def _place_bar(self) -> None:
        buttons = (self.language_button, self.elder_button, self.replay_button, self.help_button)
        for b in buttons:
            self.bar.removeWidget(b)
        for c in range(5):
            self.bar.setColumnStretch(c, 0)
        if self.elder and not self.landscape:
            # Large text does not fit four buttons across a portrait screen: two rows.
            for i, b in enumerate(buttons):
                self.bar.addWidget(b, i // 2, i % 2)
            self.bar.setColumnStretch(0, 1)
            self.bar.setColumnStretch(1, 1)
        else:
            for i, b in enumerate(buttons[:3]):
                self.bar.addWidget(b, 0, i)
            self.bar.setColumnStretch(3, 1)
            self.bar.addWidget(self.help_button, 0, 4)

    def _place_tiles(self) -> None:
        self._place_bar()
        for tile in self.tiles.values():
            self.grid.removeWidget(tile)
        # Elder mode: fewer, bigger items per row; landscape has room for more columns. Past
        # four services, elder tiles go two (portrait) or three (landscape) across so that
        # they still fit the screen's height.
        many = len(self.services) > 4
        if self.landscape:
            columns = (3 if many else 2) if self.elder else 4
        else:
            columns = (2 if many else 1) if self.elder else 2
        for i, service in enumerate(self.services):
            self.grid.addWidget(self.tiles[service.id], i // columns, i % columns)
        rows = (len(self.services) + columns - 1) // columns
        for r in range(len(self.services)):
            self.grid.setRowStretch(r, 1 if r < rows else 0)

    def set_landscape(self, landscape: bool) -> None:
        """Lays the tiles out for the screen's orientation."""
        if landscape != self.landscape:
            self.landscape = landscape
            self._place_tiles()

    def set_elder(self, elder: bool) -> None:
        self.elder = elder
        self._place_tiles()
        self._draw_icons()
        self._apply_texts()

    def _draw_icons(self) -> None:
        size = theme.metrics(self.elder).icon
        for b, name in (
            (self.language_button, "language"),
            (self.elder_button, "elder"),
            (self.replay_button, "repeat"),
        ):
            icons.set_icon(b, name, size)
        icons.set_icon(self.help_button, "help", size, theme.ON_PRIMARY)
        for tile in self.tiles.values():
            tile.set_elder(self.elder)

    def set_availability(self, availability: dict[str, Availability]) -> None:
        """Enables or disables each tile, with the reason on a disabled one."""
        self.availability = dict(availability)
        self._apply_texts()

    def _apply_texts(self) -> None:
        self.title.setText(self.tr_("home.title"))
        self.language_button.setText(self.tr_("home.language"))
        self.elder_button.setText(self.tr_("home.elder_off" if self.elder else "home.elder_on"))
        self.replay_button.setText(self.tr_("home.replay"))
        self.help_button.setText(self.tr_("home.help"))
        for service in self.services:
            tile = self.tiles[service.id]
            state = self.availability.get(service.id, Availability(False, "service.not_built"))
            if state.enabled:
                subtitle = "" if self.elder else self.tr_(service.subtitle_key)
            else:
                short = state.reason_key + ".short"
                reason = short if has_translation(short, self.language) else state.reason_key
                subtitle = self.tr_("service.paused", reason=self.tr_(reason))
            tile.set_texts(self.tr_(service.title_key), subtitle)
            tile.setEnabled(state.enabled)
