"""The anti-fraud feature: its tile, the content, the mirror and the quiz, which pays points
through the framework's earner and recognises a points card through its member cards."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from devices.scan_payload import PayloadKind, ScanEvent
from kiosk.antifraud import SERVICE
from kiosk.antifraud.mirror import MirrorFlow
from kiosk.antifraud.quiz import QuizReward
from kiosk.antifraud.quiz_flow import QUIZ_COMPLETED, SCORE, QuizFlow
from kiosk.framework.flow import Flow
from ui.antifraud.screen import AntifraudScreen
from ui.framework.feature import Feature, Host

log = logging.getLogger(__name__)


class AntifraudFeature(Feature):
    """Browse, mirror and quiz; the quiz pays points once a day through ``earner``."""

    service = SERVICE

    def __init__(self, host: Host) -> None:
        super().__init__(host)
        ctx = host.ctx
        self.screen = AntifraudScreen(ctx.content)
        self.add_screen(self.screen)
        self.screen.scenario_chosen = self.start_mirror
        self.screen.menu.mirror.clicked.connect(lambda: self.screen.show_page("scenarios"))
        self.screen.menu.quiz.clicked.connect(self.start_quiz)
        self.screen.home_button.clicked.connect(self.go_home)
        self.screen.card.back.clicked.connect(self.speak)
        self.flow: Flow[Any] | None = None
        # Points go through the framework's earner: the points back end, built on first use.
        self.earner: Any = ctx.earner
        self.reward = QuizReward(points_per_day=ctx.config.points.quiz_points_per_day)

    def start(self) -> None:
        """A resident chose the service."""
        self.screen.show_page("menu")
        self.host.show_screen(self.screen.name)

    def go_home(self) -> None:
        """Leaves anti-fraud for the home screen."""
        if self.flow is not None and self.flow.finished is None:
            self.flow.finish("cancelled")
        self.flow = None
        self.screen.mirror.view.detach()
        self.host.show_screen("home")

    def _follow(self, flow: Flow[Any], refresh: Callable[[], None]) -> None:
        self.flow = flow

        def entered(_flow: Flow[Any], _old: str, _new: str) -> None:
            refresh()
            self.speak()

        flow.flow_did_enter_state.append(entered)
        flow.flow_did_finish.append(lambda _f, _o: self._finished())
        self.end_with_session(flow)
        self.host.attach_flow(flow, home_screen=None)

    def start_mirror(self, scenario_id: str) -> None:
        """The mirror: the camera picture fills the page and the scenario plays over it."""
        ctx = self.host.ctx
        flow = MirrorFlow(
            ctx.clock,
            ctx.failsafes,
            ctx.content.scenarios[scenario_id],
            language=self.host.language,
        )
        self.screen.mirror.flow = flow
        self._follow(flow, self.screen.mirror.refresh)
        self.screen.mirror.view.attach(ctx.devices.camera)  # plain panel if no camera
        flow.start()
        self.screen.show_page("mirror")

    def start_quiz(self) -> None:
        """Questions from the bank; points once a day for a member who scans their card."""
        ctx = self.host.ctx
        flow = QuizFlow(
            ctx.clock,
            ctx.failsafes,
            ctx.content.quiz,
            earner=self.earner,
            reward=self.reward,
            runner=self.host.runner,
            language=self.host.language,
        )
        self.screen.quiz.flow = flow
        self._follow(flow, self.screen.quiz.refresh)

        def completed(_flow: Flow[Any], _old: str, new: str) -> None:
            if new == SCORE:  # every quiz finished, with a points card or without
                ctx.counters.add(QUIZ_COMPLETED)

        flow.flow_did_enter_state.append(completed)
        flow.start()
        self.screen.show_page("quiz")

    def scanned(self, event: ScanEvent) -> bool:
        """A points card during the quiz identifies who earns its points."""
        if event.kind is not PayloadKind.MEMBER_TOKEN or not isinstance(self.flow, QuizFlow):
            return False
        member = self.host.ctx.member_cards.member_id(event.text)
        return bool(member) and self.member_scanned(member)

    def member_scanned(self, member_id: str) -> bool:
        """A verified member during the quiz; True if the quiz took it."""
        flow = self.flow
        if isinstance(flow, QuizFlow) and flow.finished is None:
            flow.send("member", member_id=member_id)
            self.screen.quiz.refresh()
            return True
        return False

    def _finished(self) -> None:
        self.flow = None
        self.screen.mirror.view.detach()
        if self.host.current is self.screen:
            self.screen.show_page("menu")

    def tick(self) -> None:
        """Lets the quiz notice a reward answered from the worker."""
        if isinstance(self.flow, QuizFlow):
            state = self.flow.state
            self.flow.tick()
            if self.flow is not None and self.flow.state != state:
                self.screen.quiz.refresh()

    def close(self) -> None:
        """Stops the camera preview."""
        self.screen.mirror.view.detach()
