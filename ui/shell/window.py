"""The kiosk's main window and the controller that moves between screens.

It owns no business rules: sessions, flows and availability are decided in ``kiosk``; the
shell shows them, turns touches and scans into events, and speaks each screen's prompt.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtGui import QMouseEvent, QResizeEvent, QTouchEvent
from PySide6.QtWidgets import QApplication, QMainWindow, QStackedWidget

from devices.scan_payload import PayloadKind, ScanEvent, ScanRejected
from kiosk.app import AppContext
from kiosk.framework.catalog import Availability, availability
from kiosk.framework.flow import FAILSAFE, Flow
from kiosk.framework.i18n import tr
from kiosk.framework.session import EndReason, Session, SessionPhase
from kiosk.maintenance.corner_taps import CornerTapDetector
from kiosk.platform.disk_space import DiskWatch
from ui.framework.device_bridge import DeviceBridge
from ui.framework.overlays import HelpOverlay, IdleWarning, Overlay, Toast
from ui.framework.qt_runner import QtRunner
from ui.framework.screen import Screen
from ui.framework.theme import stylesheet
from ui.shell.attract import AttractScreen
from ui.shell.safe_mode import SafeModeScreen

if TYPE_CHECKING:
    from devices.receipt.document import Receipt
    from ui.framework.feature import Feature, FeatureFactory
    from ui.framework.maintenance_page import MaintenancePage

    # imported by build_features(): the first attract frame waits for none of them
    from ui.maintenance.pin_pad import PinPadScreen
    from ui.maintenance.screen import MaintenanceScreen
    from ui.shell.failsafe import FailsafeScreen
    from ui.shell.home import HomeScreen

log = logging.getLogger(__name__)

_TOUCH_EVENTS = {QEvent.Type.MouseButtonPress, QEvent.Type.TouchBegin}

#: the quiet countdown in a screen's header shows in the last this many seconds before the
#: idle warning, so the warning never comes as a surprise
IDLE_COUNTDOWN_S = 15.0


class Shell(QMainWindow):
    """The frameless kiosk window.

    Signals:
        screen_did_change(str): the name of the screen now shown.

    Attributes:
        language: current language; back to the configured default when a session ends.
        elder: whether elder mode (larger text and targets, voice on) is on.
    """

    screen_did_change = Signal(str)
    exit_requested = Signal(int)

    # made by build_features()
    home: HomeScreen
    failsafe: FailsafeScreen
    pin_pad: PinPadScreen
    maintenance: MaintenanceScreen

    def __init__(
        self,
        ctx: AppContext,
        *,
        tick_ms: int = 250,
        features: Sequence[FeatureFactory] | None = None,
        defer_features: bool = False,
    ) -> None:
        """``defer_features``: build only the start screen now; the home, apology and
        maintenance screens and every feature come with :meth:`build_features`, which the
        app calls once the first frame is painted (and anything that needs them calls
        first)."""
        super().__init__()
        self.ctx = ctx
        config = ctx.config
        self.setObjectName("shell")
        self.language: str = config.terminal.language
        self.elder = False
        self.restart_pending = ""
        self.flow: Flow[Any] | None = None
        self._attached: weakref.WeakSet[Flow[Any]] = weakref.WeakSet()
        self.stack = QStackedWidget()
        self.setCentralWidget(self.stack)
        self.hint = config.ui.staff_hint
        self.features_built = False
        self._feature_factories = features
        self.attract = AttractScreen(ctx.scheduler, ctx.content, ctx.clock)
        self.safe_mode = SafeModeScreen(self.hint)
        # a disk that fills while the kiosk runs: safe mode between sessions, until there is
        # room again (the start-up check is ui.shell.app's)
        self.disk_watch = DiskWatch(ctx.data_dir)
        self._safe_for_disk = False
        self.screens: dict[str, Screen] = {}
        self.add_screen(self.attract)
        self.add_screen(self.safe_mode)
        m = config.maintenance
        self.corner_taps = CornerTapDetector(m.corner, m.corner_size_px, m.taps, m.taps_window_s)
        self.runner = QtRunner(self)
        self.toast = Toast(self)
        self.features: dict[str, Feature] = {}
        self.idle_countdown_s = IDLE_COUNTDOWN_S
        self._countdown_on: Screen | None = None  # the screen showing the idle countdown
        self.idle_warning = IdleWarning(self)
        self.help = HelpOverlay(self, self.hint)
        self.overlays: list[Overlay] = [self.idle_warning, self.help]
        self.help.closed.connect(self.close_help)
        self.idle_warning.keep_going.connect(self.ctx.sessions.activity)
        self.idle_warning.finish.connect(lambda: self.end_session(EndReason.CANCELLED))

        sessions = ctx.sessions
        sessions.session_will_warn.append(self._on_warn)
        sessions.session_did_extend.append(self._on_extend)
        sessions.session_did_end.append(self._on_session_end)
        self.bridge = DeviceBridge(self)

        self.apply_theme()
        self.retranslate()
        if not defer_features:
            self.build_features()
        self.show_screen(self.start_screen)
        self.tick()

        self.tick_timer = QTimer(self)
        self.tick_timer.setObjectName("shellTick")
        self.tick_timer.timeout.connect(self.tick)
        if tick_ms > 0:
            self.tick_timer.start(tick_ms)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    def build_features(self) -> None:
        """Builds the home, apology and maintenance screens and every feature, and starts
        following the devices. Runs once; later calls do nothing."""
        if self.features_built:
            return
        self.features_built = True
        from ui.maintenance.pin_pad import PinPadScreen
        from ui.maintenance.screen import MaintenanceScreen
        from ui.shell.failsafe import FailsafeScreen
        from ui.shell.home import HomeScreen

        ctx = self.ctx
        self.failsafe = FailsafeScreen(self.hint)
        self.pin_pad = PinPadScreen()
        self.maintenance = MaintenanceScreen(ctx)
        for screen in (self.failsafe, self.pin_pad, self.maintenance):
            self.add_screen(screen)
        features = self._feature_factories
        if features is None:
            from ui.features import all_features

            features = all_features()
        # Each feature adds its screens and maintenance pages through the Host interface.
        for make in features:
            try:
                feature = make(self)
            except Exception:
                if not ctx.safe_mode:
                    raise
                # safe mode (e.g. a full disk): no service is offered anyway, and the PIN
                # pad and maintenance wired below must still work
                log.exception("a feature could not be built; left out in safe mode")
                continue
            self.features[feature.service_id] = feature
        ctx.built_services.update(self.features)
        self.home = HomeScreen([f.service for f in self.features.values()])
        self.add_screen(self.home)
        self.home.set_landscape(self.width() > self.height())

        self.home.language_toggled.connect(self.toggle_language)
        self.home.elder_toggled.connect(lambda: self.set_elder(not self.elder))
        self.home.help_requested.connect(self.show_help)
        self.home.replay_requested.connect(self.speak_prompt)
        self.home.service_chosen.connect(self.choose_service)
        self.failsafe.home_requested.connect(self._failsafe_home)
        self.pin_pad.submitted.connect(self.submit_pin)
        self.pin_pad.cancelled.connect(self.back_to_start)
        self.maintenance.exit_requested.connect(lambda: self.leave_maintenance("exit"))
        self.maintenance.actions_page.exit_requested.connect(self.exit_requested)
        self.maintenance.actions_page.safe_mode_cleared.connect(self.clear_safe_mode)

        self.bridge.health_changed.connect(self._on_health)
        self.bridge.scanned.connect(self._on_scan)
        self.bridge.scan_rejected.connect(self._on_scan_rejected)
        for device in ctx.devices.all().values():
            self.bridge.watch_health(device)
        self.bridge.watch_health(ctx.failsafes)
        self.bridge.watch_health(ctx.scheduler)
        self.bridge.watch_scanner(ctx.devices.scanner)
        ctx.scheduler.check_media()  # hashes every medium: not before the first frame
        self.retranslate()
        self.refresh_availability()

    # -- screens ------------------------------------------------------------------------------
    @property
    def start_screen(self) -> str:
        """Where the kiosk rests: the attract loop, or "service paused" in safe mode."""
        return "safe_mode" if self.ctx.safe_mode else "attract"

    def add_screen(self, screen: Screen) -> None:
        """Adds a screen to the stack (service issues add theirs)."""
        self.screens[screen.name] = screen
        self.stack.addWidget(screen)

    def add_maintenance_page(self, page: MaintenancePage) -> None:
        """Adds a feature's page to the maintenance screen."""
        self.maintenance.add_page(page)

    def notify(self, key: str, **fields: object) -> None:
        """A short translated notice over the screen."""
        self.toast.show_text(tr(key, self.language, **fields), self.ctx.clock.monotonic())

    @property
    def current(self) -> Screen:
        """The screen on show."""
        widget = self.stack.currentWidget()
        assert isinstance(widget, Screen)
        return widget

    def show_screen(self, name: str) -> None:
        """Shows a screen by name, applies its idle timeout and speaks its prompt."""
        if name not in self.screens:
            self.build_features()
        screen = self.screens[name]
        if screen is not self.attract:
            self.attract.stop()  # no video behind a resident's screen
        self.stack.setCurrentWidget(screen)
        self.ctx.sessions.set_screen(name)
        self.screen_did_change.emit(name)
        if self.voice_on():
            self.speak_prompt()

    def voice_on(self) -> bool:
        """Voice prompts play in elder mode, and in standard mode if configured."""
        return self.elder or self.ctx.config.ui.voice_in_standard_mode

    def speak_prompt(self) -> None:
        """Speaks the prompt of whatever is on top: an overlay, else the screen."""
        text = ""
        if self.idle_warning.isVisible():
            text = tr(IdleWarning.prompt_key, self.language)
        elif self.help.isVisible():
            text = tr(HelpOverlay.prompt_key, self.language)
        else:
            text = self.current.prompt_text()
        if text:
            self.ctx.voice.say(text, self.language)

    # -- language, elder mode, theme ----------------------------------------------------------
    def toggle_language(self) -> None:
        """Switches between 简体中文 and English."""
        self.set_language("en" if self.language == "zh_CN" else "zh_CN")

    def set_language(self, language: str) -> None:
        """Redraws every screen and overlay in ``language``."""
        self.language = language
        self.retranslate()
        if self.voice_on():
            self.speak_prompt()

    def retranslate(self) -> None:
        """Applies the current language everywhere."""
        for screen in self.screens.values():
            screen.retranslate(self.language)
        for overlay in self.overlays:
            overlay.retranslate(self.language)
        self.setWindowTitle(tr("app.title", self.language))

    def set_elder(self, elder: bool) -> None:
        """Turns elder mode on or off: larger text and targets, fewer items, voice on."""
        self.elder = elder
        self.apply_theme()
        for screen in self.screens.values():
            screen.set_elder(elder)
        if elder:
            self.speak_prompt()
        else:
            self.ctx.voice.stop()

    def apply_theme(self) -> None:
        """Applies the stylesheet for the current mode."""
        self.setStyleSheet(stylesheet(self.elder, self.ctx.config.ui.elder_scale))

    # -- sessions -----------------------------------------------------------------------------
    def start_session(self, trigger: str) -> Session:
        """Starts a session and leaves the attract screen."""
        fresh = not self.ctx.sessions.active
        session = self.ctx.sessions.start(trigger)
        if fresh:
            self.ctx.counters.add("sessions")
        if self.current is self.attract:
            self.show_screen("home")
        return session

    def end_session(self, reason: EndReason) -> None:
        """Ends the session; ``_on_session_end`` clears the screens."""
        self.ctx.sessions.end(reason)

    def _on_warn(self, _session: Session) -> None:
        self.help.hide()
        self.idle_warning.set_remaining(self.ctx.sessions.warning_remaining())
        self.idle_warning.cover()
        if self.voice_on():
            self.speak_prompt()

    def _on_extend(self, _session: Session) -> None:
        self.idle_warning.hide()

    def _on_session_end(self, _session: Session, reason: EndReason) -> None:
        for screen in self.screens.values():
            screen.wipe()
        for overlay in self.overlays:
            overlay.hide()
        self.toast.hide()
        self.toast.text.clear()
        self.ctx.voice.stop()
        if self.elder:
            self.set_elder(False)
        if self.language != self.ctx.config.terminal.language:
            self.set_language(self.ctx.config.terminal.language)
        self.attract.restart()
        self.ctx.counters.add(f"sessions.{reason}")
        if self.restart_pending:
            QTimer.singleShot(0, lambda: self.restart_between_sessions(self.restart_pending))
        if self.current.name not in ("pin_pad", "maintenance"):
            self.show_screen(self.start_screen)
        log.info("session ended (%s)", reason)

    # -- help, failsafe, services -------------------------------------------------------------
    def show_help(self) -> None:
        """Shows how to get a person."""
        self.help.cover()
        if self.voice_on():
            self.speak_prompt()

    def close_help(self) -> None:
        """Hides the help overlay."""
        self.help.hide()

    def show_failsafe(self) -> None:
        """The apology screen (a flow failed)."""
        self.ctx.counters.add("failsafes")
        self.show_screen("failsafe")

    # -- maintenance --------------------------------------------------------------------------
    def open_pin_pad(self, message: str = "") -> None:
        """Ends any resident session and asks for the technician PIN."""
        if self.ctx.sessions.active:
            self.end_session(EndReason.CANCELLED)
        for overlay in self.overlays:
            overlay.hide()
        self.pin_pad.clear()
        self.pin_pad.show_message(message)
        self.show_screen("pin_pad")

    def submit_pin(self, pin: str) -> None:
        """Checks the PIN; enters maintenance or says why not."""
        result = self.ctx.maintenance.try_pin(pin)
        if result.ok:
            self.pin_pad.wipe()
            self.maintenance.show_page("devices")
            self.show_screen("maintenance")
        elif result.reason == "locked":
            minutes = max(1, int(result.locked_for_s / 60 + 0.999))
            self.pin_pad.show_message(tr("pin.locked", self.language, minutes=minutes))
        elif result.reason == "no_pin":
            self.pin_pad.show_message(tr("pin.no_pin", self.language))
        else:
            self.pin_pad.show_message(tr("pin.wrong", self.language, left=result.attempts_left))

    def leave_maintenance(self, reason: str) -> None:
        """Back to where the kiosk rests."""
        self.ctx.maintenance.leave(reason)
        self.back_to_start()

    def back_to_start(self) -> None:
        """The attract loop (or safe mode), with nothing left over."""
        self.pin_pad.wipe()
        if self.ctx.sessions.active:
            self.end_session(EndReason.CANCELLED)
        self.show_screen(self.start_screen)

    def restart_between_sessions(self, reason: str) -> None:
        """A configuration change needs a restart: now if nobody is using the kiosk,
        otherwise as soon as the current session ends (exit 75: systemd starts us again)."""
        self.restart_pending = reason or "configuration"
        if not self.ctx.sessions.active and not self.ctx.maintenance.active:
            log.info("restarting for %s", self.restart_pending)
            self.exit_requested.emit(75)

    def clear_safe_mode(self) -> None:
        """A technician fixed the cause of the crash loop."""
        self.ctx.safe_mode = False
        self.maintenance.actions_page.refresh()

    def _failsafe_home(self) -> None:
        if self.flow is not None and self.flow.finished is None:
            self.flow.send("home")  # the flow finishes as "failsafe" and comes back here
        else:
            self.leave_failsafe()

    def leave_failsafe(self) -> None:
        """From the apology back to a clean home: the failed session's data is wiped."""
        self.flow = None
        self.end_session(EndReason.FAILSAFE)
        self.start_session("failsafe-return")
        self.show_screen("home")

    def attach_flow(self, flow: Flow[Any], home_screen: str | None = "home") -> None:
        """Follows a running flow: its failsafe shows the apology; its end goes to
        ``home_screen`` (None: the service's controller decides). A flow attached again
        (back from a part another feature ran) is only made the current one again."""
        if flow in self._attached:
            self.flow = flow
            return
        self._attached.add(flow)

        def on_state(_flow: Flow[Any], _old: str, new: str) -> None:
            self.ctx.sessions.activity()
            if new == FAILSAFE:
                self.show_failsafe()

        def on_finish(_flow: Flow[Any], outcome: str) -> None:
            if outcome == "failsafe":
                self.leave_failsafe()
            elif self.ctx.sessions.active and home_screen is not None:
                self.show_screen(home_screen)

        flow.flow_did_change_state.append(on_state)
        flow.flow_did_finish.append(on_finish)
        self.flow = flow

    def choose_service(self, service_id: str) -> None:
        """A tile was touched: the feature behind it starts."""
        state = self.home.availability.get(service_id)
        feature = self.features.get(service_id)
        if state is None or not state.enabled or feature is None:
            return
        self.ctx.counters.add(f"service.{service_id}")
        log.info("service chosen: %s", service_id)
        feature.start()

    def print_receipt(self, receipt: Receipt) -> None:
        """Sends a receipt to the printer; the job is stored first and never lost."""
        job = self.ctx.devices.printer.submit(receipt)
        self.ctx.counters.add("receipts")
        log.info("receipt %s queued as job %s", receipt.title, job)

    def refresh_availability(self) -> None:
        """Recomputes which tiles are on, from devices, config and what is built."""
        health = self.ctx.health()
        enabled = set(self.ctx.config.services.enabled)
        result: dict[str, Availability] = {}
        for feature in self.features.values():
            service = feature.service
            result[service.id] = availability(
                service,
                built=service.id in self.ctx.built_services,
                enabled_by_config=service.id in enabled,
                health=health,
            )
        self.home.set_availability(result)

    # -- devices ------------------------------------------------------------------------------
    def _on_health(self, name: str, level: str, reason: str) -> None:
        log.info("health %s: %s %s", name, level, reason)
        self.refresh_availability()

    def _on_scan(self, event: ScanEvent) -> None:
        if self.ctx.maintenance.active:
            self.ctx.maintenance.activity()
            if self.maintenance.page is self.maintenance.devices:
                self.maintenance.devices.show_scan(event)  # the scan test shows any code
            elif self.current is self.maintenance:
                self.maintenance.scanned(event)  # a page that claims the kind takes it
            return
        if event.kind is PayloadKind.TECHNICIAN_BADGE:
            outcome = self.ctx.maintenance.badge_scanned(event.text)
            if outcome == "ok":
                badge = self.ctx.maintenance.pending_badge
                name = badge.name if badge is not None else ""
                self.open_pin_pad(tr("pin.badge_ok", self.language, name=name))
            else:
                self.notify(f"badge.{outcome}")
            return
        if self.ctx.safe_mode or self.current.name in ("pin_pad", "maintenance"):
            return
        if self._feature_takes(event):
            return
        if not self.ctx.sessions.active:
            self.start_session("scan")
        else:
            self.ctx.sessions.activity()
        self.notify("scan.unused")

    def _feature_takes(self, event: ScanEvent) -> bool:
        """The feature on show takes the scan first; on the attract or home screen, a
        feature that starts on this kind of code (a points card) starts with it."""
        owner = next((f for f in self.features.values() if self.current.name in f.screens), None)
        if owner is not None and owner.scanned(event):
            self.ctx.sessions.activity()
            return True
        if self.current.name not in ("attract", "home"):
            return False
        for feature in self.features.values():
            if event.kind not in feature.starts_on:
                continue
            self.start_session("scan")
            if self._scan_available(feature):
                return feature.start_with_scan(event)
            return False
        return False

    def _scan_available(self, feature: Feature) -> bool:
        """Whether a scan may start ``feature``: its tile is on, or the devices the scan
        needs (``scan_needs``, fewer than the tile's) are there."""
        tile = self.home.availability.get(feature.service_id, Availability(False))
        if tile.enabled or feature.scan_needs is None:
            return tile.enabled
        return availability(
            replace(feature.service, needs=feature.scan_needs),
            built=feature.service_id in self.ctx.built_services,
            enabled_by_config=feature.service_id in self.ctx.config.services.enabled,
            health=self.ctx.health(),
        ).enabled

    def _on_scan_rejected(self, rejected: ScanRejected) -> None:
        if self.ctx.maintenance.active and self.maintenance.page is self.maintenance.devices:
            self.maintenance.devices.show_rejected(rejected)
        elif self.ctx.sessions.active:
            self.ctx.sessions.activity()
            self.toast.show_text(tr(rejected.reason, self.language), self.ctx.clock.monotonic())

    # -- time and touches ---------------------------------------------------------------------
    def tick(self) -> None:
        """Moves everything that depends on time: idle logic, slides, countdown, notices."""
        clock = self.ctx.clock
        now = clock.monotonic()
        self.ctx.sessions.tick()
        self.ctx.failsafes.refresh()
        self._watch_disk(now)
        if self.ctx.maintenance.active and self.features_built:
            if self.ctx.maintenance.tick():
                self.back_to_start()
            elif self.current is self.maintenance:
                self.maintenance.tick()
        if self.current is self.attract:
            self.attract.advance(now)
            self.attract.set_time(clock.now())
        for feature in self.features.values():
            feature.tick()
        if self.idle_warning.isVisible():
            self.idle_warning.set_remaining(self.ctx.sessions.warning_remaining())
        self.update_idle_countdown()
        self.toast.expire(now)

    def _watch_disk(self, now: float) -> None:
        problem = self.disk_watch.poll(now)
        if problem is not None and not self.ctx.safe_mode:
            self.ctx.safe_mode = self._safe_for_disk = True
            if self.current is self.attract:  # a resident's session ends as it would
                self.back_to_start()
        elif problem is None and self._safe_for_disk:
            self.ctx.safe_mode = self._safe_for_disk = False
            if self.current is self.safe_mode:
                self.back_to_start()

    def idle_seconds_left(self) -> float | None:
        """Seconds until the idle warning, while a resident's session runs and no warning
        shows (None otherwise)."""
        sessions = self.ctx.sessions
        if sessions.phase is not SessionPhase.ACTIVE or self.ctx.maintenance.active:
            return None
        # SessionManager has no public "idle so far"; its last activity is the one source
        idle = self.ctx.clock.monotonic() - sessions._last_activity
        return max(0.0, sessions.idle_timeout_s(sessions.screen) - idle)

    def update_idle_countdown(self) -> None:
        """Shows the quiet countdown on the current screen once the idle warning is near
        (the last ``idle_countdown_s`` seconds), hides it everywhere else."""
        left = self.idle_seconds_left()
        near = left if left is not None and left <= self.idle_countdown_s else None
        screen = self.current
        if self._countdown_on is not None and self._countdown_on is not screen:
            self._countdown_on.show_idle_countdown(None)
        screen.show_idle_countdown(near)
        self._countdown_on = screen

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Real input reaches our QWindow once, before any widget: watch it there, so every
        # touch counts once and the touch that wakes the kiosk can be kept from any button.
        if event.type() not in _TOUCH_EVENTS or watched is not self.windowHandle():
            return False
        self.build_features()  # a touch may lead to any screen
        if isinstance(event, QMouseEvent | QTouchEvent):
            point = event.points()[0].position() if event.points() else None
            gesture = point is not None and self.corner_taps.tap(
                point.x(), point.y(), self.width(), self.height(), self.ctx.clock.monotonic()
            )
            if gesture and not self.ctx.maintenance.active and self.current is not self.pin_pad:
                self.ctx.maintenance.begin_gesture()
                self.open_pin_pad()
                return True
        if self.ctx.maintenance.active:
            self.ctx.maintenance.activity()
            return False
        if self.current.name in ("pin_pad", "safe_mode"):
            return False
        if not self.ctx.sessions.active:
            self.start_session("touch")
            return True  # the touch that wakes the kiosk presses nothing
        self.ctx.sessions.activity()
        self.update_idle_countdown()  # a touch takes the countdown away at once
        return False

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.features_built:
            self.home.set_landscape(event.size().width() > event.size().height())
        for overlay in self.overlays:
            if overlay.isVisible():
                overlay.setGeometry(self.rect())

    def shutdown(self) -> None:
        """Stops timers and stops watching the application's events."""
        self.tick_timer.stop()
        if self.features_built:
            self.maintenance.shutdown()
        self.runner.stop()
        for feature in self.features.values():
            feature.close()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        self.ctx.voice.stop()
