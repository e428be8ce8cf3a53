"""Starts the kiosk: configuration, logging, devices, the Qt application and its window."""

from __future__ import annotations

import argparse
import logging
import sys
import time

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

from kiosk.app_context import build_context
from kiosk.log_setup import setup_logging
from ui.shell import Shell

log = logging.getLogger(__name__)


def run_app(args: argparse.Namespace) -> int:
    """Runs the kiosk until it is quit; returns the exit code."""
    ctx = build_context(args.data_dir, args.site)
    config = ctx.config
    setup_logging(
        ctx.data_dir / "logs",
        config.logging.level,
        config.logging.max_bytes,
        config.logging.backups,
    )
    for problem in ctx.config_store.current.problems:
        log.error("configuration problem: %s", problem)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    ctx.devices.start()
    shell = Shell(ctx)
    if getattr(args, "report_first_paint", False):
        shell.attract.first_painted.connect(
            lambda: print(f"first-paint {time.monotonic():.6f}", flush=True)
        )
    if args.windowed or args.size:
        if args.size:
            w, h = (int(v) for v in args.size.lower().split("x"))
            shell.resize(w, h)
        shell.show()
    else:
        # Frameless and sized to the screen: fullscreen then holds with or without a window
        # manager (a locked-down session may run none).
        shell.setWindowFlag(Qt.WindowType.FramelessWindowHint, True)
        shell.setGeometry(shell.screen().geometry())
        shell.showFullScreen()
    if args.quit_after:

        def finish() -> None:
            if args.screenshot:
                # the whole screen as the window system shows it, not just our widget tree
                shell.screen().grabWindow(0).save(args.screenshot)
            app.quit()

        QTimer.singleShot(int(args.quit_after * 1000), finish)
    try:
        return app.exec()
    finally:
        shell.shutdown()
        ctx.close()
