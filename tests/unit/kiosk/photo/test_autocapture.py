"""Automatic capture on a fake clock: good frames, countdown 3-2-1, capture; bad frames reset."""

from __future__ import annotations

import pytest

from kiosk.framework.clock import FakeClock
from kiosk.photo.autocapture import AutoCapture
from kiosk.photo.presets import load_presets


def test_good_frames_then_countdown_then_capture() -> None:
    clock = FakeClock()
    auto = AutoCapture(clock, frames_required=4, countdown_from=3, step_s=1.0)
    states = [auto.update(True) for _ in range(3)]
    assert [s.phase for s in states] == ["waiting"] * 3
    assert [s.good_frames for s in states] == [1, 2, 3]
    s = auto.update(True)
    assert (s.phase, s.countdown, s.capture_now) == ("countdown", 3, False)
    clock.advance(0.5)
    assert auto.update(True).countdown == 3
    clock.advance(0.5)
    assert auto.update(True).countdown == 2
    clock.advance(1.0)
    assert auto.update(True).countdown == 1
    clock.advance(1.0)
    s = auto.update(True)
    assert (s.phase, s.capture_now, s.countdown) == ("capture", True, None)
    # Capture is reported once; the next good frame starts a new round.
    s = auto.update(True)
    assert (s.phase, s.capture_now, s.good_frames) == ("waiting", False, 1)


def test_a_bad_frame_resets_the_countdown() -> None:
    clock = FakeClock()
    auto = AutoCapture(clock, frames_required=2, countdown_from=3, step_s=1.0)
    auto.update(True)
    assert auto.update(True).phase == "countdown"
    clock.advance(2.5)
    assert auto.update(True).countdown == 1
    s = auto.update(False)
    assert (s.phase, s.countdown, s.good_frames) == ("waiting", None, 0)
    clock.advance(10.0)
    # The count starts over: one good frame is not enough, the countdown restarts at 3.
    assert auto.update(True).phase == "waiting"
    assert auto.update(True).countdown == 3


def test_a_bad_frame_before_the_countdown_resets_the_frame_count() -> None:
    auto = AutoCapture(FakeClock(), frames_required=3)
    auto.update(True)
    auto.update(True)
    auto.update(False)
    assert auto.update(True).good_frames == 1
    assert auto.update(True).phase == "waiting"


def test_no_countdown_captures_at_once() -> None:
    auto = AutoCapture(FakeClock(), frames_required=1, countdown_from=0)
    assert auto.update(True).capture_now


def test_configured_from_the_presets_file() -> None:
    policy = load_presets().guidance
    auto = AutoCapture.from_policy(FakeClock(), policy)
    assert auto.frames_required == policy.auto_capture_frames
    assert auto.countdown_from == 3


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError):
        AutoCapture(FakeClock(), frames_required=0)
