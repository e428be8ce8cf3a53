"""Starts the kiosk: configuration, logging, devices, the Qt application and its window."""

from __future__ import annotations

import argparse
import logging
import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from kiosk.config_loader import load_config
from kiosk.device_set import build_devices
from kiosk.log_setup import setup_logging
from kiosk.paths import config_paths
from ui.device_bridge import DeviceBridge
from ui.main_window import MainWindow

log = logging.getLogger(__name__)


def run_app(args: argparse.Namespace) -> int:
    """Runs the kiosk until it is quit; returns the exit code."""
    paths = config_paths(args.data_dir, args.site)
    loaded = load_config(paths)
    config = loaded.config
    setup_logging(paths.data_dir / "logs", config.logging.level, config.logging.max_bytes, config.logging.backups)
    for problem in loaded.problems:
        log.error("configuration problem: %s", problem)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    devices = build_devices(config, paths.data_dir)
    window = MainWindow(config.terminal.language)
    bridge = DeviceBridge()
    bridge.health_changed.connect(window.set_device_health)
    for device in devices.all().values():
        bridge.watch_health(device)
    bridge.watch_scanner(devices.scanner)
    devices.start()
    if args.windowed or args.size:
        if args.size:
            w, h = (int(v) for v in args.size.lower().split("x"))
            window.resize(w, h)
        window.show()
    else:
        from PySide6.QtCore import Qt

        window.setWindowFlag(Qt.WindowType.FramelessWindowHint, True)
        window.showFullScreen()
    if args.quit_after:
        def finish() -> None:
            if args.screenshot:
                # the whole screen as the window system shows it, not just our widget tree
                window.screen().grabWindow(0).save(args.screenshot)
            app.quit()

        QTimer.singleShot(int(args.quit_after * 1000), finish)
    try:
        return app.exec()
    finally:
        window.stop_timers()
        devices.stop()
