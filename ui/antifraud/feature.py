"""Connects the anti-fraud content, the mirror and the quiz to their screen."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from kiosk.antifraud.mirror import MirrorFlow
from kiosk.antifraud.quiz import QuizReward
from kiosk.antifraud.quiz_flow import QuizFlow
from kiosk.framework.flow import Flow
from ui.antifraud.screen import AntifraudScreen

if TYPE_CHECKING:
    from ui.shell.window import Shell

log = logging.getLogger(__name__)


class AntifraudController:
    """Browse, mirror and quiz; the quiz pays points once a day through ``earner``."""

    service_id = "antifraud"

    def __init__(self, shell: Shell) -> None:
        self.shell = shell
        self.screen = AntifraudScreen(shell.ctx.content)
        shell.add_screen(self.screen)
        self.screen.scenario_chosen = self.start_mirror
        self.screen.menu.mirror.clicked.connect(lambda: self.screen.show_page("scenarios"))
        self.screen.menu.quiz.clicked.connect(self.start_quiz)
        self.screen.home_button.clicked.connect(self.go_home)
        self.screen.card.back.clicked.connect(self._spoke)
        self.flow: Flow[Any] | None = None
        self.earner: Any = None  # a PointsEarner, when the points service is configured
        self.reward = QuizReward()

    def start(self) -> None:
        """A resident chose the service."""
        self.screen.show_page("menu")
        self.shell.show_screen(self.screen.name)

    def go_home(self) -> None:
        """Leaves anti-fraud for the home screen."""
        if self.flow is not None and self.flow.finished is None:
            self.flow.finish("cancelled")
        self.flow = None
        self.screen.mirror.view.detach()
        self.shell.show_screen("home")

    def _spoke(self) -> None:
        if self.shell.voice_on():
            self.shell.speak_prompt()

    def _follow(self, flow: Flow[Any], refresh: Callable[[], None]) -> None:
        self.flow = flow

        def entered(_flow: Flow[Any], _old: str, _new: str) -> None:
            refresh()
            self._spoke()

        flow.flow_did_enter_state.append(entered)
        flow.flow_did_finish.append(lambda _f, _o: self._finished())
        self.shell.attach_flow(flow, home_screen=None)

    def start_mirror(self, scenario_id: str) -> None:
        """The mirror: the camera picture fills the page and the scenario plays over it."""
        ctx = self.shell.ctx
        flow = MirrorFlow(
            ctx.clock,
            ctx.failsafes,
            ctx.content.scenarios[scenario_id],
            language=self.shell.language,
        )
        self.screen.mirror.flow = flow
        self._follow(flow, self.screen.mirror.refresh)
        self.screen.mirror.view.attach(ctx.devices.camera)  # plain panel if no camera
        flow.start()
        self.screen.show_page("mirror")

    def start_quiz(self) -> None:
        """Questions from the bank; points once a day for a member who scans their card."""
        ctx = self.shell.ctx
        flow = QuizFlow(
            ctx.clock,
            ctx.failsafes,
            ctx.content.quiz,
            earner=self.earner,
            reward=self.reward,
            runner=self.shell.runner,
            language=self.shell.language,
        )
        self.screen.quiz.flow = flow
        self._follow(flow, self.screen.quiz.refresh)
        flow.start()
        self.screen.show_page("quiz")

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
        if self.shell.current is self.screen:
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
