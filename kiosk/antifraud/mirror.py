"""The anti-fraud "magic mirror" as a plain state machine (no Qt), on :mod:`kiosk.framework.flow`.

The resident lives through one :class:`~kiosk.content.model.MirrorScenario` safely: the
"fraudster" speaks, the resident chooses, and every choice is answered (praise for a safe
one; for an unsafe one, what would happen next and why), until the summary lists the warning
signs met on the way.

States and the events each accepts (every state also takes ``cancel`` / ``home``, which end
the flow as ``cancelled``)::

    intro     start                  ``scenario.title``, ``scenario.intro``, ``scenario.caller``
    step      choose(index=i)        ``step``: what is said (``step.says``, ``step.channel``)
                                     and ``step.choices``; an invalid index is ignored
    outcome   next                   ``last``: the choice, ``safe``, ``feedback``, ``why``
    summary   again | done           ``warning_signs_met``, ``safe_count`` of ``choice_count``
    done      (finishes the flow as ``completed``)

The scenario's steps form a finite graph (checked when the content loads), so the flow always
reaches the summary.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.antifraud.rehearsal import INTRO, Rehearsal
from kiosk.content.model import END_STEP, LocalText, MirrorChoice, MirrorScenario, MirrorStep
from kiosk.content.speech import join_sentences
from kiosk.framework.clock import Clock
from kiosk.framework.flow import DONE, Event, FailsafeMonitor, on
from kiosk.framework.flow import Step as FlowStep
from kiosk.framework.i18n import tr

STEP = "step"
OUTCOME = "outcome"
SUMMARY = "summary"
STATE_NAMES = (INTRO, STEP, OUTCOME, SUMMARY, DONE)


@dataclass(frozen=True)
class MadeChoice:
    """A choice the resident made at a step."""

    step: MirrorStep
    choice: MirrorChoice

    @property
    def safe(self) -> bool:
        """Whether the choice was safe."""
        return self.choice.safe


class Intro(FlowStep["MirrorFlow"]):
    """The scenario's title and setting; reminds the resident it is a safe rehearsal."""

    name = INTRO
    prompt = "antifraud.mirror.intro.prompt"
    moves = on(start=STEP)

    def say(self, flow: MirrorFlow, language: str) -> str:
        s = flow.scenario
        return join_sentences([s.title.get(language), s.intro.get(language)], language)


class Step(FlowStep["MirrorFlow"]):
    """What the "fraudster" says (``flow.step``) and the choices."""

    name = STEP
    prompt = "antifraud.mirror.step.prompt"

    def arrive(self, flow: MirrorFlow) -> None:
        flow.step_number += 1

    def handle(self, flow: MirrorFlow, event: Event) -> None:
        if event.name != "choose":
            return
        index = event.data.get("index")
        step = flow.step
        if step is None or not isinstance(index, int) or isinstance(index, bool):
            return
        if 0 <= index < len(step.choices):
            flow.choose(step.choices[index])
            flow.go(OUTCOME)

    def say(self, flow: MirrorFlow, language: str) -> str:
        step = flow.step
        if step is None:
            return ""
        parts = [step.says.get(language), tr(self.prompt, language)]
        return join_sentences(parts + [c.text.get(language) for c in step.choices], language)


class Outcome(FlowStep["MirrorFlow"]):
    """The answer to a choice (``flow.last``): praise, or what would happen and why."""

    name = OUTCOME
    prompt = "antifraud.mirror.outcome.prompt"

    def handle(self, flow: MirrorFlow, event: Event) -> None:
        if event.name == "next":
            flow.go(SUMMARY if flow.advance() == END_STEP else STEP)

    def say(self, flow: MirrorFlow, language: str) -> str:
        made = flow.last
        if made is None:
            return ""
        c = made.choice
        if c.safe:
            parts = [tr("antifraud.mirror.outcome.safe", language), c.feedback.get(language)]
        else:
            parts = [
                tr("antifraud.mirror.outcome.unsafe", language),
                c.feedback.get(language),
                tr("antifraud.mirror.outcome.why", language),
                c.why.get(language) if c.why else "",
            ]
        return join_sentences(parts, language)


class Summary(FlowStep["MirrorFlow"]):
    """The warning signs met (``flow.warning_signs_met``) and how many choices were safe."""

    name = SUMMARY
    prompt = "antifraud.mirror.summary.prompt"
    moves = on(done=DONE, next=DONE)

    def handle(self, flow: MirrorFlow, event: Event) -> None:
        if event.name == "again":
            flow.restart_scenario()
            flow.go(INTRO)

    def say(self, flow: MirrorFlow, language: str) -> str:
        return join_sentences(
            [
                tr("antifraud.mirror.summary.title", language),
                *(s.get(language) for s in flow.warning_signs_met),
                tr("antifraud.mirror.summary.remember", language),
            ],
            language,
        )


class MirrorFlow(Rehearsal):
    """One mirror scenario. See the module docstring for states and events.

    Attributes:
        scenario: the scenario being lived through.
        step: the current step (None after the last).
        step_number: steps entered so far (1 at the first step).
        made: the choices made, in order.
    """

    name = "antifraud_mirror"

    def __init__(
        self,
        clock: Clock,
        monitor: FailsafeMonitor,
        scenario: MirrorScenario,
        *,
        language: str = "zh_CN",
    ) -> None:
        super().__init__(clock, monitor, [Intro(), Step(), Outcome(), Summary()])
        self.scenario = scenario
        self.language = language
        self.step: MirrorStep | None = scenario.steps[0]
        self.step_number = 0
        self.made: list[MadeChoice] = []

    # -- what screens read -------------------------------------------------------------

    @property
    def last(self) -> MadeChoice | None:
        """The choice just made (in ``outcome``)."""
        return self.made[-1] if self.made else None

    @property
    def choice_count(self) -> int:
        """Choices made."""
        return len(self.made)

    @property
    def safe_count(self) -> int:
        """Safe choices made."""
        return sum(m.safe for m in self.made)

    @property
    def warning_signs_met(self) -> tuple[LocalText, ...]:
        """The warning signs of every step met, in order, each once."""
        signs: list[LocalText] = []
        for m in self.made:
            for sign in m.step.warning_signs:
                if sign not in signs:
                    signs.append(sign)
        return tuple(signs)

    # -- what states call ----------------------------------------------------------------

    def choose(self, choice: MirrorChoice) -> None:
        """Records a choice at the current step."""
        if self.step is None:
            raise RuntimeError("no step to choose at")
        self.made.append(MadeChoice(self.step, choice))

    def advance(self) -> str:
        """Moves past the last choice; returns the next step's id or ``end``."""
        made = self.last
        if made is None:
            raise RuntimeError("no choice made yet")
        target = self.scenario.next_step_id(made.step.id, made.choice)
        self.step = None if target == END_STEP else self.scenario.step(target)
        return target

    def restart_scenario(self) -> None:
        """Starts the scenario over (``again``)."""
        self.step = self.scenario.steps[0]
        self.step_number = 0
        self.made = []
