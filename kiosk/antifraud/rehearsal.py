"""What the anti-fraud flows share: they start at their intro and end with the same goodbye.

The mirror (:mod:`kiosk.antifraud.mirror`) and the quiz (:mod:`kiosk.antifraud.quiz_flow`)
are rehearsals: nothing personal is at stake except the quiz's member id, which the quiz
forgets when it ends.
"""

from __future__ import annotations

from kiosk.framework.flow import Flow, NoData

INTRO = "intro"


class Rehearsal(Flow[NoData]):
    """An anti-fraud flow: starts at ``intro``; ``done`` speaks the anti-fraud goodbye."""

    initial = INTRO
    done_prompt = "antifraud.done.prompt"
