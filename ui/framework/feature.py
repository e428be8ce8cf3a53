"""How a feature plugs into the shell: a narrow host interface, in the manner of
qutebrowser's ``api/``.

A feature (``ui/<feature>/feature.py``) brings its home tile (a :class:`ServiceInfo`), the
scan payload kinds it claims, its screens and maintenance pages. The shell knows no feature
by name: it asks the feature that owns the screen on show, then the features that start on
a scan, and routes the tile's touch to ``start``. Features talk back only through
:class:`Host`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from devices.health import HealthLevel
from devices.receipt.document import Receipt
from devices.scan_payload import PayloadKind, ScanEvent
from kiosk.framework.catalog import ServiceInfo
from kiosk.framework.flow import FinishListener, Flow, StateListener
from kiosk.framework.session import EndReason

if TYPE_CHECKING:
    from kiosk.app import AppContext
    from ui.framework.flow_screen import FlowScreen
    from ui.framework.qt_runner import QtRunner
    from ui.framework.screen import Screen


log = logging.getLogger(__name__)


class Host(Protocol):
    """What the shell offers a feature."""

    ctx: AppContext
    runner: QtRunner

    @property
    def language(self) -> str:
        """The resident's language now."""
        ...

    @property
    def current(self) -> Screen:
        """The screen on show."""
        ...

    def add_screen(self, screen: Screen) -> None:
        """Adds a screen to the stack."""
        ...

    def add_maintenance_page(self, page: Any) -> None:
        """Adds a page to the technician's maintenance screen."""
        ...

    def show_screen(self, name: str) -> None:
        """Shows a screen by name (and speaks its prompt when voice is on)."""
        ...

    def attach_flow(self, flow: Flow[Any], home_screen: str | None = "home") -> None:
        """Follows a flow: failsafe, the end of the flow, session activity. Attaching a flow
        again (back from another service's part) makes it the current one again."""
        ...

    def print_receipt(self, receipt: Receipt) -> None:
        """Queues a receipt (stored before a byte is sent)."""
        ...

    def notify(self, key: str, **fields: object) -> None:
        """A short translated notice over the screen."""
        ...

    def voice_on(self) -> bool:
        """Whether prompts are spoken now."""
        ...

    def speak_prompt(self) -> None:
        """Speaks the prompt of what is on top."""
        ...

    def start_session(self, trigger: str) -> Any:
        """Starts a resident session (a scan on the attract screen)."""
        ...

    def end_session(self, reason: EndReason) -> None:
        """Ends the resident session; everything personal is wiped."""
        ...


