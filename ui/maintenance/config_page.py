"""Configuration: what is in force and where each value came from, plus the few safe
technician overrides (validated like any other configuration)."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QGridLayout

from kiosk.app import AppContext
from kiosk.platform.config_loader import leaf_keys
from ui.framework.maintenance_page import MaintenancePage, scrolling_text
from ui.framework.screen import button, label

OVERRIDES: tuple[tuple[str, str, list[Any]], ...] = (
    ("maint.config.volume", "ui.volume", list(range(0, 101, 10))),
    ("maint.config.paper", "devices.printer.paper_width_mm", [58, 80]),
    ("maint.config.idle", "ui.idle_timeout_s.home", [20, 30, 45, 60, 90, 120, 180, 300]),
)


def _get(data: dict[str, Any], dotted: str) -> Any:
    if dotted == "ui.idle_timeout_s.home":  # a site may set only the default: it applies
        timeouts = data["ui"]["idle_timeout_s"]
        return timeouts.get("home", timeouts["default"])
    node: Any = data
    for part in dotted.split("."):
        node = node[part]
    return node


class ConfigPage(MaintenancePage):
    """The effective configuration with origins, and the technician overrides."""

    key = "config"

    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx)
        self.version = label("", "caption")
        self.version.setObjectName("maint_config_version")
        self.overrides_title = label("", "caption")
        grid = QGridLayout()
        self.override_labels: dict[str, Any] = {}
        for row, (title_key, dotted, choices) in enumerate(OVERRIDES):
            name = label("")
            value = label("", "title")
            value.setObjectName(f"override_{dotted}")
            minus = button("−", name=f"override_{dotted}_minus")
            plus = button("+", name=f"override_{dotted}_plus")
            minus.clicked.connect(lambda _=False, d=dotted, c=choices: self._step(d, c, -1))
            plus.clicked.connect(lambda _=False, d=dotted, c=choices: self._step(d, c, +1))
            grid.addWidget(name, row, 0)
            grid.addWidget(minus, row, 1)
            grid.addWidget(value, row, 2)
            grid.addWidget(plus, row, 3)
            self.override_labels[dotted] = (title_key, name, value)
        self.message = label("")
        self.message.setObjectName("maint_config_message")
        self.effective_title = label("", "caption")
        self.area, self.text = scrolling_text("maint_config_effective")
        self.layout_.addWidget(self.version)
        self.layout_.addWidget(self.overrides_title)
        self.layout_.addLayout(grid)
        self.layout_.addWidget(self.message)
        self.layout_.addWidget(self.effective_title)
        self.layout_.addWidget(self.area, 1)
        self.refresh()

    def refresh(self) -> None:
        loaded = self.ctx.config_store.current
        config = loaded.config.model_dump(mode="json")
        self.version.setText(self.tr_("maint.config.version", version=loaded.config.config_version))
        self.overrides_title.setText(self.tr_("maint.config.overrides"))
        self.effective_title.setText(self.tr_("maint.config.effective"))
        for dotted, (title_key, name, value) in self.override_labels.items():
            name.setText(self.tr_(title_key))
            value.setText(str(_get(config, dotted)))
        lines = [
            f"{key} = {_get(config, key)!r}  ← {loaded.origins.get(key, 'built-in')}"
            for key in leaf_keys(config)
            if "pin" not in key  # never show a PIN, even the demo one
        ]
        self.text.setText("\n".join(lines))  # type: ignore[attr-defined]

    def _step(self, dotted: str, choices: list[Any], direction: int) -> None:
        current = _get(self.ctx.config_store.current.config.model_dump(mode="json"), dotted)
        index = min(range(len(choices)), key=lambda i: abs(choices[i] - current))
        new = choices[max(0, min(len(choices) - 1, index + direction))]
        if dotted == "ui.idle_timeout_s.home":
            timeouts = dict(self.ctx.config.ui.idle_timeout_s)
            timeouts["home"] = float(new)
            problems = self.ctx.config_store.set_technician_override("ui.idle_timeout_s", timeouts)
        else:
            problems = self.ctx.config_store.set_technician_override(dotted, new)
        if problems:
            self.message.setText(self.tr_("maint.config.refused", problem=str(problems[0])))
        else:
            self.ctx.maintenance.action("override", key=dotted, value=new)
            self.message.setText(self.tr_("maint.config.saved", setting=dotted, value=new))
        self.refresh()
