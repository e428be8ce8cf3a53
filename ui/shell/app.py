"""Starts the kiosk: configuration, logging, devices, the Qt application and its window.

The first attract frame comes first: the devices' threads and the fleet agent (with the
HTTP stack and python-tuf it imports on its own thread) start only once it is painted.

Under systemd (``Type=notify``) it reports ready after the first painted frame and pings
the watchdog from a timer on the GUI event loop, so a frozen GUI stops the pings and is
restarted. Three unclean exits within five minutes start it in safe mode.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

from kiosk.app import AppContext, build_context
from kiosk.platform.crash_guard import CrashGuard
from kiosk.platform.disk_space import disk_problem
from kiosk.platform.log_setup import setup_logging
from kiosk.platform.watchdog import SystemdNotifier
from ui.framework.text_entry.input_method import prepare_input_method
from ui.shell.window import Shell

if TYPE_CHECKING:
    from kiosk.fleet.agent import FleetAgent

log = logging.getLogger(__name__)

CLEAN_EXIT_CODES = {0, 64, 75}  # quit, exit to desktop, restart requested
# Starts what the first frame does not need even if no paint is reported (a hidden window).
LATE_START_FALLBACK_MS = 3000


def run_app(args: argparse.Namespace) -> int:
    """Runs the kiosk until it is quit; returns the exit code."""
    ctx = build_context(args.data_dir, args.site)
    config = ctx.config
    logs = config.logging
    setup_logging(ctx.data_dir / "logs", logs.level, logs.max_bytes, logs.backups)
    for problem in ctx.config_store.current.problems:
        log.error("configuration problem: %s", problem)
    guard = CrashGuard(ctx.data_dir / "crash" / "runs.json")
    ctx.safe_mode = guard.begin()
    if ctx.safe_mode:
        log.error("%d crashes in five minutes: starting in safe mode", guard.recent_crashes)
    full = disk_problem(ctx.data_dir)
    if full is not None:  # 暂停服务; maintenance still works
        log.error("%s: starting in safe mode", full)
        ctx.safe_mode = True
    prepare_input_method()  # Qt Virtual Keyboard's pinyin: chosen before the QApplication exists
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    shell = Shell(ctx, defer_features=True)
    shell.exit_requested.connect(app.exit)
    notifier = SystemdNotifier()
    agents: list[FleetAgent] = []

    def start_the_rest() -> None:
        steps = (
            shell.build_features,
            ctx.devices.start,
            lambda: agents.append(_start_fleet_agent(ctx, shell)),
        )
        for step in steps:
            try:
                step()
            except Exception:
                if full is not None:  # a full disk: safe mode stays up for the technician
                    log.exception("start-up step failed on a full disk; staying in safe mode")
                    continue
                # as fatal as when all this ran before the first frame: a crash, not a
                # half-built kiosk (the crash guard counts it)
                log.exception("start-up failed after the first frame")
                app.exit(1)
                return

    _watch(shell, app, notifier, args, after_first_paint=_once(start_the_rest))
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
    code = 1
    try:
        code = app.exec()
        return code
    finally:
        notifier.stopping()
        for agent in agents:
            agent.stop()
        shell.shutdown()
        ctx.close()
        if code in CLEAN_EXIT_CODES:
            guard.end_clean()
        notifier.close()
        log.info("kiosk exits with %d", code)


def _start_fleet_agent(ctx: AppContext, shell: Shell) -> FleetAgent:
    """Builds and starts the fleet agent. It polls on its own thread; a change that needs
    a restart waits for the end of the current session (the shell decides when)."""
    from kiosk.fleet.agent import FleetAgent

    agent = FleetAgent(
        ctx.config.fleet,
        ctx.config_store,
        data_dir=ctx.data_dir,
        on_restart_needed=lambda request: shell.runner.delivery.post(
            lambda: shell.restart_between_sessions(request.reason)
        ),
        devices=ctx.devices.all,
        failsafe=ctx.failsafes,
        crash_guard_path=ctx.data_dir / "crash" / "runs.json",
        counters=ctx.counters.all,
        paper=lambda: str(ctx.devices.printer.status()),
    )
    shell.bridge.watch_health(agent)
    agent.start()
    return agent


def _once(action: Callable[[], None]) -> Callable[[], None]:
    """``action``, run at most once however often the result is called."""
    done = False

    def run() -> None:
        nonlocal done
        if not done:
            done = True
            action()

    return run


def _watch(
    shell: Shell,
    app: QApplication,
    notifier: SystemdNotifier,
    args: argparse.Namespace,
    *,
    after_first_paint: Callable[[], None],
) -> None:
    """Readiness, the start of what the first frame does not need, watchdog pings, and
    signals."""

    def first_paint() -> None:
        notifier.ready("attract screen shown")
        if getattr(args, "report_first_paint", False):
            print(f"first-paint {time.monotonic():.6f}", flush=True)
        # after this paint has reached the screen, not inside it
        QTimer.singleShot(0, after_first_paint)

    shell.attract.first_painted.connect(first_paint)
    if shell.ctx.safe_mode:
        QTimer.singleShot(0, first_paint)
    QTimer.singleShot(LATE_START_FALLBACK_MS, after_first_paint)
    interval = notifier.ping_interval_ms()
    if interval:
        ping = QTimer(shell)
        ping.setObjectName("watchdogPing")
        ping.timeout.connect(notifier.ping)
        ping.start(interval)
    # systemd stops us with SIGTERM: quit cleanly (a clean exit is not a crash).
    signal.signal(signal.SIGTERM, lambda *_: app.quit())
    signal.signal(signal.SIGINT, lambda *_: app.quit())
    if os.environ.get("KIOSK_WATCHDOG_SELFTEST") == "1":
        # For the watchdog test and for technicians checking a unit file: SIGUSR1 blocks
        # the GUI thread for 6 s, as a hung screen would, saying when it starts and ends.
        def freeze(*_: object) -> None:
            notifier.notify("STATUS=frozen")
            time.sleep(6)
            notifier.notify("STATUS=thawed")

        signal.signal(signal.SIGUSR1, freeze)
    # Python runs signal handlers only between bytecodes: the shell's tick timer provides them.
