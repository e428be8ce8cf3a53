"""Automatic capture: steady good frames, then a 3-2-1 countdown, then "capture now".

Driven by an injected :class:`kiosk.framework.clock.Clock`, so tests and the tour run without
sleeping.
Feed it every analysed frame; any frame with a problem resets it (the countdown stops and the
resident is told what to fix). Plain state, no threads, no Qt.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from kiosk.framework.clock import Clock
from kiosk.photo.presets import GuidancePolicy

Phase = Literal["waiting", "countdown", "capture"]


@dataclass(frozen=True)
class CaptureState:
    """What the screen shows now.

    ``phase``: ``waiting`` (collecting good frames), ``countdown`` (``countdown`` is 3, 2, 1)
    or ``capture`` (``capture_now`` is True exactly once: take the picture now).
    ``good_frames`` counts consecutive good frames.
    """

    phase: Phase
    countdown: int | None
    capture_now: bool
    good_frames: int


class AutoCapture:
    """Counts consecutive good frames, then counts down on the clock, then says capture.

    ``frames_required`` good frames in a row start the countdown from ``countdown_from``; each
    number lasts ``step_s`` seconds. A bad frame at any point resets everything. After
    ``capture_now`` the state starts over (the next good frames begin a new round).
    """

    def __init__(
        self,
        clock: Clock,
        *,
        frames_required: int = 8,
        countdown_from: int = 3,
        step_s: float = 1.0,
    ) -> None:
        if frames_required < 1 or countdown_from < 0 or step_s <= 0:
            raise ValueError("frames_required >= 1, countdown_from >= 0 and step_s > 0")
        self.clock = clock
        self.frames_required = frames_required
        self.countdown_from = countdown_from
        self.step_s = step_s
        self._good = 0
        self._started: float | None = None

    @classmethod
    def from_policy(cls, clock: Clock, policy: GuidancePolicy) -> AutoCapture:
        """Configured from ``[guidance]`` in the presets file."""
        return cls(
            clock,
            frames_required=policy.auto_capture_frames,
            countdown_from=policy.countdown_from,
            step_s=policy.countdown_step_s,
        )

    def reset(self) -> None:
        """Back to waiting, no good frames."""
        self._good = 0
        self._started = None

    def update(self, all_ok: bool) -> CaptureState:
        """Feeds one frame's verdict (``GuidanceResult.all_ok``); returns what to show."""
        if not all_ok:
            self.reset()
            return CaptureState("waiting", None, False, 0)
        self._good += 1
        now = self.clock.monotonic()
        if self._started is None:
            if self._good < self.frames_required:
                return CaptureState("waiting", None, False, self._good)
            self._started = now
        remaining = self.countdown_from - math.floor((now - self._started) / self.step_s)
        if remaining >= 1:
            return CaptureState("countdown", remaining, False, self._good)
        good = self._good
        self.reset()
        return CaptureState("capture", None, True, good)
