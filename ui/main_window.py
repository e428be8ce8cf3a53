"""The kiosk's frameless main window: title, clock, a start prompt and device status."""

from __future__ import annotations

from PySide6.QtCore import QDateTime, Qt, QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMainWindow, QVBoxLayout, QWidget

from kiosk.i18n import tr

DEVICE_NAMES = ("camera", "scanner", "printer")


class MainWindow(QMainWindow):
    """The top-level window. Screens arrive with the shell; this frame holds them.

    Attributes:
        language: the current UI language (``zh_CN`` or ``en``).
    """

    def __init__(self, language: str = "zh_CN") -> None:
        super().__init__()
        self.language = language
        self.setObjectName("mainWindow")
        self.setWindowTitle(tr("app.title", language))
        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(48, 48, 48, 48)
        self.title = QLabel(tr("app.title", language))
        self.title.setObjectName("title")
        self.title.setWordWrap(True)
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.clock = QLabel()
        self.clock.setObjectName("clock")
        self.clock.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.prompt = QLabel(tr("attract.touch_to_start", language))
        self.prompt.setObjectName("prompt")
        self.prompt.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.title)
        layout.addWidget(self.clock)
        layout.addStretch(1)
        layout.addWidget(self.prompt)
        layout.addStretch(1)
        status_row = QHBoxLayout()
        self.device_labels: dict[str, QLabel] = {}
        for name in DEVICE_NAMES:
            label = QLabel()
            label.setObjectName(f"status_{name}")
            label.setWordWrap(True)
            self.device_labels[name] = label
            status_row.addWidget(label)
            self.set_device_health(name, "offline", "device.not_started")
        layout.addLayout(status_row)
        self.setCentralWidget(central)
        self.setStyleSheet(
            """
            #mainWindow { background: #F4F7FB; }
            QLabel { color: #1F2D3D; font-size: 32px; }
            #title { font-size: 56px; font-weight: bold; color: #0B4F9C; }
            #clock { font-size: 40px; color: #44546A; }
            #prompt { font-size: 64px; color: #0B4F9C; }
            QLabel[level="offline"] { color: #B3261E; }
            QLabel[level="degraded"] { color: #9A6700; }
            """
        )
        self._clock_timer = QTimer(self)
        self._clock_timer.setObjectName("clockTimer")
        self._clock_timer.timeout.connect(self._tick)
        self._clock_timer.start(1000)
        self._tick()

    def _tick(self) -> None:
        self.clock.setText(QDateTime.currentDateTime().toString("yyyy-MM-dd HH:mm:ss"))

    def set_device_health(self, name: str, level: str, reason: str) -> None:
        """Shows one device's state in plain words."""
        label = self.device_labels.get(name)
        if label is None:
            return
        text = f"{tr('device.' + name, self.language)}：{tr('health.' + level, self.language)}"
        if level != "ready":
            text += f"\n{tr(reason, self.language)}"
        label.setText(text)
        label.setProperty("level", level)
        label.style().unpolish(label)
        label.style().polish(label)

    def stop_timers(self) -> None:
        """Stops the window's timers (tests check that none is left running)."""
        self._clock_timer.stop()