class Feature:
    """One service as the shell sees it. Subclasses set ``service`` and override what they
    need.

    Attributes:
        service: the home tile (id, texts, devices it cannot run without).
        starts_on: payload kinds that start this service from the attract or home screen
            (a points card starts points).
        host: the shell.
        screens: names of the screens this feature added (it is asked first about a scan
            while one of them is on show).
    """

    service: ClassVar[ServiceInfo]
    starts_on: ClassVar[frozenset[PayloadKind]] = frozenset()
    scan_needs: ClassVar[tuple[str, ...] | None] = None
    """Devices a ``starts_on`` scan needs when fewer than the tile's (None: as the tile):
    a scan then starts the feature even while its tile is off for a device it does not use."""
    redraw_in: ClassVar[frozenset[str]] = frozenset()
    """States whose screen changes with time (a countdown): redrawn on every tick."""

    def __init__(self, host: Host) -> None:
        self.host = host
        self.screens: set[str] = set()
        self.flow: Flow[Any] | None = None
        self._flow_screen: FlowScreen | None = None

    @property
    def service_id(self) -> str:
        """The service's id (the tile's, the configuration's ``services.enabled``)."""
        return self.service.id

    def add_screen(self, screen: Screen) -> None:
        """Adds one of this feature's screens to the shell."""
        self.screens.add(screen.name)
        self.host.add_screen(screen)

    def start(self) -> None:
        """A resident touched the tile."""
        raise NotImplementedError

    def run_flow(
        self,
        flow: Flow[Any],
        screen: FlowScreen,
        *,
        entered: StateListener,
        finished: FinishListener | None = None,
        home: str | None = "home",
    ) -> None:
        """Starts ``flow`` on ``screen`` for this visit: the session's end wipes it, the shell
        follows it (failsafe, end of the flow), and the feature hears each state it enters.
        When the flow ends, ``finished`` runs, then the feature forgets the flow and the
        screen is wiped; the shell then shows ``home`` (None: ``finished`` decides, as when
        the flow is one part of another service's)."""

        def on_enter(f: Flow[Any], old: str, new: str) -> None:
            entered(f, old, new)
            if f.state == new and f.current.prints and f.finished is None:
                self.print_receipt_of(f)

        def ended(f: Flow[Any], outcome: str) -> None:
            if finished is not None:
                finished(f, outcome)
            self.flow = self._flow_screen = None
            screen.wipe()

        self.flow, self._flow_screen = flow, screen
        flow.language = self.host.language
        flow.flow_did_enter_state.append(on_enter)
        flow.flow_did_finish.append(ended)
        self.end_with_session(flow)
        self.host.attach_flow(flow, home)
        screen.bind(flow)
        self.host.show_screen(screen.name)
        flow.start()

    def print_receipt_of(self, flow: Flow[Any]) -> None:
        """The one printing protocol: the flow's receipt goes to the print queue (stored
        before a byte is sent) and the flow hears ``receipt_queued``; with the printer
        offline nothing is queued and it hears ``print_failed``."""
        receipt = flow.receipt()
        if receipt is None:
            return
        if self.host.ctx.devices.printer.health.level is HealthLevel.OFFLINE:
            flow.print_failed = True
            flow.send("print_failed")
            self._redraw()
            return
        try:
            self.host.print_receipt(receipt)
        except Exception:  # rendering or storing the job failed: nothing will come out
            log.exception("%s: the receipt could not be queued", flow.name)
            flow.print_failed = True
            flow.send("print_failed")
            self._redraw()
            return
        flow.print_failed = False
        self.host.notify("receipt.take_it")
        flow.send("receipt_queued")
        self._redraw()

    def _redraw(self) -> None:
        if self.flow is not None and self._flow_screen is not None:
            self._flow_screen.show_flow()

    def end_with_session(self, flow: Flow[Any]) -> None:
        """The resident's session ending (idle, cancel) ends ``flow`` too: its listeners stop
        what it runs (a camera, a guidance thread) and its data is wiped."""
        session = self.host.ctx.sessions.session
        if session is not None:
            session.on_wipe(lambda: flow.finish("cancelled"))
            session.on_wipe(flow.wipe)  # a flow that had already finished: wiped again

    def speak(self) -> None:
        """Speaks what is on show, when voice prompts are on."""
        if self.host.voice_on():
            self.host.speak_prompt()

    def start_with_scan(self, event: ScanEvent) -> bool:
        """A payload of a ``starts_on`` kind on the attract or home screen; True if taken."""
        return False

    def scanned(self, event: ScanEvent) -> bool:
        """A scan while one of this feature's screens is on show; True if taken."""
        return False

    def tick(self) -> None:
        """Lets the running flow take up answers and deadlines while its screen is on show;
        redraws when the state changed or changes with time (``redraw_in``)."""
        flow, screen = self.flow, self._flow_screen
        if flow is None or screen is None or self.host.current is not screen:
            return
        state = flow.state
        flow.tick()
        if self.flow is flow and (flow.state != state or flow.state in self.redraw_in):
            screen.show_flow()

    def close(self) -> None:
        """Releases what the feature holds (threads, models, back ends)."""


FeatureFactory = Callable[[Host], Feature]
